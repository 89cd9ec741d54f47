"""Named queries: fixed, parameterised questions answered identically by SPARQL (pyoxigraph),
networkx and Cypher (Neo4j, FalkorDB).

The definitions live in :mod:`queries.catalog`; this module binds parameters, runs queries
and renders their documentation (docs/queries.md). The server and the CLI call only this API:

* :func:`registry` and :func:`get` list and look up queries (:class:`UnknownQuery`, 404);
* :func:`bind` resolves what a user typed (names, aliases, CURIEs, choices, integers) into a
  :class:`BoundQuery`, or raises one :class:`QueryParameterError` (400) listing every problem;
* :func:`run_sparql` and :func:`run_graph` run a bound query on the RDF store or the networkx
  graph and return the same rows: dicts of strings, JSON-ready, de-duplicated and sorted.

Parameters are never formatted into query text. In SPARQL they are bound only through
pyoxigraph substitutions (``Store.query(text, substitutions={Variable(name): term})``); in
Cypher they are ``$name`` parameters (:attr:`BoundQuery.cypher_params`). A list parameter
(kind ``entities``) runs the SPARQL once per member and unions the rows; Cypher receives the
list and ``UNWIND``s it. Everything in a :class:`BoundQuery` pickles, so a worker process can
run it (``run_sparql(bound, store)``) under a deadline.

The Cypher twins read the Neo4j projection of :mod:`graph.cypher`, the one that
``metakg neo4j push`` and the neo4j export write: labels ``biolink:NamedThing`` plus the
Biolink category (``biolink:Gene``, ``biolink:Disease``) or our ``mkg:`` class
(``mkg:CascadeStep``), the CURIE in ``id``, the label in ``name``; one relationship per
association, typed by its predicate CURIE (``biolink:member_of``,
``mkg:mediates_metastasis_to``), with ``predicate`` (our key), ``publications`` and the
other evidence as properties; hierarchy edges typed ``biolink:subclass_of``. They use only
the Cypher that Neo4j 5 and FalkorDB both run, and :func:`run_cypher` runs them on either,
through any function that takes (text, parameters) and returns rows as dicts; their list
columns come back as Cypher lists, joined and normalised like the SPARQL cells
(tests/test_cypher_twins.py checks every query and parameter value against the SPARQL).
"""

from __future__ import annotations

import itertools
import re
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import networkx as nx
import pyoxigraph as ox

from graph.curie import compress, expand
from graph.errors import MetakgError
from graph.names import NameIndex
from graph.vocab import XSD, Category
from queries.catalog import QUERIES, NamedQuery, Param, Row, text

__all__ = [
    "BoundQuery",
    "NamedQuery",
    "Param",
    "QueryParameterError",
    "UnknownQuery",
    "bind",
    "get",
    "normalise_list",
    "registry",
    "render_markdown",
    "run_cypher",
    "run_graph",
    "run_sparql",
]

#: Most members of an ``entities`` parameter (each member is one SPARQL execution).
MAX_ENTITIES = 50
#: Range of an ``integer`` parameter.
MIN_INTEGER, MAX_INTEGER = 1, 1_000_000
#: What an omitted optional entity parameter is substituted with: "no restriction".
NO_ENTITY = ox.Literal("")

_SHOWN_CHARS = 60
#: Names longer than this get no "did you mean" (difflib's cost grows with the length).
_SUGGEST_CHARS = 100
_INTEGER = re.compile(r"[0-9]{1,7}")


class QueryParameterError(MetakgError):
    """A parameter is missing, unknown, ambiguous or malformed; ``problems`` lists each one."""

    status = 400
    title = "Invalid query parameter"

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


class UnknownQuery(MetakgError):
    status = 404
    title = "Unknown named query"


