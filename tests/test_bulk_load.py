"""`metakg load`: RDF and KGX files streamed into named graphs, all or nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from graph.exports import DatasetInfo, DirectoryOutput, create_exporter
from graph.exports.rdf import DESCRIPTION_GRAPH, source_graph
from graph.rdf import canonical_ntriples
from graph.sinks import write_all
from graph.store import MANIFEST_FILE, KnowledgeStore, StoreLocked, write_store
from graph.vocab import RDF
from ingest.bulk import load_into_store
from ingest.bulk_files import plan
from ingest.pipeline import KnowledgeBase
from ingest.problems import Level, Problems, ValidationFailed
from tests.conftest import OxigraphServer, lock_held_by_another_thread, tree_digest
from tests.test_ingest_rdf import context_server, remote_context_document  # noqa: F401

STATEMENTS = f"SELECT (COUNT(?a) AS ?n) WHERE {{ GRAPH ?g {{ ?a a <{RDF}Statement> }} }}"


@pytest.fixture(scope="module")
def exported(kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("exports")
    for key in ("ntriples", "nquads", "kgx-tsv"):
        sink = create_exporter(key, DirectoryOutput(directory), info=DatasetInfo())
        write_all(sink, kb.nodes, kb.edges, kb.hierarchy)
    return directory


@pytest.fixture(scope="module")
def base_store(kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("base") / "store"
    write_store(path, kb.nodes, kb.edges, kb.hierarchy, sources=[], version="test")
    return path


@pytest.fixture
def store(base_store: Path, tmp_path: Path) -> Path:
    """A fresh copy of the curated store for one test."""
    path = tmp_path / "store"
    shutil.copytree(base_store, path)
    return path


def _load(store: Path, *paths: Path, graph: str | None = None, **options):  # type: ignore[no-untyped-def]
    problems = Problems()
    sources = plan(list(paths), problems, graph=graph)
    assert not problems.errors, list(problems)
    return load_into_store(store, sources, **options)


def _count(store: Path, text: str) -> int:
    rows = list(KnowledgeStore(store).rdf.query(text))
    return int(rows[0][0].value)


@pytest.mark.slow
def test_n_triples_go_into_a_named_graph_that_sparql_finds(
    kb: KnowledgeBase, store: Path, exported: Path
) -> None:
    before = canonical_ntriples(KnowledgeStore(store).rdf)
    manifest_before = json.loads((store / MANIFEST_FILE).read_text())
    path = exported / "metakg.nt"
    report = _load(store, path)
    # Found with GRAPH and with FROM.
    assert _count(store, STATEMENTS) == len(kb.edges)
    graph = source_graph("metakg")
    assert graph == "https://w3id.org/metakg/id/source/metakg"
    assert _count(
        store, f"SELECT (COUNT(?a) AS ?n) FROM <{graph}> WHERE {{ ?a a <{RDF}Statement> }}"
    ) == len(kb.edges)
    # What `metakg build` wrote is untouched; the manifest lists the new graph.
    assert canonical_ntriples(KnowledgeStore(store).rdf) == before
    manifest = json.loads((store / MANIFEST_FILE).read_text())
    assert manifest["summary"] == manifest_before["summary"]
    (entry,) = manifest["bulk_sources"]
    assert entry["graph"] == graph and entry["name"] == "metakg"
    assert entry["files"][0]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    lines = [x for x in path.read_text().splitlines() if x and not x.startswith("#")]
    assert entry["triples"] == len(set(lines)) == report.sources[0]["triples"]


def test_a_failed_load_leaves_the_store_exactly_as_it_was(store: Path, exported: Path) -> None:
    broken = store.parent / "broken.nt"
    broken.write_text('<http://a> <http://b> "no end .\n')
    before = tree_digest(store)
    with pytest.raises(ValidationFailed) as caught:
        _load(store, exported / "metakg.nt", broken)
    (error,) = [p for p in caught.value.problems if p.level is Level.ERROR]
    assert (error.file, error.line, error.code) == (str(broken), 1, "bad-rdf")
    assert tree_digest(store) == before
    assert sorted(p.name for p in store.parent.iterdir()) == [".store.lock", "broken.nt", "store"]


UNKNOWN = (
    "<http://identifiers.org/ncbigene/7157> <http://www.w3.org/2000/01/rdf-schema#label> "
    '"TP53" .\n'
    "<http://identifiers.org/ncbigene/7157> <http://example.org/expressedIn> "
    "<http://purl.obolibrary.org/obo/UBERON_0002048> .\n"
)


def test_unknown_terms_are_left_out_with_their_line_or_refused_when_strict(store: Path) -> None:
    path = store.parent / "mixed.nt"
    path.write_text("# two triples\n" + UNKNOWN)
    before = tree_digest(store)
    with pytest.raises(ValidationFailed) as caught:
        _load(store, path, strict=True)
    (error,) = caught.value.problems
    assert (error.line, error.code, error.level) == (3, "unmapped-predicate", Level.ERROR)
    assert "http://example.org/expressedIn" in error.message
    assert tree_digest(store) == before
    report = _load(store, path)
    (warning,) = report.warnings
    assert (warning.file, warning.line, warning.code) == (str(path), 3, "unmapped-predicate")
    assert report.sources[0]["triples"] == 1 and report.sources[0]["left_out_triples"] == 1
    assert _count(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } ") == 1 + _count(
        store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{DESCRIPTION_GRAPH}> {{ ?s ?p ?o }} }}"
    )


def test_a_file_with_nothing_in_the_vocabulary_is_refused(store: Path) -> None:
    path = store.parent / "foreign.ttl"
    path.write_text("@prefix ex: <http://example.org/> .\nex:a ex:knows ex:b .\n")
    before = tree_digest(store)
    with pytest.raises(ValidationFailed) as caught:
        _load(store, path)
    codes = {(p.code, p.level) for p in caught.value.problems}
    assert codes == {("no-mappable-triple", Level.ERROR), ("unmapped-predicate", Level.WARNING)}
    (warning,) = [p for p in caught.value.problems if p.code == "unmapped-predicate"]
    assert warning.line == 2  # found by its prefixed name ex:knows
    assert tree_digest(store) == before


def test_a_kgx_pair_streams_into_its_graph(kb: KnowledgeBase, store: Path, exported: Path) -> None:
    report = _load(store, exported / "metakg_edges.tsv")
    (entry,) = report.sources
    assert entry["name"] == "metakg" and entry["kgx"]["nodes"] == len(kb.nodes)
    assert entry["kgx"]["edges"] == len(kb.edges) + len(kb.hierarchy)
    assert [Path(f["path"]).name for f in entry["files"]] == [
        "metakg_nodes.tsv",
        "metakg_edges.tsv",
    ]
    assert _count(store, STATEMENTS) == len(kb.edges)
    # Same triples as the N-Triples export, but for where each record was read.
    where = "<https://w3id.org/metakg/vocab/source"
    text = (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o "
        f'FILTER(!STRSTARTS(STR(?p), "{where[1:]}")) }} }}'
    )
    triples = [x for x in (exported / "metakg.nt").read_text().splitlines() if x[:1] == "<"]
    assert _count(store, text) == len([x for x in triples if where not in x]) + _count(
        store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{DESCRIPTION_GRAPH}> {{ ?s ?p ?o }} }}"
    )


def test_n_quads_are_flattened_without_the_export_description(store: Path, exported: Path) -> None:
    report = _load(store, exported / "metakg.nq", graph="export")
    nt = [x for x in (exported / "metakg.nt").read_text().splitlines() if x[:1] == "<"]
    assert report.sources[0]["triples"] == len(nt)
    graph = source_graph("export")
    described = (
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ <{DESCRIPTION_GRAPH}> ?p ?o }} }}"
    )
    assert _count(store, described) == 0


def test_loading_a_name_again_replaces_its_graph(store: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "genes.nt", tmp_path / "b" / "genes.nt"
    for path, count in ((first, 2), (second, 1)):
        path.parent.mkdir()
        lines = UNKNOWN.splitlines()[:1] + [
            "<http://identifiers.org/ncbigene/1> <http://www.w3.org/2000/01/rdf-schema#label> "
            '"A1BG" .'
        ]
        path.write_text("\n".join(lines[:count]) + "\n")
    _load(store, first)
    _load(store, second)
    graph = source_graph("genes")
    assert _count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}") == 1
    manifest = json.loads((store / MANIFEST_FILE).read_text())
    assert [e["files"][0]["path"] for e in manifest["bulk_sources"]] == [str(second)]


@pytest.mark.parametrize("chunk_bytes", [300, 0])  # a chunk every few lines; the whole file
def test_chunks_keep_blank_nodes_and_line_numbers(store: Path, chunk_bytes: int) -> None:
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    lines = [f'<http://identifiers.org/ncbigene/{i}> {label} "G{i}" .' for i in range(1, 40)]
    lines[2] = f'_:gene {label} "first" .'
    lines[30] = f'_:gene {label} "second" .'
    path = store.parent / "blank.nt"
    path.write_text("\n".join(lines) + "\n")
    _load(store, path)
    blank = "SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE { GRAPH ?g { ?b ?p ?o FILTER(isBlank(?b)) } }"
    assert _count(store, blank) == 1
    lines[34] = "<http://a> <http://b> ."
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValidationFailed) as caught:
        _load(store, path, chunk_bytes=chunk_bytes)
    (error,) = caught.value.problems
    assert (error.code, error.line) == ("bad-rdf", 35)


def test_a_second_writer_is_refused(store: Path, exported: Path) -> None:
    # The lock is re-entrant within one thread: another thread holds it here.
    with lock_held_by_another_thread(store):
        with pytest.raises(StoreLocked):
            _load(store, exported / "metakg.nt")


def test_a_remote_json_ld_context_is_refused_in_bulk_too(
    store: Path,
    context_server: tuple[str, list[str]],  # noqa: F811
) -> None:
    url, requests = context_server
    path = store.parent / "remote.jsonld"
    path.write_text(remote_context_document(url))
    before = tree_digest(store)
    with pytest.raises(ValidationFailed) as caught:
        _load(store, path)
    (error,) = caught.value.problems
    assert (error.code, error.line) == ("remote-context", 2) and url in error.message
    assert requests == [] and tree_digest(store) == before


@pytest.mark.slow
def test_the_command_prints_one_line_off_a_terminal(runner, store: Path, exported: Path) -> None:  # type: ignore[no-untyped-def]
    from server.cli import main

    nt = str(exported / "metakg.nt")
    result = runner.invoke(main, ["load", "--store", str(store), "--chunk-mb", "0", nt])
    assert result.exit_code == 0, result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("Loaded 1 graph(s) (") and "metakg (" in line
    result = runner.invoke(
        main, ["load", "--store", str(store), "--json", str(exported / "metakg_nodes.tsv")]
    )
    document = json.loads(result.output)
    assert [s["name"] for s in document["sources"]] == ["metakg"]
    missing = runner.invoke(main, ["load", "--store", str(store), "nowhere.nt"])
    assert missing.exit_code == 1 and "'nowhere.nt' does not exist" in missing.output


# -- a remote store (a real `oxigraph serve`) -----------------------------------------------


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    server = OxigraphServer(tmp_path / "remote")
    yield server
    server.stop()


def _graphs(remote) -> dict[str, int]:  # type: ignore[no-untyped-def]
    rows = remote.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {row["g"].value: int(row["n"].value) for row in rows}


def test_a_remote_load_moves_a_checked_graph_into_place(
    kb: KnowledgeBase, server: OxigraphServer, exported: Path, runner, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from server.cli import main

    for name, value in server.settings.items():
        monkeypatch.setenv(f"METAKG_{name.upper()}", value)
    result = runner.invoke(
        main, ["load", "--remote", str(exported / "metakg.nt"), str(exported / "metakg_edges.tsv")]
    )
    assert result.exit_code == 1 and "duplicate-graph" in result.output
    result = runner.invoke(
        main,
        ["load", "--remote", "--graph", "mine", str(exported / "metakg.nt")],
    )
    assert result.exit_code == 0, result.output
    remote = server.remote()
    graphs = _graphs(remote)
    assert list(graphs) == [source_graph("mine")]
    rows = remote.select(
        f"SELECT (COUNT(?a) AS ?n) WHERE {{ GRAPH ?g {{ ?a a <{RDF}Statement> }} }}"
    )
    assert int(rows[0]["n"].value) == len(kb.edges)
    # A failing load leaves the remote store as it was: no temporary graph, same content.
    broken = exported.parent / "broken.nt"
    broken.write_text(UNKNOWN + "<http://a> <http://b> .\n")
    result = runner.invoke(main, ["load", "--remote", "--graph", "mine", str(broken)])
    assert result.exit_code == 1 and "the remote store was not changed" in result.output
    assert _graphs(remote) == graphs
    # Unknown terms are checked remotely too: left out with a warning.
    mixed = exported.parent / "mixed.nt"
    mixed.write_text(UNKNOWN)
    result = runner.invoke(main, ["load", "--remote", str(mixed)])
    assert result.exit_code == 0 and "unmapped-predicate" in result.output
    assert _graphs(remote)[source_graph("mixed")] == 1


def test_remote_needs_its_endpoints(runner, exported: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from server.cli import main

    monkeypatch.delenv("METAKG_SPARQL_ENDPOINT", raising=False)
    result = runner.invoke(main, ["load", "--remote", str(exported / "metakg.nt")])
    assert result.exit_code == 2 and "METAKG_SPARQL_ENDPOINT" in result.output
