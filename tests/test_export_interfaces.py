"""Selecting subgraphs, and exports through `metakg export` and `/api/v1/export`.

The formats themselves are checked by independent readers in tests/test_exports_*.py; here:
the selectors, that the command line and the HTTP API give the same bytes for every format,
releases with checksums, and clear errors that write nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from graph.exports import ExportFormat, available_formats
from queries import lookup, named, subgraph
from queries.subgraph import SelectionError
from server.cli.commands import main
from server.exporting import ExportRequest, select

PTGS2 = "NCBIGene:5743"


def _closed(sub: nx.MultiDiGraph, graph: nx.MultiDiGraph) -> None:
    """Every edge's endpoints and cited publications are in the subgraph, with the same data."""
    for u, v, key, data in sub.edges(keys=True, data=True):
        assert data == graph.edges[u, v, key]
        for ref in data.get("references", ()):
            assert ref in sub
    for node, data in sub.nodes(data=True):
        assert data == graph.nodes[node]


def test_around_grows_with_hops_and_is_closed(graph: nx.MultiDiGraph) -> None:
    sizes = []
    for hops in (0, 1, 2):
        sub = subgraph.around(graph, [PTGS2], subgraph.neighbourhood(hops=hops))
        _closed(sub, graph)
        sizes.append(sub.number_of_nodes())
    assert sizes[0] == 1 and sizes[0] < sizes[1] < sizes[2] < graph.number_of_nodes()
    one = subgraph.around(graph, [PTGS2], subgraph.neighbourhood(hops=1))
    direct = {v for _, v, d in graph.out_edges(PTGS2, data=True) if d["kind"] == "association"}
    direct |= {u for u, _, d in graph.in_edges(PTGS2, data=True) if d["kind"] == "association"}
    assert direct <= set(one)


def test_around_filters(graph: nx.MultiDiGraph) -> None:
    options = subgraph.neighbourhood(hops=2, min_confidence="high", categories=["gene", "organ"])
    sub = subgraph.around(graph, [PTGS2], options)
    kinds = {d["category"] for n, d in sub.nodes(data=True) if n != PTGS2}
    assert kinds <= {"gene", "organ", "publication"}
    edges = sub.edges(data=True)
    confidences = {d["confidence"] for _, _, d in edges if d["kind"] == "association"}
    assert confidences == {"high"}
    only = subgraph.around(
        graph, [PTGS2], subgraph.neighbourhood(hops=1, predicates=["mediates_metastasis_to"])
    )
    assert {d["predicate"] for _, _, d in only.edges(data=True) if d["kind"] == "association"} == {
        "mediates_metastasis_to"
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"hops": 9}, "hops must be between"),
        ({"categories": ["genes"]}, "unknown category 'genes'"),
        ({"min_confidence": "sure"}, "unknown confidence 'sure'"),
        ({"predicates": ["cures"]}, "unknown predicate 'cures'"),
    ],
)
def test_bad_neighbourhood_options_are_named(options: dict[str, Any], message: str) -> None:
    with pytest.raises(SelectionError, match=message):
        subgraph.neighbourhood(**options)


def test_named_query_selection_holds_its_assertions(graph: nx.MultiDiGraph) -> None:
    index = lookup.name_index(graph)
    bound = named.bind(
        named.get("genes_for_cancer_organ"),
        {"cancer": "breast cancer", "organ": "bone"},
        index=index,
    )
    rows = named.run_graph(bound, graph)
    sub = subgraph.mentioned(graph, rows)
    _closed(sub, graph)
    keys = {k for _, _, k in sub.edges(keys=True)}
    assert {row["assertion"] for row in rows} <= keys
    assert {row["gene"] for row in rows} <= set(sub)


def test_construct_selection(graph: nx.MultiDiGraph, store: Any) -> None:
    text = """PREFIX mkg: <https://w3id.org/metakg/vocab/>
    CONSTRUCT { ?g mkg:mediates_metastasis_to ?o } WHERE { ?g mkg:mediates_metastasis_to ?o }"""
    triples = subgraph.term_triples(store.rdf.query(text))
    sub = subgraph.from_triples(graph, triples)
    predicates = {d["predicate"] for _, _, d in sub.edges(data=True) if d["kind"] == "association"}
    assert predicates == {"mediates_metastasis_to"}
    expected = sum(
        1 for _, _, d in graph.edges(data=True) if d.get("predicate") == "mediates_metastasis_to"
    )
    assert sum(1 for _, _, d in sub.edges(data=True) if d["kind"] == "association") == expected


def test_one_selector_at_a_time(graph: nx.MultiDiGraph) -> None:
    index = lookup.name_index(graph)
    both = ExportRequest(ExportFormat.TURTLE, around=("PTGS2",), query="genes_at_step")
    with pytest.raises(SelectionError, match="choose one selector"):
        select(graph, both, index=index)
    with pytest.raises(SelectionError, match="give around"):
        select(graph, ExportRequest(ExportFormat.TURTLE, hops=2), index=index)
    with pytest.raises(SelectionError, match="did you mean"):
        select(graph, ExportRequest(ExportFormat.TURTLE, around=("PTGSX",)), index=index)


# --- command line and HTTP API ---------------------------------------------------------------


@pytest.fixture
def cli(store_path: Path) -> Any:
    def run(*args: str) -> Any:
        return CliRunner().invoke(main, ["export", "--store", str(store_path), *args])

    return run


def test_export_lists_formats(cli: Any) -> None:
    result = cli("--list")
    assert result.exit_code == 0
    for fmt in available_formats():
        assert fmt.key in result.output and fmt.media_type in result.output