@dataclass(frozen=True)
class BoundQuery:
    """A named query with its parameters resolved, ready to run on any backend."""

    query: NamedQuery
    #: Resolved values: a CURIE, a list of CURIEs, an int, a choice, or None (omitted entity).
    values: dict[str, object]
    #: One dict per SPARQL execution (lists of entities run once per member).
    substitutions: list[dict[ox.Variable, ox.NamedNode | ox.Literal]]
    #: What a Neo4j driver would receive for the Cypher twin.
    cypher_params: dict[str, object]


def registry() -> dict[str, NamedQuery]:
    """Every named query by name, in a stable order."""
    return {query.name: query for query in QUERIES}


def get(name: str) -> NamedQuery:
    queries = registry()
    try:
        return queries[name]
    except KeyError:
        raise UnknownQuery(
            f"no named query '{_shown(name)}'; the named queries are: {', '.join(queries)}"
        ) from None


# --- binding -------------------------------------------------------------------------------


def bind(query: NamedQuery, raw: Mapping[str, str], *, index: NameIndex) -> BoundQuery:
    """Resolve ``raw`` (parameter name -> what the user typed) against ``index``.

    Every problem (missing, unknown or extra parameter, unknown or ambiguous name, bad choice
    or integer) is collected and raised as one :class:`QueryParameterError`.
    """
    problems: list[str] = []
    known = [p.name for p in query.params]
    for name in sorted(set(raw) - set(known)):
        problems.append(
            f"unknown parameter '{_shown(name)}' for query '{query.name}'; "
            f"its parameters are: {', '.join(known) or '(none)'}"
        )
    values: dict[str, object] = {}
    terms: dict[str, list[ox.NamedNode | ox.Literal]] = {}
    for param in query.params:
        given = raw.get(param.name)
        if given is None or not given.strip():
            if param.required:
                problems.append(
                    f"missing parameter '{param.name}' for query '{query.name}': "
                    f"expected {_expected(param)}"
                )
                continue
            if param.default is None:
                values[param.name], terms[param.name] = None, [NO_ENTITY]
                continue
            given = param.default
        where = f"parameter '{param.name}' of query '{query.name}'"
        before = len(problems)
        value, param_terms = _convert(param, given, where, index, problems)
        if len(problems) == before:
            values[param.name], terms[param.name] = value, param_terms
    if problems:
        raise QueryParameterError(problems)
    names = [p.name for p in query.params]
    substitutions = [
        {ox.Variable(name): term for name, term in zip(names, combination, strict=True)}
        for combination in itertools.product(*(terms[name] for name in names))
    ]
    cypher_params = {name: values[name] for name in names}
    return BoundQuery(query, values, substitutions, cypher_params)


def _convert(
    param: Param, given: str, where: str, index: NameIndex, problems: list[str]
) -> tuple[object, list[ox.NamedNode | ox.Literal]]:
    if param.kind == "entity":
        node_id = _resolve(param, given.strip(), where, index, problems)
        return node_id, [ox.NamedNode(expand(node_id))] if node_id else []
    if param.kind == "entities":
        members = [m.strip() for m in given.split(",")]
        if any(not m for m in members):
            problems.append(f"{where}: empty name in the list '{_shown(given)}'")
            return None, []
        if len(members) > MAX_ENTITIES:
            problems.append(f"{where}: {len(members)} names given, at most {MAX_ENTITIES}")
            return None, []
        resolved = [_resolve(param, m, where, index, problems) for m in members]
        ids = list(dict.fromkeys(r for r in resolved if r))
        return ids, [ox.NamedNode(expand(i)) for i in ids]
    if param.kind == "choice":
        choice = given.strip()
        if choice not in param.choices:
            problems.append(
                f"{where}: unknown choice '{_shown(choice)}'; "
                f"expected one of: {', '.join(param.choices)}"
            )
            return None, []
        if param.choice_iris:
            iri = param.choice_iris[param.choices.index(choice)]
            return choice, [ox.NamedNode(iri)]
        return choice, [ox.Literal(choice)]
    if param.kind == "integer":
        digits = given.strip()
        if not _INTEGER.fullmatch(digits) or not MIN_INTEGER <= int(digits) <= MAX_INTEGER:
            problems.append(
                f"{where}: expected a whole number from {MIN_INTEGER} to {MAX_INTEGER}, "
                f"got '{_shown(given)}'"
            )
            return None, []
        number = int(digits)
        return number, [ox.Literal(str(number), datatype=ox.NamedNode(XSD + "integer"))]
    raise ValueError(f"{where}: unsupported parameter kind '{param.kind}'")


