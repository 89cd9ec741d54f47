"""The KGX ingestor: metakg's own KGX export read back, other people's KGX, bad KGX."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from graph.exports import DatasetInfo, DirectoryOutput, create_exporter
from graph.property_graph import NetworkxSink
from graph.sinks import write_all
from graph.store import KnowledgeStore, write_store
from graph.vocab import Category, Confidence, Direction, KnowledgeLevel, Predicate
from ingest.kgx import read_kgx
from ingest.pipeline import KnowledgeBase, assemble, plan_sources
from ingest.problems import Level, Problems, ValidationFailed
from tests.conftest import file_lock

NODES = "id\tcategory\tname\tsymbol\txref\n"
EDGES = (
    "id\tsubject\tpredicate\tobject\tpublications\tknowledge_level\tagent_type\t"
    "primary_knowledge_source\n"
)


def _graph(kb: KnowledgeBase) -> tuple[dict[str, Any], dict[str, Any]]:
    """The property graph of ``kb`` without source locations (those name the file read)."""
    graph = write_all(NetworkxSink(), kb.nodes, kb.edges, kb.hierarchy).graph  # type: ignore[attr-defined]
    nodes = {n: {k: v for k, v in d.items() if k != "location"} for n, d in graph.nodes(data=True)}
    edges = {
        key: (u, v, {k: x for k, x in d.items() if k != "location"})
        for u, v, key, d in graph.edges(keys=True, data=True)
    }
    return nodes, edges


def _export(kb: KnowledgeBase, fmt: str, directory: Path) -> Path:
    sink = create_exporter(fmt, DirectoryOutput(directory), info=DatasetInfo())
    write_all(sink, kb.nodes, kb.edges, kb.hierarchy)
    return directory


def _pair(tmp_path: Path, nodes: str, edges: str, stem: str = "mine") -> Path:
    (tmp_path / f"{stem}_nodes.tsv").write_text(NODES + nodes, encoding="utf-8")
    path = tmp_path / f"{stem}_edges.tsv"
    path.write_text(EDGES + edges, encoding="utf-8")
    return path


@pytest.mark.parametrize(("fmt", "name"), [("kgx-tsv", "nodes.tsv"), ("kgx-jsonl", "edges.jsonl")])
def test_our_kgx_export_reads_back_as_the_same_graph(
    kb: KnowledgeBase, tmp_path: Path, fmt: str, name: str
) -> None:
    directory = _export(kb, fmt, tmp_path)
    kb2 = assemble(plan_sources([directory / f"metakg_{name}"], curated=False))
    assert kb2.warnings == ()
    assert _graph(kb2) == _graph(kb)
    # Every record says where it was read: the KGX file and the line of its row.
    edge = kb2.edges[0]
    assert edge.source.file.endswith(f"metakg_edges.{name.split('.')[1]}")
    line = (directory / Path(edge.source.file).name).read_text().splitlines()[edge.source.line - 1]
    assert edge.subject in line and edge.object in line


def test_a_directory_holding_one_pair_reads_as_the_pair(kb: KnowledgeBase, tmp_path: Path) -> None:
    directory = _export(kb, "kgx-tsv", tmp_path / "graph")
    by_directory, by_file = Problems(), Problems()
    records = list(read_kgx(directory, by_directory))
    assert records == list(read_kgx(directory / "metakg_edges.tsv", by_file))
    assert len(records) == len(kb.nodes) + len(kb.edges) + len(kb.hierarchy)
    assert list(by_directory) == list(by_file) == []


def test_a_directory_with_two_pairs_asks_for_one(kb: KnowledgeBase, tmp_path: Path) -> None:
    _export(kb, "kgx-tsv", tmp_path)
    _export(kb, "kgx-jsonl", tmp_path)
    problems = Problems()
    assert list(read_kgx(tmp_path, problems)) == []
    (problem,) = problems.errors
    assert problem.code == "ambiguous-kgx" and "metakg_nodes.jsonl" in problem.message


def test_imported_edges_get_documented_defaults(tmp_path: Path) -> None:
    path = _pair(
        tmp_path,
        "HGNC:11998\tbiolink:Gene\tTP53\tTP53\t\n"
        "MONDO:0007254\tbiolink:Disease\tbreast cancer\t\tDOID:1612\n",
        "e1\tHGNC:11998\tbiolink:contributes_to\tMONDO:0007254\tPMID:123|ISBN:0-19-852663-6\t"
        "statistical_association\tautomated_agent\tinfores:example\n"
        "e2\tMONDO:0007254\tbiolink:contributes_to\tHGNC:11998\t\t\t\t\n",
    )
    problems = Problems()
    records = list(read_kgx(path, problems))
    edges = [r for r in records if hasattr(r, "predicate")]
    first = edges[0]
    assert first.predicate is Predicate.CONTRIBUTES_TO
    assert first.references == ("PMID:123",)
    assert first.confidence is Confidence.LOW
    assert first.direction is Direction.ASSOCIATED
    assert first.knowledge_level is KnowledgeLevel.STATISTICAL_ASSOCIATION
    assert "mine_edges.tsv, line 2" in first.note and "infores:example" in first.note
    assert "(edge e1)" in first.note
    assert (first.source.file, first.source.line) == (str(path), 2)
    # An edge with no publication cites the file, defined once as a documented source.
    second = edges[1]
    assert second.references == ("source:kgx-mine",)
    source = next(r for r in records if getattr(r, "id", "") == "metakg:source/kgx-mine")
    assert source.category is Category.PUBLICATION
    assert second.knowledge_level is KnowledgeLevel.NOT_PROVIDED
    # The ISBN could not be cited: one warning, with its line.
    (warning,) = problems.warnings
    assert (warning.code, warning.line, warning.field) == ("bad-publication", 2, "publications")
    assert "ISBN:" in warning.message


def test_a_confidence_column_is_honoured_and_checked(tmp_path: Path) -> None:
    (tmp_path / "c_nodes.tsv").write_text(NODES + "HGNC:1\tbiolink:Gene\tA1BG\t\t\n")
    path = tmp_path / "c_edges.tsv"
    path.write_text(
        "subject\tpredicate\tobject\tconfidence\n"
        "HGNC:1\tbiolink:regulates\tHGNC:1\thigh\n"
        "HGNC:1\tbiolink:physically_interacts_with\tHGNC:1\tcertain\n"
    )
    problems = Problems()
    edges = [r for r in read_kgx(path, problems) if hasattr(r, "confidence")]
    assert [e.confidence for e in edges] == [Confidence.HIGH]
    (error,) = problems.errors
    assert (error.line, error.field, error.code) == (3, "confidence", "bad-confidence")


def test_unmapped_terms_are_named_with_file_line_and_term(tmp_path: Path) -> None:
    path = _pair(
        tmp_path,
        "HGNC:1\tbiolink:Gene\tA1BG\t\t\n"
        "UniProtKB:P04217\tbiolink:Protein\tA1BG protein\t\t\n"
        "HGNC:2\tbiolink:Gene\tA2M\t\t\n",
        "\tHGNC:1\tbiolink:interacts_with\tHGNC:2\t\t\t\t\n"
        "\tHGNC:1\tbiolink:interacts_with\tHGNC:2\t\t\t\t\n"
        "\tUniProtKB:P04217\tbiolink:regulates\tHGNC:2\t\t\t\t\n"
        "\tHGNC:1\tbiolink:regulates\tHGNC:2\t\t\t\t\n",
    )
    problems = Problems()
    records = list(read_kgx(path, problems))
    assert {getattr(r, "id", None) for r in records} >= {"HGNC:1", "HGNC:2"}
    assert sum(1 for r in records if hasattr(r, "predicate")) == 1
    found = {(p.code, Path(p.file).name, p.line, p.field) for p in problems}
    assert found == {
        ("unmapped-category", "mine_nodes.tsv", 3, "category"),
        ("unmapped-predicate", "mine_edges.tsv", 2, "predicate"),
        ("left-out-node", "mine_edges.tsv", 4, "subject"),
    }
    assert all(p.level is Level.WARNING for p in problems)
    predicate = next(p for p in problems if p.code == "unmapped-predicate")
    assert "biolink:interacts_with" in predicate.message and "2 edge(s)" in predicate.message
    category = next(p for p in problems if p.code == "unmapped-category")
    assert "biolink:Protein" in category.message


def test_a_file_of_which_no_edge_maps_is_an_error_not_an_empty_graph(tmp_path: Path) -> None:
    path = _pair(
        tmp_path,
        "HGNC:1\tbiolink:Gene\tA1BG\t\t\n",
        "\tHGNC:1\tbiolink:interacts_with\tHGNC:1\t\t\t\t\n",
    )
    with pytest.raises(ValidationFailed) as caught:
        assemble(plan_sources([path], curated=False))
    errors = [p for p in caught.value.problems if p.level is Level.ERROR]
    assert [(p.code, Path(p.file).name) for p in errors] == [("no-mappable-edge", "mine_edges.tsv")]


@pytest.mark.parametrize(
    ("edges", "line", "code"),
    [
        ("\tHGNC:1\tbiolink:regulates\t\t\t\t\t\n", 2, "missing-value"),
        ("\tHGNC:1\tbiolink:regulates\tHGNC:1\t\t\t\t\tstray\n", 2, "too-many-cells"),
    ],
)
def test_malformed_tsv_rows_are_errors_with_their_line(
    tmp_path: Path, edges: str, line: int, code: str
) -> None:
    path = _pair(tmp_path, "HGNC:1\tbiolink:Gene\tA1BG\t\t\n", edges)
    problems = Problems()
    list(read_kgx(path, problems))
    assert (problems.errors[0].line, problems.errors[0].code) == (line, code)


def test_malformed_jsonl_is_an_error_and_the_store_is_untouched(
    kb: KnowledgeBase, tmp_path: Path, runner
) -> None:  # type: ignore[no-untyped-def]
    from server.cli import main
    from tests.conftest import tree_digest

    store = tmp_path / "store"
    write_store(store, kb.nodes, kb.edges, kb.hierarchy, sources=[], version="test")
    before = tree_digest(store)
    (tmp_path / "bad_nodes.jsonl").write_text(
        json.dumps({"id": "HGNC:1", "category": ["biolink:Gene"], "name": "A1BG"}) + "\n"
    )
    path = tmp_path / "bad_edges.jsonl"
    path.write_text(
        json.dumps({"subject": "HGNC:1", "predicate": "biolink:regulates", "object": "HGNC:1"})
        + "\n{not json\n"
    )
    result = runner.invoke(main, ["build", "--store", str(store), "--source", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2:" in result.output and "bad-json" in result.output
    assert tree_digest(store) == before


# -- a KGX graph from outside the project --------------------------------------------------

KGX_SDIST = "kgx==2.7.0"
OUTSIDE = ("graph_nodes.tsv", "graph_edges.tsv")


@pytest.fixture(scope="session")
def outside_kgx(request: pytest.FixtureRequest) -> Path:
    """KGX test data written by the KGX project (BSD-3-Clause), from the ``kgx`` sdist on PyPI:
    a Monarch-derived graph of 533 nodes and 538 edges. Downloaded once into pytest's cache."""
    cache = Path(request.config.cache.mkdir("kgx-sdist"))
    target = cache / "resources"
    with file_lock(cache / ".lock"):  # pytest-xdist workers take turns
        if not all((target / name).exists() for name in OUTSIDE):
            download = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
                + ["--disable-pip-version-check", "-q", "-d", str(cache), KGX_SDIST],
                capture_output=True,
                text=True,
                timeout=300,
            )
            archives = sorted(cache.glob("kgx-*.tar.gz"))
            if download.returncode != 0 or not archives:
                pytest.skip(f"could not download the {KGX_SDIST} sdist: {download.stderr[-300:]}")
            target.mkdir(exist_ok=True)
            with tarfile.open(archives[0]) as archive:
                for member in archive.getmembers():
                    name = Path(member.name).name
                    if (
                        member.isfile()
                        and member.name.endswith(f"tests/resources/{name}")
                        and (name in OUTSIDE)
                    ):
                        (target / name).write_bytes(archive.extractfile(member).read())  # type: ignore[union-attr]
    return target


