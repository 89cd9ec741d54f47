"""The RDF projection: records as triples, written to a pyoxigraph store.

Each association becomes a reified node (``rdf:Statement`` and ``biolink:Association``, with
``rdf:subject``/``rdf:predicate``/``rdf:object`` and its evidence) plus the direct triple, the
shape KGX RDF uses. Hierarchy edges are plain ``rdfs:subClassOf`` triples.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from graph.curie import expand
from graph.model import EdgeRecord, NodeRecord, SubclassRecord
from graph.sinks import register_sink
from graph.vocab import (
    BIOLINK,
    DCTERMS,
    RDF,
    RDFS,
    SKOS,
    SUBCLASS_OF,
    XSD,
    mkg_term,
)

_TYPE = ox.NamedNode(RDF + "type")
_LABEL = ox.NamedNode(RDFS + "label")
_ALT = ox.NamedNode(SKOS + "altLabel")
_HIDDEN = ox.NamedNode(SKOS + "hiddenLabel")
_MATCH = ox.NamedNode(SKOS + "exactMatch")
_DESCRIPTION = ox.NamedNode(DCTERMS + "description")
_SYMBOL = ox.NamedNode(BIOLINK + "symbol")
_TAXON = ox.NamedNode(BIOLINK + "in_taxon")
_FULL_NAME = ox.NamedNode(BIOLINK + "full_name")
_STATEMENT = ox.NamedNode(RDF + "Statement")
_ASSOCIATION = ox.NamedNode(BIOLINK + "Association")
_SUBJECT = ox.NamedNode(RDF + "subject")
_PREDICATE = ox.NamedNode(RDF + "predicate")
_OBJECT = ox.NamedNode(RDF + "object")
_PUBLICATIONS = ox.NamedNode(BIOLINK + "publications")
_KNOWLEDGE_LEVEL = ox.NamedNode(BIOLINK + "knowledge_level")
_AGENT_TYPE = ox.NamedNode(BIOLINK + "agent_type")
_PRIMARY_SOURCE = ox.NamedNode(BIOLINK + "primary_knowledge_source")
_SUBCLASS = ox.NamedNode(SUBCLASS_OF)
_INFORES = ox.Literal("infores:metakg")

#: Node properties that map to an existing vocabulary instead of ``mkg:``.
_PROPERTY_IRIS = {"fullName": _FULL_NAME}


def iri(curie: str) -> ox.NamedNode:
    return ox.NamedNode(expand(curie))


def literal(value: object) -> ox.Literal:
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))
    if isinstance(value, float):
        return ox.Literal(repr(value), datatype=ox.NamedNode(XSD + "double"))
    return ox.Literal(str(value))


def _mkg(name: str) -> ox.NamedNode:
    return ox.NamedNode(mkg_term(name))


def node_triples(node: NodeRecord) -> Iterator[ox.Triple]:
    s = iri(node.id)
    for rdf_type in node.category.rdf_types:
        yield ox.Triple(s, _TYPE, ox.NamedNode(rdf_type))
    yield ox.Triple(s, _LABEL, ox.Literal(node.label))
    if node.symbol:
        yield ox.Triple(s, _SYMBOL, ox.Literal(node.symbol))
    for synonym in node.synonyms:
        yield ox.Triple(s, _ALT, ox.Literal(synonym))
    for synonym in node.weak_synonyms:
        yield ox.Triple(s, _HIDDEN, ox.Literal(synonym))
    for xref in node.xrefs:
        yield ox.Triple(s, _MATCH, iri(xref))
    if node.description:
        yield ox.Triple(s, _DESCRIPTION, ox.Literal(node.description))
    if node.taxon:
        yield ox.Triple(s, _TAXON, iri(node.taxon))
    for name, value in node.properties:
        if value is None or value == "":
            continue
        yield ox.Triple(s, _PROPERTY_IRIS.get(name) or _mkg(name), literal(value))


def edge_triples(edge: EdgeRecord) -> Iterator[ox.Triple]:
    s, p, o = iri(edge.subject), ox.NamedNode(edge.predicate.iri), iri(edge.object)
    yield ox.Triple(s, p, o)
    a = iri(edge.id)
    yield ox.Triple(a, _TYPE, _STATEMENT)
    yield ox.Triple(a, _TYPE, _ASSOCIATION)
    yield ox.Triple(a, _SUBJECT, s)
    yield ox.Triple(a, _PREDICATE, p)
    yield ox.Triple(a, _OBJECT, o)
    for ref in edge.references:
        yield ox.Triple(a, _PUBLICATIONS, iri(ref))
    yield ox.Triple(a, _mkg("confidence"), ox.Literal(edge.confidence.value))
    yield ox.Triple(a, _mkg("direction"), ox.Literal(edge.direction.value))
    for evidence in edge.evidence_types:
        yield ox.Triple(a, _mkg("evidenceType"), ox.Literal(evidence.value))
    if edge.organism:
        yield ox.Triple(a, _mkg("organism"), ox.Literal(edge.organism.value))
    for name, value in (
        ("cancerTypeContext", edge.cancer_type),
        ("organContext", edge.organ),
        ("stepContext", edge.step),
    ):
        if value:
            yield ox.Triple(a, _mkg(name), iri(value))
    if edge.frequency is not None:
        yield ox.Triple(a, _mkg("frequency"), literal(edge.frequency))
    yield ox.Triple(a, _KNOWLEDGE_LEVEL, ox.Literal(edge.knowledge_level.value))
    yield ox.Triple(a, _AGENT_TYPE, ox.Literal(edge.agent_type.value))
    yield ox.Triple(a, _PRIMARY_SOURCE, _INFORES)
    yield ox.Triple(a, _mkg("restsOnlyOnRetracted"), literal(edge.rests_only_on_retracted))
    yield ox.Triple(a, _mkg("note"), ox.Literal(edge.note))
    yield ox.Triple(a, _mkg("sourceFile"), ox.Literal(edge.source.file))
    yield ox.Triple(a, _mkg("sourceLine"), literal(edge.source.line))


def subclass_triples(link: SubclassRecord) -> Iterator[ox.Triple]:
    yield ox.Triple(iri(link.child), _SUBCLASS, iri(link.parent))


class OxigraphSink:
    """Writes triples into a pyoxigraph store: on disk at ``path``, or in memory."""

    keeps_evidence = True

    def __init__(self, path: Path | str | None = None) -> None:
        self.persistent = path is not None
        self.store = ox.Store(str(path)) if path is not None else ox.Store()
        self._quads: list[ox.Quad] = []

    def _add(self, triples: Iterator[ox.Triple]) -> None:
        graph = ox.DefaultGraph()
        self._quads.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)

    def write_node(self, node: NodeRecord) -> None:
        self._add(node_triples(node))

    def write_edge(self, edge: EdgeRecord) -> None:
        self._add(edge_triples(edge))

    def write_subclass(self, edge: SubclassRecord) -> None:
        self._add(subclass_triples(edge))

    def finalize(self) -> None:
        self.store.bulk_extend(self._quads)
        self._quads = []
        self.store.flush()
        if self.persistent:
            self.store.optimize()


def canonical_ntriples(store: ox.Store) -> bytes:
    """Every triple of the default graph as sorted N-Triples: a byte-comparable fingerprint.
    Named graphs (a built store's dataset description, graph/dataset.py) are left out."""
    quads = store.quads_for_pattern(None, None, None, ox.DefaultGraph())
    lines = sorted(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    return ("\n".join(lines) + "\n").encode("utf-8")


register_sink("oxigraph", OxigraphSink)
