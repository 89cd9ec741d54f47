"""`metakg releases list|rollback`, recovery messages, and a store that went missing.

Real builds into temporary store paths (click's runner in process; `metakg serve` as a real
process, since it would otherwise serve forever).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from server.cli.commands import main
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]

# One assertion the curated sources do not make, in the curated files' columns: a store built
# with it has other content, so another release id.
EXTRA = (
    "subject\tpredicate\tobject\tcancer_type\treferences\tconfidence\tevidence_type\tnote\n"
    "PTGS2\tmediates_metastasis_to\tbrain\tbreast cancer\tPMID:19421193\tmedium\txenograft\t"
    "COX2 also helped cells cross the blood-brain barrier.\n"
)


def _ok(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.output
    return result.stdout


def _release(runner: CliRunner, store: Path) -> str:
    """The release the store serves, as `metakg stats --json` reports it."""
    return json.loads(_ok(runner.invoke(main, ["stats", "--json", "--store", str(store)])))[
        "release"
    ]


def _manifest_release(store: Path) -> str:
    """The release id read straight from the manifest the store path resolves to."""
    manifest = json.loads((store / "manifest.json").read_text(encoding="utf-8"))
    return manifest["release"]["id"]


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A store built twice: the curated sources, then with one more assertion."""
    root = tmp_path_factory.mktemp("releases")
    store, extra = root / "store", root / "extra.tsv"
    extra.write_text(EXTRA, encoding="utf-8")
    runner = CliRunner()
    _ok(runner.invoke(main, ["build", "--store", str(store)]))
    first = _manifest_release(store)
    _ok(runner.invoke(main, ["build", "--store", str(store), "--source", str(extra)]))
    second = _manifest_release(store)
    assert first != second  # the extra assertion changed the content
    return store, first, second


@pytest.fixture
def store(two_builds: tuple[Path, str, str], tmp_path: Path) -> tuple[Path, str, str]:
    """A private copy of the twice-built store (links and all), for tests that change it."""
    source, first, second = two_builds
    copy = tmp_path / "copy"
    copy.mkdir()
    for entry in source.parent.iterdir():
        if entry.name.startswith((".store", "store")):
            if entry.is_symlink():
                os.symlink(os.readlink(entry), copy / entry.name)
            elif entry.is_dir():
                subprocess.run(["cp", "-a", str(entry), str(copy / entry.name)], check=True)
            else:
                (copy / entry.name).write_bytes(entry.read_bytes())
    return copy / "store", first, second


@pytest.mark.slow
def test_list_shows_both_builds_with_the_current_marked(
    two_builds: tuple[Path, str, str],
) -> None:
    store, first, second = two_builds
    runner = CliRunner()
    listed = json.loads(
        _ok(runner.invoke(main, ["releases", "list", "--store", str(store), "--json"]))
    )
    assert listed["store"] == str(store)
    assert [r["id"] for r in listed["releases"]] == [first, second]  # oldest first
    assert [r["current"] for r in listed["releases"]] == [False, True]
    text = _ok(runner.invoke(main, ["releases", "list", "--store", str(store)]))
    marked = [line for line in text.splitlines() if line.startswith("* ")]
    assert len(marked) == 1 and second in marked[0]
    assert sum(first in line for line in text.splitlines()) == 1


def test_rollback_switches_to_the_older_release(store: tuple[Path, str, str]) -> None:
    path, first, second = store
    runner = CliRunner()
    assert _release(runner, path) == second
    done = runner.invoke(main, ["releases", "rollback", "--store", str(path)])
    assert first in _ok(done)
    assert _release(runner, path) == first
    assert _manifest_release(path) == first
    # and forward again, by id
    _ok(runner.invoke(main, ["releases", "rollback", second, "--store", str(path)]))
    assert _release(runner, path) == second


def test_rollback_to_an_unknown_release_fails_and_changes_nothing(
    store: tuple[Path, str, str],
) -> None:
    path, first, second = store
    runner = CliRunner()
    before = os.readlink(path)
    listed = runner.invoke(main, ["releases", "list", "--store", str(path), "--json"])
    names = [r["name"] for r in json.loads(_ok(listed))["releases"]]
    done = runner.invoke(main, ["releases", "rollback", "sha256:nosuch", "--store", str(path)])
    assert done.exit_code != 0
    assert "sha256:nosuch" in done.stderr
    assert "was not changed" in done.stderr
    assert all(name in done.stderr for name in names)  # the releases there are to choose from
    assert os.readlink(path) == before
    assert _release(runner, path) == second


def test_list_of_a_path_never_built_fails_clearly(tmp_path: Path) -> None:
    done = CliRunner().invoke(main, ["releases", "list", "--store", str(tmp_path / "nothing")])
    assert done.exit_code != 0
    assert "no releases at" in done.stderr and "metakg build" in done.stderr


def test_build_reports_what_a_killed_build_left(store: tuple[Path, str, str]) -> None:
    path, _, _ = store
    leftover = path.parent / f".{path.name}.new-killed"
    leftover.mkdir()
    (leftover / "half-written").write_bytes(b"x" * 1000)
    done = CliRunner().invoke(main, ["build", "--store", str(path)])
    _ok(done)
    assert leftover.name in done.stderr
    assert not leftover.exists()


def _serve(store: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "METAKG_STORE": str(store), "METAKG_PORT": str(free_port())}
    env.pop("METAKG_SPARQL_ENDPOINT", None)
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "serve"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.slow
def test_serve_refuses_to_rebuild_a_store_that_went_missing(
    store: tuple[Path, str, str],
) -> None:
    path, first, second = store
    os.unlink(path)  # the store path is gone; the releases are still kept beside it
    kept = sorted(p.name for p in path.parent.glob(f".{path.name}.releases/*"))
    done = _serve(path)
    assert done.returncode != 0
    assert "went missing" in done.stderr
    assert "metakg releases rollback" in done.stderr and "--source" in done.stderr
    assert "serving" not in done.stderr
    assert not os.path.lexists(path)  # nothing was built
    assert sorted(p.name for p in path.parent.glob(f".{path.name}.releases/*")) == kept
    # and the way back it names works
    _ok(CliRunner().invoke(main, ["releases", "rollback", "--store", str(path)]))
    assert _manifest_release(path) in {first, second}


@pytest.mark.slow
def test_serve_builds_the_curated_store_where_none_was_ever_built(tmp_path: Path) -> None:
    path = tmp_path / "fresh"
    env = {**os.environ, "METAKG_STORE": str(path), "METAKG_PORT": str(free_port())}
    env.pop("METAKG_SPARQL_ENDPOINT", None)
    lines = []
    with subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            assert process.stderr is not None
            for line in process.stderr:
                lines.append(line)
                if line.startswith("serving ") or len(lines) > 50:
                    break
        finally:
            os.killpg(process.pid, 15)
            process.wait(timeout=30)
    text = "".join(lines)
    assert "none was ever built there" in text and "curated sources only" in text
    assert lines[-1].startswith("serving "), text
    assert (path / "manifest.json").is_file()
