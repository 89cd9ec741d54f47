"""Crash safety of the store: one-rename publication, recovery, retention, rollback, the lock.

Faults are injected at every file-system step of a publication (and of the migration from the
older layout) through graph.store's own wrappers (``_symlink``, ``_rename``, ``_replace``):
once as an error the writer sees (it must clean up and leave the previous release), and once
as the death of the writing process (a forked child calls ``os._exit`` at that step: no
``finally`` runs), after which :func:`recover` must leave the previous or the new release, and
a rerun must succeed. What a store answers is compared with stores built separately, in
other directories, from the same records, and with counts taken from the records themselves.
"""

from __future__ import annotations

import itertools
import multiprocessing
import multiprocessing.context
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

import graph.store as store_module
from graph.model import EdgeRecord, NodeRecord
from graph.rdf import canonical_ntriples
from graph.store import (
    GRAPH_FILE,
    MANIFEST_FILE,
    KnowledgeStore,
    StoreMissing,
    UnknownRelease,
    recover,
    releases,
    rollback,
    was_built,
    write_store,
    writer_lock,
)
from graph.vocab import RDF
from ingest.pipeline import KnowledgeBase
from tests.store_crash_child import KILLED, STEPS, build_and_die

DATE = "2024-01-02T03:04:05Z"
STATEMENTS = f"SELECT (COUNT(?a) AS ?n) WHERE {{ ?a a <{RDF}Statement> }}"
#: The protocol, step by step (a new step must be added here and is then injected at too).
PUBLISH = ["_symlink", "_rename", "_replace"]
MIGRATE_THEN_PUBLISH = ["_symlink", "_rename", "_replace", *PUBLISH]


@dataclass(frozen=True)
class Content:
    """One small knowledge base and what a store built from it must answer."""

    name: str
    nodes: list[NodeRecord]
    edges: list[EdgeRecord]
    manifest: bytes = b""
    graph_json: bytes = b""
    triples: bytes = b""
    #: The release directory of the separately built store.
    directory: Path | None = None


def _subset(kb: KnowledgeBase, name: str, count: int) -> Content:
    edges = list(kb.edges[:count])
    ids = {e.subject for e in edges} | {e.object for e in edges}
    ids |= {r for e in edges for r in e.references}
    return Content(name, [n for n in kb.nodes if n.id in ids], edges)


def _build(path: Path, content: Content) -> None:
    write_store(path, content.nodes, content.edges, (), sources=[], version="test", date=DATE)


@pytest.fixture(scope="module")
def contents(kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Content]:
    """Two different small releases, each built once in a directory of its own: the
    expectation every store under test is compared with."""
    made = {}
    for name, count in (("A", 3), ("B", 5)):
        content = _subset(kb, name, count)
        reference = tmp_path_factory.mktemp(f"reference-{name}") / "store"
        _build(reference, content)
        opened = KnowledgeStore(reference)
        made[name] = Content(
            name,
            content.nodes,
            content.edges,
            (opened.directory / MANIFEST_FILE).read_bytes(),
            (opened.directory / GRAPH_FILE).read_bytes(),
            canonical_ntriples(opened.rdf),
            opened.directory,
        )
    assert made["A"].triples != made["B"].triples
    return made


def _answers(path: Path) -> str:
    """Which content the store at ``path`` holds, exactly; fails on anything else."""
    opened = KnowledgeStore(path)
    statements = int(next(iter(opened.rdf.query(STATEMENTS)))[0].value)
    found = (
        (opened.directory / MANIFEST_FILE).read_bytes(),
        (opened.directory / GRAPH_FILE).read_bytes(),
        canonical_ntriples(opened.rdf),
    )
    for content in CONTENTS.values():
        if found == (content.manifest, content.graph_json, content.triples):
            assert statements == len(content.edges)
            return content.name
    raise AssertionError(f"the store at {path} holds neither release A nor B")


CONTENTS: dict[str, Content] = {}


@pytest.fixture(autouse=True)
def _expected(contents: dict[str, Content]) -> Iterator[None]:
    CONTENTS.update(contents)
    yield