def test_a_kgx_dump_from_outside_loads_and_is_queryable(outside_kgx: Path, tmp_path: Path) -> None:
    kb = assemble(plan_sources([outside_kgx / "graph_edges.tsv"], curated=False))
    nodes = {n.id: n for n in kb.nodes}
    assert nodes["HGNC:10848"].category is Category.GENE
    assert nodes["HGNC:10848"].taxon == "NCBITaxon:9606"
    assert nodes["REACT:R-HSA-5358346"].category is Category.PATHWAY
    # What did not map is said, term by term, with the line it was first seen on.
    codes = {(w.code, w.field) for w in kb.warnings}
    assert ("unmapped-predicate", "predicate") in codes
    assert ("unmapped-category", "category") in codes
    interacts = next(w for w in kb.warnings if "biolink:interacts_with" in w.message)
    line = (outside_kgx / "graph_edges.tsv").read_text().splitlines()[interacts.line - 1]
    assert "biolink:interacts_with" in line
    store = tmp_path / "store"
    write_store(store, kb.nodes, kb.edges, kb.hierarchy, sources=[], version="test")
    rows = KnowledgeStore(store).rdf.query(
        "PREFIX biolink: <https://w3id.org/biolink/vocab/> "
        "SELECT ?disease WHERE { ?gene biolink:contributes_to ?disease ; biolink:symbol ?s }"
    )
    found = {row["disease"].value for row in rows}
    assert "http://purl.obolibrary.org/obo/MONDO_0016296" in found
