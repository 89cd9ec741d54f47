"""``metakg push``: publish the built store to a remote SPARQL 1.1 store.

The upload is all or nothing for readers: every graph goes first into a staging graph of its
own, and one SPARQL Update then moves them all into place (Oxigraph runs an update as one
transaction). If anything fails before that, the staging graphs are dropped and the remote
store still holds the previous release.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import click
import pyoxigraph as ox

from graph.backend import PROJECTION_GRAPH, projection_quads
from graph.errors import MetakgError
from graph.remote import RemoteStore
from graph.store import KnowledgeStore
from graph.vocab import METAKG
from server.cli.commands import _fail, _progress, _store_path
from server.settings import SettingError, load_settings

#: Bytes per upload request body chunk.
_CHUNK = 1 << 20


def _chunks(quads: Iterator[ox.Quad]) -> Iterator[bytes]:
    buffer: list[bytes] = []
    size = 0
    for quad in quads:
        line = f"{quad.subject} {quad.predicate} {quad.object} .\n".encode()
        buffer.append(line)
        size += len(line)
        if size >= _CHUNK:
            yield b"".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield b"".join(buffer)


def push_store(store: KnowledgeStore, remote: RemoteStore, progress=_progress) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Upload ``store`` to ``remote``: its default graph, its named graphs and the release
    resource (:func:`graph.backend.projection_quads`). Returns triple counts per graph."""
    rdf = store.rdf
    staging = f"{METAKG}staging/{uuid.uuid4().hex}/"
    targets: dict[str | None, str] = {None: staging + "default"}
    for index, graph in enumerate(sorted(g.value for g in rdf.named_graphs())):
        if graph != PROJECTION_GRAPH:
            targets[graph] = f"{staging}graph-{index}"
    targets[PROJECTION_GRAPH] = staging + "projection"
    counts: dict[str, int] = {}
    try:
        for graph, stage in targets.items():
            name = graph or "default graph"
            if graph == PROJECTION_GRAPH:
                quads = iter(projection_quads(store, stage))
            else:
                source = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
                quads = rdf.quads_for_pattern(None, None, None, source)
            counter = _Counter(quads)
            remote.post_graph(stage, _chunks(counter))
            counts[name] = counter.count
            progress(f"uploaded {counter.count} triples of the {name}")
        remote.move_graphs((stage, graph) for graph, stage in targets.items())
    except BaseException:
        for stage in targets.values():
            try:
                remote.drop_graph(stage)
            except MetakgError:
                pass
        raise
    return counts


class _Counter:
    def __init__(self, quads: Iterator[ox.Quad]) -> None:
        self._quads = quads
        self.count = 0

    def __iter__(self) -> Iterator[ox.Quad]:
        for quad in self._quads:
            self.count += 1
            yield quad


@click.command()
@click.option("--store", type=click.Path(path_type=Path), help="Store directory to publish.")
@click.option("--endpoint", help="Query endpoint (default: METAKG_SPARQL_ENDPOINT).")
@click.option("--update-endpoint", help="Update endpoint (default: METAKG_SPARQL_UPDATE_ENDPOINT).")
@click.option(
    "--store-endpoint",
    help="Graph Store Protocol endpoint (default: METAKG_SPARQL_STORE_ENDPOINT; optional).",
)
def push(
    store: Path | None,
    endpoint: str | None,
    update_endpoint: str | None,
    store_endpoint: str | None,
) -> None:
    """Publish the built store to a remote SPARQL 1.1 store (e.g. `oxigraph serve`).

    Readers of the remote store see the previous release until the upload is complete, then
    the new one; an interrupted push leaves the previous release in place.
    """
    try:
        settings = load_settings()
    except SettingError as exc:
        _fail(str(exc), 2)
    query_url = endpoint or settings["sparql_endpoint"]
    update_url = update_endpoint or settings["sparql_update_endpoint"]
    if not query_url or not update_url:
        _fail(
            "no remote store given: set METAKG_SPARQL_ENDPOINT and METAKG_SPARQL_UPDATE_ENDPOINT "
            "(or --endpoint and --update-endpoint), e.g. http://localhost:7878/query and "
            "http://localhost:7878/update for `oxigraph serve`",
            2,
        )
    remote = RemoteStore(
        query_url,
        update_url,
        store_endpoint or settings["sparql_store_endpoint"],
        timeout=max(settings["query_timeout"], 300.0),
    )
    started = time.perf_counter()
    try:
        knowledge = KnowledgeStore(_store_path(store))
        counts = push_store(knowledge, remote)
    except MetakgError as exc:
        _fail(f"{exc}; the remote store was not changed")
    total = sum(counts.values())
    click.echo(
        f"Pushed {total} triples in {len(counts)} graphs from {knowledge.path} to {query_url} "
        f"in {time.perf_counter() - started:.1f} s"
    )