def _leftovers(path: Path) -> list[str]:
    """Everything beside the store that is not the link, the lock or a kept release."""
    allowed = {path.name, f".{path.name}.lock", f".{path.name}.releases"}
    found = [p.name for p in path.parent.iterdir() if p.name not in allowed]
    folder = path.parent / f".{path.name}.releases"
    if folder.is_dir():
        found += [
            f"{folder.name}/{p.name}"
            for p in folder.iterdir()
            if not (p.is_dir() and (p / MANIFEST_FILE).is_file() and (p / "oxigraph").is_dir())
        ]
    return sorted(found)


def _kept(path: Path) -> list[str]:
    folder = path.parent / f".{path.name}.releases"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _kept_contents(path: Path) -> list[str]:
    """A or B for each kept release directory (an unpublished one would show up here)."""
    folder = path.parent / f".{path.name}.releases"
    by_manifest = {c.manifest: c.name for c in CONTENTS.values()}
    return [by_manifest[(folder / name / MANIFEST_FILE).read_bytes()] for name in _kept(path)]


def _old_layout(path: Path, content: Content) -> None:
    """A store as versions before releases wrote it: a real directory."""
    assert content.directory is not None
    shutil.copytree(content.directory, path)
    assert not path.is_symlink() and _answers(path) == content.name


@contextmanager
def _inject(at: int, effect: Callable[[str], None]) -> Iterator[list[str]]:
    """Call ``effect(step)`` instead of the ``at``-th file-system step (-1: never); yields the
    steps taken."""
    taken: list[str] = []
    counter = itertools.count()
    with pytest.MonkeyPatch.context() as patch:
        for name in STEPS:
            real = getattr(store_module, name)

            def step(*args: object, _real: Callable[..., None] = real, _name: str = name) -> None:
                if next(counter) == at:
                    effect(_name)
                taken.append(_name)
                _real(*args)

            patch.setattr(store_module, name, step)
        yield taken


def _fail(name: str) -> None:
    raise OSError(f"injected fault at {name}")


def _setup(layout: str, path: Path) -> None:
    if layout == "releases":
        _build(path, CONTENTS["A"])
    else:
        _old_layout(path, CONTENTS["A"])


@pytest.mark.parametrize(
    ("layout", "protocol"), [("releases", PUBLISH), ("directory", MIGRATE_THEN_PUBLISH)]
)
def test_an_error_at_any_step_leaves_the_previous_release(
    layout: str, protocol: list[str], tmp_path: Path
) -> None:
    with _inject(-1, _fail) as taken:
        _setup(layout, tmp_path / "probe" / "store")
        taken.clear()
        _build(tmp_path / "probe" / "store", CONTENTS["B"])
    assert taken == protocol
    for at, name in enumerate(protocol):
        path = tmp_path / f"case{at}" / "store"
        _setup(layout, path)
        with _inject(at, _fail), pytest.raises(OSError, match=f"injected fault at {name}"):
            _build(path, CONTENTS["B"])
        assert _answers(path) == "A", (at, name)
        assert _leftovers(path) == [] and "B" not in _kept_contents(path), (at, name)
        assert recover(path) == []
        _build(path, CONTENTS["B"])
        assert _answers(path) == "B" and _leftovers(path) == []


@pytest.fixture(scope="module")
def forkserver() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.store_crash_child"])
    return context


def _build_in_child(
    context: multiprocessing.context.ForkServerContext, path: Path, content: Content, at: int
) -> int | None:
    """Build in a child process that dies (``os._exit``, no cleanup) at step ``at``; ``at``
    past the last step kills it after the publication (before old releases are pruned)."""
    child = context.Process(
        target=build_and_die, args=(path, content.nodes, content.edges, DATE, at)
    )
    child.start()
    child.join(60)
    if child.exitcode is None:
        child.kill()
        child.join()
    return child.exitcode


