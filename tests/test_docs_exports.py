"""docs/exports.md runs as written: every `$ metakg`, `$ dot` and `$ curl` command of its
console blocks, in order, in one folder, then every Python block there."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs" / "exports.md"
DOCS_URL = "http://127.0.0.1:8000"
METAKG = Path(sys.executable).with_name("metakg")


def blocks(language: str) -> list[str]:
    return re.findall(rf"^ *```{language}\n(.*?)^ *```", DOCS.read_text(encoding="utf-8"),
                      re.S | re.M)


def commands() -> list[str]:
    found = []
    for block in blocks("console"):
        found += [line[2:] for line in block.replace("\\\n", " ").splitlines()
                  if line.startswith("$ ")]
    return found


def test_the_guide_has_examples_for_every_tool() -> None:
    tools = {shlex.split(c)[0] for c in commands()}
    assert tools == {"metakg", "dot", "curl"}
    assert len(blocks("python")) >= 3
    assert json.loads(blocks("json")[0])["cancer"] == "breast cancer"


def test_the_guide_runs(
    store_path: Path, live_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "simulation.json").write_text(blocks("json")[0], encoding="utf-8")
    (tmp_path / "suppressors.rq").write_text(blocks("sparql")[0], encoding="utf-8")
    env = {"METAKG_STORE": str(store_path), "PATH": "/usr/bin:/bin"}
    ran = 0
    for command in commands():
        argv = shlex.split(command.replace(DOCS_URL, live_server.url))
        if argv[0] == "metakg":
            argv[0] = str(METAKG)
        elif shutil.which(argv[0]) is None:
            continue  # dot or curl absent: the format tests skip with the reason
        done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, timeout=120)
        assert done.returncode == 0, (command, done.stderr.decode())
        ran += 1
    assert ran >= 12
    for name in ("metakg.ttl", "ptgs2.graphml", "lung.cyjs", "bone.gexf", "paths.dot",
                 "suppressors.nt", "ptgs2.html"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert (tmp_path / "neo4j" / "load.cypher").exists()
    assert (tmp_path / "kgx" / "metakg_edges.tsv").exists()
    assert (tmp_path / "release" / "SHA256SUMS").exists()
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path / "release",
                           capture_output=True)
    assert check.returncode == 0, check.stdout.decode()
    monkeypatch.chdir(tmp_path)
    for code in blocks("python"):
        exec(compile(code, str(DOCS), "exec"), {})
