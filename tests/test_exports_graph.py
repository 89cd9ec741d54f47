"""Visual graph exports (GraphML, GEXF, Cytoscape.js JSON, CX2, DOT), each read back by an
independent reader: networkx's GraphML and GEXF readers, Cytoscape.js itself (Node), ndex2's
CX2 reader and Graphviz's ``dot``."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from graph.exports import DatasetInfo, DirectoryOutput, create_exporter, export_graph
from graph.exports.cytoscape import cytoscape_elements
from graph.exports.flatten import (
    GraphRecords,
    attribute_types,
    citation_label,
    edge_values,
    flat,
    node_values,
    with_defaults,
)
from graph.model import EdgeRecord, NodeRecord, SourceLocation, SubclassRecord
from graph.records import edge_record, edges_of, hierarchy_of, node_record, nodes_of
from graph.sinks import write_all
from graph.vocab import Category, Confidence, Predicate
from tests.conftest import file_lock

ROOT = Path(__file__).resolve().parents[1]
INFO = DatasetInfo(version="test-1", selection="whole graph")
CYTOSCAPE_VERSION = "3.34.4"
NETWORK_ERRORS = ("ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNREFUSED", "ECONNRESET", "network")


def export(source: Any, fmt: str, directory: Path, info: DatasetInfo = INFO) -> Path:
    """Export a networkx graph, or a list of records, in ``fmt`` into ``directory``."""
    output = DirectoryOutput(directory)
    if isinstance(source, nx.Graph):
        export_graph(source, fmt, output, info=info)
    else:
        sink = create_exporter(fmt, output, info=info)
        nodes = [r for r in source if isinstance(r, NodeRecord)]
        edges = [r for r in source if isinstance(r, EdgeRecord)]
        links = [r for r in source if isinstance(r, SubclassRecord)]
        write_all(sink, nodes, edges, links)
    (name,) = output.names
    return directory / name


def edge_keys(graph: nx.MultiDiGraph) -> set[str]:
    return {k for _u, _v, k in graph.edges(keys=True)}


@pytest.fixture(scope="module")
def small(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """PTGS2, its neighbours, the papers its assertions cite, and one subclass link."""
    (gene,) = [n for n, d in graph.nodes(data=True) if d.get("symbol") == "PTGS2"]
    keep = {gene, *graph.successors(gene), *graph.predecessors(gene)}
    for _u, _v, data in graph.edges(gene, data=True):
        keep.update(data.get("references", ()))
    (link,) = [(u, v) for u, v, d in graph.edges(data=True) if d["kind"] == "structure"][:1]
    keep.update(link)
    sub = graph.subgraph(keep).copy()
    assert any(d["kind"] == "structure" for _u, _v, d in sub.edges(data=True))
    return sub


def odd_records() -> list[Any]:
    """Two nodes and an edge whose texts need escaping in every format."""
    here = SourceLocation("test")
    gene = NodeRecord(
        "NCBIGene:1", Category.GENE, 'Say "hi" \\ to Massagué', here, symbol="A1BG",
        synonyms=("alpha-1-B", "line\nbreak"), properties=(("fullName", "x < y & z"),),
    )
    organ = NodeRecord("UBERON:0002048", Category.ORGAN, "Lung", here)
    edge = EdgeRecord(
        "NCBIGene:1", Predicate.MEDIATES_METASTASIS_TO, "UBERON:0002048", here,
        references=("PMID:123",), confidence=Confidence.LOW, note='a "quoted" note',
        frequency=0.25,
    )
    return [gene, organ, edge]


# -- flattening -------------------------------------------------------------------------


def test_node_values_keep_types_and_lists(graph: nx.MultiDiGraph) -> None:
    (gene,) = [n for n, d in graph.nodes(data=True) if d.get("symbol") == "PTGS2"]
    values = node_values(node_record(gene, graph.nodes[gene]))
    assert values["id"] == gene and values["category"] == "gene"
    assert values["biolink_category"] == "biolink:Gene"
    assert values["xrefs"] == graph.nodes[gene]["xrefs"]
    assert flat(values)["xrefs"] == "|".join(graph.nodes[gene]["xrefs"])
    step = next(n for n, d in graph.nodes(data=True) if "order" in d)
    assert type(node_values(node_record(step, graph.nodes[step]))["order"]) is int


def test_publications_get_a_short_citation_label(graph: nx.MultiDiGraph) -> None:
    retracted = [n for n, d in graph.nodes(data=True) if d.get("retracted") is True]
    assert retracted, "the curated graph has a retracted paper"
    node = node_record(retracted[0], graph.nodes[retracted[0]])
    values = node_values(node)
    number = graph.nodes[node.id]["referenceNumber"]
    surname = str(node.prop("authors")).split(",")[0]
    assert values["label"].startswith(surname) and values["label"].endswith(f" [{number}]")
    assert values["title"] == graph.nodes[node.id]["label"] and values["retracted"] is True
    two = NodeRecord(
        "metakg:ref/8", Category.PUBLICATION, "A title", SourceLocation("t"),
        properties=(("authors", "Chiang, A. C.; Massagué, J."), ("year", 2008)),
    )
    assert citation_label(two) == "Chiang & Massagué 2008 [8]"
    bare = NodeRecord("PMID:1", Category.PUBLICATION, "PMID:1", SourceLocation("t"))
    assert citation_label(bare) == "PMID:1" and "title" not in node_values(bare)


def test_edge_values_cite_numbers_and_publication_ids(graph: nx.MultiDiGraph) -> None:
    u, v, data = next(
        (u, v, d) for u, v, d in graph.edges(data=True) if d.get("frequency") is not None
    )
    values = edge_values(edge_record(u, v, data))
    assert values["publications"] == data["references"]
    assert values["references"] == [r.rsplit("/", 1)[1] for r in data["references"]]
    assert type(values["frequency"]) is float and values["confidence"] == data["confidence"]
    assert values["rests_only_on_retracted"] is False
    assert values["biolink_predicate"] == Predicate.from_key(data["predicate"]).value.biolink
    outside = edge_values(odd_records()[2])
    assert outside["references"] == ["PMID:123"] and outside["publications"] == ["PMID:123"]


def test_flat_refuses_a_list_element_holding_the_separator() -> None:
    with pytest.raises(ValueError, match="list separator"):
        flat({"synonyms": ["a|b"]})
    assert flat({"synonyms": [], "n": 1}) == {"n": 1}


def test_attribute_types_and_defaults() -> None:
    assert attribute_types([{"f": 1}, {"f": 0.5}, {"b": True}]) == {"f": float, "b": bool}
    with pytest.raises(ValueError, match="'x' has values of several types: int, str"):
        attribute_types([{"x": 1}, {"x": "1"}])
    types = {"s": str, "b": bool, "n": int, "l": list}
    assert with_defaults({"n": 3}, types) == {"n": 3, "s": "", "b": False, "l": []}
    assert with_defaults({}, types).get("n") is None


def test_an_edge_to_a_missing_node_is_an_error() -> None:
    records = GraphRecords()
    for record in odd_records()[::2]:  # the gene and the edge, not the organ
        records.add(record)
    with pytest.raises(ValueError, match="refers to UBERON:0002048, which is not a node"):
        records.edge_rows()


# -- GraphML and GEXF ----------------------------------------------------------------------


@pytest.mark.parametrize("which", ["whole", "small"])
def test_graphml_reads_back_with_types(
    graph: nx.MultiDiGraph, small: nx.MultiDiGraph, which: str, tmp_path: Path
) -> None:
    source = graph if which == "whole" else small
    back = nx.read_graphml(export(source, "graphml", tmp_path), force_multigraph=True)
    assert sorted(back.nodes) == sorted(source.nodes)
    assert back.number_of_edges() == source.number_of_edges()
    assert edge_keys(back) == edge_keys(source)
    assert back.graph["version"] == "test-1" and back.graph["selection"] == "whole graph"
    check_attributes(source, back)


def check_attributes(source: nx.MultiDiGraph, back: nx.MultiDiGraph) -> None:
    """Values read back equal the source graph's, with their types."""
    edges = {k: (u, v, d) for u, v, k, d in back.edges(keys=True, data=True)}
    for u, v, key, data in source.edges(keys=True, data=True):
        bu, bv, got = edges[key]
        assert (bu, bv) == (u, v)
        assert got["predicate"] == data["predicate"]
        if data["kind"] != "association":
            continue
        assert got["confidence"] == data["confidence"] and type(got["confidence"]) is str
        assert got["rests_only_on_retracted"] is data["rests_only_on_retracted"]
        assert got["publications"].split("|") == data["references"]
        assert got.get("evidence_types", "") == "|".join(data["evidence_types"])
        if "frequency" in data:
            assert got["frequency"] == data["frequency"] and type(got["frequency"]) is float
        assert got["label"] == Predicate.from_key(data["predicate"]).value.label
    for node, data in source.nodes(data=True):
        got = back.nodes[node]
        assert got["category"] == data["category"]
        for name in ("order", "year", "referenceNumber", "retracted"):
            if name in data:
                assert got[name] == data[name] and type(got[name]) is type(data[name])
        if "synonyms" in data:
            assert got["synonyms"].split("|") == data["synonyms"]