def _resolve(
    param: Param, name: str, where: str, index: NameIndex, problems: list[str]
) -> str | None:
    wanted = _categories_text(param.categories)
    resolution = index.resolve(name, param.categories or None)
    if resolution.node_id is not None:
        return resolution.node_id
    if resolution.ambiguous:
        problems.append(
            f"{where}: '{_shown(name)}' is ambiguous; it names {', '.join(resolution.candidates)}"
            "; give one of these CURIEs instead"
        )
        return None
    other = index.resolve(name) if param.categories else resolution
    if other.node_id is not None:
        found = _categories_text((index.category(other.node_id),))
        problems.append(f"{where}: '{_shown(name)}' is {found} ({other.node_id}), not {wanted}")
        return None
    suggestions = _suggestions(name, param.categories, index)
    hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
    problems.append(
        f"{where}: no {wanted.removeprefix('a ').removeprefix('an ')} is named "
        f"'{_shown(name)}'; expected the name, alias or CURIE of {wanted}{hint}"
    )
    return None


def _suggestions(name: str, categories: Sequence[Category], index: NameIndex) -> list[str]:
    """Up to three close names, one per entity, as ``'name' (CURIE)``."""
    if len(name) > _SUGGEST_CHARS:
        return []
    found: dict[str, str] = {}
    for close in index.suggest(name, categories or None, limit=10):
        node_id = index.resolve(close, categories or None).node_id
        if node_id is not None and node_id not in found and len(found) < 3:
            found[node_id] = f"'{close}' ({node_id})"
    return list(found.values())


def _categories_text(categories: Sequence[Category]) -> str:
    if not categories:
        return "an entity"
    words = [c.key.replace("_", " ").replace("microrna", "microRNA") for c in categories]
    first = words[0]
    article = "an" if first[0] in "aeiou" else "a"
    return f"{article} {' or '.join(words)}"


def _expected(param: Param) -> str:
    if param.kind == "entity":
        return f"{_categories_text(param.categories)} ({param.description})"
    if param.kind == "entities":
        return f"a comma-separated list, each {_categories_text(param.categories)}"
    if param.kind == "choice":
        return f"one of: {', '.join(param.choices)}"
    return f"a whole number from {MIN_INTEGER} to {MAX_INTEGER} ({param.description})"


def _shown(value: str) -> str:
    """``value`` fit for an error message: control characters escaped, long values cut."""
    clean = "".join(c if c.isprintable() else repr(c)[1:-1] for c in value)
    if len(clean) <= _SHOWN_CHARS:
        return clean
    return f"{clean[:_SHOWN_CHARS]}... ({len(value)} characters)"


# --- running -------------------------------------------------------------------------------


def run_sparql(bound: BoundQuery, store: ox.Store) -> list[Row]:
    """Run the SPARQL text once per substitutions dict and return the unioned rows."""
    columns = bound.query.columns
    rows: list[Row] = []
    for substitutions in bound.substitutions:
        solutions = store.query(bound.query.sparql, substitutions=substitutions)
        present = {v.value for v in solutions.variables}
        for solution in solutions:
            rows.append({c: _cell(solution[c]) if c in present else "" for c in columns})
    return _finish(bound.query, rows)


