"""The RDF ingestor: metakg's own RDF exports read back; other RDF; remote JSON-LD contexts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.exports import DatasetInfo, DirectoryOutput, ExportFormat, create_exporter
from graph.property_graph import NetworkxSink
from graph.rdf import OxigraphSink
from graph.sinks import write_all
from graph.vocab import MKG, Confidence, Direction, Predicate
from ingest.pipeline import KnowledgeBase, assemble, plan_sources
from ingest.problems import Level, Problems, ValidationFailed
from ingest.rdf_files import read_rdf
from tests.canary import counting_server

FORMATS = ["ntriples", "turtle", "nquads", "rdfxml", "jsonld"]


def _graph(kb: KnowledgeBase) -> tuple[dict[str, Any], dict[str, Any]]:
    """The property graph of ``kb`` as RDF can carry it: lists as sets (RDF is unordered),
    no source locations (they name the file read), no hierarchy origins (not in the RDF)."""

    def norm(data: dict[str, Any]) -> dict[str, Any]:
        return {
            k: sorted(v) if isinstance(v, list) else v
            for k, v in data.items()
            if k != "location" and not (k == "origin" and data.get("kind") == "structure")
        }

    graph = write_all(NetworkxSink(), kb.nodes, kb.edges, kb.hierarchy).graph  # type: ignore[attr-defined]
    return (
        {n: norm(d) for n, d in graph.nodes(data=True)},
        {key: (u, v, norm(d)) for u, v, key, d in graph.edges(keys=True, data=True)},
    )


def _triples(kb: KnowledgeBase) -> set[str]:
    """The RDF of ``kb`` without the triples that say which file and line a record came from."""
    store = write_all(OxigraphSink(), kb.nodes, kb.edges, kb.hierarchy).store  # type: ignore[attr-defined]
    where = {MKG + "sourceFile", MKG + "sourceLine"}
    return {str(q.triple) for q in store if q.predicate.value not in where}


@pytest.fixture(scope="module")
def exported(kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("rdf-export")
    for key in FORMATS:
        sink = create_exporter(key, DirectoryOutput(directory), info=DatasetInfo())
        write_all(sink, kb.nodes, kb.edges, kb.hierarchy)
    return directory


@pytest.mark.parametrize("key", FORMATS)
@pytest.mark.slow
def test_our_rdf_export_reads_back_as_the_same_graph(
    kb: KnowledgeBase, exported: Path, key: str
) -> None:
    path = exported / ExportFormat.parse(key).filename()
    kb2 = assemble(plan_sources([path], curated=False))
    assert kb2.warnings == ()
    assert _graph(kb2) == _graph(kb)
    assert _triples(kb2) == _triples(kb)
    # The association ids (and so their origin) survive: same IRIs as in the export.
    assert {e.id for e in kb2.edges} == {e.id for e in kb.edges}


def test_line_based_formats_give_each_record_its_line(exported: Path) -> None:
    path = exported / "metakg.nt"
    lines = path.read_text(encoding="utf-8").splitlines()
    records = list(read_rdf(path, Problems()))
    assert records
    for record in records[:: max(1, len(records) // 25)]:
        text = lines[record.source.line - 1]
        ident = getattr(record, "id", None) or getattr(record, "child", "")
        local = ident.split(":", 1)[1].split("/")[-1]
        assert local in text, (record, text)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GENE = (
    "<http://identifiers.org/ncbigene/7157> "
    "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/biolink/vocab/Gene> .\n"
    '<http://identifiers.org/ncbigene/7157> <https://w3id.org/biolink/vocab/symbol> "TP53" .\n'
    '<http://identifiers.org/ncbigene/7157> <http://www.w3.org/2000/01/rdf-schema#label> "TP53" .\n'
)


def test_plain_rdf_maps_what_it_can_and_names_the_rest(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "other.nt",
        "# a graph from somewhere else\n"
        + GENE
        + "<http://identifiers.org/ncbigene/7157> <https://w3id.org/biolink/vocab/regulates> "
        "<http://identifiers.org/ncbigene/7157> .\n"
        "<http://identifiers.org/ncbigene/7157> <http://example.org/expressedIn> "
        "<http://purl.obolibrary.org/obo/UBERON_0002048> .\n"
        "<http://purl.obolibrary.org/obo/GO_0008150> "
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<http://www.w3.org/2002/07/owl#Class> .\n",
    )
    problems = Problems()
    records = list(read_rdf(path, problems))
    nodes = [r for r in records if getattr(r, "id", "").startswith("NCBIGene")]
    assert [(n.id, n.symbol, n.source.line) for n in nodes] == [("NCBIGene:7157", "TP53", 2)]
    (edge,) = [r for r in records if hasattr(r, "predicate")]
    assert edge.predicate is Predicate.REGULATES
    assert edge.confidence is Confidence.LOW and edge.direction is Direction.ASSOCIATED
    assert edge.references == ("source:rdf-other",) and "other.nt, line 5" in edge.note
    found = {(p.code, p.line, p.level) for p in problems}
    assert found == {
        ("unmapped-predicate", 6, Level.WARNING),
        ("unmapped-class", 7, Level.WARNING),
    }
    assert any("http://example.org/expressedIn" in p.message for p in problems)


def test_a_file_of_which_nothing_maps_is_an_error(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "foreign.ttl",
        "@prefix ex: <http://example.org/> .\nex:a ex:knows ex:b .\nex:b a ex:Person .\n",
    )
    with pytest.raises(ValidationFailed) as caught:
        assemble(plan_sources([path], curated=False))
    errors = [p for p in caught.value.problems if p.level is Level.ERROR]
    assert [p.code for p in errors] == ["no-mappable-triple"]


def test_a_syntax_error_names_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.nt", GENE + '<http://a> <http://b> "unterminated .\n')
    problems = Problems()
    assert list(read_rdf(path, problems)) == []
    (error,) = problems.errors
    assert (error.code, error.line) == ("bad-rdf", 4)


@pytest.fixture
def context_server() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on 127.0.0.1 serving a JSON-LD context, recording every request."""
    with counting_server() as (base, requests):
        yield base + "/context.jsonld", requests


def remote_context_document(url: str) -> str:
    return json.dumps(
        {
            "@context": url,
            "@id": "http://identifiers.org/ncbigene/7157",
            "@type": "https://w3id.org/biolink/vocab/Gene",
            "label": "TP53",
        },
        indent=1,
    )


def test_a_remote_json_ld_context_is_refused_without_a_request(
    tmp_path: Path, context_server: tuple[str, list[str]]
) -> None:
    url, requests = context_server
    path = _write(tmp_path, "remote.jsonld", remote_context_document(url))
    problems = Problems()
    assert list(read_rdf(path, problems)) == []
    (error,) = problems.errors
    assert (error.code, error.line, error.field) == ("remote-context", 2, "@context")
    assert url in error.message and "never fetches" in error.message
    assert requests == []