@pytest.mark.slow
@pytest.mark.parametrize(
    ("layout", "protocol"), [("releases", PUBLISH), ("directory", MIGRATE_THEN_PUBLISH)]
)
def test_a_writer_killed_at_any_step_leaves_the_previous_or_the_new_release(
    layout: str,
    protocol: list[str],
    tmp_path: Path,
    forkserver: multiprocessing.context.ForkServerContext,
) -> None:
    commit = len(protocol) - 1  # the last rename: the link over the store path
    for at in range(len(protocol) + 1):
        path = tmp_path / f"case{at}" / "store"
        _setup(layout, path)
        assert _build_in_child(forkserver, path, CONTENTS["B"], at) == KILLED
        if not os.path.lexists(path):
            # Killed while moving an older store into the releases folder (between the move
            # and the link): the store is missing until recovery finishes the move.
            assert (layout, protocol[at]) == ("directory", "_replace")
            assert was_built(path)
            with pytest.raises(StoreMissing):
                KnowledgeStore(path)
        before = _leftovers(path)
        messages = recover(path)
        # Every leftover is named in a message; no message without a leftover or a repair.
        for name in before:
            assert any(name.rsplit("/", 1)[-1] in m for m in messages), (at, name, messages)
        assert bool(messages) == bool(before), (at, messages)
        answer = _answers(path)
        assert answer == ("A" if at <= commit else "B"), (at, messages)
        # No unpublished release is kept either.
        assert _leftovers(path) == [] and _kept_contents(path).count("B") == (answer == "B")
        _build(path, CONTENTS["B"])
        assert _answers(path) == "B" and _leftovers(path) == []


def test_the_stranded_store_of_the_two_rename_swap_is_restored(tmp_path: Path) -> None:
    # Older versions renamed the store to .store.old-*, then the staging directory to the
    # store path; killed in between, there was no store. Recovery puts the old one back.
    path = tmp_path / "s" / "store"
    _old_layout(path, CONTENTS["A"])
    os.rename(path, path.parent / ".store.old-x1y2")
    _old_layout(path.parent / ".store.new-z3", CONTENTS["B"])
    assert was_built(path)
    messages = recover(path)
    assert messages[0] == (
        f"restored the store at {path} from .store.old-x1y2, where an interrupted build "
        "(two-rename swap of older versions) had left it"
    )
    assert messages[1].startswith("removed .store.new-z3 (") and "MB)" in messages[1]
    assert _answers(path) == "A" and _leftovers(path) == []


def test_a_reader_keeps_the_release_it_opened(tmp_path: Path) -> None:
    path = tmp_path / "store"
    _build(path, CONTENTS["A"])
    reader = KnowledgeStore(path)  # opened; nothing read yet
    _build(path, CONTENTS["B"])
    assert reader.path == path and reader.directory != KnowledgeStore(path).directory
    # Everything read after the swap still comes from release A.
    assert reader.manifest["release"]["id"] in CONTENTS["A"].manifest.decode()
    assert canonical_ntriples(reader.rdf) == CONTENTS["A"].triples
    assert reader.graph.number_of_edges() == len(CONTENTS["A"].edges)
    assert _answers(path) == "B"


def test_two_previous_releases_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "store"
    names = []
    for content in "ABABA":
        _build(path, CONTENTS[content])
        names.append(os.readlink(path).split("/")[1])
    assert len(set(names)) == 5 and names == sorted(names)
    assert _kept(path) == names[-3:]
    assert _answers(path) == "A" and _leftovers(path) == []


def test_releases_and_rollback(tmp_path: Path) -> None:
    path = tmp_path / "store"
    assert not was_built(path) and releases(path) == []
    _build(path, CONTENTS["A"])
    _build(path, CONTENTS["B"])
    listed = releases(path)
    assert [r.current for r in listed] == [False, True]
    assert [r.id for r in listed] == [_release_id(CONTENTS["A"]), _release_id(CONTENTS["B"])]
    assert all(r.date == DATE and r.version == "test" for r in listed)
    back = rollback(path)
    assert back.name == listed[0].name and back.current and _answers(path) == "A"
    with pytest.raises(UnknownRelease, match="no release older than"):
        rollback(path)
    assert rollback(path, _release_id(CONTENTS["B"])).name == listed[1].name
    assert _answers(path) == "B"
    assert rollback(path, listed[0].name).current and _answers(path) == "A"
    with pytest.raises(UnknownRelease, match=f"kept releases: {listed[0].name} "):
        rollback(path, "000099-20000101T000000Z")
    # A failed rollback changes nothing and leaves no temporary link.
    with _inject(1, _fail), pytest.raises(OSError):
        rollback(path, listed[1].name)
    assert _answers(path) == "A" and _leftovers(path) == []
    # A new build after a rollback is the newest release; the rolled-back one is kept.
    _build(path, CONTENTS["B"])
    assert [r.name for r in releases(path)][:2] == [listed[0].name, listed[1].name]


