"""A remote SPARQL 1.1 store as a backend: queries, updates and graph uploads over HTTP.

:class:`RemoteStore` speaks the SPARQL 1.1 Protocol (query and update endpoints) and, when
given one, the Graph Store Protocol (bulk uploads). Its :meth:`RemoteStore.query` answers
like ``pyoxigraph.Store.query`` (a ``QuerySolutions``, a ``QueryBoolean`` or an iterator of
triples), so the code that runs queries on the embedded store runs them unchanged on a
remote one: the SPARQL endpoint's query processes and :func:`queries.named.run_sparql`.

Parameters: SPARQL has no protocol for binding variables, so :func:`substitute` replaces a
parameter's variable by its term, written by pyoxigraph's own N-Triples serialiser (which
escapes it), exactly where pyoxigraph's ``substitutions`` would bind it. The values are the
ones :func:`queries.named.bind` resolved (known identifiers, closed choices, integers), never
raw request text. In the projection the variable stays a column: ``(term AS ?name)``.

Every failure to reach the store, or a server error from it, raises
:class:`RemoteUnavailable` (503): the API never answers from stale data or with a 500.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pyoxigraph as ox
import requests

from graph.store import StoreError

__all__ = ["RemoteStore", "RemoteUnavailable", "substitute"]

_SOLUTIONS = "application/sparql-results+json"
_GRAPH = "application/n-triples"
#: Accept header of a query whose form is not known in advance.
_ACCEPT = f"{_SOLUTIONS}, {_GRAPH};q=0.9"
#: Triples per ``INSERT DATA`` request when no Graph Store endpoint is configured.
INSERT_BATCH = 20_000


class RemoteUnavailable(StoreError):
    status = 503
    title = "Remote SPARQL store unavailable"


class RemoteStore:
    """A SPARQL 1.1 server: ``query_url`` (required), ``update_url`` for writes and
    ``store_url`` (Graph Store Protocol) for bulk uploads and downloads."""

    def __init__(
        self,
        query_url: str,
        update_url: str = "",
        store_url: str = "",
        *,
        timeout: float = 30.0,
    ) -> None:
        if not query_url:
            raise ValueError("a remote store needs a query endpoint URL")
        self.query_url = query_url
        self.update_url = update_url
        self.store_url = store_url
        self.timeout = timeout
        self._http = requests.Session()

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> RemoteStore:
        return cls(
            settings["sparql_endpoint"],
            settings.get("sparql_update_endpoint", ""),
            settings.get("sparql_store_endpoint", ""),
            timeout=float(settings.get("query_timeout", 30.0)) + 5.0,
        )

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_url!r})"

    # -- HTTP ------------------------------------------------------------------------------
    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            response = self._http.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise RemoteUnavailable(
                f"the remote SPARQL store at {url} could not be reached ({type(exc).__name__}); "
                "check that it is running and that METAKG_SPARQL_ENDPOINT points at it"
            ) from None
        if response.status_code >= 500:
            raise RemoteUnavailable(
                f"the remote SPARQL store at {url} answered {response.status_code}: "
                f"{_excerpt(response)}"
            )
        if response.status_code == 400:
            raise SyntaxError(f"the remote SPARQL store refused the request: {_excerpt(response)}")
        if response.status_code >= 300:
            raise RemoteUnavailable(
                f"the remote SPARQL store at {url} answered {response.status_code} to "
                f"{method}: {_excerpt(response)}"
            )
        return response

    # -- queries ---------------------------------------------------------------------------
    def query(
        self,
        text: str,
        *,
        base_iri: str | None = None,
        default_graph: Iterable[ox.NamedNode] | None = None,
        named_graphs: Iterable[ox.NamedNode] | None = None,
        substitutions: Mapping[ox.Variable, ox.NamedNode | ox.Literal] | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | Iterator[ox.Triple]:
        """Like ``pyoxigraph.Store.query``; the dataset arguments become protocol parameters."""
        if substitutions:
            text = substitute(text, substitutions)
        if prefixes:
            declared = "".join(
                f"PREFIX {name}: {ox.NamedNode(iri)}\n" for name, iri in prefixes.items()
            )
            text = declared + text
        if base_iri and not re.match(r"\s*BASE\b", text, re.IGNORECASE):
            text = f"BASE <{ox.NamedNode(base_iri).value}>\n{text}"
        params: list[tuple[str, str]] = []
        params += [("default-graph-uri", g.value) for g in default_graph or ()]
        params += [("named-graph-uri", g.value) for g in named_graphs or ()]
        response = self._send(
            "POST",
            self.query_url,
            params=params,
            data=text.encode("utf-8"),
            headers={"Content-Type": "application/sparql-query", "Accept": _ACCEPT},
        )
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media == _SOLUTIONS or media.endswith("+json"):
            return ox.parse_query_results(response.content, ox.QueryResultsFormat.JSON)
        if media in (_GRAPH, "text/plain"):
            return ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)
        raise RemoteUnavailable(
            f"the remote SPARQL store answered in an unexpected media type {media!r}"
        )

    def select(self, text: str) -> list[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode]]:
        result = self.query(text)
        if not isinstance(result, ox.QuerySolutions):
            raise ValueError("select() needs a SELECT query")
        names = [v.value for v in result.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in result]

    def named_graphs(self) -> list[ox.NamedNode]:
        """The store's named graphs (as ``pyoxigraph.Store.named_graphs`` gives them)."""
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return sorted((row["g"] for row in rows if "g" in row), key=lambda g: g.value)

    def default_graph_ntriples(self) -> bytes:
        """Every triple of the default graph, as N-Triples."""
        if self.store_url:
            return self._send(
                "GET", self.store_url, params={"default": ""}, headers={"Accept": _GRAPH}
            ).content
        result = self.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        return ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)  # type: ignore[arg-type]

    # -- writes ----------------------------------------------------------------------------
    def update(self, text: str) -> None:
        if not self.update_url:
            raise RemoteUnavailable(
                "no update endpoint configured: set METAKG_SPARQL_UPDATE_ENDPOINT "
                "(e.g. http://localhost:7878/update for `oxigraph serve`)"
            )
        self._send(
            "POST",
            self.update_url,
            data=text.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update"},
        )

    def post_graph(
        self,
        graph: str | None,
        chunks: Iterable[bytes],
        media_type: str = _GRAPH,
    ) -> None:
        """Add triples to ``graph`` (None: the default graph): by the Graph Store Protocol when
        a store endpoint is configured, otherwise by batches of ``INSERT DATA``."""
        if self.store_url:
            target = {"default": ""} if graph is None else {"graph": graph}
            self._send(
                "POST",
                self.store_url,
                params=target,
                data=iter(chunks),
                headers={"Content-Type": media_type},
            )
            return
        if media_type != _GRAPH:
            raise ValueError("without a Graph Store endpoint only N-Triples can be uploaded")
        for batch in _batches(ox.parse(b"".join(chunks), format=ox.RdfFormat.N_TRIPLES)):
            body = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in batch)
            if graph is None:
                self.update(f"INSERT DATA {{\n{body}\n}}")
            else:
                self.update(f"INSERT DATA {{ GRAPH {ox.NamedNode(graph)} {{\n{body}\n}} }}")

    def drop_graph(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH {ox.NamedNode(graph)}")

    def move_graphs(self, moves: Iterable[tuple[str, str | None]]) -> None:
        """Move each (source, target) graph in ONE update request, so a store that runs an
        update as one transaction (Oxigraph does) switches them all at once. A target of None
        is the default graph."""
        steps = [
            f"MOVE SILENT GRAPH {ox.NamedNode(source)} TO "
            + ("DEFAULT" if target is None else f"GRAPH {ox.NamedNode(target)}")
            for source, target in moves
        ]
        self.update(" ;\n".join(steps))


def _batches(triples: Iterable[ox.Triple]) -> Iterator[list[ox.Triple]]:
    batch: list[ox.Triple] = []
    for triple in triples:
        batch.append(triple)
        if len(batch) >= INSERT_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _excerpt(response: requests.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:300] or response.reason


# -- parameter substitution ----------------------------------------------------------------

_TOKENS = re.compile(
    r"""
      (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<comment>\#[^\n]*)
    | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
    | (?P<word>[A-Za-z_][A-Za-z0-9_-]*)
    | (?P<open>[({])
    | (?P<close>[)}])
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def substitute(text: str, substitutions: Mapping[ox.Variable, ox.NamedNode | ox.Literal]) -> str:
    """``text`` with every substituted variable replaced by its term.

    Where the variable is projected (a top-level item of a ``SELECT`` clause) it becomes
    ``(term AS ?name)``; in ``GROUP BY`` and ``ORDER BY`` a bracketed ``(term)``; elsewhere
    the bare term. Strings, IRIs and comments are left alone.
    """
    terms = {variable.value: str(term) for variable, term in substitutions.items()}
    out: list[str] = []
    clause = ""  # "select", "group", "order" or "" (pattern text)
    depth = 0  # brackets opened since the clause began
    last = ""  # the previous significant token
    for match in _TOKENS.finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind == "word":
            upper = token.upper()
            if upper in ("SELECT", "GROUP", "ORDER"):
                clause, depth = upper.lower(), 0
            elif depth == 0 and upper in ("WHERE", "LIMIT", "OFFSET", "HAVING", "VALUES"):
                clause = ""
        elif kind == "open":
            if token == "{" and depth == 0:
                clause = ""
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "var" and token[1:] in terms and last.upper() != "AS":
            term = terms[token[1:]]
            if clause == "select" and depth == 0:
                token = f"({term} AS {token})"
            elif clause in ("group", "order") and depth == 0:
                token = f"({term})"
            else:
                token = term
        if kind != "comment" and not token.isspace():
            last = match.group()
        out.append(token)
    return "".join(out)
