"""`metakg --help` starts fast because it imports none of the heavy packages.

Not a timing test (bench/startup.py measures the time): each case runs the command line in a
fresh interpreter and lists the modules it imported, so a change that brings back an eager
import of pySHACL, Flask, numpy, pyoxigraph, the simulator, ... fails here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from server.cli.commands import LAZY_COMMANDS, main

ROOT = Path(__file__).resolve().parents[1]

# What the command line used to import at start (about 0.7 s of imports), and what it must not.
HEAVY = (
    "pyshacl",
    "apiflask",
    "flask",
    "flask_limiter",
    "granian",
    "numpy",
    "matplotlib",
    "pyoxigraph",
    "rdflib",
    "networkx",
    "curies",
    "neo4j",
    "requests",
    "jinja2",
    "tomllib",
    "queries.simulator",
    "graph.store",
    "graph.shacl",
    "graph.exports",
    "ingest.pipeline",
    "ingest.bulk",
    "server.http",
    "server.cli.simulate",
    "server.cli.export",
    "server.cli.load",
)

PROBE = """
import json, sys
from server.cli import main
try:
    main(sys.argv[1:], prog_name="metakg")
except SystemExit as exit:
    code = exit.code
print("\\n--modules--", json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _imported(*args: str) -> tuple[set[str], str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output, _, tail = done.stdout.rpartition("\n--modules-- ")
    assert tail, done.stderr[-2000:]
    report = json.loads(tail)
    assert report["code"] in (0, None), (report["code"], done.stderr[-2000:])
    return set(report["modules"]), output


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize(
    "args",
    [("--help",), ("build", "--help"), ("query", "--help"), ("releases", "--help")],
    ids=lambda a: " ".join(a),
)
def test_help_imports_no_heavy_package(args: tuple[str, ...]) -> None:
    modules, output = _imported(*args)
    assert "Usage: metakg" in output
    assert _heavy(modules) == []


def test_the_group_help_imports_no_command_module_and_no_metadata() -> None:
    modules, output = _imported("--help")
    assert not {f"server.cli.{n}" for n in ("diff", "push", "neo4j", "releases")} & modules
    assert "importlib.metadata" not in modules  # only --version needs the package metadata
    for name in LAZY_COMMANDS:  # listed all the same
        assert f"\n  {name} " in output


def test_version_imports_no_heavy_package() -> None:
    modules, output = _imported("--version")
    assert output.startswith("metakg, version ")
    assert _heavy(modules) == []


def test_a_probe_that_runs_a_command_does_see_heavy_imports() -> None:
    """The probe can fail: `metakg simulate --help` needs the simulator's defaults, which it
    takes from the HTTP layer, so it does import them."""
    modules, _ = _imported("simulate", "--help")
    assert "server.cli.simulate" in modules and "server.http.api_simulate" in modules


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_recorded_short_help_is_the_commands_own(name: str) -> None:
    """`metakg --help` lists the lazily loaded commands with the help recorded in
    LAZY_COMMANDS; it must say what the command's own docstring says."""
    command = main.get_command(click.Context(main), name)
    assert isinstance(command, click.Command)
    assert command.name == name
    for limit in (30, 45, 60, 1000):
        recorded = LAZY_COMMANDS[name].placeholder().get_short_help_str(limit)
        assert recorded == command.get_short_help_str(limit), (name, limit)