@pytest.mark.parametrize("which", ["whole", "small"])
def test_gexf_reads_back_with_types(
    graph: nx.MultiDiGraph, small: nx.MultiDiGraph, which: str, tmp_path: Path
) -> None:
    source = graph if which == "whole" else small
    path = export(source, "gexf", tmp_path)
    back = nx.read_gexf(path)
    if not back.is_multigraph():  # networkx reads a DiGraph when no two edges are parallel
        multi = nx.MultiDiGraph()
        multi.add_nodes_from(back.nodes(data=True))
        multi.add_edges_from((u, v, d["id"], d) for u, v, d in back.edges(data=True))
        back = multi
    assert sorted(back.nodes) == sorted(source.nodes)
    assert back.number_of_edges() == source.number_of_edges()
    assert edge_keys(back) == edge_keys(source)
    check_attributes(source, back)
    meta = ET.parse(path).getroot().find("{http://www.gexf.net/1.2draft}meta")
    assert meta is not None and "lastmodifieddate" not in meta.attrib
    description = meta.findtext("{http://www.gexf.net/1.2draft}description") or ""
    assert "version: test-1" in description and "selection: whole graph" in description


def test_gexf_date_is_the_dataset_date(small: nx.MultiDiGraph, tmp_path: Path) -> None:
    info = DatasetInfo(version="2", created="2025-01-31T10:00:00Z")
    meta = ET.parse(export(small, "gexf", tmp_path, info)).getroot()[0]
    assert meta.get("lastmodifieddate") == "2025-01-31"