def run_graph(bound: BoundQuery, graph: nx.MultiDiGraph) -> list[Row]:
    """Run the networkx twin: once per member of each list parameter, like the SPARQL."""
    lists = {p.name for p in bound.query.params if p.kind == "entities"}
    names = list(bound.values)
    options = [
        list(value) if name in lists and isinstance(value, list) else [value]
        for name, value in bound.values.items()
    ]
    rows: list[Row] = []
    for combination in itertools.product(*options):
        values = dict(zip(names, combination, strict=True))
        for row in bound.query.traverse(graph, values):
            rows.append({c: row.get(c, "") for c in bound.query.columns})
    return _finish(bound.query, rows)


#: Runs a Cypher text with parameters and returns its rows as dicts by column.
CypherReader = Callable[[str, Mapping[str, object]], Iterable[Mapping[str, object]]]


def run_cypher(bound: BoundQuery, read: CypherReader) -> list[Row]:
    """Run the Cypher twin once with :attr:`BoundQuery.cypher_params` (a list parameter goes
    whole) through ``read`` (a Neo4j or FalkorDB executor's ``read``) and return rows shaped
    as :func:`run_sparql` shapes them: null as ``""``, booleans as ``true``/``false``,
    lists joined with ``;`` and normalised, de-duplicated and sorted."""
    columns = bound.query.columns
    rows = [
        {c: _cypher_cell(record[c]) for c in columns}
        for record in read(bound.query.cypher, bound.cypher_params)
    ]
    return _finish(bound.query, rows)


def _cypher_cell(value: object) -> str:
    if isinstance(value, list | tuple):
        return ";".join(_cypher_cell(v) for v in value)
    return text(value)


def _cell(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compress(term.value)
    if isinstance(term, ox.Literal):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)


def normalise_list(cell: str) -> str:
    """A ``;``-joined set as one canonical string: IRIs compressed to CURIEs, duplicates
    dropped, numbers first in numeric order, then the rest in code-point order."""
    items = {compress(i) if "://" in i else i for i in (p.strip() for p in cell.split(";")) if i}
    return ";".join(sorted(items, key=_list_key))


def _list_key(item: str) -> tuple[int, int, str]:
    if item.isascii() and item.isdigit():
        return (0, int(item), item)
    return (1, 0, item)


def _finish(query: NamedQuery, rows: list[Row]) -> list[Row]:
    for row in rows:
        for column in query.list_columns:
            row[column] = normalise_list(row[column])
    unique = {tuple(row[c] for c in query.columns) for row in rows}
    return [dict(zip(query.columns, cells, strict=True)) for cells in sorted(unique)]


# --- documentation -------------------------------------------------------------------------

_KIND_TEXT = {
    "entity": "name, alias or CURIE",
    "entities": "comma-separated names, aliases or CURIEs",
    "choice": "one of the choices",
    "integer": "whole number",
}


