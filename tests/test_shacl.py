"""SHACL shapes: the curated RDF conforms, and each shape catches what it is meant to."""

from __future__ import annotations

from dataclasses import replace

import pyoxigraph as ox

from graph import shacl
from graph.rdf import OxigraphSink, iri
from graph.sinks import write_all
from graph.store import KnowledgeStore
from graph.vocab import BIOLINK, MKG, Confidence
from ingest.pipeline import KnowledgeBase


def _store(kb: KnowledgeBase, edges=None, nodes=None) -> ox.Store:  # type: ignore[no-untyped-def]
    sink = write_all(OxigraphSink(), nodes or kb.nodes, edges or kb.edges, kb.hierarchy)
    return sink.store  # type: ignore[attr-defined]


def test_the_built_store_conforms(store: KnowledgeStore) -> None:
    assert shacl.check(store.rdf) == []


def test_association_without_publication(kb: KnowledgeBase) -> None:
    edge = replace(kb.edges[0], references=())
    violations = shacl.check(_store(kb, edges=[edge]))
    assert [(v.focus, v.message) for v in violations] == [
        (iri(edge.id).value, "an association must cite at least one publication")
    ]


def test_association_without_confidence(kb: KnowledgeBase) -> None:
    store = _store(kb, edges=[kb.edges[0]])
    node = iri(kb.edges[0].id)
    store.remove(
        ox.Quad(
            node,
            ox.NamedNode(MKG + "confidence"),
            ox.Literal(kb.edges[0].confidence.value),
            ox.DefaultGraph(),
        )
    )
    assert [v.message for v in shacl.check(store)] == [
        "an association needs one confidence: high, medium or low"
    ]


def test_association_with_two_confidences(kb: KnowledgeBase) -> None:
    edge = replace(kb.edges[0], confidence=Confidence.HIGH)
    store = _store(kb, edges=[edge])
    store.add(
        ox.Quad(
            iri(edge.id), ox.NamedNode(MKG + "confidence"), ox.Literal("low"), ox.DefaultGraph()
        )
    )
    assert [v.path for v in shacl.check(store)] == [MKG + "confidence"]


def test_gene_without_symbol(kb: KnowledgeBase) -> None:
    gene = next(n for n in kb.nodes if n.symbol == "EREG")
    store = _store(kb)
    store.remove(
        ox.Quad(
            iri(gene.id), ox.NamedNode(BIOLINK + "symbol"), ox.Literal("EREG"), ox.DefaultGraph()
        )
    )
    violations = shacl.check(store)
    assert [(v.focus, v.message) for v in violations] == [
        (iri(gene.id).value, "a gene needs exactly one symbol")
    ]
