"""The deployment's own commands run for real, without Docker: what `docker compose up` would
run, short of the containers.

- deploy/wait_for.py (the first step of the `init` service) against a real ``oxigraph serve``
  that starts while it waits, a real listening TCP socket, closed ports and malformed targets.
- A rehearsal of the compose file: the `init` service's steps with its environment (plus the
  Dockerfile's ``ENV``), then `metakg serve` with the `api` service's environment, on a real
  ``oxigraph serve``; the Dockerfile's HEALTHCHECK passes on it and the API answers as the
  embedded store does. Only the host names are rewritten (``oxigraph:7878`` to the local
  server, ``neo4j:7687`` to a listening socket that stands for Bolt) and the image's store path
  to a store built here; `metakg neo4j push` is left out (no Neo4j server here;
  tests/test_exports_neo4j.py covers the push).
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import LiveServer, OxigraphServer, free_port
from tests.deploy_files import WAIT_FOR, commands, dockerfile_env, environment, service

OXIGRAPH = Path(sys.executable).parent / "oxigraph"


def _wait_for(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WAIT_FOR), "--interval", "0.2", *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_wait_for_waits_for_oxigraph_and_a_tcp_port(tmp_path: Path) -> None:
    if not OXIGRAPH.is_file():
        pytest.skip(f"the oxigraph CLI is not installed next to {sys.executable}")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}/query"
    with socket.socket() as bolt:  # a real listening socket stands for Neo4j's Bolt port
        bolt.bind(("127.0.0.1", 0))
        bolt.listen()
        neo4j_uri = f"bolt://127.0.0.1:{bolt.getsockname()[1]}"
        waiter = _wait_for(
            "--timeout",
            "60",
            env={"METAKG_SPARQL_ENDPOINT": endpoint, "METAKG_NEO4J_URI": neo4j_uri},
        )
        time.sleep(1.0)
        assert waiter.poll() is None, "it must still be waiting: Oxigraph is not up yet"
        server = subprocess.Popen(
            [
                str(OXIGRAPH),
                "serve",
                "--location",
                str(tmp_path / "ox"),
                "--bind",
                f"127.0.0.1:{port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            out, err = waiter.communicate(timeout=60)
        finally:
            server.terminate()
            server.wait(timeout=10)
    assert waiter.returncode == 0, err
    assert f"ready: {endpoint}" in out and f"ready: {neo4j_uri}" in out


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (("--timeout", "0.5", "tcp://127.0.0.1:{port}"), 1, "not ready after 0.5 s"),
        (("--timeout", "0.5", "http://127.0.0.1:{port}/query"), 1, "Connection refused"),
        (("ftp://example.org/",), 2, "is not an http(s)://"),
        (("tcp://neo4j",), 2, "needs a port"),
    ],
)
def test_wait_for_gives_up_clearly(args: tuple[str, ...], status: int, message: str) -> None:
    port = str(free_port())
    waiter = _wait_for(*(a.format(port=port) for a in args))
    _, err = waiter.communicate(timeout=30)
    assert waiter.returncode == status and message in err


# --- a rehearsal of docker compose up -------------------------------------------------------


def _as_here(env: dict[str, str], hosts: dict[str, str], store: Path) -> dict[str, str]:
    """A container's environment with the compose host names and the image's store path
    replaced by what exists on this machine."""
    here = dict(env)
    for name, address in hosts.items():
        here = {k: v.replace(name, address) for k, v in here.items()}
    return {**here, "METAKG_STORE": str(store)}


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def test_compose_rehearsal(
    tmp_path: Path,
    store_path: Path,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    oxigraph = OxigraphServer(tmp_path / "oxigraph")
    bolt = socket.create_server(("127.0.0.1", 0))
    hosts = {
        "http://oxigraph:7878": oxigraph.base,
        "bolt://neo4j:7687": f"bolt://127.0.0.1:{bolt.getsockname()[1]}",
    }
    api = None
    try:
        init_env = _as_here(
            {**dockerfile_env(), **environment(service("init"), {"NEO4J_PASSWORD": "x" * 12})},
            hosts,
            store_path,
        )
        init_env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
        steps = [shlex.split(step) for step in service("init")["command"][2].split("&&")]
        assert steps[-1][:3] == ["metakg", "neo4j", "push"]
        for step in steps[:-1]:
            if step[:2] == ["python", "/opt/metakg/wait_for.py"]:
                step = [sys.executable, str(WAIT_FOR), *step[2:]]
            done = subprocess.run(
                step, env={**os.environ, **init_env}, capture_output=True, text=True, check=False
            )
            assert done.returncode == 0, f"{step}: {done.stderr[-2000:]}"

        api_env = _as_here(
            {**dockerfile_env(), **environment(service("api"), {})}, hosts, tmp_path / "none"
        )
        settings = {
            k.removeprefix("METAKG_").lower(): v
            for k, v in api_env.items()
            if k.startswith("METAKG_") and k not in ("METAKG_STORE", "METAKG_PORT", "METAKG_HOST")
        }
        api = LiveServer(tmp_path / "none", **settings)  # on 127.0.0.1 and a free port
        (check,) = commands("HEALTHCHECK")
        healthy = subprocess.run(
            [sys.executable, "-c", check.value[-1]],
            env={**os.environ, "METAKG_PORT": str(api.port)},
            capture_output=True,
            check=False,
        )
        assert healthy.returncode == 0, healthy.stderr
        assert not (tmp_path / "none").exists(), "the api must not need a store of its own"
        for route in ("/api/v1/", "/api/v1/genes?limit=5"):
            assert _get(api.url + route) == _get(live_server.url + route), route
    finally:
        if api is not None:
            api.stop()
        oxigraph.stop()
        bolt.close()