def test_turtle_neighbourhood_reads_back(cli: Any, tmp_path: Path, graph: nx.MultiDiGraph) -> None:
    if ExportFormat.TURTLE not in available_formats():
        pytest.skip("the Turtle exporter is not registered")
    out = tmp_path / "ptgs2.ttl"
    result = cli("-f", "turtle", "--around", "COX2", "--hops", "1", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "around NCBIGene:5743" in result.output
    store = ox.Store()
    store.load(out.read_bytes(), format=ox.RdfFormat.TURTLE)
    labels = {q.object.value for q in store.quads_for_pattern(None, None, None)}
    assert "PTGS2" in labels


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", "nosuch"], "unknown export format 'nosuch'; expected one of: turtle"),
        (["-f", "turtle", "--around", "PTGSX"], "did you mean ptgs2"),
        (["-f", "turtle", "--hops", "2"], "give around"),
        (["-f", "turtle", "--query", "nope"], "no named query 'nope'"),
        (["-f", "turtle", "--construct", "SELECT * WHERE { ?s ?p ?o }"], "CONSTRUCT or DESCRIBE"),
        (["-f", "turtle", "--construct", "CONSTRUCT WHERE { ?s ?p"], "syntax error"),
    ],
)
def test_bad_requests_fail_clearly_and_write_nothing(
    cli: Any, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "out.ttl"
    result = cli(*args, "-o", str(out))
    assert result.exit_code != 0
    assert message in result.output
    assert list(tmp_path.iterdir()) == []


def test_simulation_file_errors_name_the_file(cli: Any, tmp_path: Path) -> None:
    request = tmp_path / "sim.json"
    request.write_text('{"cancer": "breast cancer",\n "genes": [EREG]}', encoding="utf-8")
    result = cli("-f", "turtle", "--simulation", str(request))
    assert result.exit_code != 0 and f"{request}:2:" in result.output


@pytest.mark.parametrize("fmt", list(ExportFormat), ids=lambda f: f.key)
def test_cli_and_api_give_the_same_export(
    fmt: ExportFormat, cli: Any, client: Any, tmp_path: Path
) -> None:
    if fmt not in available_formats():
        pytest.skip(f"no exporter is registered for {fmt.key}")
    out = tmp_path / fmt.filename()
    result = cli("-f", fmt.key, "--around", "PTGS2", "-o", str(out))
    assert result.exit_code == 0, result.output
    response = client.get(f"/api/v1/export?format={fmt.key}&around=PTGS2")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == fmt.media_type
    assert fmt.filename() in response.headers["Content-Disposition"]
    assert response.data == out.read_bytes()
    if fmt.multi_file:
        names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
        assert len(names) >= 2


def test_api_selectors(client: Any) -> None:
    if ExportFormat.NTRIPLES not in available_formats():
        pytest.skip("the N-Triples exporter is not registered")

    def size(**params: Any) -> int:
        response = client.get("/api/v1/export", query_string={"format": "ntriples", **params})
        assert response.status_code == 200, response.get_data(as_text=True)
        return len(response.data.splitlines())

    whole = size()
    near = size(around="PTGS2")
    assert 0 < near < size(around="PTGS2", hops=2) < whole
    assert size(around=["PTGS2", "EREG"]) > near
    assert size(query="genes_for_cancer_organ", param=["cancer=breast cancer", "organ=bone"]) > 0
    construct = "CONSTRUCT WHERE { ?g <https://w3id.org/metakg/vocab/mediates_metastasis_to> ?o }"
    assert 0 < size(construct=construct) < whole
    sim = json.dumps({"cancer": "breast cancer", "genes": ["EREG", "PTGS2"]})
    assert 0 < size(simulation=sim) < whole
    posted = client.post(
        "/api/v1/export",
        json={"format": "ntriples", "simulation": {"cancer": "breast cancer", "genes": ["EREG"]}},
    )
    assert posted.status_code == 200 and posted.data


def test_api_errors_are_problems(client: Any) -> None:
    for url, status in [
        # 400: the request breaks the OpenAPI document; 422: it fits, but cannot be done.
        ("/api/v1/export?format=nosuch", 400),
        ("/api/v1/export?around=PTGSX", 422),
        ("/api/v1/export?hops=2", 422),
        ("/api/v1/export?query=nope", 400),
        ("/api/v1/export?construct=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D", 422),
        ("/api/v1/export?construct=CONSTRUCT%20%7B%20SERVICE", 422),
        ("/api/v1/export?simulation=%5B%5D", 400),
        ("/api/v1/export?simulation=%7B%22cancer%22%3A%22nope%22%7D", 422),
    ]:
        response = client.get(url)
        assert response.status_code == status, (url, response.get_data(as_text=True))
        assert response.mimetype == "application/problem+json"


@pytest.mark.slow
def test_release_has_every_format_and_checksums(
    store_path: Path, tmp_path: Path, graph: nx.MultiDiGraph
) -> None:
    target = tmp_path / "release"
    result = CliRunner().invoke(main, ["export", "--store", str(store_path), "--all", str(target)])
    assert result.exit_code == 0, result.output
    description = json.loads((target / "dataset.json").read_text(encoding="utf-8"))
    assert {f["file"] for f in description["files"]} == {
        f.filename() for f in available_formats()
    }
    counts = description["counts"]
    assert sum(counts["nodes_by_category"].values()) == graph.number_of_nodes()
    assert description["licence"] and description["version"] and description["date"]
    lines = (target / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(description["files"]) + 1
    for line in lines:
        digest, name = line.split("  ")
        assert hashlib.sha256((target / name).read_bytes()).hexdigest() == digest


def test_the_jsonld_context_is_published(client: Any) -> None:
    from graph.exports.rdf import jsonld_context

    response = client.get("/context.jsonld")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    assert response.json == jsonld_context()
    assert response.json["@context"]["NCBIGene"] == "http://identifiers.org/ncbigene/"
