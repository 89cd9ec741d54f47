"""The SPARQL editor page (``/query``, and ``GET /sparql`` from a browser), with the named
queries as runnable examples."""

from __future__ import annotations

import functools
import re
from typing import Any

import pyoxigraph as ox
from flask import Response

from graph.curie import expand
from server.http.web import bp
from server.http.web.common import graph, page, state

DEFAULT_QUERY = """PREFIX biolink: <https://w3id.org/biolink/vocab/>
PREFIX mkg: <https://w3id.org/metakg/vocab/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
# Genes that mediate metastasis to an organ, with the organ's label
SELECT ?symbol ?organ ?confidence WHERE {
  ?a rdf:predicate mkg:mediates_metastasis_to ;
     rdf:subject ?gene ; rdf:object ?o ; mkg:confidence ?confidence .
  ?gene biolink:symbol ?symbol .
  ?o <http://www.w3.org/2000/01/rdf-schema#label> ?organ .
}
ORDER BY ?organ ?symbol
LIMIT 50
"""

#: Result formats offered for download: (label, media type, file extension).
SELECT_FORMATS = [
    ("JSON", "application/sparql-results+json", "srj"),
    ("XML", "application/sparql-results+xml", "srx"),
    ("CSV", "text/csv", "csv"),
    ("TSV", "text/tab-separated-values", "tsv"),
]
GRAPH_FORMATS = [
    ("Turtle", "text/turtle", "ttl"),
    ("N-Triples", "application/n-triples", "nt"),
    ("JSON-LD", "application/ld+json", "jsonld"),
]


def _term(term: ox.NamedNode | ox.Literal) -> str:
    return str(term)  # pyoxigraph prints terms in SPARQL / N-Triples syntax


def example_text(query: Any, substitutions: list[dict[ox.Variable, Any]]) -> str:
    """The named query's SPARQL with its example parameters written in: a ``VALUES`` block
    at the top of the WHERE clause binds them for the projection, and a parameter with one
    value is also written in place of its variable in the WHERE clause (a FILTER inside a
    group sees only the group's own bindings). Gives the rows of the named query."""
    names = [p.name for p in query.params]
    if not names:
        return query.sparql
    rows = "\n".join(
        "    (" + " ".join(_term(s[ox.Variable(n)]) for n in names) + ")" for s in substitutions
    )
    block = f"  VALUES ({' '.join('?' + n for n in names)}) {{\n{rows}\n  }}\n"
    match = re.search(r"^WHERE \{\n", query.sparql, re.MULTILINE)
    assert match is not None, query.name
    body = query.sparql[match.end() :]
    single = {
        n: _term(substitutions[0][ox.Variable(n)])
        for n in names
        if len({_term(s[ox.Variable(n)]) for s in substitutions}) == 1
    }
    lines = []
    for line in body.split("\n"):
        if not _KEEP_VARIABLES.match(line):
            for name, term in single.items():
                line = re.sub(rf"\?{name}\b", lambda _m, t=term: t, line)
        lines.append(line)
    return query.sparql[: match.end()] + block + "\n".join(lines)


#: Lines where a variable must stay a variable (a constant is not allowed there).
_KEEP_VARIABLES = re.compile(r"\s*(GROUP BY|ORDER BY|HAVING|SELECT)\b", re.IGNORECASE)


@functools.lru_cache(maxsize=4)
def _examples(_graph_id: int) -> list[dict[str, str]]:
    from queries import named

    out = []
    for query in named.registry().values():
        bound = named.bind(query, query.example, index=state().index)
        out.append(
            {
                "name": query.name,
                "title": query.title,
                "description": query.description,
                "params": ", ".join(f"{k} = {v}" for k, v in query.example.items()),
                "text": example_text(query, bound.substitutions),
            }
        )
    return out


def examples() -> list[dict[str, str]]:
    return _examples(id(graph()))


def entity_prefixes() -> dict[str, str]:
    """CURIE prefix -> IRI base of the graph's entity identifiers, for linking IRIs in results
    to entity pages."""
    found: dict[str, str] = {}
    for node in graph().nodes:
        prefix, _, local = node.partition(":")
        if prefix in found or not local:
            continue
        try:
            iri = expand(node)
        except Exception:  # a prefix the converter does not know
            continue
        if iri.endswith(local):
            found[prefix] = iri[: -len(local)]
    return found


@bp.get("/query")
def sparql_editor() -> Response:
    return page(
        "sparql.html",
        examples=examples(),
        default_query=DEFAULT_QUERY,
        select_formats=SELECT_FORMATS,
        graph_formats=GRAPH_FORMATS,
        prefixes=entity_prefixes(),
    )


#: A browser's ``GET /sparql`` without ``query`` is passed on to Flask by the SPARQL layer.
bp.add_url_rule("/sparql", endpoint="sparql_editor_at_endpoint", view_func=sparql_editor)