def test_exports_are_deterministic(small: nx.MultiDiGraph, tmp_path: Path) -> None:
    for fmt in ("graphml", "gexf", "cyjs", "cx2", "dot"):
        first = export(small, fmt, tmp_path / "a").read_bytes()
        second = export(small, fmt, tmp_path / "b").read_bytes()
        assert first == second, fmt


# -- Cytoscape.js JSON ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def cytoscape_prefix() -> Path:
    """A directory holding ``node_modules/cytoscape`` at the pinned version (installed once)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed to load the export with Cytoscape.js")
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    prefix = cache / "metakg-tests" / "node" / f"cytoscape-{CYTOSCAPE_VERSION}"
    marker = prefix / "node_modules" / "cytoscape" / "package.json"
    with file_lock(prefix.with_name(".lock")):  # pytest-xdist workers take turns
        if marker.exists():
            return prefix
        staging = prefix.with_name(f"{prefix.name}.tmp-{os.getpid()}")
        staging.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(staging),
             f"cytoscape@{CYTOSCAPE_VERSION}"],
            capture_output=True, text=True, timeout=600, check=False,
        )
        if done.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            if any(word in done.stderr for word in NETWORK_ERRORS):
                pytest.skip(f"npm cannot reach its registry: {done.stderr.strip()[-300:]}")
            raise AssertionError(f"npm install cytoscape failed: {done.stderr}")
        try:
            staging.rename(prefix)
        except OSError:  # another run installed it first
            shutil.rmtree(staging, ignore_errors=True)
        return prefix


def load_in_cytoscape(path: Path, prefix: Path) -> dict[str, Any]:
    done = subprocess.run(
        ["node", str(ROOT / "tests" / "js" / "load_cytoscape.mjs"), str(path), str(prefix)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("which", ["whole", "small"])
def test_cytoscape_js_loads_the_cyjs_export(
    graph: nx.MultiDiGraph, small: nx.MultiDiGraph, which: str, tmp_path: Path,
    cytoscape_prefix: Path,
) -> None:
    source = graph if which == "whole" else small
    path = export(source, "cyjs", tmp_path)
    document = json.loads(path.read_text(encoding="utf-8"))
    loaded = load_in_cytoscape(path, cytoscape_prefix)
    assert loaded["version"] == CYTOSCAPE_VERSION and loaded["problems"] == []
    assert loaded["nodes"] == len(document["elements"]["nodes"]) == source.number_of_nodes()
    assert loaded["edges"] == len(document["elements"]["edges"]) == source.number_of_edges()
    assert sorted(loaded["node_ids"]) == sorted(source.nodes)
    assert set(loaded["edge_ids"]) == edge_keys(source)  # stable ids, none invented
    ends = {k: [u, v] for u, v, k in source.edges(keys=True)}
    assert all(ends[k] == e for k, e in zip(loaded["edge_ids"], loaded["edge_ends"], strict=True))
    confidences = [d["confidence"] for _u, _v, d in source.edges(data=True) if "confidence" in d]
    assert loaded["classes"].get("high", 0) == confidences.count("high")
    genes = sum(1 for _n, d in source.nodes(data=True) if d["category"] == "gene")
    assert loaded["classes"].get("gene", 0) == genes
    first = loaded["first_edge"]
    u, v, data = next((u, v, d) for u, v, k, d in source.edges(keys=True, data=True)
                      if k == first["id"])
    assert (first["source"], first["target"], first["predicate"]) == (u, v, data["predicate"])
    assert first["publications"] == data.get("references", first.get("publications"))
    assert loaded["graph_data"]["version"] == "test-1"


def test_cytoscape_elements_of_a_subgraph(graph: nx.MultiDiGraph, small: nx.MultiDiGraph) -> None:
    view = graph.subgraph(list(small.nodes))
    elements = cytoscape_elements(view)
    assert [n["data"]["id"] for n in elements["nodes"]] == sorted(small.nodes)
    assert {e["data"]["id"] for e in elements["edges"]} == edge_keys(small)
    edge = next(e for e in elements["edges"] if e["data"]["kind"] == "association")
    data = edge["data"]
    assert edge["classes"].split()[:3] == [data["predicate"], data["confidence"], data["direction"]]
    assert isinstance(data["references"], list) and isinstance(data["evidence_types"], list)
    assert elements == cytoscape_elements([*nodes_of(view), *edges_of(view), *hierarchy_of(view)])
    with pytest.raises(TypeError, match="expected a metakg MultiDiGraph"):
        cytoscape_elements(["NCBIGene:1"])
    with pytest.raises(TypeError, match="got a DiGraph"):
        cytoscape_elements(nx.DiGraph(small))


# -- CX2 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["whole", "small"])
def test_cx2_reads_back_with_ndex2(
    graph: nx.MultiDiGraph, small: nx.MultiDiGraph, which: str, tmp_path: Path
) -> None:
    from ndex2.cx2 import CX2NetworkXFactory, RawCX2NetworkFactory, convert_value

    source = graph if which == "whole" else small
    raw = json.loads(export(source, "cx2", tmp_path).read_text(encoding="utf-8"))
    network = RawCX2NetworkFactory().get_cx2network(raw)
    nodes, edges = network.get_nodes(), network.get_edges()
    assert len(nodes) == source.number_of_nodes() and len(edges) == source.number_of_edges()
    represents = {i: n["v"]["represents"] for i, n in nodes.items()}
    assert sorted(represents.values()) == sorted(source.nodes)
    for node in nodes.values():
        values = node["v"]
        assert values["name"] == node_values(
            node_record(values["represents"], source.nodes[values["represents"]])
        )["label"]
        for name, value in values.items():  # every value matches its declared type
            declared = network.get_declared_type("nodes", name)
            assert convert_value(declared, value) == value, (name, declared)
    declarations = network.get_attribute_declarations()
    assert declarations["edges"]["references"] == {"d": "list_of_string"}
    assert declarations["edges"]["rests_only_on_retracted"] == {"d": "boolean"}
    by_key = {k: (u, v, d) for u, v, k, d in source.edges(keys=True, data=True)}
    for edge in edges.values():
        u, v, data = by_key[edge["v"]["key"]]
        assert (represents[edge["s"]], represents[edge["t"]]) == (u, v)
        assert edge["v"]["interaction"] == data["predicate"]
        if "references" in data:
            assert edge["v"]["publications"] == data["references"]
    assert network.get_network_attributes()["version"] == "test-1"
    context = json.loads(network.get_network_attributes()["@context"])
    assert context["UBERON"] == "http://purl.obolibrary.org/obo/UBERON_"
    back = CX2NetworkXFactory().get_graph(network)
    assert back.number_of_nodes() == source.number_of_nodes()
    assert back.number_of_edges() == source.number_of_edges()
    assert sorted(d["represents"] for _n, d in back.nodes(data=True)) == sorted(source.nodes)


# -- DOT -----------------------------------------------------------------------------------


def render_svg(path: Path) -> ET.Element:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed (Debian package graphviz)")
    done = subprocess.run(
        ["dot", "-Tsvg", str(path)], capture_output=True, timeout=300, check=False
    )
    assert done.returncode == 0 and done.stderr == b"", done.stderr.decode()
    return ET.fromstring(done.stdout)


SVG = "{http://www.w3.org/2000/svg}"
EDGE_STATEMENT = re.compile(r'^  "(?:[^"\\]|\\.)*" -> "(?:[^"\\]|\\.)*" \[', re.MULTILINE)


@pytest.mark.parametrize("which", ["whole", "small"])
def test_dot_renders_with_graphviz(
    graph: nx.MultiDiGraph, small: nx.MultiDiGraph, which: str, tmp_path: Path
) -> None:
    source = graph if which == "whole" else small
    path = export(source, "dot", tmp_path)
    text = path.read_text(encoding="utf-8")
    assert len(EDGE_STATEMENT.findall(text)) == text.count(" -> ") == source.number_of_edges()
    svg = render_svg(path)
    groups = svg.iter(f"{SVG}g")
    titles = [g.findtext(f"{SVG}title") for g in groups if g.get("class") == "node"]
    assert sorted(titles) == sorted(source.nodes)  # one node group per node, named by CURIE
    assert sum(1 for g in svg.iter(f"{SVG}g") if g.get("class") == "edge") == len(
        EDGE_STATEMENT.findall(text)
    )


def test_dot_escapes_quotes_backslashes_and_non_ascii(tmp_path: Path) -> None:
    path = export(odd_records(), "dot", tmp_path)
    text = path.read_text(encoding="utf-8")
    assert '"NCBIGene:1" [label="Say \\"hi\\" \\\\ to Massagué"' in text
    svg = render_svg(path)
    texts = ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]
    assert 'Say "hi" \\ to Massagué' in texts
    assert "mediates metastasis to" in texts


def test_odd_texts_survive_every_format(tmp_path: Path) -> None:
    label = 'Say "hi" \\ to Massagué'
    back = nx.read_graphml(export(odd_records(), "graphml", tmp_path / "g"))
    assert back.nodes["NCBIGene:1"]["label"] == label
    assert back.nodes["NCBIGene:1"]["synonyms"] == "alpha-1-B|line\nbreak"
    assert back.nodes["NCBIGene:1"]["fullName"] == "x < y & z"
    gexf = nx.read_gexf(export(odd_records(), "gexf", tmp_path / "x"))
    assert gexf.nodes["NCBIGene:1"]["label"] == label
    cyjs = json.loads(export(odd_records(), "cyjs", tmp_path / "c").read_text(encoding="utf-8"))
    assert cyjs["elements"]["nodes"][0]["data"]["synonyms"] == ["alpha-1-B", "line\nbreak"]
    cx2 = json.loads(export(odd_records(), "cx2", tmp_path / "n").read_text(encoding="utf-8"))
    (nodes,) = [a["nodes"] for a in cx2 if "nodes" in a]
    assert nodes[0]["v"]["name"] == label and nodes[0]["v"]["represents"] == "NCBIGene:1"
