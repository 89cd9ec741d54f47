"""The on-disk store: a directory holding the RDF store, the property graph and a manifest.

Layout of a store directory::

    oxigraph/       the pyoxigraph (RocksDB) store
    graph.json      the networkx projection (graph/property_graph.py)
    manifest.json   format version, sources with their SHA-256, summary counts, and the
                    release (id, date, version; see graph/dataset.py)

The RDF store's default graph is the knowledge graph; the named graph
``<https://w3id.org/metakg/id/dataset>`` describes it (VoID, DCAT, Dublin Core: release id,
date, version, counts, inputs, licence). The release id is a digest of the default graph, so the
same content gives the same id; the date comes from ``SOURCE_DATE_EPOCH`` when that is set
(then two builds of the same sources are the same bytes), otherwise from the clock.

Writing is atomic: a build writes a new sibling directory, validates it, and only then swaps
it in; on any error the previous store is left exactly as it was. One writer at a time: a
lock file next to the store makes a second concurrent build fail at once with a clear error.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
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


def default_store_path() -> Path:
    """The per-user default: e.g. ``~/.local/share/metakg/store`` on Linux."""
    return platformdirs.user_data_path("metakg") / "store"


def is_store(path: Path) -> bool:
    return (path / MANIFEST_FILE).is_file() and (path / RDF_DIR).is_dir()


@contextmanager
def writer_lock(target: Path) -> Iterator[None]:
    """Hold the single-writer lock of ``target``; fail at once if another process holds it."""
    lock_path = target.parent / f".{target.name}.lock"
    with lock_path.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreLocked(
                f"another metakg process is writing the store at {target} (lock {lock_path}); "
                "wait for it to finish and try again"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class BuildReport:
    path: Path
    summary: dict[str, Any]
    manifest: dict[str, Any]


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
    """Write a new store for ``target`` beside it, validate it, then swap it in atomically.

    ``date`` is the release date (ISO 8601, UTC); None means now. The CLI passes the one
    ``SOURCE_DATE_EPOCH`` fixes (server/settings.py), so that builds can be byte-identical."""
    target = Path(target)
    if target.exists() and not is_store(target) and any(target.iterdir()):
        raise StoreError(
            f"{target} exists and is not a metakg store (no {MANIFEST_FILE}); "
            "choose a new or empty directory for --store"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    nodes, edges, hierarchy = list(nodes), list(edges), list(hierarchy)
    with writer_lock(target):
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)
        try:
            manifest = _write(
                staging, nodes, edges, hierarchy, sources=sources, version=version,
                date=date or dataset.release_date({}),
            )
            _swap(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return BuildReport(target, manifest["summary"], manifest)


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


def _swap(staging: Path, target: Path) -> None:
    if not target.exists():
        os.rename(staging, target)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.rmdir(retired)
    os.rename(target, retired)
    try:
        os.rename(staging, target)
    except BaseException:
        os.rename(retired, target)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def release_directory(target: Path) -> Path:
    """The directory that holds the release ``target`` names now (``target`` itself, or what it
    points to); :class:`StoreMissing` when there is none."""
    real = Path(os.path.realpath(target))
    if not is_store(real):
        raise StoreMissing(
            f"no metakg store at {target}; run `metakg build` first "
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
    """A built store opened for reading. The RDF store is opened read-only, so any number of
    readers can share it with no lock; the property graph is loaded on first use."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not is_store(self.path):
            raise StoreMissing(
                f"no metakg store at {self.path}; run `metakg build` first "
                "(or point METAKG_STORE / --store at a built store)"
            )

    @cached_property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.path / MANIFEST_FILE).read_text(encoding="utf-8"))

    @cached_property
    def rdf(self) -> ox.Store:
        return ox.Store.read_only(str(self.path / RDF_DIR))

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        return property_graph.load(self.path / GRAPH_FILE)
