"""Where the knowledge base is read from: the embedded store or a remote SPARQL store.

Both give a :class:`Knowledge`: the property graph (for lookups, traversals, exports and the
simulator), the manifest, a release id and an RDF query target with pyoxigraph's ``query``
interface (a ``pyoxigraph.Store`` or a :class:`~graph.remote.RemoteStore`).

A remote store holds what ``metakg push`` uploaded: the RDF in the default graph, and, in the
named graph :data:`PROJECTION_GRAPH`, one resource describing the release: its id, the
manifest and the property graph (``graph.json``) as ``rdf:JSON`` literals. The property graph
travels with the release because the RDF does not keep everything the lookups show (the
order of references and synonyms as curated, the source file of every node), and so every
API process on the same remote store answers from exactly the same graph. A push replaces
the default graph and the projection graph in one update, so a reader sees one release or the
next, never a mix.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox

from graph import property_graph
from graph.remote import RemoteStore, RemoteUnavailable
from graph.store import GRAPH_FILE, KnowledgeStore, StoreError, StoreMissing, release_token
from graph.vocab import METAKG, MKG, RDF

PROJECTION_GRAPH = METAKG + "projection"
_RELEASE_NODE = METAKG + "release"
_JSON = ox.NamedNode(RDF + "JSON")
_RELEASE = ox.NamedNode(MKG + "release")
_MANIFEST = ox.NamedNode(MKG + "manifest")
_PROPERTY_GRAPH = ox.NamedNode(MKG + "propertyGraph")

RELEASE_QUERY = (
    f"SELECT ?release WHERE {{ GRAPH <{PROJECTION_GRAPH}> "
    f"{{ <{_RELEASE_NODE}> <{_RELEASE.value}> ?release }} }}"
)
_PROJECTION_QUERY = (
    f"SELECT ?release ?manifest ?graph WHERE {{ GRAPH <{PROJECTION_GRAPH}> {{ "
    f"<{_RELEASE_NODE}> <{_RELEASE.value}> ?release ; <{_MANIFEST.value}> ?manifest ; "
    f"<{_PROPERTY_GRAPH.value}> ?graph }} }}"
)


class NotPushed(StoreError):
    status = 503
    title = "No knowledge base in the remote store"


def release_id(manifest: Mapping[str, Any], graph_json: bytes) -> str:
    """The release's id: the one the build recorded, else a digest of what is published."""
    recorded = manifest.get("release")
    if isinstance(recorded, Mapping) and recorded.get("id"):
        return str(recorded["id"])
    digest = hashlib.sha256(graph_json)
    digest.update(json.dumps(manifest, sort_keys=True).encode())
    return "sha256:" + digest.hexdigest()


def projection_quads(store: KnowledgeStore, graph: str = PROJECTION_GRAPH) -> list[ox.Quad]:
    """The release resource of a built store, in ``graph`` (a staging graph while pushing)."""
    graph_json = (store.directory / GRAPH_FILE).read_bytes()
    manifest = store.manifest
    node, into = ox.NamedNode(_RELEASE_NODE), ox.NamedNode(graph)
    return [
        ox.Quad(node, _RELEASE, ox.Literal(release_id(manifest, graph_json)), into),
        ox.Quad(node, _MANIFEST, ox.Literal(json.dumps(manifest, sort_keys=True), datatype=_JSON),
                into),
        ox.Quad(node, _PROPERTY_GRAPH, ox.Literal(graph_json.decode("utf-8"), datatype=_JSON),
                into),
    ]


@dataclass(frozen=True)
class Knowledge:
    """One release of the knowledge base, ready to read."""

    release: str
    graph: nx.MultiDiGraph
    manifest: dict[str, Any]
    #: The RDF query target (``pyoxigraph.Store`` or ``RemoteStore``).
    rdf: Any
    #: The store path as configured (embedded) or None (remote).
    path: Path | None = None
    #: The concrete directory this release was read from (what ``path`` named when it was
    #: loaded); query processes open this directory, never the path, so they answer from
    #: the same release (embedded only).
    directory: Path | None = None
    #: :func:`graph.store.release_token` of ``directory`` when it was loaded: the identity of
    #: this build (two builds of the same content have the same ``release`` but not the same
    #: stamp). None for a remote store.
    stamp: tuple[str, int, int] | None = None
    #: The IRIs of the named graphs of the RDF store, read once at load (embedded only).
    named_graphs: frozenset[str] | None = None

    @property
    def key(self) -> str:
        """What identifies this build among the ones a process has served: the stamp, or the
        remote store's query URL (its query processes always query that URL)."""
        if self.stamp is not None:
            return "{}@{}:{}".format(*self.stamp)
        return str(getattr(self.rdf, "query_url", self.release))


