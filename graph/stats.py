"""Summary counts of a built knowledge base, computed from either projection.

:func:`from_rdf` asks the pyoxigraph store with SPARQL; :func:`from_graph` walks the
networkx projection. Both return the same structure, and the parity tests compare them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import networkx as nx
import pyoxigraph as ox

from graph.property_graph import SUBCLASS_PREDICATE
from graph.vocab import MKG, RDF, RDFS, SUBCLASS_OF, Category, Confidence, Predicate

_PRIMARY_TYPE = {c.rdf_types[0]: c.key for c in Category}
_PREDICATE_KEY = {p.iri: p.key for p in Predicate}


def _summary(
    nodes: Counter[str],
    edges: Counter[str],
    confidence: Counter[str],
    *,
    ordered_steps: int,
    references: int,
    unreferenced: int,
    retracted_only: int,
) -> dict[str, Any]:
    associations = sum(v for k, v in edges.items() if k != SUBCLASS_PREDICATE)
    return {
        "nodes": {c.key: nodes.get(c.key, 0) for c in Category},
        "edges": {
            **{p.key: edges.get(p.key, 0) for p in Predicate},
            SUBCLASS_PREDICATE: edges.get(SUBCLASS_PREDICATE, 0),
        },
        "associations": associations,
        "confidence": {c.value: confidence.get(c.value, 0) for c in Confidence},
        "genes_and_mirnas": nodes.get("gene", 0) + nodes.get("microrna", 0),
        "ordered_cascade_steps": ordered_steps,
        "review_references": references,
        "associations_without_reference": unreferenced,
        "associations_resting_only_on_retracted": retracted_only,
    }


def _count(store: ox.Store, query: str) -> int:
    rows = list(store.query(query))
    return int(rows[0][0].value) if rows and rows[0][0] is not None else 0


def from_rdf(store: ox.Store) -> dict[str, Any]:
    prefixes = {"rdf": RDF, "rdfs": RDFS, "mkg": MKG, "biolink": "https://w3id.org/biolink/vocab/"}
    nodes: Counter[str] = Counter()
    types = " ".join(f"<{t}>" for t in _PRIMARY_TYPE)
    for row in store.query(
        f"SELECT ?t (COUNT(DISTINCT ?n) AS ?c) WHERE {{ VALUES ?t {{ {types} }} ?n a ?t }} "
        "GROUP BY ?t",
    ):
        nodes[_PRIMARY_TYPE[row["t"].value]] = int(row["c"].value)
    edges: Counter[str] = Counter()
    for row in store.query(
        "SELECT ?p (COUNT(?a) AS ?c) WHERE { ?a a rdf:Statement ; rdf:predicate ?p } GROUP BY ?p",
        prefixes=prefixes,
    ):
        edges[_PREDICATE_KEY.get(row["p"].value, row["p"].value)] = int(row["c"].value)
    edges[SUBCLASS_PREDICATE] = _count(
        store, f"SELECT (COUNT(*) AS ?c) WHERE {{ ?x <{SUBCLASS_OF}> ?y }}"
    )
    confidence: Counter[str] = Counter()
    for row in store.query(
        "SELECT ?v (COUNT(?a) AS ?c) WHERE { ?a a rdf:Statement ; mkg:confidence ?v } GROUP BY ?v",
        prefixes=prefixes,
    ):
        confidence[row["v"].value] = int(row["c"].value)
    q = store.query
    return _summary(
        nodes,
        edges,
        confidence,
        ordered_steps=_count_q(
            q, "SELECT (COUNT(?s) AS ?c) WHERE { ?s a mkg:CascadeStep ; mkg:order ?o }", prefixes
        ),
        references=_count_q(
            q, "SELECT (COUNT(?r) AS ?c) WHERE { ?r mkg:referenceNumber ?n }", prefixes
        ),
        unreferenced=_count_q(
            q,
            "SELECT (COUNT(?a) AS ?c) WHERE { ?a a rdf:Statement "
            "FILTER NOT EXISTS { ?a biolink:publications ?r } }",
            prefixes,
        ),
        retracted_only=_count_q(
            q,
            "SELECT (COUNT(?a) AS ?c) WHERE { ?a a rdf:Statement ; mkg:restsOnlyOnRetracted true }",
            prefixes,
        ),
    )


def _count_q(query, text: str, prefixes: dict[str, str]) -> int:  # type: ignore[no-untyped-def]
    rows = list(query(text, prefixes=prefixes))
    return int(rows[0][0].value) if rows else 0


def from_graph(graph: nx.MultiDiGraph) -> dict[str, Any]:
    nodes = Counter(d["category"] for _, d in graph.nodes(data=True))
    edges = Counter(d["predicate"] for _, _, d in graph.edges(data=True))
    associations = [d for _, _, d in graph.edges(data=True) if d["kind"] == "association"]
    return _summary(
        nodes,
        edges,
        Counter(d["confidence"] for d in associations),
        ordered_steps=sum(
            1
            for _, d in graph.nodes(data=True)
            if d["category"] == "cascade_step" and d.get("order")
        ),
        references=sum(1 for _, d in graph.nodes(data=True) if d.get("referenceNumber")),
        unreferenced=sum(1 for d in associations if not d["references"]),
        retracted_only=sum(1 for d in associations if d["rests_only_on_retracted"]),
    )
