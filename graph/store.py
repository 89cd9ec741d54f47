"""The on-disk store: releases of the knowledge base, published with one atomic rename.

Layout, for a store path ``DIR/store``::

    DIR/store                  a symbolic link, ``.store.releases/<release>`` (relative)
    DIR/.store.releases/       the kept releases, oldest first by name
        000007-20261205T011333Z/
            oxigraph/          the pyoxigraph (RocksDB) store
            graph.json         the networkx projection (graph/property_graph.py)
            manifest.json      format version, sources with their SHA-256, summary counts, and
                               the release (id, date, version; see graph/dataset.py)
    DIR/.store.lock            the single-writer lock (``flock``), naming its holder

The RDF store's default graph is the knowledge graph; the named graph
``<https://w3id.org/metakg/id/dataset>`` describes it (VoID, DCAT, Dublin Core: release id,
date, version, counts, inputs, licence). The release id is a digest of the default graph, so the
same content gives the same id; the date comes from ``SOURCE_DATE_EPOCH`` when that is set
(then two builds of the same sources are the same bytes), otherwise from the clock.

Writing (:func:`write_store`, ``metakg load`` through :func:`staged_release`):

1. the writer lock is taken (a second writer fails at once with :class:`StoreLocked` naming the
   process that holds it; the lock is re-entrant within one thread, so a command can take it
   before its slow read phase and then call :func:`write_store`);
2. :func:`recover` cleans what killed writers left behind;
3. the new release is written into ``DIR/.store.new-*``, validated, and every file and
   directory of it is fsynced;
4. it is published: a temporary link ``.store.publish-<release>`` is made, the staging directory
   is renamed to ``.store.releases/<release>``, and the temporary link is renamed over
   ``DIR/store`` (one
   ``rename(2)``: the commit point), then the directory is fsynced. A reader resolves the link
   either before or after that rename: it sees the previous release or the new one, never a mix
   and never nothing;
5. releases beyond the current one and the :data:`KEEP_PREVIOUS` newest others are deleted.

On any error before the commit point the previous release is left exactly as it was and the
staging directory is deleted; a process killed at any point leaves the previous or the new
release in place, and only leftovers that :func:`recover` removes.

A store in the older layout (``DIR/store`` a real directory) is moved into the releases folder
when it is next written: a link ``.store.migrate-<release>`` is made first, so that a crash
between the move and the link's rename is completed by :func:`recover`. For the microseconds
between those two renames, ``DIR/store`` does not exist (rename cannot put a link over a
directory); this happens once per store.

API for operators (the CLI's ``metakg releases``): :func:`releases` lists the kept releases
(:class:`ReleaseInfo`), :func:`rollback` points the store at the previous or a named release
with the same one-rename publication, :func:`recover` reports what it cleaned or repaired, and
:func:`was_built` says whether a store was ever published at a path (so that a store that went
missing is not silently rebuilt). :class:`KnowledgeStore` resolves the link once, when it is
opened: all its reads come from that one release (``directory``), whatever is published later.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import shutil
import sys
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx
import platformdirs
import pyoxigraph as ox

from graph import dataset, property_graph, shacl, stats
from graph.errors import MetakgError
from graph.model import EdgeRecord, NodeRecord, SubclassRecord
from graph.property_graph import NetworkxSink
from graph.rdf import OxigraphSink
from graph.sinks import write_all

STORE_FORMAT = 1
RDF_DIR = "oxigraph"
GRAPH_FILE = "graph.json"
MANIFEST_FILE = "manifest.json"
#: Releases kept besides the current one (for rollback and for readers still on them).
KEEP_PREVIOUS = 2

_RELEASE_NAME = re.compile(r"^(\d{6,})-(\d{8}T\d{6}Z)$")
_STAGING = ".new-"
#: Temporary links beside the store path: what each one was for (see :func:`recover`).
_PUBLISH, _ROLLBACK, _MIGRATE = "publish", "link", "migrate"


class StoreError(MetakgError):
    status = 503
    title = "Store unavailable"


class StoreLocked(StoreError):
    status = 503
    title = "Store is being written"


class StoreMissing(StoreError):
    status = 503
    title = "No knowledge base built"


class StoreInvalid(MetakgError):
    status = 500
    title = "Built store failed validation"


class UnknownRelease(StoreError):
    status = 404
    title = "No such release"


def default_store_path() -> Path:
    """The per-user default: e.g. ``~/.local/share/metakg/store`` on Linux."""
    return platformdirs.user_data_path("metakg") / "store"


def is_store(path: Path) -> bool:
    return (path / MANIFEST_FILE).is_file() and (path / RDF_DIR).is_dir()


# --- file-system steps: module functions, so that tests can inject faults at each one -------


def _rename(source: Path, destination: Path) -> None:
    os.rename(source, destination)


def _replace(source: Path, destination: Path) -> None:
    os.replace(source, destination)


def _symlink(text: str, path: Path) -> None:
    os.symlink(text, path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    """Every file and directory under ``root`` (and ``root``) on disk before it is published."""
    for directory, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(directory, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(directory))


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _size(path: Path) -> int:
    if path.is_symlink() or not path.is_dir():
        return 0
    total = 0
    for directory, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(directory, name)).st_size
            except FileNotFoundError:
                pass
    return total


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


# --- where things are --------------------------------------------------------------------


def releases_folder(target: Path) -> Path:
    """The folder that holds the releases of the store path ``target``."""
    target = Path(target)
    return target.parent / f".{target.name}.releases"


def _lock_path(target: Path) -> Path:
    return target.parent / f".{target.name}.lock"


def _link_text(target: Path, name: str) -> str:
    return f"{releases_folder(target).name}/{name}"


def _ours(target: Path) -> str | None:
    """The release ``target`` links to, if it is a link a build made; else None."""
    if not target.is_symlink():
        return None
    text = os.readlink(target)
    folder, _, name = text.partition("/")
    if folder == releases_folder(target).name and name and "/" not in name:
        return name
    return None


def _canonical(target: Path) -> Path:
    """``target`` as an absolute path, following links that a build did not make (a user's
    ``store -> /data/store`` keeps working: the releases go beside ``/data/store``)."""
    path = Path(os.path.abspath(target))
    for _ in range(40):
        if not path.is_symlink() or _ours(path) is not None:
            return path
        path = Path(os.path.abspath(path.parent / os.readlink(path)))
    raise StoreError(f"{target}: too many levels of symbolic links")


def _temp_links(target: Path) -> list[tuple[str, str, Path]]:
    """(kind, release, path) of the temporary links beside ``target``."""
    prefix = f".{target.name}."
    found = []
    if not target.parent.is_dir():
        return found
    for entry in target.parent.iterdir():
        if not entry.name.startswith(prefix) or not entry.is_symlink():
            continue
        kind, _, release = entry.name[len(prefix):].partition("-")
        if kind in (_PUBLISH, _ROLLBACK, _MIGRATE) and release:
            found.append((kind, release, entry))
    return sorted(found, key=lambda item: item[2].name)


def _staging_leftovers(target: Path) -> list[Path]:
    """``.store.new-*`` (staging directories) and ``.store.old-*`` (retired stores of the older,
    two-rename swap)."""
    if not target.parent.is_dir():
        return []
    prefixes = (f".{target.name}.new-", f".{target.name}.old-")
    return sorted(p for p in target.parent.iterdir() if p.name.startswith(prefixes))


def _release_names(target: Path) -> list[str]:
    """Names of the complete-looking release directories, oldest first."""
    folder = releases_folder(target)
    if not folder.is_dir():
        return []
    names = [p.name for p in folder.iterdir() if _RELEASE_NAME.match(p.name)]
    return sorted(names, key=lambda n: (_seq(n), n))


def _next_name(target: Path) -> str:
    folder = releases_folder(target)
    numbers = [0]
    if folder.is_dir():
        for entry in folder.iterdir():
            match = _RELEASE_NAME.match(entry.name)
            if match:
                numbers.append(int(match[1]))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{max(numbers) + 1:06d}-{stamp}"


def _seq(name: str) -> int:
    match = _RELEASE_NAME.match(name)
    return int(match[1]) if match else -1


def _current(target: Path) -> Path | None:
    """The release directory ``target`` names now, or None."""
    real = Path(os.path.realpath(target))
    return real if is_store(real) else None


# --- the writer lock ---------------------------------------------------------------------


@dataclass
class _Held:
    fd: int
    thread: int
    pid: int
    depth: int


_held: dict[str, _Held] = {}
_held_guard = threading.Lock()


@contextmanager
def writer_lock(target: Path, holder: str | None = None) -> Iterator[None]:
    """Hold the single-writer lock of ``target``; fail at once if another process holds it.

    Re-entrant within one thread (a command takes it before reading its sources, and
    :func:`write_store` takes it again); another thread, or another process, gets
    :class:`StoreLocked` at once, naming the holder (``holder``, by default the process id and
    command line, written into the lock file)."""
    target = _canonical(Path(target))
    lock_path = _lock_path(target)
    key = str(lock_path)
    me = threading.get_ident()
    with _held_guard:
        entry = _held.get(key)
        if entry is not None and entry.pid == os.getpid():
            if entry.thread != me:
                raise StoreLocked(
                    f"another thread of this process is writing the store at {target} "
                    f"(lock {lock_path}); wait for it to finish and try again"
                )
            entry.depth += 1
    if entry is not None and entry.pid == os.getpid():
        try:
            yield
        finally:
            with _held_guard:
                entry.depth -= 1
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        who = os.pread(fd, 2048, 0).decode("utf-8", "replace").strip() or "a process"
        os.close(fd)
        raise StoreLocked(
            f"another metakg process is writing the store at {target}: {who} holds the lock "
            f"{lock_path}; wait for it to finish and try again"
        ) from None
    since = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    command = " ".join(Path(sys.argv[0]).name if i == 0 else a for i, a in enumerate(sys.argv))
    text = holder or f"process {os.getpid()} ({command[:200]}) since {since}"
    os.ftruncate(fd, 0)
    os.pwrite(fd, text.encode("utf-8") + b"\n", 0)
    with _held_guard:
        _held[key] = _Held(fd, me, os.getpid(), 1)
    try:
        yield
    finally:
        with _held_guard:
            del _held[key]
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


# --- recovery ----------------------------------------------------------------------------


def recover(target: Path) -> list[str]:
    """Clean what killed writers left beside ``target`` and repair what can be repaired
    unambiguously; return one message per thing done or found. Never builds anything.

    Under the writer lock; if another writer holds it, does nothing and returns ``[]`` (that
    writer's staging files are not leftovers)."""
    target = _canonical(Path(target))
    if not target.parent.is_dir():
        return []
    try:
        with writer_lock(target):
            return _recover(target)
    except StoreLocked:
        return []


def _recover(target: Path) -> list[str]:
    messages: list[str] = []
    folder = releases_folder(target)
    # A migration: the link was made; the directory may already be in the releases folder.
    for kind, release, link in _temp_links(target):
        moved = folder / release
        if kind == _MIGRATE and not os.path.lexists(target) and is_store(moved):
            _replace(link, target)
            _fsync_dir(target.parent)
            messages.append(
                f"finished moving the store at {target} into {folder.name}/{release} "
                f"(a write was interrupted while moving it; {link.name} is now the store path)"
            )
        elif kind == _PUBLISH and _ours(target) != release and moved.exists():
            size = _size(moved)
            _remove(moved)
            _remove(link)
            messages.append(
                f"removed the unpublished release {folder.name}/{release} ({_mb(size)}) and the "
                f"link {link.name} left by an interrupted write; {target} still names the "
                "release it named before"
            )
        else:
            _remove(link)
            messages.append(f"removed the temporary link {link.name} left by an interrupted write")
    # The older two-rename swap: killed between its renames, the previous store is in .old-*.
    leftovers = _staging_leftovers(target)
    retired = [p for p in leftovers if ".old-" in p.name and is_store(p)]
    if not os.path.lexists(target) and len(retired) == 1:
        _rename(retired[0], target)
        _fsync_dir(target.parent)
        leftovers.remove(retired[0])
        messages.append(
            f"restored the store at {target} from {retired[0].name}, where an interrupted "
            "build (two-rename swap of older versions) had left it"
        )
    for path in leftovers:
        size = _size(path)
        _remove(path)
        messages.append(f"removed {path.name} ({_mb(size)}) left by an interrupted write")
    name = _ours(target)
    if name is not None and _current(target) is None:
        messages.append(
            f"the store at {target} names the release {name}, which is gone; "
            f"kept releases: {', '.join(_release_names(target)) or 'none'} "
            "(roll back to one, or build again)"
        )
    elif not os.path.lexists(target) and _release_names(target):
        messages.append(
            f"there is no store at {target}, but {len(_release_names(target))} release(s) are "
            f"kept in {folder}; roll back to one of them, or build again"
        )
    return messages


def was_built(target: Path) -> bool:
    """Whether a store was ever published at ``target``: a store, a link a build made, a
    releases folder, or leftovers of a write. When this is true and no store opens, the store
    went missing: rebuilding it silently could drop what it held."""
    target = _canonical(Path(target))
    return bool(
        is_store(target)
        or _ours(target) is not None
        or releases_folder(target).is_dir()
        or _temp_links(target)
        or _staging_leftovers(target)
    )


# --- writing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Staging:
    """A release being written: fill ``directory``; ``current`` is the release the store path
    names now (None: no store yet), to copy from."""

    directory: Path
    current: Path | None
    recovered: tuple[str, ...]


def _check_target(target: Path) -> None:
    if target.is_symlink() or not target.exists():
        return
    if target.is_dir() and (is_store(target) or not any(target.iterdir())):
        return
    raise StoreError(
        f"{target} exists and is not a metakg store (no {MANIFEST_FILE}); "
        "choose a new or empty directory for --store"
    )


@contextmanager
def staged_release(target: Path) -> Iterator[Staging]:
    """Write a new release of ``target``: under the writer lock, recover, give an empty staging
    directory to fill, then (if the body returns) validate that it holds a store and publish it
    atomically. On any error the staging directory is deleted and nothing else changes."""
    target = _canonical(Path(target))
    _check_target(target)
    with writer_lock(target):
        recovered = tuple(_recover(target))
        current = _current(target)
        staging = target.parent / f".{target.name}{_STAGING}{uuid.uuid4().hex[:12]}"
        staging.mkdir()
        try:
            yield Staging(staging, current, recovered)
            if not is_store(staging):
                raise StoreInvalid(
                    f"the new release in {staging} has no {MANIFEST_FILE} and {RDF_DIR}/"
                )
            _publish(target, staging)
        except BaseException:
            _remove(staging)
            raise
        _prune(target)


def _migrate(target: Path) -> None:
    """Move a store of the older layout (a real directory) into the releases folder and link it
    (see the module docstring). An empty directory is simply removed."""
    if not any(target.iterdir()):
        os.rmdir(target)
        return
    folder = releases_folder(target)
    name = _next_name(target)
    link = target.parent / f".{target.name}.{_MIGRATE}-{name}"
    _symlink(_link_text(target, name), link)
    try:
        _fsync_dir(target.parent)
        _rename(target, folder / name)
    except BaseException:
        _remove(link)
        raise
    try:
        _fsync_dir(folder)
        _replace(link, target)
    except BaseException:
        _rename(folder / name, target)
        _remove(link)
        raise
    _fsync_dir(target.parent)


def _publish(target: Path, staging: Path) -> None:
    _fsync_tree(staging)
    folder = releases_folder(target)
    if not folder.is_dir():
        folder.mkdir()
        _fsync_dir(target.parent)
    if target.is_dir() and not target.is_symlink():
        _migrate(target)
    name = _next_name(target)
    final = folder / name
    link = target.parent / f".{target.name}.{_PUBLISH}-{name}"
    _symlink(_link_text(target, name), link)
    try:
        _fsync_dir(target.parent)
        _rename(staging, final)
        _fsync_dir(folder)
        _replace(link, target)  # the commit point
    except BaseException:
        _remove(link)
        _remove(final)
        raise
    _fsync_after_commit(target.parent)


def _fsync_after_commit(directory: Path) -> None:
    """Make a published rename durable. It is visible already, so a failure here must not
    report the write as failed (the release is in place either way)."""
    try:
        _fsync_dir(directory)
    except OSError:
        pass


def _prune(target: Path) -> None:
    """Delete releases beyond the current one and the KEEP_PREVIOUS newest others."""
    current = _ours(target)
    others = [n for n in _release_names(target) if n != current]
    for name in others[: max(len(others) - KEEP_PREVIOUS, 0)]:
        _remove(releases_folder(target) / name)


@dataclass(frozen=True)
class BuildReport:
    path: Path
    summary: dict[str, Any]
    manifest: dict[str, Any]
    #: What :func:`recover` did before the build.
    recovered: tuple[str, ...] = ()


def write_store(
    target: Path,
    nodes: Iterable[NodeRecord],
    edges: Iterable[EdgeRecord],
    hierarchy: Iterable[SubclassRecord],
    *,
    sources: list[dict[str, str]],
    version: str,
    date: str | None = None,
) -> BuildReport:
    """Write a new release of ``target``, validate it, then publish it atomically.

    ``date`` is the release date (ISO 8601, UTC); None means now. The CLI passes the one
    ``SOURCE_DATE_EPOCH`` fixes (server/settings.py), so that builds can be byte-identical."""
    target = Path(target)
    nodes, edges, hierarchy = list(nodes), list(edges), list(hierarchy)
    with staged_release(target) as staging:
        manifest = _write(
            staging.directory, nodes, edges, hierarchy, sources=sources, version=version,
            date=date or dataset.release_date({}),
        )
    return BuildReport(target, manifest["summary"], manifest, staging.recovered)


def _write(
    staging: Path,
    nodes: list[NodeRecord],
    edges: list[EdgeRecord],
    hierarchy: list[SubclassRecord],
    *,
    sources: list[dict[str, str]],
    version: str,
    date: str,
) -> dict[str, Any]:
    rdf = OxigraphSink(staging / RDF_DIR)
    graph = NetworkxSink(staging / GRAPH_FILE)
    for sink in (rdf, graph):
        write_all(sink, nodes, edges, hierarchy)
    violations = shacl.check(rdf.store)
    if violations:
        raise StoreInvalid(
            f"{len(violations)} SHACL violation(s):\n" + "\n".join(map(str, violations[:50]))
        )
    summary = stats.from_rdf(rdf.store)
    projection = stats.from_graph(graph.graph)
    if summary != projection:
        raise StoreInvalid(f"RDF and networkx projections differ: {summary} != {projection}")
    release = dataset.Release(dataset.release_id(rdf.store), date, version)
    rdf.store.extend(
        dataset.description_quads(rdf.store, release, summary=summary, sources=sources)
    )
    rdf.store.flush()
    del rdf
    manifest = {
        "format": STORE_FORMAT,
        "metakg_version": version,
        "release": release.to_json(),
        "sources": sources,
        "summary": summary,
    }
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False)
    (staging / MANIFEST_FILE).write_text(text + "\n", encoding="utf-8")
    return manifest