def _release_id(content: Content) -> str:
    import json

    return str(json.loads(content.manifest)["release"]["id"])


def test_a_store_that_went_missing_is_reported_and_can_be_relinked(tmp_path: Path) -> None:
    path = tmp_path / "store"
    _build(path, CONTENTS["A"])
    _build(path, CONTENTS["B"])
    newest = os.readlink(path)
    os.unlink(path)
    assert was_built(path)
    with pytest.raises(StoreMissing, match="run `metakg build` first"):
        KnowledgeStore(path)
    (message,) = recover(path)
    assert message == (
        f"there is no store at {path}, but 2 release(s) are kept in {tmp_path / '.store.releases'}"
        "; roll back to one of them, or build again"
    )
    assert rollback(path).current and os.readlink(path) == newest and _answers(path) == "B"
    # A link to a release that was deleted by hand.
    shutil.rmtree(tmp_path / newest)
    with pytest.raises(StoreMissing, match=f"it names the release {newest.split('/')[1]}"):
        KnowledgeStore(path)
    (message,) = recover(path)
    assert "which is gone" in message and "kept releases: " in message


def test_the_lock_is_reentrant_and_names_its_holder(tmp_path: Path) -> None:
    path = tmp_path / "store"
    lock = tmp_path / ".store.lock"
    with writer_lock(path):
        holder = lock.read_text()
        assert holder.startswith(f"process {os.getpid()} (")
        with writer_lock(path):
            _build(path, CONTENTS["A"])  # takes it a third time
        assert lock.read_text() == holder  # still held: the inner exits did not release it
        # Recovery under another holder does nothing.
        (tmp_path / ".store.new-abc").mkdir()
        refused: list[object] = []
        thread = threading.Thread(target=lambda: refused.append(recover(path)))
        thread.start()
        thread.join()
        assert refused == [[]] and (tmp_path / ".store.new-abc").is_dir()
    assert lock.read_text() == ""
    assert recover(path) == ["removed .store.new-abc (0.0 MB) left by an interrupted write"]
    assert _answers(path) == "A"


@pytest.mark.slow
def test_a_second_process_fails_at_once_naming_the_first(tmp_path: Path) -> None:
    path = tmp_path / "store"
    _build(path, CONTENTS["A"])
    code = (
        "import sys; from pathlib import Path; from graph.store import writer_lock\n"
        "with writer_lock(Path(sys.argv[1])):\n    print('held', flush=True); sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        # The holder waits for its stdin forever: a second writer that waited would time out.
        second = subprocess.run(
            [sys.executable, "-c",
             "import sys; from pathlib import Path; from graph.store import write_store\n"
             "write_store(Path(sys.argv[1]), [], [], [], sources=[], version='t')",
             str(path)],
            capture_output=True, text=True, timeout=60, check=False,
        )
    finally:
        holder.communicate("")
    assert second.returncode == 1
    assert "StoreLocked: another metakg process is writing the store" in second.stderr
    assert f"process {holder.pid} (" in second.stderr
    assert _answers(path) == "A" and _leftovers(path) == []


def test_a_bulk_load_publishes_through_the_same_steps(tmp_path: Path) -> None:
    from ingest.bulk import load_into_store
    from ingest.bulk_files import plan
    from ingest.problems import Problems

    path = tmp_path / "s" / "store"
    _build(path, CONTENTS["A"])
    source = tmp_path / "b.nt"
    source.write_bytes(CONTENTS["B"].triples)
    problems = Problems()
    sources = plan([source], problems, graph=None)
    before = os.readlink(path)
    with _inject(2, _fail), pytest.raises(OSError, match="injected fault at _replace"):
        load_into_store(path, sources)
    assert os.readlink(path) == before and _answers(path) == "A" and _leftovers(path) == []
    with _inject(-1, _fail) as taken:
        load_into_store(path, sources)
    assert taken == PUBLISH and os.readlink(path) != before and _leftovers(path) == []
    opened = KnowledgeStore(path)
    assert canonical_ntriples(opened.rdf) == CONTENTS["A"].triples  # the default graph
    assert opened.manifest["bulk_sources"][0]["name"] == "b"
