"""docs/ingest.md runs as written: its example files are saved, then every `$ metakg` command
of its console blocks runs in order in one folder, and what the text says they print is
checked."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs" / "ingest.md"
METAKG = Path(sys.executable).with_name("metakg")


def files() -> dict[str, str]:
    """The blocks marked ``<!-- file: NAME -->``, by name."""
    text = DOCS.read_text(encoding="utf-8")
    return dict(re.findall(r"<!-- file: (\S+) -->\n```\w*\n(.*?)^```", text, re.S | re.M))


def commands() -> list[str]:
    text = DOCS.read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"^```console\n(.*?)^```", text, re.S | re.M):
        found += [line[2:] for line in block.splitlines() if line.startswith("$ ")]
    return found


@pytest.mark.slow
def test_the_guide_runs(tmp_path: Path) -> None:
    for name, content in files().items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    assert "\t" in (tmp_path / "lab_edges.tsv").read_text()
    outputs = []
    for command in commands():
        argv = shlex.split(command)
        assert argv[0] == "metakg"
        done = subprocess.run(
            [str(METAKG), *argv[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, (command, done.stderr)
        outputs.append(done)
    assert len(outputs) == 7
    build, show, _export, load, by_graph, by_from, lab = outputs
    assert "lab_edges.tsv:3: [predicate] warning: predicate biolink:interacts_with" in build.stderr
    assert "PMID:19421193" in show.stdout
    assert load.stdout.startswith("Loaded 1 graph(s)")
    (count,) = re.findall(r"^\d+$", by_graph.stdout, re.M)
    assert int(count) > 600
    assert re.search(r"metakg:assoc/\w+\s+low", by_from.stdout), by_from.stdout
    assert "lab (" in lab.stdout
