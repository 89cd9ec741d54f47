"""Shared fixtures: the assembled curated knowledge base, a built store, a CLI runner.

Everything is real: the curated files, the pyoxigraph store on disk under ``tmp_path``, and
the real data in ``../shared/data`` where a test needs it (skipped with a reason if absent).

The suite runs in parallel (``python -m pytest -n 2``, pytest-xdist): session fixtures are made
once per worker, under that worker's own temporary folder; servers listen on free ports
(picked again if another process took the port first); downloads into shared caches happen
under :func:`file_lock`. Tests that start servers, browsers or processes, or run for seconds,
are marked ``slow`` (by :func:`pytest_collection_modifyitems` below, from the fixtures they use,
or by a marker in their module): ``python -m pytest -m "not slow"`` is the fast loop.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner

from graph.store import KnowledgeStore, write_store
from ingest.pipeline import KnowledgeBase, assemble, plan_sources
from queries.simulator import Model, build_model

SHARED = Path(__file__).resolve().parents[2] / "shared"
GENE_INFO = SHARED / "data" / "Homo_sapiens.gene_info.gz"
HUMAN_DO = SHARED / "data" / "HumanDO.tsv"


#: Fixtures that start a server, a browser or another process: a test using one is slow.
SLOW_FIXTURES = frozenset(
    {
        "live_server",  # `metakg serve` (Granian), below
        "oxigraph_server",  # `oxigraph serve`, below
        "browser",  # Chromium (tests/test_web_browser.py)
        "falkordb_graph",  # redis-server with FalkorDB (tests/falkordb_server.py)
        "loaded_graph",
        "cytoscape_prefix",  # npm and node (tests/test_exports_graph.py)
        "outside_kgx",  # pip download (tests/test_ingest_kgx.py)
    }
)
#: Names whose use in a test or fixture function means it starts a long-lived process.
SLOW_CALLS = frozenset({"LiveServer", "OxigraphServer", "Popen", "sync_playwright"})
#: Parametrised fixtures whose "remote" variant runs on `oxigraph serve`.
REMOTE_PARAMETRISED = ("app", "knowledge")


def _starts_processes(function: object) -> bool:
    code = getattr(function, "__code__", None)
    return code is not None and not SLOW_CALLS.isdisjoint(code.co_names)


def _is_slow(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    if names & SLOW_FIXTURES:
        return True
    params = getattr(getattr(item, "callspec", None), "params", {})
    if any(params.get(n) == "remote" for n in REMOTE_PARAMETRISED):
        return True
    if _starts_processes(getattr(item, "function", None)):
        return True
    info = getattr(item, "_fixtureinfo", None)  # every fixture the test uses, with its code
    for definitions in getattr(info, "name2fixturedefs", {}).values():
        if any(_starts_processes(d.func) for d in definitions):
            return True
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``slow`` every test that uses a server, browser or process fixture, starts one
    itself (:data:`SLOW_CALLS`), or runs on the `oxigraph serve` variant of a
    backend-parametrised fixture; new tests included. Tests slow for another reason (a
    build in a subprocess, a large input) carry ``@pytest.mark.slow`` themselves."""
    for item in items:
        if _is_slow(item):
            item.add_marker(pytest.mark.slow)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if absent): two pytest-xdist workers (or two
    test runs) filling the same download cache take turns instead of writing over each
    other."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not available (the project's ../shared folder is absent)")
    return path


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The curated knowledge base, assembled and validated in memory."""
    return assemble(plan_sources())


@pytest.fixture(scope="session")
def store_path(kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built once from the curated sources, shared read-only by the tests."""
    path = tmp_path_factory.mktemp("built") / "store"
    write_store(path, kb.nodes, kb.edges, kb.hierarchy, sources=[], version="test")
    return path


@pytest.fixture(scope="session")
def store(store_path: Path) -> KnowledgeStore:
    return KnowledgeStore(store_path)


@pytest.fixture(scope="session")
def graph(store: KnowledgeStore) -> nx.MultiDiGraph:
    """The networkx projection of the curated store."""
    return store.graph


@pytest.fixture(scope="session")
def model(graph: nx.MultiDiGraph) -> Model:
    """The simulator's model of the curated graph."""
    return build_model(graph)



@contextlib.contextmanager
def lock_held_by_another_thread(path: Path) -> Iterator[None]:
    """Hold the writer lock of ``path`` in another thread while the body runs (the lock is
    re-entrant within a thread, so the body's own writes then meet a held lock)."""
    import threading

    from graph.store import writer_lock

    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with writer_lock(path):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10), "the other thread did not get the lock"
        yield
    finally:
        release.set()
        holder.join()

