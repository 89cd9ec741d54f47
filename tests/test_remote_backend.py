"""The remote SPARQL backend against a real `oxigraph serve`: `metakg push`, releases, 503s
when the store is down, and two stateless API processes on one store.

The API and named-query suites themselves run on both backends through the parametrised
``app`` and ``knowledge`` fixtures of tests/conftest.py; this file covers what only a remote
store has.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.backend import PROJECTION_GRAPH, RemoteBackend
from graph.remote import RemoteStore, RemoteUnavailable, substitute
from graph.store import KnowledgeStore, write_store
from ingest.pipeline import assemble, plan_sources
from queries import named
from queries.lookup import name_index
from server.cli.commands import main
from server.cli.push import push_store
from server.http.app import create_app
from tests.conftest import LiveServer, OxigraphServer, free_port

QUIET = {"progress": lambda _line: None}
#: A user's assertion that is not in the curated sources: visible only in release B.
EXTRA = (
    "subject\tpredicate\tobject\tcancer_type\torgan\treferences\tconfidence\tevidence_type\tnote\n"
    "COX2\tmediates_metastasis_to\tbrain\tbreast cancer\t\tPMID:19421193;61\tmedium\txenograft\t"
    "A test assertion: COX2 helping breast cancer cells into the brain.\n"
)


@pytest.fixture(scope="module")
def release_b(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The curated store plus one user assertion: a second, different release."""
    root = tmp_path_factory.mktemp("release-b")
    source = root / "mine.tsv"
    source.write_text(EXTRA, encoding="utf-8")
    kb = assemble(plan_sources([source]))
    path = root / "store"
    write_store(path, kb.nodes, kb.edges, kb.hierarchy, sources=[], version="test")
    return path


@pytest.fixture
def fresh_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    server = OxigraphServer(tmp_path / "oxigraph")
    yield server
    server.stop()


def _graphs(remote: RemoteStore) -> list[str]:
    return [g.value for g in remote.named_graphs()]


def _default_triples(remote: RemoteStore) -> int:
    (row,) = remote.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    return int(row["n"].value)


# --- substitution ---------------------------------------------------------------------------

SUBSTITUTIONS = [
    # (text, expected) with ?a := <http://e/1> and ?b := "x"
    ("SELECT ?a WHERE { ?a ?p ?o }", "SELECT (<http://e/1> AS ?a) WHERE { <http://e/1> ?p ?o }"),
    ('SELECT ?o WHERE { ?s ?p "?a" }', 'SELECT ?o WHERE { ?s ?p "?a" }'),
    ("SELECT ?o WHERE { <http://x/?a> ?p ?o }", "SELECT ?o WHERE { <http://x/?a> ?p ?o }"),
    ("SELECT ?o WHERE { # ?a\n?s ?p ?o }", "SELECT ?o WHERE { # ?a\n?s ?p ?o }"),
    ("SELECT ?o WHERE { ?s ?p $a }", "SELECT ?o WHERE { ?s ?p <http://e/1> }"),
    (
        "SELECT ?a (COUNT(?o) AS ?n) WHERE { ?a ?p ?o } GROUP BY ?a ORDER BY ?a",
        "SELECT (<http://e/1> AS ?a) (COUNT(?o) AS ?n) WHERE { <http://e/1> ?p ?o } "
        "GROUP BY (<http://e/1>) ORDER BY (<http://e/1>)",
    ),
    (
        'SELECT ?x WHERE { ?x ?p ?o FILTER(sameTerm(?b, "") || ?o < ?b) }',
        'SELECT ?x WHERE { ?x ?p ?o FILTER(sameTerm("x", "") || ?o < "x") }',
    ),
    ("SELECT ?ab WHERE { ?ab ?p ?o }", "SELECT ?ab WHERE { ?ab ?p ?o }"),
    (
        "SELECT (STR(?o) AS ?b) WHERE { ?a ?p ?o }",
        "SELECT (STR(?o) AS ?b) WHERE { <http://e/1> ?p ?o }",
    ),
]