def render_markdown() -> str:
    """docs/queries.md: one section per named query, generated from the registry."""
    queries = registry()
    out = [
        "# Named queries",
        "",
        "<!-- Generated by queries.named.render_markdown() from queries/catalog.py; "
        "do not edit by hand (tests/test_named_queries.py checks it). -->",
        "",
        "Named queries are fixed questions with parameters. Each one exists three times, "
        "with the same rows: as SPARQL on the RDF store, as a networkx traversal of the "
        "property graph, and as Cypher for a Neo4j export. Run them with "
        "`metakg query NAME --param KEY=VALUE` or `GET /api/v1/queries/NAME?KEY=VALUE`, or "
        "from Python:",
        "",
        "```python",
        "from graph.store import KnowledgeStore, default_store_path",
        "from queries.lookup import name_index",
        "from queries.named import bind, get, run_sparql",
        "",
        "store = KnowledgeStore(default_store_path())",
        'query = get("genes_for_cancer_organ")',
        'bound = bind(query, {"cancer": "breast cancer", "organ": "bone"}, '
        "index=name_index(store.graph))",
        "rows = run_sparql(bound, store.rdf)  # or run_graph(bound, store.graph)",
        "```",
        "",
        "How parameters work:",
        "",
        "- An entity is given by name, symbol, alias, label or CURIE (`COX2`, `PTGS2`, "
        "`NCBIGene:5743`); it must resolve to exactly one entity of the expected category, "
        "otherwise the error lists the candidates or close names.",
        "- A list (`entities`) is comma-separated; the SPARQL runs once per member and the "
        "rows are unioned (Cypher receives the list).",
        "- Values are never written into the query text: SPARQL receives them as pyoxigraph "
        "substitutions of the variable with the parameter's name (an omitted optional entity "
        'is substituted with `""`, meaning "any"), Cypher as `$name` parameters.',
        "- Rows are strings: CURIEs for entities, lexical values for literals, an empty "
        "string for a missing value. `references` lists the review's reference numbers (a "
        "publication CURIE for a paper outside the review), `;`-separated and sorted "
        "numerically. Rows are de-duplicated and sorted by their columns in order.",
        "",
        "The Cypher twins read the graph as `metakg neo4j push` and the neo4j export "
        "write it (see [neo4j.md](neo4j.md)): every node has the label "
        "`` `biolink:NamedThing` `` plus its Biolink category (`biolink:Gene`, "
        "`biolink:Disease`, ...) or our class (`mkg:CascadeStep`, `mkg:GeneClass`, ...), "
        "the CURIE in `id` and the label in `name`; each association is one relationship "
        "typed by its predicate CURIE (`biolink:member_of`, `mkg:mediates_metastasis_to`, "
        "...) with the properties `predicate` (our key), `publications`, `confidence`, "
        "`direction`, `cancer_type`, `organ`, `step`, `frequency`, "
        "`rests_only_on_retracted`, `note` and the rest of the evidence; hierarchy edges "
        "have the type `biolink:subclass_of`. They use only Cypher that both Neo4j 5 and "
        "FalkorDB run, return a missing value as null and list columns as lists, and give "
        "the same rows as the SPARQL for every parameter value (tested on FalkorDB). Run "
        "them with `metakg neo4j query NAME --param KEY=VALUE`.",
        "",
        "## Contents",
        "",
    ]
    out += [f"- [`{q.name}`](#{q.name}): {q.title}" for q in queries.values()]
    for query in queries.values():
        out += ["", f"## `{query.name}`", "", f"**{query.title}**", "", query.description, ""]
        out += _params_table(query.params)
        out += ["", "Columns: " + ", ".join(f"`{c}`" for c in query.columns), ""]
        cli = " ".join(f"--param {shlex.quote(f'{k}={v}')}" for k, v in query.example.items())
        url = f"/api/v1/queries/{query.name}"
        if query.example:
            url += "?" + urlencode(query.example, safe=",", quote_via=quote)
        out += [
            "Example:",
            "",
            "```console",
            f"$ metakg query {query.name}" + (f" {cli}" if cli else ""),
            "```",
            "",
            "```http",
            f"GET {url}",
            "```",
            "",
            "SPARQL:",
            "",
            "```sparql",
            query.sparql.rstrip("\n"),
            "```",
            "",
            "Cypher:",
            "",
            "```cypher",
            query.cypher.rstrip("\n"),
            "```",
        ]
    return "\n".join(out) + "\n"


def _params_table(params: Sequence[Param]) -> list[str]:
    if not params:
        return ["Parameters: none."]
    lines = [
        "| parameter | kind | required | accepts | description |",
        "| --- | --- | --- | --- | --- |",
    ]
    for p in params:
        if p.kind == "choice":
            accepts = ", ".join(f"`{c}`" for c in p.choices)
        elif p.kind in ("entity", "entities"):
            accepts = _categories_text(p.categories) + f" ({_KIND_TEXT[p.kind]})"
        else:
            accepts = f"{_KIND_TEXT[p.kind]} from {MIN_INTEGER} to {MAX_INTEGER}"
        required = "yes" if p.required else (f"no (default `{p.default}`)" if p.default else "no")
        lines.append(f"| `{p.name}` | {p.kind} | {required} | {accepts} | {p.description} |")
    return lines