class OxigraphServer:
    """A real `oxigraph serve` process (PyPI package ``oxigraph``) on 127.0.0.1."""

    def __init__(self, location: Path) -> None:
        import shutil
        import subprocess
        import sys

        binary = Path(sys.executable).with_name("oxigraph")
        command = str(binary) if binary.exists() else shutil.which("oxigraph")
        if command is None:
            raise RuntimeError("`oxigraph` is not installed: pip install -e '.[test]'")
        self.log = location.with_suffix(".log")

        def launch(port: int) -> None:
            self.port = port
            self.base = f"http://127.0.0.1:{port}"
            self._log_handle = self.log.open("w")
            self.process = subprocess.Popen(
                [command, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                stdout=self._log_handle,
                stderr=subprocess.STDOUT,
            )

        start_on_a_free_port(
            self, "oxigraph serve", launch,
            lambda port: f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", timeout=30, pause=0.1,
        )

    @property
    def settings(self) -> dict[str, str]:
        """The settings that point metakg at this store."""
        return {
            "sparql_endpoint": self.base + "/query",
            "sparql_update_endpoint": self.base + "/update",
            "sparql_store_endpoint": self.base + "/store",
        }

    def remote(self):  # type: ignore[no-untyped-def]
        from graph.remote import RemoteStore

        return RemoteStore.from_settings({**self.settings, "query_timeout": 30})

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self._log_handle.close()


@pytest.fixture(scope="session")
def oxigraph_server(store_path: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The curated store published (by `metakg push`'s code) to a real `oxigraph serve`."""
    from server.cli.push import push_store

    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "data")
    push_store(KnowledgeStore(store_path), server.remote(), progress=lambda _: None)
    yield server
    server.stop()


#: The backends the API and named-query tests run on (issue 10: one parametrised fixture).
BACKENDS = ["embedded", "remote"]


@pytest.fixture(scope="session", params=BACKENDS)
def knowledge(request: pytest.FixtureRequest, store_path: Path):  # type: ignore[no-untyped-def]
    """One release of the curated knowledge base, read from the embedded store or from
    `oxigraph serve`: ``.graph`` (networkx) and ``.rdf`` (a pyoxigraph-like query target)."""
    from graph.backend import EmbeddedBackend, RemoteBackend

    if request.param == "embedded":
        return EmbeddedBackend(store_path).current()
    return RemoteBackend(request.getfixturevalue("oxigraph_server").remote()).current()


@pytest.fixture(scope="module", params=BACKENDS)
def app(request: pytest.FixtureRequest, store_path: Path):  # type: ignore[no-untyped-def]
    """The HTTP app on the curated store (rate limit off), for Flask's test client: once on
    the embedded store and once on the same data in `oxigraph serve`."""
    from server.http.app import create_app

    settings: dict[str, object] = {"store": store_path, "rate_limit": "off"}
    if request.param == "remote":
        settings.update(request.getfixturevalue("oxigraph_server").settings)
    app = create_app(settings)
    yield app
    app.extensions["metakg"].close()


@pytest.fixture(scope="module")
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    """A CLI runner whose default store lives under tmp_path (never the user's own)."""
    monkeypatch.setenv("METAKG_STORE", str(tmp_path / "default-store"))
    return CliRunner()


def tree_digest(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root`` by relative path: 'same bytes' made testable."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def free_port() -> int:
    """A port nothing listens on now. Another process (a second pytest-xdist worker) may take
    it before the server binds it: :class:`LiveServer` and :class:`OxigraphServer` then try
    another (:data:`PORT_ATTEMPTS`)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: How many free ports a server fixture tries before it gives up.
PORT_ATTEMPTS = 3


def port_taken(log: str) -> bool:
    """Whether a server's start-up log says its port was in use."""
    return "address already in use" in log.lower() or "addrinuse" in log.lower()


def start_on_a_free_port(
    server: Any, name: str, launch: Callable[[int], None], probe: Callable[[int], str],
    *, timeout: float, pause: float,
) -> None:
    """Start ``server`` by ``launch(port)`` (which sets its ``process``, ``log`` and
    ``_log_handle``) on a free port and wait until ``probe(port)`` answers; when another
    process took the port in between, try another one (at most :data:`PORT_ATTEMPTS`)."""
    import time
    import urllib.request

    for attempt in range(PORT_ATTEMPTS):
        port = free_port()
        launch(port)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                server._log_handle.close()
                log = server.log.read_text()
                if port_taken(log) and attempt + 1 < PORT_ATTEMPTS:
                    break  # another process took the port since free_port(): next one
                raise RuntimeError(f"{name} exited: {log}")
            try:
                with urllib.request.urlopen(probe(port), timeout=2):
                    return
            except OSError:
                time.sleep(pause)
        else:
            server.stop()
            raise RuntimeError(f"{name} did not start in {timeout:g} s: {server.log.read_text()}")


class LiveServer:
    """A real `metakg serve` (Granian) process on 127.0.0.1, stopped at teardown."""

    def __init__(self, store: Path, **settings: str) -> None:
        import os
        import subprocess
        import sys

        def launch(port: int) -> None:
            self.port = port
            self.url = f"http://127.0.0.1:{port}"
            env = {
                **os.environ,
                "METAKG_STORE": str(store),
                "METAKG_PORT": str(port),
                "METAKG_RATE_LIMIT": "off",
                **{f"METAKG_{k.upper()}": str(v) for k, v in settings.items()},
            }
            self.log = store.parent / f"server-{port}.log"
            self._log_handle = self.log.open("w")
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server.cli", "serve"],
                env=env,
                stdout=self._log_handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        start_on_a_free_port(
            self, "metakg serve", launch, lambda port: f"http://127.0.0.1:{port}/",
            timeout=60, pause=0.2,
        )

    def stop(self) -> None:
        import os
        import signal

        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except Exception:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log_handle.close()


@pytest.fixture(scope="session")
def live_server(store_path: Path):  # type: ignore[no-untyped-def]
    """The curated store served over HTTP by a real `metakg serve`; deadline 3 s."""
    server = LiveServer(store_path, query_timeout="3", workers="2", threads="1")
    yield server
    server.stop()