@pytest.mark.parametrize(("text", "expected"), SUBSTITUTIONS)
def test_substitute(text: str, expected: str) -> None:
    values = {ox.Variable("a"): ox.NamedNode("http://e/1"), ox.Variable("b"): ox.Literal("x")}
    assert substitute(text, values) == expected


def test_substituted_terms_are_escaped() -> None:
    hostile = ox.Literal('x" } ; DROP ALL ; #\n')
    text = substitute("SELECT ?o WHERE { ?s ?p ?b }", {ox.Variable("b"): hostile})
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://s"), ox.NamedNode("http://p"), hostile))
    assert len(list(store.query(text))) == 1


def test_substitution_equals_pyoxigraph_binding_for_every_example(store: KnowledgeStore) -> None:
    """Independent of any server: the substituted text and pyoxigraph's own substitution give
    the same solutions on the embedded store, for every named query's example."""
    index = name_index(store.graph)
    for query in named.registry().values():
        bound = named.bind(query, dict(query.example), index=index)
        for values in bound.substitutions:
            bound_rows = sorted(map(str, store.rdf.query(query.sparql, substitutions=values)))
            text_rows = sorted(map(str, store.rdf.query(substitute(query.sparql, values))))
            assert bound_rows == text_rows, query.name


# --- push -------------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", ["graph-store", "update-only"])
def test_push_twice_gives_the_same_store(
    protocol: str, store: KnowledgeStore, fresh_server: OxigraphServer
) -> None:
    settings = dict(fresh_server.settings, query_timeout=30)
    if protocol == "update-only":
        settings["sparql_store_endpoint"] = ""
    remote = RemoteStore.from_settings(settings)
    expected = sum(1 for _ in store.rdf.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    for _ in range(2):
        counts = push_store(store, remote, **QUIET)
        assert counts["default graph"] == expected
        assert _default_triples(remote) == expected
        # No staging graph is left behind; only the release's graphs remain.
        assert PROJECTION_GRAPH in _graphs(remote)
        assert not [g for g in _graphs(remote) if "/staging/" in g]
    knowledge = RemoteBackend(remote).current()
    assert sorted(knowledge.graph.edges(keys=True)) == sorted(store.graph.edges(keys=True))
    assert dict(knowledge.graph.nodes(data=True)) == dict(store.graph.nodes(data=True))


def test_a_failed_push_leaves_the_previous_release(
    store: KnowledgeStore, release_b: Path, fresh_server: OxigraphServer
) -> None:
    remote = fresh_server.remote()
    push_store(store, remote, **QUIET)
    before = RemoteBackend(remote).release()
    broken = RemoteStore(remote.query_url, remote.update_url, fresh_server.base + "/no-such-route")
    with pytest.raises(RemoteUnavailable):
        push_store(KnowledgeStore(release_b), broken, **QUIET)
    assert RemoteBackend(remote).release() == before
    assert not [g for g in _graphs(remote) if "/staging/" in g]


def test_push_command_and_cli_reads_from_the_remote(
    store_path: Path, fresh_server: OxigraphServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    for name, value in fresh_server.settings.items():
        monkeypatch.setenv("METAKG_" + name.upper(), value)
    monkeypatch.setenv("METAKG_STORE", str(store_path.parent / "absent"))
    runner = CliRunner()
    pushed = runner.invoke(main, ["push", "--store", str(store_path)])
    assert pushed.exit_code == 0, pushed.output
    assert "Pushed" in pushed.output
    result = runner.invoke(
        main, ["query", "genes_for_cancer_organ", "--param", "cancer=breast cancer",
               "--param", "organ=bone", "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    remote_rows = json.loads(result.output)
    local = runner.invoke(
        main, ["query", "genes_for_cancer_organ", "--param", "cancer=breast cancer",
               "--param", "organ=bone", "--format", "json", "--store", str(store_path)],
    )
    assert remote_rows == json.loads(local.output) and remote_rows


def test_push_without_a_remote_is_a_clear_error(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    monkeypatch.delenv("METAKG_SPARQL_ENDPOINT", raising=False)
    result = CliRunner().invoke(main, ["push", "--store", str(store_path)])
    assert result.exit_code == 2
    assert "METAKG_SPARQL_ENDPOINT" in result.output


# --- the API on a remote store ------------------------------------------------------------

ROUTES = ["/api/v1/genes/PTGS2", "/api/v1/organs/bone", "/api/v1/search?q=COX2"]


def _assert_unavailable(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 503


def test_remote_down_is_503_problem_on_every_route(store_path: Path) -> None:
    port = free_port()  # nothing listens there
    app = create_app(
        {
            "store": store_path,
            "rate_limit": "off",
            "sparql_endpoint": f"http://127.0.0.1:{port}/query",
        }
    )
    try:
        client = app.test_client()
        for route in ROUTES + [
            "/api/v1/queries/metastatic_sites?cancer=breast%20cancer",
            "/api/v1/export?format=turtle",
        ]:
            _assert_unavailable(client.get(route))
        sparql = client.post(
            "/sparql",
            data={"query": "ASK { ?s ?p ?o }"},
            headers={"Accept": "application/sparql-results+json"},
        )
        _assert_unavailable(sparql)
        assert "could not be reached" in sparql.get_json()["detail"]
    finally:
        app.extensions["metakg"].close()


def test_empty_remote_store_says_push_first(
    store_path: Path, fresh_server: OxigraphServer
) -> None:
    app = create_app({"store": store_path, "rate_limit": "off", **fresh_server.settings})
    try:
        response = app.test_client().get(ROUTES[0])
        _assert_unavailable(response)
        assert "metakg push" in response.get_json()["detail"]
    finally:
        app.extensions["metakg"].close()


def test_a_new_release_is_served_at_once(
    store: KnowledgeStore, release_b: Path, fresh_server: OxigraphServer
) -> None:
    """No restart and no stale answers: the request after a push sees the new release."""
    remote = fresh_server.remote()
    push_store(store, remote, **QUIET)
    app = create_app(
        {"store": Path("/nonexistent"), "rate_limit": "off", **fresh_server.settings}
    )
    client = app.test_client()
    try:
        def brain_genes() -> set[str]:
            rows = client.get(
                "/api/v1/queries/genes_for_cancer_organ?cancer=breast%20cancer&organ=brain"
            ).get_json()["rows"]
            return {row["symbol"] for row in rows}

        def brain_assertions() -> int:
            data = client.get("/api/v1/genes/PTGS2").get_json()
            organs = data["assertions"].get("organ", [])
            return sum(1 for a in organs if a["object"]["id"] == "UBERON:0000955")

        before_genes, before_assertions = brain_genes(), brain_assertions()
        push_store(KnowledgeStore(release_b), remote, **QUIET)
        assert brain_assertions() == before_assertions + 1
        assert "PTGS2" in brain_genes() and brain_genes() >= before_genes
        push_store(store, remote, **QUIET)
        assert brain_assertions() == before_assertions
    finally:
        app.extensions["metakg"].close()


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_two_api_processes_serve_one_remote_store(
    store: KnowledgeStore, release_b: Path, fresh_server: OxigraphServer, tmp_path: Path
) -> None:
    remote = fresh_server.remote()
    push_store(store, remote, **QUIET)
    settings = {**fresh_server.settings, "workers": "1", "threads": "2"}
    for i in range(2):
        (tmp_path / f"unused-{i}").mkdir()
    servers = [LiveServer(tmp_path / f"unused-{i}" / "store", **settings) for i in range(2)]
    try:
        sparql = "/sparql?query=" + urllib.request.quote(
            "SELECT (COUNT(*) AS ?n) WHERE { ?a a <http://www.w3.org/1999/02/22-rdf-syntax-ns#"
            "Statement> }"
        )
        for release in (store.path, release_b):
            push_store(KnowledgeStore(release), remote, **QUIET)
            answers = []
            for server in servers:
                status, body = _get(server.url + ROUTES[0])
                assert status == 200
                status_sparql, count = _get(server.url + sparql)
                assert status_sparql == 200
                answers.append((body, count))
            assert answers[0] == answers[1]
        # Neither process built or opened a store of its own.
        assert not any((tmp_path / f"unused-{i}" / "store").exists() for i in range(2))
    finally:
        for server in servers:
            server.stop()