# --- releases and rollback ---------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseInfo:
    """One kept release: its directory name (``name``, sortable: a sequence number and the UTC
    time it was written), the release id, date and metakg version from its manifest, and
    whether the store path names it now."""

    name: str
    id: str
    directory: Path
    date: str
    version: str
    current: bool


def releases(target: Path) -> list[ReleaseInfo]:
    """The kept releases of ``target``, oldest first. A store of the older layout (a real
    directory) is its only release."""
    target = _canonical(Path(target))
    if not target.is_symlink() and is_store(target):
        return [_info(target.name, target, current=True)]
    folder = releases_folder(target)
    current = _ours(target) if _current(target) is not None else None
    return [
        _info(name, folder / name, current=name == current)
        for name in _release_names(target)
        if is_store(folder / name)
    ]


def _info(name: str, directory: Path, *, current: bool) -> ReleaseInfo:
    try:
        manifest = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
        release = manifest.get("release") or {}
    except (OSError, ValueError):
        release = {}
    return ReleaseInfo(
        name,
        str(release.get("id", "")),
        directory,
        str(release.get("date", "")),
        str(release.get("version", "")),
        current,
    )


def rollback(target: Path, release: str | None = None) -> ReleaseInfo:
    """Point ``target`` at ``release`` (a release directory name or a release id; the newest
    with that id) or, with None, at the newest release older than the current one (the newest
    kept release when none is current). Atomic (one rename) and under the writer lock; a
    reader that opened the store keeps reading the release it opened."""
    target = _canonical(Path(target))
    with writer_lock(target):
        _recover(target)
        kept = releases(target)
        current = next((r for r in kept if r.current), None)
        if not target.is_symlink() and is_store(target):
            raise UnknownRelease(
                f"the store at {target} has no other release to go back to (it was built before "
                "releases were kept; the next build keeps it)"
            )
        names = ", ".join(f"{r.name} ({r.id[:19]}, {r.date})" for r in kept) or "none"
        if release is None:
            older = [r for r in kept if current is None or _seq(r.name) < _seq(current.name)]
            if not older:
                raise UnknownRelease(
                    f"the store at {target} has no release older than {current.name if current else 'none'}; "  # noqa: E501
                    f"kept releases: {names}"
                )
            chosen = older[-1]
        else:
            matches = [r for r in kept if release in (r.name, r.id)]
            if not matches:
                raise UnknownRelease(
                    f"no release {release!r} is kept for the store at {target}; "
                    f"kept releases: {names}"
                )
            chosen = matches[-1]
        if not chosen.current:
            link = target.parent / f".{target.name}.{_ROLLBACK}-{chosen.name}"
            _remove(link)
            _symlink(_link_text(target, chosen.name), link)
            try:
                _replace(link, target)
            except BaseException:
                _remove(link)
                raise
            _fsync_after_commit(target.parent)
        return ReleaseInfo(chosen.name, chosen.id, chosen.directory, chosen.date,
                           chosen.version, True)


