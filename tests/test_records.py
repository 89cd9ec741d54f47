"""The stored property graph converts back to records without loss: writing those records
again gives the same networkx graph and the same RDF as the build did."""

from __future__ import annotations

import networkx as nx

from graph.property_graph import NetworkxSink
from graph.rdf import OxigraphSink, canonical_ntriples
from graph.records import edges_of, hierarchy_of, location, nodes_of
from graph.sinks import write_all
from graph.store import KnowledgeStore


def test_location_parses_file_and_line() -> None:
    assert (location("a/b.tsv:12").file, location("a/b.tsv:12").line) == ("a/b.tsv", 12)
    assert (location("review").file, location("review").line) == ("review", 0)


def test_records_rebuild_the_same_property_graph(graph: nx.MultiDiGraph) -> None:
    sink = write_all(NetworkxSink(), nodes_of(graph), edges_of(graph), hierarchy_of(graph))
    rebuilt = sink.graph
    assert dict(rebuilt.nodes(data=True)) == dict(graph.nodes(data=True))
    assert sorted(rebuilt.edges(keys=True, data=True), key=lambda e: e[2]) == sorted(
        graph.edges(keys=True, data=True), key=lambda e: e[2]
    )


def test_records_rebuild_the_same_rdf(graph: nx.MultiDiGraph, store: KnowledgeStore) -> None:
    sink = write_all(OxigraphSink(), nodes_of(graph), edges_of(graph), hierarchy_of(graph))
    assert canonical_ntriples(sink.store) == canonical_ntriples(store.rdf)
