"""Shared fixtures: the assembled curated knowledge base, a built store, a CLI runner.

Everything is real: the curated files, the pyoxigraph store on disk under ``tmp_path``, and
the real data in ``../shared/data`` where a test needs it (skipped with a reason if absent).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from graph.store import KnowledgeStore, write_store
from ingest.pipeline import KnowledgeBase, assemble, plan_sources
from queries.simulator import Model, build_model

SHARED = Path(__file__).resolve().parents[2] / "shared"
GENE_INFO = SHARED / "data" / "Homo_sapiens.gene_info.gz"
HUMAN_DO = SHARED / "data" / "HumanDO.tsv"


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


@pytest.fixture(scope="module")
def app(store_path: Path):  # type: ignore[no-untyped-def]
    """The HTTP app on the curated store (rate limit off), for Flask's test client."""
    from server.http.app import create_app

    app = create_app({"store": store_path, "rate_limit": "off"})
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
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """A real `metakg serve` (Granian) process on 127.0.0.1, stopped at teardown."""

    def __init__(self, store: Path, **settings: str) -> None:
        import os
        import subprocess
        import sys
        import time
        import urllib.request

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "METAKG_STORE": str(store),
            "METAKG_PORT": str(self.port),
            "METAKG_RATE_LIMIT": "off",
            **{f"METAKG_{k.upper()}": str(v) for k, v in settings.items()},
        }
        self.log = store.parent / f"server-{self.port}.log"
        self._log_handle = self.log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve"],
            env=env,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._log_handle.close()
                raise RuntimeError(f"metakg serve exited: {self.log.read_text()}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"metakg serve did not start in 60 s: {self.log.read_text()}")

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