# --- reading -----------------------------------------------------------------------------


def release_directory(target: Path) -> Path:
    """The directory that holds the release ``target`` names now (``target`` itself, or what it
    points to); :class:`StoreMissing` when there is none."""
    real = Path(os.path.realpath(target))
    if not is_store(real):
        gone = _ours(Path(os.path.abspath(target)))
        detail = f" (it names the release {gone}, which is gone)" if gone else ""
        raise StoreMissing(
            f"no metakg store at {target}{detail}; run `metakg build` first "
            "(or point METAKG_STORE / --store at a built store)"
        )
    return real


def release_token(target: Path) -> tuple[str, int, int]:
    """A cheap identity of the release ``target`` names now (one path resolution and one
    ``stat``): it changes whenever a build swaps in a new store. :class:`StoreMissing` when
    there is none."""
    real = release_directory(target)
    try:
        info = (real / MANIFEST_FILE).stat()
    except FileNotFoundError:
        raise StoreMissing(f"the metakg store at {target} went missing while being read") from None
    return (str(real), info.st_ino, info.st_mtime_ns)


class KnowledgeStore:
    """A built store opened for reading. The store path is resolved once, here: every read
    comes from that release (``directory``), even after a newer one is published. The RDF
    store is opened read-only, so any number of readers can share it with no lock; the
    property graph is loaded on first use. ``path`` is the path as given (for messages)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.directory = release_directory(self.path)

    @cached_property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.directory / MANIFEST_FILE).read_text(encoding="utf-8"))

    @cached_property
    def rdf(self) -> ox.Store:
        return ox.Store.read_only(str(self.directory / RDF_DIR))

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        return property_graph.load(self.directory / GRAPH_FILE)