#: How often, and how far apart, :meth:`EmbeddedBackend.current` looks again before it says
#: the store is missing: a store in the older layout is replaced by two renames, and between
#: them (microseconds) nothing is at the path.
_MISSING_RETRIES = (0.02, 0.05, 0.1)


class EmbeddedBackend:
    """The store path: every :meth:`current` checks which release the path names now (one
    path resolution and one ``stat``, :func:`graph.store.release_token`) and loads it when it
    is not the one in memory.

    A per-request check was chosen over a reload command or signal: a build (``metakg
    build``, ``metakg load``, a rollback) is picked up by the next request with no operator
    step, every route of one request reads the one :class:`Knowledge` it got (the server
    keeps it for the whole request), and a store that goes missing is reported
    (:class:`~graph.store.StoreMissing`, 503) on every route instead of being served from
    memory. A new release is loaded once, under a lock, however many requests ask for it at
    the same time; requests that already hold the previous one finish with it.
    """

    kind = "embedded"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._knowledge: Knowledge | None = None
        self._lock = threading.Lock()

    def current(self) -> Knowledge:
        token = self._token()
        known = self._knowledge
        if known is not None and known.stamp == token:
            return known
        with self._lock:
            for pause in (*_MISSING_RETRIES, None):
                known = self._knowledge
                if known is not None and known.stamp == token:
                    return known
                try:
                    self._knowledge = self._load(token)
                    return self._knowledge
                except (StoreMissing, OSError):
                    # Replaced while it was being read: read what the path names now.
                    if pause is None:
                        raise self._missing() from None
                    time.sleep(pause)
                    token = self._token()
        raise AssertionError("unreachable")

    def _token(self) -> tuple[str, int, int]:
        for pause in (*_MISSING_RETRIES, None):
            try:
                return release_token(self.path)
            except StoreMissing:
                if pause is None:
                    raise self._missing() from None
                time.sleep(pause)
        raise AssertionError("unreachable")

    def _missing(self) -> StoreMissing:
        return StoreMissing(
            f"no knowledge base at {self.path}: it was removed or never built; run `metakg "
            "build` first (or point METAKG_STORE / --store at a built store)"
        )

    def _load(self, token: tuple[str, int, int]) -> Knowledge:
        directory = Path(token[0])
        store = KnowledgeStore(directory)
        graph_json = (directory / GRAPH_FILE).read_bytes()
        graph = property_graph.from_document(json.loads(graph_json))
        rdf = store.rdf
        return Knowledge(
            release_id(store.manifest, graph_json),
            graph,
            store.manifest,
            rdf,
            self.path,
            directory=directory,
            stamp=token,
            named_graphs=frozenset(g.value for g in rdf.named_graphs()),
        )

    def describe(self) -> str:
        return str(self.path)


@dataclass
class RemoteBackend:
    """A remote SPARQL store: every :meth:`current` asks it for its release (one small query)
    and reloads the property graph only when the release changed. If the store cannot be
    reached the caller gets :class:`~graph.remote.RemoteUnavailable`, never the old data."""

    remote: RemoteStore
    kind: str = "remote"
    _knowledge: Knowledge | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def release(self) -> str:
        rows = self.remote.select(RELEASE_QUERY)
        if not rows:
            raise self._not_pushed()
        return str(rows[0]["release"].value)

    def current(self) -> Knowledge:
        release = self.release()
        with self._lock:
            if self._knowledge is None or self._knowledge.release != release:
                self._knowledge = self._load()
            return self._knowledge

    def _load(self) -> Knowledge:
        rows = self.remote.select(_PROJECTION_QUERY)
        if not rows:
            raise self._not_pushed()
        row = rows[0]
        graph = property_graph.from_document(json.loads(row["graph"].value))
        return Knowledge(
            str(row["release"].value), graph, json.loads(row["manifest"].value), self.remote
        )

    def _not_pushed(self) -> NotPushed:
        return NotPushed(
            f"the remote SPARQL store at {self.remote.query_url} holds no metakg release; "
            "upload one with `metakg push`"
        )

    def describe(self) -> str:
        return self.remote.query_url


Backend = EmbeddedBackend | RemoteBackend


def open_backend(settings: Mapping[str, Any], store: Path | None = None) -> Backend:
    """The remote store when ``sparql_endpoint`` is set (and no explicit ``store`` path is
    given), else the embedded store."""
    if settings.get("sparql_endpoint") and store is None:
        return RemoteBackend(RemoteStore.from_settings(settings))
    return EmbeddedBackend(Path(store if store is not None else settings["store"]))


__all__ = [
    "PROJECTION_GRAPH",
    "RELEASE_QUERY",
    "Backend",
    "EmbeddedBackend",
    "Knowledge",
    "NotPushed",
    "RemoteBackend",
    "RemoteUnavailable",
    "open_backend",
    "projection_quads",
    "release_id",
]
