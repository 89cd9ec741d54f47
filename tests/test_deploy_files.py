"""The Docker deployment (Dockerfile, docker-compose.yml), validated without a Docker engine.

No Docker engine runs on these machines or in CI, so `docker compose up` is never exercised
here. What can be checked offline is: the compose file's services, images, ports,
healthchecks and start order; that every ``METAKG_*`` variable the containers get is a real
setting with a valid value; that the Neo4j password must come from the environment and is
written nowhere; the Dockerfile as parsed by BuildKit's parser; its HEALTHCHECK run against a
real ``metakg serve``; and the package built from the build context that ``.dockerignore``
leaves, building the knowledge base as the image's ``RUN metakg build`` does.
``docker compose config`` runs where a Compose client is installed and is skipped, with the
reason, elsewhere. The init service's wait step, deploy/wait_for.py, is tested in
tests/test_deploy_wait_for.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from server.settings import SETTINGS, load_settings
from tests.conftest import free_port
from tests.deploy_files import (
    COMPOSE,
    DEPLOY_FILES,
    ENV_EXAMPLE,
    ROOT,
    MissingVariable,
    commands,
    compose,
    dockerfile_commands,
    dockerfile_env,
    environment,
    ignore_patterns,
    ignored,
    interpolate,
    ports,
    secret_literals,
    service,
)

SETTING_NAMES = {setting.env for setting in SETTINGS}
PASSWORD_ENV = {"NEO4J_PASSWORD": "x" * 12}  # a stand-in, as the user's .env would give


# --- docker-compose.yml ----------------------------------------------------------------------


def test_services_and_images() -> None:
    services = compose()["services"]
    assert set(services) == {"api", "init", "neo4j", "oxigraph"}
    assert services["neo4j"]["image"] == "neo4j:5-community"
    # The remote Oxigraph is of the minor version the embedded pyoxigraph is pinned to.
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    minor = re.search(r'"pyoxigraph>=(\d+\.\d+),<', pyproject).group(1)
    assert services["oxigraph"]["image"] == f"ghcr.io/oxigraph/oxigraph:{minor}"
    assert services["oxigraph"]["command"] == [
        "serve",
        "--location",
        "/data",
        "--bind",
        "0.0.0.0:7878",
    ]
    assert any(v.endswith(":/data") for v in services["oxigraph"]["volumes"])
    assert any(v.endswith(":/data") for v in services["neo4j"]["volumes"])
    for name in ("api", "init"):  # both run the image built from this repository's Dockerfile
        assert services[name]["build"] == "."
    assert services["api"]["image"] == services["init"]["image"]


def test_ports() -> None:
    published = {name: ports(service(name)) for name in ("api", "init", "neo4j", "oxigraph")}
    assert {p.target for p in published["neo4j"]} == {7474, 7687}
    assert {(p.published, p.target) for p in published["api"]} == {(8000, 8000)}
    assert not published["init"]
    # Oxigraph's update endpoint has no authentication: loopback only.
    assert [(p.host_ip, p.target) for p in published["oxigraph"]] == [("127.0.0.1", 7878)]
    api_env = environment(service("api"), {})
    assert int(api_env["METAKG_PORT"]) == 8000
    assert commands("EXPOSE")[0].value == ("8000",)


def test_healthchecks_and_start_order() -> None:
    services = compose()["services"]
    neo4j_check = services["neo4j"]["healthcheck"]
    assert neo4j_check["test"][0] in ("CMD", "CMD-SHELL")
    assert "7474" in " ".join(neo4j_check["test"])
    assert {"interval", "timeout", "retries"} <= set(neo4j_check)
    # The api's healthcheck is the Dockerfile's; compose must not switch it off.
    assert not services["api"].get("healthcheck", {}).get("disable")
    assert commands("HEALTHCHECK")
    # The Oxigraph image is distroless: a healthcheck needing a shell or curl could never pass.
    oxigraph_check = " ".join(services["oxigraph"].get("healthcheck", {}).get("test", []))
    assert not re.search(r"CMD-SHELL|curl|wget", oxigraph_check)

    conditions = {
        name: {dep: spec["condition"] for dep, spec in (s.get("depends_on") or {}).items()}
        for name, s in services.items()
    }
    assert conditions["init"] == {"oxigraph": "service_started", "neo4j": "service_healthy"}
    assert conditions["api"]["init"] == "service_completed_successfully"
    for name, deps in conditions.items():
        for dep, condition in deps.items():
            if condition == "service_healthy":
                assert "healthcheck" in services[dep], f"{name} waits for {dep}'s healthcheck"
    assert services["init"]["restart"] == "no"


def test_init_waits_then_pushes() -> None:
    command = service("init")["command"]
    assert command[:2] == ["sh", "-c"]
    steps = [step.strip() for step in command[2].split("&&")]
    assert steps[0].startswith("python /opt/metakg/wait_for.py")
    assert steps[1:] == ["metakg push", "metakg neo4j push --prune"]
    copied = [c.value for c in commands("COPY") if c.value[-1] == "/opt/metakg/wait_for.py"]
    assert copied == [("deploy/wait_for.py", "/opt/metakg/wait_for.py")]


@pytest.mark.parametrize("name", ["api", "init"])
def test_environment_is_real_settings(name: str) -> None:
    env = environment(service(name), PASSWORD_ENV)
    unknown = set(env) - SETTING_NAMES
    assert not unknown, f"{name} sets variables that are no setting in server/settings.py"
    settings = load_settings(env)  # raises on a value a setting refuses
    assert settings["sparql_endpoint"] == "http://oxigraph:7878/query"
    if name == "init":
        assert settings["sparql_update_endpoint"] == "http://oxigraph:7878/update"
        assert settings["sparql_store_endpoint"] == "http://oxigraph:7878/store"
        assert settings["neo4j_uri"] == "bolt://neo4j:7687"
        assert settings["neo4j_password"] == PASSWORD_ENV["NEO4J_PASSWORD"]
    else:  # the API only reads: no write endpoint, no Neo4j credentials
        assert settings["host"] == "0.0.0.0"
        assert not {"METAKG_SPARQL_UPDATE_ENDPOINT", "METAKG_NEO4J_PASSWORD"} & set(env)


def test_neo4j_password_is_required_from_the_environment() -> None:
    raw = service("neo4j")["environment"]["NEO4J_AUTH"]
    assert re.fullmatch(r"neo4j/\$\{NEO4J_PASSWORD:\?[^}]*8 characters[^}]*\}", raw)
    assert service("init")["environment"]["METAKG_NEO4J_PASSWORD"] == raw.split("/", 1)[1]
    for environ in ({}, {"NEO4J_PASSWORD": ""}):
        with pytest.raises(MissingVariable, match="NEO4J_PASSWORD"):
            environment(service("neo4j"), environ)
    assert environment(service("neo4j"), PASSWORD_ENV)["NEO4J_AUTH"] == "neo4j/" + "x" * 12
    # .env.example names the variable with no value; .env is neither committed nor sent.
    assert re.search(r"^NEO4J_PASSWORD=$", ENV_EXAMPLE.read_text(encoding="utf-8"), re.M)
    check = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT, check=False)
    assert check.returncode == 0, ".env must be git-ignored"
    assert ignored(".env", ignore_patterns())


@pytest.mark.parametrize("path", DEPLOY_FILES, ids=lambda p: p.name)
def test_no_secret_literals(path: Path) -> None:
    assert secret_literals(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("NEO4J_AUTH: neo4j/hunter22hunter", True),
        ('NEO4J_AUTH: "neo4j/${NEO4J_PASSWORD:?required}"', False),
        ("ENV METAKG_NEO4J_PASSWORD=s3cretpass", True),
        ("METAKG_NEO4J_PASSWORD: ${NEO4J_PASSWORD}", False),
        ("NEO4J_PASSWORD=", False),
        ("NEO4J_PASSWORD=<your own>", False),
        ("API_TOKEN: abc123", True),
        ("-----BEGIN RSA PRIVATE KEY-----", True),
        ("the password comes from the environment", False),
    ],
)
def test_secret_scan(text: str, flagged: bool) -> None:
    assert bool(secret_literals(text)) is flagged


@pytest.mark.parametrize(
    ("value", "environ", "expected"),
    [
        ("${A:-d}", {}, "d"),
        ("${A:-d}", {"A": ""}, "d"),
        ("${A-d}", {"A": ""}, ""),
        ("x$${A}", {"A": "1"}, "x${A}"),
        ("$A/${B}", {"A": "1", "B": "2"}, "1/2"),
    ],
)
def test_interpolation(value: str, environ: dict, expected: str) -> None:
    assert interpolate(value, environ) == expected


def _compose_client() -> list[str] | None:
    for client in (["docker", "compose"], ["docker-compose"]):
        if (
            shutil.which(client[0])
            and subprocess.run([*client, "version"], capture_output=True, check=False).returncode
            == 0
        ):
            return client
    return None


def test_compose_config(tmp_path: Path) -> None:
    client = _compose_client()
    if client is None:
        pytest.skip("no Compose client (`docker compose` or `docker-compose`) is installed")
    empty = tmp_path / "empty.env"
    empty.write_text("")
    run = [*client, "--env-file", str(empty), "-f", str(COMPOSE), "config"]
    env = {k: v for k, v in os.environ.items() if k != "NEO4J_PASSWORD"}
    refused = subprocess.run(run, capture_output=True, text=True, env=env, check=False)
    assert refused.returncode != 0 and "NEO4J_PASSWORD" in refused.stderr
    accepted = subprocess.run(
        run, capture_output=True, text=True, env={**env, **PASSWORD_ENV}, check=False
    )
    assert accepted.returncode == 0, accepted.stderr


# --- Dockerfile --------------------------------------------------------------------------------


def test_dockerfile_shape() -> None:
    assert {c.value[0] for c in commands("FROM")} == {"python:3.11-slim"}
    order = [c.cmd for c in dockerfile_commands()]
    users = commands("USER")
    assert users and users[-1].value[0] not in ("root", "0", "0:0")
    build = next(c for c in commands("RUN") if c.value[0].strip() == "metakg build")
    assert users[-1].start_line < build.start_line < commands("CMD")[0].start_line
    assert "ENTRYPOINT" not in order
    (cmd,) = commands("CMD")
    assert cmd.json and cmd.value == ("metakg", "serve")
    assert any(c.value[0].startswith("pip install /tmp/wheels/") for c in commands("RUN"))


def test_dockerfile_environment() -> None:
    env = dockerfile_env()
    assert not [key for key in env if secret_literals(f"{key}=x")], "no secret in ENV"
    metakg = {key: value for key, value in env.items() if key.startswith("METAKG_")}
    assert set(metakg) <= SETTING_NAMES
    settings = load_settings(metakg)
    assert settings["host"] == "0.0.0.0" and settings["port"] == 8000
    assert not commands("ARG"), "build arguments end up in the image history"


def _healthcheck_code() -> str:
    (check,) = commands("HEALTHCHECK")
    assert check.json and {"--interval=30s", "--timeout=5s"} <= set(check.flags)
    kind, program, flag, code = check.value
    assert (kind, program, flag) == ("CMD", "python", "-c")
    return code


def test_healthcheck_against_a_real_server(live_server) -> None:  # type: ignore[no-untyped-def]
    code = _healthcheck_code()
    assert "/api/v1/" in code
    env = {**os.environ, "METAKG_PORT": str(live_server.port)}
    ok = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=False)
    assert ok.returncode == 0, ok.stderr
    env["METAKG_PORT"] = str(free_port())  # nothing listens there
    down = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=False)
    assert down.returncode != 0


# --- the build context (.dockerignore) and what the image builds from it ---------------------


def test_dockerignore_keeps_secrets_and_clutter_out() -> None:
    patterns = ignore_patterns()
    for path in (
        ".git/config",
        ".venv/bin/python",
        "tests/artifacts/x.png",
        "store/manifest.json",
        ".env",
        "graph/__pycache__/store.cpython-311.pyc",
    ):
        assert ignored(path, patterns), path
    for path in (
        "pyproject.toml",
        "README.md",
        "graph/store.py",
        "server/cli/commands.py",
        "ingest/data/assertions",
        "deploy/wait_for.py",
    ):
        assert not ignored(path, patterns), path


@pytest.mark.slow
def test_the_build_context_builds_the_knowledge_base(tmp_path: Path) -> None:
    """What `COPY . .` + `pip wheel .` + `pip install` + `RUN metakg build` do in the image,
    done here from a copy of the context that .dockerignore leaves."""
    patterns, context = ignore_patterns(), tmp_path / "context"
    for directory, dirs, files in os.walk(ROOT):
        relative = Path(directory).relative_to(ROOT)
        dirs[:] = [d for d in dirs if not ignored((relative / d).as_posix(), patterns)]
        for name in files:
            if not ignored((relative / name).as_posix(), patterns):
                (context / relative).mkdir(parents=True, exist_ok=True)
                shutil.copy2(Path(directory) / name, context / relative / name)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "--wheel-dir",
            str(wheels),
            ".",
        ],
        cwd=context,
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("metakg-*.whl")
    installed = tmp_path / "installed"
    zipfile.ZipFile(wheel).extractall(installed)
    env = {**os.environ, "PYTHONPATH": str(installed), "METAKG_STORE": str(tmp_path / "store")}
    code = (
        "import server, sys; from server.cli import main; "
        f"assert server.__file__.startswith({str(installed)!r}), server.__file__; "
        "main(['build'])"
    )
    built = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    assert (tmp_path / "store" / "manifest.json").is_file()
