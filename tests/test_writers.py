"""One writer at a time, and the first one wins: every writing command takes the store's lock
before it reads anything, so a second writer learns at once that the store is locked.

Real `metakg` processes on a temporary store path; the lock is the real ``flock`` of
graph/store.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graph.store import writer_lock

ROOT = Path(__file__).resolve().parents[1]

EXTRA = (
    "subject\tpredicate\tobject\tcancer_type\treferences\tconfidence\tevidence_type\tnote\n"
    "PTGS2\tmediates_metastasis_to\tbrain\tbreast cancer\tPMID:19421193\tmedium\txenograft\t"
    "COX2 also helped cells cross the blood-brain barrier.\n"
)


def _env(store: Path) -> dict[str, str]:
    env = {**os.environ, "METAKG_STORE": str(store)}
    env.pop("METAKG_SPARQL_ENDPOINT", None)
    return env


def _metakg(*args: str) -> list[str]:
    return [sys.executable, "-m", "server.cli", *args]


def _run(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _metakg(*args), env=_env(store), cwd=ROOT, capture_output=True, text=True,
        timeout=300, check=False,
    )


@pytest.mark.slow
def test_the_first_of_two_builds_wins_and_the_second_fails_at_once(tmp_path: Path) -> None:
    store, extra = tmp_path / "store", tmp_path / "extra.tsv"
    extra.write_text(EXTRA, encoding="utf-8")
    with subprocess.Popen(
        _metakg("build", "--json", "--source", str(extra)),
        env=_env(store), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as first:
        assert first.stderr is not None and first.stdout is not None
        progress = first.stderr.readline()  # printed once it holds the lock and starts reading
        assert progress.startswith("reading "), progress
        second = _run(store, "build")
        first_still_running = first.poll() is None
        out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    # The second learnt before its read phase, while the first was still building ...
    assert second.returncode != 0
    assert "lock" in second.stderr and str(store) in second.stderr
    assert f"process {first.pid}" in second.stderr  # the holder is named
    assert "reading " not in second.stderr
    assert first_still_running
    # ... and the store is the first's build: the extra source is among its inputs.
    manifest = json.loads((store / "manifest.json").read_text(encoding="utf-8"))
    assert any(s["name"].endswith("extra.tsv") for s in manifest["sources"])
    assert json.loads(out)["associations"] == manifest["summary"]["associations"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ("build",),
        ("load", "FILE"),
        ("releases", "rollback"),
        ("serve",),
    ],
    ids=lambda a: a[0],
)
def test_a_writer_fails_at_once_while_another_holds_the_lock(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    store = tmp_path / "store"
    data = tmp_path / "data.nt"
    data.write_text("<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n")
    argv = [str(data) if a == "FILE" else a for a in args]
    with writer_lock(store, holder="the test (holding the lock)"):
        done = _run(store, *argv)
    assert done.returncode != 0
    assert "the test (holding the lock)" in done.stderr, done.stderr
    assert f".{store.name}.lock" in done.stderr
    assert "reading " not in done.stderr and "serving " not in done.stderr
    assert not os.path.lexists(store)  # nothing was written
