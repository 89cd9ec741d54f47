"""The body of a query worker process: opens the store read-only and answers queries.

It runs in a separate process so that a query past its deadline can be stopped for real
(pyoxigraph cannot cancel a query in-process): the parent simply ends the process. Answers
are fully serialised here, after counting rows against the cap, so a response is either
complete or an explicit error, never a cut-off body.

Messages (parent -> worker): ``("sparql", SparqlRequest)``, ``("named", BoundQuery)``.
Replies: ``("ok", payload)`` or ``("error", kind, message)`` where kind is one of
``syntax``, ``not-acceptable``, ``row-cap``, ``failed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from server.formats import choose, offered_media_types


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


def answer_sparql(store: ox.Store, request: SparqlRequest, row_cap: int) -> SparqlAnswer:
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
        variables = result.variables
        lines = ["\t".join(str(v) for v in variables)]
        for count, solution in enumerate(result, start=1):
            if count > row_cap:
                raise RowCapExceeded(_cap_message(row_cap, "rows"))
            lines.append(
                "\t".join("" if solution[v] is None else str(solution[v]) for v in variables)
            )
        # TSV carries every term exactly (N-Triples syntax); the library re-serialises it.
        tsv = ("\n".join(lines) + "\n").encode("utf-8")
        parsed = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV)
        return SparqlAnswer(parsed.serialize(format=fmt), fmt.media_type, len(lines) - 1)
    fmt = _format("graph", request.accept)
    triples = []
    for count, triple in enumerate(result, start=1):
        if count > row_cap:
            raise RowCapExceeded(_cap_message(row_cap, "triples"))
        triples.append(triple)
    return SparqlAnswer(ox.serialize(triples, format=fmt), fmt.media_type, len(triples))


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
            return ("ok", "pong")
        return ("error", "failed", f"unknown operation {op!r}")
    except SyntaxError as exc:
        return ("error", "syntax", str(exc))
    except RowCapExceeded as exc:
        return ("error", "row-cap", str(exc))
    except NotAcceptableFormat as exc:
        return ("error", "not-acceptable", str(exc))
    except (ValueError, TypeError, RuntimeError) as exc:
        return ("error", "syntax", str(exc))
    except OSError as exc:
        return ("error", "failed", f"the store could not be read: {exc}")


def main(conn: Any, store_path: str, row_cap: int) -> None:
    """Process entry point: serve messages from ``conn`` until the parent goes away."""
    store = ox.Store.read_only(store_path)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(handle(store, message, row_cap))
