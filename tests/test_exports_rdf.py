"""RDF exports: every format reads back, with rdflib and with pyoxigraph, to the store's triples.

N-Quads keeps the same triples, split into the default graph and one named graph of evidence
per source, plus a description graph. JSON-LD is compacted with the published context.
"""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib

from graph.curie import converter
from graph.exports import DatasetInfo, DirectoryOutput, StreamOutput, create_exporter, export_graph
from graph.exports.rdf import BASE_PREFIXES, DESCRIPTION_GRAPH, jsonld_context, source_graph
from graph.rdf import canonical_ntriples, edge_triples, node_triples, subclass_triples
from graph.records import edges_of, hierarchy_of, nodes_of
from graph.sinks import write_all
from graph.store import KnowledgeStore
from graph.vocab import RDF, Predicate

SINGLE_GRAPH = {
    # export key: (file extension, rdflib format, pyoxigraph format)
    "turtle": ("ttl", "turtle", ox.RdfFormat.TURTLE),
    "ntriples": ("nt", "nt", ox.RdfFormat.N_TRIPLES),
    "rdfxml": ("rdf", "xml", ox.RdfFormat.RDF_XML),
    "jsonld": ("jsonld", "json-ld", ox.RdfFormat.JSON_LD),
}
# rdflib's own readers call its deprecated APIs; nothing in metakg does.
RDFLIB_DEPRECATIONS = (
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning"),
)


def rdflib_deprecations(test):  # type: ignore[no-untyped-def]
    for mark in RDFLIB_DEPRECATIONS:
        test = mark(test)
    return test


