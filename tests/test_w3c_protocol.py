"""The W3C SPARQL 1.1 Protocol tests, replayed over HTTP against our real `metakg serve`.

Our endpoint is read-only, so it must pass the 27 tests that apply to it (the 20 query tests
and the 7 that expect an update to be refused) and the 7 tests whose updates must succeed are
skipped. The same runner against Oxigraph's own server is the control: it must report exactly
Oxigraph's two known failures (CONSTRUCT and DESCRIBE answered as N-Quads when no Accept header
is sent), which shows the runner can fail.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from graph.property_graph import FORMAT
from graph.store import GRAPH_FILE, MANIFEST_FILE, RDF_DIR
from tests import w3c_protocol as w3c
from tests.conftest import LiveServer, free_port, need

ROOT = Path(__file__).resolve().parents[1]
OXIGRAPH = Path(sys.executable).parent / "oxigraph"
NQUADS = {"query_content_type_describe", "query_content_type_construct"}


@pytest.fixture(scope="module")
def protocol_tests() -> list[w3c.ProtocolTest]:
    return w3c.load_manifest(need(w3c.MANIFEST))


def metakg_store(path: Path, tests: Sequence[w3c.ProtocolTest]) -> Path:
    """A metakg store directory holding only the graphs the protocol tests name."""
    path.mkdir(parents=True)
    w3c.load_dataset(path / RDF_DIR, tests)
    empty = {"format": FORMAT, "nodes": [], "edges": []}
    (path / GRAPH_FILE).write_text(json.dumps(empty) + "\n", encoding="utf-8")
    manifest = {"format": 1, "metakg_version": "test", "sources": [], "summary": {}}
    (path / MANIFEST_FILE).write_text(json.dumps(manifest) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def server(
    protocol_tests: list[w3c.ProtocolTest], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    store = metakg_store(tmp_path_factory.mktemp("w3c") / "store", protocol_tests)
    live = LiveServer(store, workers="1", threads="4", query_timeout="10")
    yield live
    live.stop()


def by_verdict(outcomes: Sequence[w3c.Outcome], verdict: str) -> dict[str, w3c.Outcome]:
    return {o.name: o for o in outcomes if o.verdict == verdict}


def report(outcomes: Sequence[w3c.Outcome]) -> str:
    return "\n".join(o.line for o in outcomes) + "\n" + w3c.summary(outcomes)


def test_the_manifest_is_read_as_written(protocol_tests: list[w3c.ProtocolTest]) -> None:
    tests = {t.name: t for t in protocol_tests}
    assert len(protocol_tests) == len(tests) == 34
    assert {t.name for t in protocol_tests if t.needs_update} == {
        "update_dataset_default_graph",
        "update_dataset_default_graphs",
        "update_dataset_named_graphs",
        "update_dataset_full",
        "update_post_form",
        "update_post_direct",
        "update_base_uri",
    }
    (utf16,) = tests["bad_query_non_utf8"].requests
    assert utf16.body == "ASK {}".encode("utf-16") and utf16.body[:2] in (b"\xff\xfe", b"\xfe\xff")
    (no_type,) = tests["bad_query_missing_form_type"].requests
    assert no_type.headers == () and no_type.body == b"query=ASK%20%7B%7D"
    (ask,) = tests["query_content_type_ask"].requests
    assert (ask.expected_format, ask.expected_boolean, ask.statuses) == ("boolean", None, {2, 3})
    (refused,) = tests["bad_update_get"].requests
    assert refused.is_update and refused.statuses == {4} and refused.method == "GET"
    assert [r.is_update for r in tests["update_base_uri"].requests] == [True, False]
    graphs = w3c.dataset(protocol_tests)
    assert sorted(graphs) == [f"http://kasei.us/2009/09/sparql/data/data{n}.rdf" for n in (1, 2, 3)]
    assert all(source.is_file() for source in graphs.values())


@pytest.mark.parametrize(
    ("endpoint", "path", "expected"),
    [
        ("http://h:1/sparql", "/sparql/", "/sparql"),
        ("http://h:1/sparql", "/sparql/?query=ASK%20%7B%7D", "/sparql?query=ASK%20%7B%7D"),
        ("http://h:1/query", "/sparql/?a=1&a=2", "/query?a=1&a=2"),
        ("http://h:1/db/sparql/", "/sparql/?a=1", "/db/sparql/?a=1"),
        ("http://h:1/sparql?key=k", "/sparql/?a=1", "/sparql?key=k&a=1"),
    ],
)
def test_request_paths_are_rebased_on_the_endpoint(endpoint: str, path: str, expected: str) -> None:
    assert w3c.target(endpoint, path) == expected


def test_our_endpoint_passes_every_applicable_test(
    server: LiveServer, protocol_tests: list[w3c.ProtocolTest]
) -> None:
    outcomes = w3c.run(server.url + "/sparql", protocol_tests)
    failed = by_verdict(outcomes, "FAIL")
    assert not failed, "failing W3C protocol tests:\n" + "\n".join(o.line for o in failed.values())
    passed, skipped = by_verdict(outcomes, "PASS"), by_verdict(outcomes, "SKIP")
    assert len(passed) == 27, report(outcomes)
    # 20 query tests (13 positive, 7 negative) and the 7 that expect an update refused.
    assert sum("update" not in n for n in passed) == 20
    assert sum(n.startswith("bad_") and "update" in n for n in passed) == 7
    assert set(skipped) == {t.name for t in protocol_tests if t.needs_update}
    assert len(skipped) == 7
    assert {o.detail for o in skipped.values()} == {"read-only endpoint (update not offered)"}


def test_the_command_line_prints_one_line_per_test(
    server: LiveServer, protocol_tests: list[w3c.ProtocolTest]
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.w3c_protocol", server.url + "/sparql"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "27 passed, 0 failed, 7 skipped"
    assert [line.split()[1].rstrip(":") for line in lines[:-1]] == [t.name for t in protocol_tests]
    assert "SKIP update_post_direct: read-only endpoint (update not offered)" in lines


def test_the_command_line_rejects_a_url_without_an_endpoint_path() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.w3c_protocol", "http://127.0.0.1:1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "is not an endpoint URL such as http://127.0.0.1:8000/sparql" in done.stderr


@contextmanager
def oxigraph(tmp_path: Path, tests: Sequence[w3c.ProtocolTest], command: str) -> Iterator[str]:
    """`oxigraph COMMAND` on a fresh store holding the test graphs; yields its base URL."""
    if not OXIGRAPH.is_file():
        pytest.skip(f"the oxigraph CLI is not installed next to {sys.executable}")
    location = tmp_path / "oxigraph"
    w3c.load_dataset(location, tests)
    port = free_port()
    log = tmp_path / "oxigraph.log"
    with log.open("w") as handle:
        process = subprocess.Popen(
            [str(OXIGRAPH), command, "--location", str(location), "--bind", f"127.0.0.1:{port}"],
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"oxigraph {command} exited: {log.read_text()}")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                conn.request("GET", "/query")
                conn.getresponse().read()
                break
            except OSError as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"oxigraph {command} did not start: {log.read_text()}"
                    ) from exc
                time.sleep(0.1)
            finally:
                conn.close()
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_control_oxigraph_read_only_fails_exactly_its_known_two(
    tmp_path: Path, protocol_tests: list[w3c.ProtocolTest]
) -> None:
    with oxigraph(tmp_path, protocol_tests, "serve-read-only") as url:
        outcomes = w3c.run(url + "/query", protocol_tests)
    failed = by_verdict(outcomes, "FAIL")
    assert set(failed) == NQUADS, report(outcomes)
    assert all("got Content-Type application/n-quads" in o.detail for o in failed.values())
    assert len(by_verdict(outcomes, "PASS")) == 25, report(outcomes)
    assert set(by_verdict(outcomes, "SKIP")) == {t.name for t in protocol_tests if t.needs_update}


def test_control_oxigraph_with_updates_runs_the_update_tests(
    tmp_path: Path, protocol_tests: list[w3c.ProtocolTest]
) -> None:
    """A read-write Oxigraph with its separate /update endpoint: the update tests run (update,
    then a query that checks its effect). Besides the N-Quads pair, Oxigraph fails
    bad_update_get: a GET on /update ignores ``update=`` and returns the service description
    with 200, where the protocol wants a 4xx."""
    with oxigraph(tmp_path, protocol_tests, "serve") as url:
        outcomes = w3c.run(
            url + "/query", protocol_tests, update_endpoint=url + "/update", updates=True
        )
    failed = by_verdict(outcomes, "FAIL")
    assert set(failed) == NQUADS | {"bad_update_get"}, report(outcomes)
    assert "status 200, expected 4xx" in failed["bad_update_get"].detail
    passed = by_verdict(outcomes, "PASS")
    assert {t.name for t in protocol_tests if t.needs_update} <= set(passed)
    assert (len(passed), len(by_verdict(outcomes, "SKIP"))) == (31, 0)
