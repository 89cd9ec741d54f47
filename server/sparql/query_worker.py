"""The body of a query worker process: opens the store read-only and answers queries.

It runs in a separate process so that a query past its deadline can be stopped for real
(pyoxigraph cannot cancel a query in-process): the parent simply ends the process. Answers
are fully serialised here, after counting rows against the cap, so a response is either
complete or an explicit error, never a cut-off body.

Messages (parent -> worker): ``("sparql", SparqlRequest)``, ``("named", BoundQuery)``,
``("ping",)`` or ``("ping", "named")`` (the first ping of a process for named queries, which
imports them then rather than on the first query). Replies: ``("ok", payload)`` or
``("error", kind, message)`` where kind is one of ``syntax``, ``not-acceptable``, ``row-cap``,
``failed``. They travel over a Unix socket pair (server/sparql/channel.py).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from graph.errors import MetakgError
from server.sparql.channel import Channel
from server.sparql.formats import choose, offered_media_types


@dataclass(frozen=True)
class SparqlRequest:
    text: str
    accept: tuple[tuple[str, float], ...] = ()
    default_graph: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    #: Resolves relative IRIs in the query (the protocol lets the service pick it: we use the
    #: endpoint's URL, as Oxigraph's server does).
    base_iri: str | None = None


@dataclass(frozen=True)
class SparqlAnswer:
    body: bytes
    media_type: str
    rows: int


class RowCapExceeded(Exception):
    pass


class NotAcceptableFormat(Exception):
    pass


#: How long an idle query process polls for the next message before sleeping: clients
#: often send their next query at once.
IDLE_SPIN = 0.001


def _graphs(iris: tuple[str, ...] | None) -> list[ox.NamedNode] | None:
    return None if iris is None else [ox.NamedNode(i) for i in iris]


def _format(kind: str, accept: tuple[tuple[str, float], ...]):  # type: ignore[no-untyped-def]
    fmt = choose(kind, accept)
    if fmt is None:
        offered = ", ".join(offered_media_types(kind))
        raise NotAcceptableFormat(
            f"none of the requested media types can represent this result; offered: {offered}"
        )
    return fmt


class _LineCounter:
    """A binary sink for pyoxigraph's serialisers that keeps the bytes and stops (by raising
    :class:`RowCapExceeded` from ``write``) once more than ``limit`` lines have arrived, so a
    huge result is never held whole."""

    def __init__(self, limit: int, message: str) -> None:
        self.limit = limit
        self.message = message
        self.lines = 0
        self.parts: list[bytes] = []

    def write(self, chunk: bytes) -> int:
        self.lines += chunk.count(b"\n")
        if self.lines > self.limit:
            raise RowCapExceeded(self.message)
        self.parts.append(bytes(chunk))
        return len(chunk)

    def flush(self) -> None:
        pass

    def value(self) -> bytes:
        return b"".join(self.parts)


def answer_sparql(store: ox.Store, request: SparqlRequest, row_cap: int) -> SparqlAnswer:
    """Run the query and serialise its whole answer in the negotiated format.

    Rows are counted on the way out: solutions are first written as TSV (one line per row,
    terms in N-Triples syntax, so nothing is lost) and triples as N-Triples (one per line),
    by the library's own serialisers into a sink that stops past the row cap; the counted
    text is then re-serialised in the format asked for, unless it already is that format.
    """
    result = store.query(
        request.text,
        base_iri=request.base_iri,
        default_graph=_graphs(request.default_graph),
        named_graphs=_graphs(request.named_graphs),
    )
    if isinstance(result, ox.QueryBoolean):
        fmt = _format("boolean", request.accept)
        return SparqlAnswer(result.serialize(format=fmt), fmt.media_type, 1)
    if isinstance(result, ox.QuerySolutions):
        fmt = _format("solutions", request.accept)
        # The header line plus at most row_cap rows.
        sink = _LineCounter(row_cap + 1, _cap_message(row_cap, "rows"))
        result.serialize(sink, format=ox.QueryResultsFormat.TSV)
        tsv = sink.value()
        rows = max(sink.lines - 1, 0)
        if fmt == ox.QueryResultsFormat.TSV:
            return SparqlAnswer(tsv, fmt.media_type, rows)
        parsed = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV)
        return SparqlAnswer(parsed.serialize(format=fmt), fmt.media_type, rows)
    fmt = _format("graph", request.accept)
    sink = _LineCounter(row_cap, _cap_message(row_cap, "triples"))
    ox.serialize(result, sink, format=ox.RdfFormat.N_TRIPLES)
    ntriples = sink.value()
    if fmt == ox.RdfFormat.N_TRIPLES:
        return SparqlAnswer(ntriples, fmt.media_type, sink.lines)
    triples = ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)
    return SparqlAnswer(ox.serialize(triples, format=fmt), fmt.media_type, sink.lines)


def _cap_message(cap: int, what: str) -> str:
    return (
        f"the query returns more than {cap} {what} (the row cap); add LIMIT and OFFSET to page "
        "through the results, or use the exports for the whole graph"
    )


def handle(store: ox.Store, message: tuple[Any, ...], row_cap: int) -> tuple[Any, ...]:
    op = message[0]
    try:
        if op == "sparql":
            return ("ok", answer_sparql(store, message[1], row_cap))
        if op == "named":
            from queries import named  # imported on first use: the SPARQL path stays light

            rows = named.run_sparql(message[1], store)
            if len(rows) > row_cap:
                raise RowCapExceeded(_cap_message(row_cap, "rows"))
            return ("ok", rows)
        if op == "ping":
            if message[1:] == ("named",):  # a process for named queries: load them now
                from queries import named  # noqa: F401
            return ("ok", "pong")
        return ("error", "failed", f"unknown operation {op!r}")
    except SyntaxError as exc:
        return ("error", "syntax", str(exc))
    except MetakgError as exc:  # a remote store that cannot be reached
        return ("error", "unavailable", str(exc))
    except RowCapExceeded as exc:
        return ("error", "row-cap", str(exc))
    except NotAcceptableFormat as exc:
        return ("error", "not-acceptable", str(exc))
    except (ValueError, TypeError, RuntimeError) as exc:
        return ("error", "syntax", str(exc))
    except OSError as exc:
        return ("error", "failed", f"the store could not be read: {exc}")


class _Oversized(Exception):
    pass


def _at_most(quads: Iterator[ox.Quad], limit: int) -> Iterator[ox.Quad]:
    for count, quad in enumerate(quads, start=1):
        if count > limit:
            raise _Oversized
        yield quad


def memory_copy(store: ox.Store, limit: int) -> ox.Store | None:
    """An in-memory copy of ``store`` (the same quads in the same graphs, so queries give
    the same answers, faster) when it holds at most ``limit`` quads; otherwise None."""
    if limit <= 0:
        return None
    memory = ox.Store()
    try:
        memory.bulk_extend(_at_most(store.quads_for_pattern(None, None, None), limit))
    except _Oversized:
        return None
    return memory


def open_store(store_path: str, memory_quads: int) -> Any:
    """The store a query process queries: an in-memory copy of the (read-only) store when it
    holds at most ``memory_quads`` quads, otherwise the store on disk, opened read-only; or,
    when ``store_path`` is an http(s) URL, that remote SPARQL store's query endpoint."""
    if store_path.startswith(("http://", "https://")):
        from graph.remote import RemoteStore

        # No client-side deadline: the parent ends this process when the query's is past.
        return RemoteStore(store_path, timeout=3600.0)
    disk = ox.Store.read_only(store_path)
    copy = memory_copy(disk, memory_quads)
    return disk if copy is None else copy


def main(sock: socket.socket, store_path: str, row_cap: int, memory_quads: int = 0) -> None:
    """Process entry point: serve messages from ``sock`` until the parent goes away."""
    store = open_store(store_path, memory_quads)
    channel = Channel(sock, spin=IDLE_SPIN)
    while True:
        try:
            message = channel.receive()
        except (EOFError, OSError):
            return
        channel.send(handle(store, message, row_cap))