@pytest.fixture(scope="module")
def exported(graph: nx.MultiDiGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("rdf-exports")
    output = DirectoryOutput(directory)
    for key in (*SINGLE_GRAPH, "nquads"):
        export_graph(graph, key, output, info=DatasetInfo(version="test"))
    assert sorted(output.names) == sorted(
        f"metakg.{ext}" for ext in ("ttl", "nt", "rdf", "jsonld", "nq")
    )
    return directory


def lines(triples: object) -> set[str]:
    return {f"{t.subject} {t.predicate} {t.object} ." for t in triples}  # type: ignore[attr-defined]


def record_triples(graph: nx.MultiDiGraph) -> set[str]:
    """The triples the records give, built without the exporters."""
    found: set[ox.Triple] = set()
    for node in nodes_of(graph):
        found.update(node_triples(node))
    for edge in edges_of(graph):
        found.update(edge_triples(edge))
    for link in hierarchy_of(graph):
        found.update(subclass_triples(link))
    return lines(found)


def store_triples(store: KnowledgeStore) -> set[str]:
    return set(canonical_ntriples(store.rdf).decode("utf-8").splitlines())


@pytest.mark.parametrize("key", sorted(SINGLE_GRAPH))
@rdflib_deprecations
@pytest.mark.slow
def test_each_format_reads_back_to_the_store_with_both_readers(
    key: str, exported: Path, graph: nx.MultiDiGraph, store: KnowledgeStore
) -> None:
    extension, rdflib_format, ox_format = SINGLE_GRAPH[key]
    data = (exported / f"metakg.{extension}").read_bytes()
    expected = store_triples(store)
    assert expected == record_triples(graph)

    by_oxigraph = list(ox.parse(data, format=ox_format))
    assert len(by_oxigraph) == len(expected)
    assert lines(by_oxigraph) == expected

    by_rdflib = rdflib.Graph().parse(data=data, format=rdflib_format)
    reference = rdflib.Graph().parse(data=canonical_ntriples(store.rdf), format="nt")
    assert len(by_rdflib) == len(expected)
    assert set(by_rdflib) == set(reference)


def test_ntriples_is_the_stores_canonical_ntriples(exported: Path, store: KnowledgeStore) -> None:
    text = (exported / "metakg.nt").read_text(encoding="utf-8")
    header, *body = text.splitlines()
    assert header.startswith("# metakg") and "version test" in header
    assert ("\n".join(sorted(body)) + "\n").encode() == canonical_ntriples(store.rdf)


@rdflib_deprecations
def test_nquads_puts_evidence_in_the_named_graph_of_its_source(
    exported: Path, graph: nx.MultiDiGraph, store: KnowledgeStore
) -> None:
    data = (exported / "metakg.nq").read_bytes()
    quads = list(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    by_graph: dict[str, set[str]] = {}
    for q in quads:
        name = "" if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value
        by_graph.setdefault(name, set()).add(f"{q.subject} {q.predicate} {q.object} .")
    curated = source_graph("curated")
    assert curated == "https://w3id.org/metakg/id/source/curated"
    assert set(by_graph) == {"", curated, DESCRIPTION_GRAPH}

    edges = list(edges_of(graph))
    associations = {f"<{converter().expand(e.id)}>" for e in edges}
    evidence_subjects = {line.split(" ", 1)[0] for line in by_graph[curated]}
    assert evidence_subjects == associations
    assert not {line.split(" ", 1)[0] for line in by_graph[""]} & associations
    # the direct triple of every association is in the default graph
    direct = {next(edge_triples(e)) for e in edges}
    assert lines(direct) <= by_graph[""]
    assert by_graph[""] | by_graph[curated] == store_triples(store)
    assert not by_graph[""] & by_graph[curated]

    description = by_graph[DESCRIPTION_GRAPH]
    assert f'<{curated}> <http://rdfs.org/ns/void#triples> "{len(by_graph[curated])}"' in (
        " ".join(description)
    )

    dataset = rdflib.Dataset().parse(data=data, format="nquads")
    assert len(list(dataset.quads())) == len(quads)
    assert len(dataset.graph(rdflib.URIRef(curated))) == len(by_graph[curated])
    assert len(dataset.default_graph) == len(by_graph[""])


def test_turtle_and_rdfxml_use_the_prefixes(exported: Path) -> None:
    turtle = (exported / "metakg.ttl").read_text(encoding="utf-8")
    expected = dict(BASE_PREFIXES)
    for prefix in ("NCBIGene", "UBERON", "DOID", "HGNC", "NCBITaxon", "PMID", "doi"):
        expected[prefix] = converter().expand(prefix + ":") or ""
    for prefix, uri in expected.items():
        assert f"@prefix {prefix}: <{uri}> ." in turtle
    body = "\n".join(line for line in turtle.splitlines() if not line.startswith("@prefix"))
    assert "UBERON:0002481" in body and "metakg:step\\/colonization" in body
    assert "<http://purl.obolibrary.org/obo/UBERON_" not in body
    rdfxml = (exported / "metakg.rdf").read_text(encoding="utf-8")
    assert 'xmlns:biolink="https://w3id.org/biolink/vocab/"' in rdfxml
    assert "<biolink:symbol>TGFB1</biolink:symbol>" in rdfxml


def test_jsonld_is_compacted_with_the_published_context(exported: Path) -> None:
    document = json.loads((exported / "metakg.jsonld").read_text(encoding="utf-8"))
    assert document["@context"] == jsonld_context()["@context"]
    nodes = {node["id"]: node for node in document["@graph"]}
    assert list(nodes) == sorted(nodes)
    tgfb1 = nodes["NCBIGene:7040"]
    assert tgfb1["type"] == "biolink:Gene" and tgfb1["symbol"] == "TGFB1"
    assert "UBERON:0002481" in tgfb1["mediates_metastasis_to"]
    assert isinstance(tgfb1["xref"], list)  # an @set term is always a list
    # every property has a short term, every identifier a compact IRI
    assert all(":" not in key for node in nodes.values() for key in node)
    assert all(not node_id.startswith("http") for node_id in nodes)
    association = next(n for n in nodes.values() if n["id"].startswith("metakg:assoc/"))
    assert association["type"] == ["biolink:Association", "rdf:Statement"]
    assert association["rests_only_on_retracted"] in ("true", "false")


def test_context_agrees_with_the_curie_converter_and_names_every_predicate() -> None:
    context = jsonld_context()["@context"]
    prefixes = {
        name: value if isinstance(value, str) else value["@id"]
        for name, value in context.items()
        if not name.startswith("@")
        and (
            isinstance(value, str)
            and value.endswith(("/", "#", "_"))
            or isinstance(value, dict)
            and value.get("@prefix")
        )
    }
    assert {"NCBIGene", "UBERON", "DOID", "PMID", "doi", "metakg", "mkg", "biolink"} <= set(
        prefixes
    )
    for name, uri in prefixes.items():
        if name != "dcterms":  # Biolink's map calls it dct
            assert converter().expand(f"{name}:x") == uri + "x", name
    term_iris = {
        (value if isinstance(value, str) else value["@id"])
        for value in context.values()
        if isinstance(value, (str, dict))
    }
    for predicate in Predicate:
        assert converter().compress(predicate.iri) in term_iris, predicate
    context["label"] = "changed"
    assert jsonld_context()["@context"]["label"] == "rdfs:label"  # a copy each call


def small_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    gene = next(n for n, d in graph.nodes(data=True) if d.get("symbol") == "TGFB1")
    keep = [gene, *list(graph.successors(gene))[:3]]
    return graph.subgraph(keep).copy()


def export_bytes(key: str, graph: nx.MultiDiGraph, *, reverse: bool = False) -> bytes:
    stream = io.BytesIO()
    sink = create_exporter(key, StreamOutput(stream), info=DatasetInfo())
    nodes, edges, links = list(nodes_of(graph)), list(edges_of(graph)), list(hierarchy_of(graph))
    if reverse:
        nodes, edges, links = nodes[::-1], edges[::-1], links[::-1]
    write_all(sink, nodes, edges, links)
    return stream.getvalue()


@pytest.mark.parametrize("key", [*SINGLE_GRAPH, "nquads"])
def test_exports_are_deterministic_whatever_the_record_order(
    key: str, graph: nx.MultiDiGraph
) -> None:
    sub = small_graph(graph)
    assert export_bytes(key, sub) == export_bytes(key, sub, reverse=True)


@rdflib_deprecations
def test_small_subgraph_declares_only_the_prefixes_it_uses(graph: nx.MultiDiGraph) -> None:
    sub = small_graph(graph)
    turtle = export_bytes("turtle", sub).decode("utf-8")
    assert "@prefix PMCID:" not in turtle and "@prefix NCBIGene:" in turtle
    assert lines(ox.parse(turtle, format=ox.RdfFormat.TURTLE)) == record_triples(sub)
    document = json.loads(export_bytes("jsonld", sub))
    expanded = rdflib.Graph().parse(data=json.dumps(document), format="json-ld")
    assert len(expanded) == len(record_triples(sub))


def test_nquads_of_nodes_only_and_of_another_source() -> None:
    from graph.model import EdgeRecord, NodeRecord, SourceLocation
    from graph.vocab import Category, Confidence

    here = SourceLocation("test.tsv", 1)
    gene = NodeRecord("NCBIGene:7040", Category.GENE, "TGFB1", here, symbol="TGFB1")
    organ = NodeRecord("UBERON:0002481", Category.ORGAN, "Bone", here)
    stream = io.BytesIO()
    write_all(create_exporter("nquads", StreamOutput(stream), info=DatasetInfo()), [gene], [])
    quads = list(ox.parse(stream.getvalue(), format=ox.RdfFormat.N_QUADS))
    assert {type(q.graph_name) for q in quads} == {ox.DefaultGraph, ox.NamedNode}
    assert {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)} == {
        DESCRIPTION_GRAPH
    }

    edge = EdgeRecord(
        "NCBIGene:7040",
        Predicate.MEDIATES_METASTASIS_TO,
        "UBERON:0002481",
        here,
        ("PMID:1",),
        Confidence.HIGH,
        "a note",
        origin="my upload",
    )
    stream = io.BytesIO()
    sink = create_exporter("nquads", StreamOutput(stream), info=DatasetInfo())
    write_all(sink, [gene, organ], [edge, dataclasses.replace(edge, origin="curated")])
    quads = list(ox.parse(stream.getvalue(), format=ox.RdfFormat.N_QUADS))
    names = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    upload = "https://w3id.org/metakg/id/source/my%20upload"
    assert names == {DESCRIPTION_GRAPH, upload, source_graph("curated")}
    typed = {
        q.subject.value
        for q in quads
        if q.graph_name == ox.NamedNode(upload) and q.predicate.value == RDF + "type"
    }
    assert typed == {converter().expand(edge.id)}
