"""The query guard (queries/guard.py), one hand-written row per spelling.

Each row is a query text, the verdict written by hand (refused or allowed) and a word the
refusal must contain. ``{remote}`` stands for an endpoint or graph the store does not hold and
``{local}`` for one of its named graphs; tests/test_sparql_safety.py sends the refused rows to a
real server with a loopback canary as ``{remote}``. Nothing here asks the guard what to expect:
the verdicts come from the SPARQL grammar and from what pyoxigraph does with the text (checked
below for the allowed rows: pyoxigraph reads and runs each one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queries import guard
from queries.guard import MAX_NESTING, refusals
from queries.named import registry

REMOTE = "http://remote.example/sparql"
LOCAL = "https://w3id.org/metakg/graph/test"
BASE = "https://w3id.org/metakg/graph/"
#: A local graph whose IRI needs an escape when written as a prefixed name (g:test\#2).
LOCAL_FRAGMENT = "https://w3id.org/metakg/graph/test#2"
LOCAL_GRAPHS = frozenset({LOCAL, LOCAL_FRAGMENT})
#: The base IRI the endpoint gives the engine: its own URL.
ENDPOINT = "http://127.0.0.1:8000/sparql"


@dataclass(frozen=True)
class Row:
    name: str
    text: str
    #: The word the refusal must contain (case-insensitive); None: the query is allowed.
    refused_for: str | None
    #: What pyoxigraph makes of the text: "runs" (a valid query for the engine), "service"
    #: (valid, and would call {remote}), "update" (a valid SPARQL Update, run by
    #: Store.update), "error" (the engine's own parser rejects it).
    engine: str

    def query(self, remote: str = REMOTE, local: str = LOCAL) -> str:
        return self.text.replace("{remote}", remote).replace("{local}", local)


def refused(name: str, text: str, word: str, engine: str) -> Row:
    return Row(name, text, word, engine)


def allowed(name: str, text: str, engine: str = "runs") -> Row:
    return Row(name, text, None, engine)


SPO = "{ ?s ?p ?o }"
TRIPLE_TERM = "BIND(<<( <urn:a> <urn:b> <urn:c> )>> AS ?t)"  # SPARQL 1.2: rdflib cannot read it

ROWS = [
    # --- SERVICE, every spelling pyoxigraph accepts (all would call {remote}) --------------
    refused("SERVICE", "SELECT * WHERE { SERVICE <{remote}> " + SPO + " }", "SERVICE", "service"),
    refused(
        "lower case", "select * where { service <{remote}> " + SPO + " }", "SERVICE", "service"
    ),
    refused("mixed case", "SELECT * { SeRvIcE <{remote}> " + SPO + " }", "SERVICE", "service"),
    refused("SILENT", "SELECT * { SERVICE SILENT <{remote}> " + SPO + " }", "SERVICE", "service"),
    refused(
        "silent, lower", "select * { service silent <{remote}> " + SPO + " }", "SERVICE", "service"
    ),
    refused(
        "prefixed IRI",
        "PREFIX r: <{remote}#> SELECT * { SERVICE r:endpoint " + SPO + " }",
        "SERVICE",
        "service",
    ),
    refused(
        "variable ?e",
        # (pyoxigraph calls a variable endpoint when EXISTS substitutes it; joined with
        # VALUES it answers "unbound" instead)
        "SELECT * { VALUES ?e { <{remote}> } FILTER EXISTS { SERVICE ?e " + SPO + " } }",
        "SERVICE",
        "service",
    ),
    refused(
        "variable $e, SILENT",
        "SELECT * { BIND(<{remote}> AS $e) FILTER EXISTS { SERVICE SILENT $e " + SPO + " } }",
        "SERVICE",
        "service",
    ),
    refused("no spaces", "SELECT*{SERVICE<{remote}>{?s ?p ?o}}", "SERVICE", "service"),
    refused(
        "comment between SERVICE and IRI",
        "SELECT * { SERVICE # the endpoint\n <{remote}> " + SPO + " }",
        "SERVICE",
        "service",
    ),
    refused(
        "comment between SERVICE and SILENT",
        "SELECT * { SERVICE#x\nSILENT#y\n<{remote}>#z\n" + SPO + " }",
        "SERVICE",
        "service",
    ),
    refused(
        "comment ended by a carriage return",
        # (pyoxigraph ends the comment at CR; rdflib's grammar only at LF)
        "SELECT * { ?s ?p ?o # a note\r SERVICE <{remote}> " + SPO + "\n}",
        "SERVICE",
        "service",
    ),
    refused(
        "in OPTIONAL",
        "SELECT * { ?s a ?t OPTIONAL { SERVICE <{remote}> " + SPO + " } } LIMIT 1",
        "SERVICE",
        "service",
    ),
    refused(
        "in FILTER EXISTS",
        "SELECT * { BIND(1 AS ?x) FILTER EXISTS { SERVICE <{remote}> " + SPO + " } }",
        "SERVICE",
        "service",
    ),
    refused(
        "in FILTER NOT EXISTS",
        "ASK { FILTER NOT EXISTS { SERVICE SILENT <{remote}> " + SPO + " } }",
        "SERVICE",
        "service",
    ),
    refused(
        "in a subquery",
        "SELECT ?s { { SELECT ?s { SERVICE <{remote}> " + SPO + " } } }",
        "SERVICE",
        "service",
    ),
    refused(
        "in MINUS",
        "SELECT * { BIND(1 AS ?s) MINUS { SERVICE <{remote}> " + SPO + " } }",
        "SERVICE",
        "service",
    ),
    refused(
        "in UNION",
        "SELECT * { { BIND(1 AS ?x) } UNION { SERVICE <{remote}> " + SPO + " } }",
        "SERVICE",
        "service",
    ),
    refused(
        "in GRAPH",
        "SELECT * { GRAPH ?g { SERVICE <{remote}> " + SPO + " } }",
        "SERVICE",
        "service",
    ),
    refused("in ASK", "ASK { SERVICE <{remote}> " + SPO + " }", "SERVICE", "service"),
    refused(
        "in CONSTRUCT",
        "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <{remote}> " + SPO + " }",
        "SERVICE",
        "service",
    ),
    refused(
        "in DESCRIBE", "DESCRIBE ?s WHERE { SERVICE <{remote}> " + SPO + " }", "SERVICE", "service"
    ),
    # pyoxigraph decodes \u only inside strings and IRIs; rdflib's parseQuery decodes it
    # everywhere first and would read one long string """" . SERVICE ... """ here (and
    # \u00000022 as one eight-digit escape, where pyoxigraph reads \u0000 then "0022").
    refused(
        "escaped quotes around a real SERVICE",
        'ASK { ?s ?p "\\u0022\\u0022" . SERVICE <{remote}> { } ?s ?p "\\u0022" }',
        "SERVICE",
        "service",
    ),
    refused(
        "eight-digit \\u around a real SERVICE",
        'ASK { ?s ?p "\\u00000022\\u00000022" . SERVICE <{remote}> { } ?s ?p "\\u00000022" }',
        "SERVICE",
        "service",
    ),
    refused(
        "SERVICE beside SPARQL 1.2 syntax",
        "SELECT * { " + TRIPLE_TERM + " SERVICE <{remote}> " + SPO + " }",
        "service",
        "service",
    ),
    # SPARQL allows \u escapes anywhere in the text, but pyoxigraph only inside strings and
    # IRIs: for the engine this is a syntax error. The guard refuses it all the same.
    refused(
        "\\u0053ERVICE", "SELECT * { \\u0053ERVICE <{remote}> " + SPO + " }", "service", "error"
    ),
    refused("SERVICE with no pattern", "SELECT * { SERVICE <{remote}> }", "service", "error"),
    # --- FROM and FROM NAMED: only the store's own graphs ------------------------------------
    refused("FROM", "SELECT * FROM <{remote}> WHERE " + SPO, "FROM", "runs"),
    refused("FROM<...> with no space", "SELECT*FROM<{remote}>" + SPO, "FROM", "runs"),
    refused("from, lower case", "select * from <{remote}> where " + SPO, "FROM", "runs"),
    refused(
        "FROM, a comment, then the IRI",
        "SELECT * FROM # which graph\n <{remote}> WHERE " + SPO,
        "FROM",
        "runs",
    ),
    refused(
        "FROM a prefixed name",
        "PREFIX r: <{remote}#> SELECT * FROM r:graph WHERE " + SPO,
        "FROM",
        "runs",
    ),
    refused(
        "FROM NAMED",
        "SELECT * FROM NAMED <{remote}> WHERE { GRAPH ?g " + SPO + " }",
        "FROM NAMED",
        "runs",
    ),
    refused("FROM NAMED<...> with no space", "SELECT*FROM NAMED<{remote}>{}", "FROM NAMED", "runs"),
    refused(
        "one local FROM, one remote FROM NAMED",
        "SELECT * FROM <{local}> FROM NAMED <{remote}> WHERE " + SPO,
        "FROM NAMED",
        "runs",
    ),
    refused(
        "a relative IRI, no BASE",
        "SELECT * FROM <test> WHERE " + SPO,
        "FROM",
        "runs",
    ),
    refused(
        "BASE that makes a remote graph",
        "BASE <{remote}/> SELECT * FROM <test> WHERE " + SPO,
        "FROM",
        "runs",
    ),
    refused(
        "remote FROM beside SPARQL 1.2 syntax",
        "SELECT * FROM <{remote}> { " + TRIPLE_TERM + " }",
        "from",
        "runs",
    ),
    # An escape in the IRI hides which graph it is from the guard: refused (fails closed).
    refused(
        "an escape in a local graph's IRI",
        "SELECT * FROM <https://w3id.org/metakg/graph/tes\\u0074> WHERE " + SPO,
        "FROM",
        "runs",
    ),
    allowed("FROM a local graph", "SELECT * FROM <{local}> WHERE " + SPO),
    allowed("FROM<local> with no space", "SELECT*FROM<{local}>" + SPO),
    allowed("FROM NAMED a local graph", "SELECT * FROM NAMED <{local}> { GRAPH ?g " + SPO + " }"),
    allowed(
        "FROM a local graph by prefixed name",
        f"PREFIX g: <{BASE}> SELECT * FROM g:test FROM NAMED g:test WHERE " + SPO,
    ),
    allowed(
        "FROM a local graph by an escaped prefixed name",
        f"PREFIX g: <{BASE}> SELECT * FROM g:test\\#2 WHERE " + SPO,
    ),
    allowed("FROM a local graph by BASE", f"BASE <{BASE}> SELECT * FROM <test> WHERE " + SPO),
    allowed(
        "FROM local beside SPARQL 1.2 syntax",
        "SELECT * FROM <{local}> { " + TRIPLE_TERM + " }",
    ),
    # --- LOAD and the other updates: this endpoint is read-only -----------------------------
    refused("LOAD", "LOAD <{remote}>", "LOAD", "update"),
    refused("load silent into", "load silent <{remote}> into graph <urn:g>", "LOAD", "update"),
    refused(
        "LOAD after a comment and a prefix",
        "# fetch it\nPREFIX r: <{remote}#>\nLOAD r:data",
        "LOAD",
        "update",
    ),
    refused("INSERT DATA", "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "INSERT", "update"),
    refused("DELETE WHERE", "DELETE WHERE { ?s ?p ?o }", "DELETE", "update"),
    refused(
        "WITH ... DELETE ... INSERT",
        "WITH <urn:g> DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
        "DELETE",
        "update",
    ),
    refused("DROP ALL", "DROP ALL", "DROP", "update"),
    refused("CLEAR", "clear graph <urn:g>", "CLEAR", "update"),
    refused("CREATE", "CREATE GRAPH <urn:new>", "CREATE", "update"),
    refused("COPY", "COPY DEFAULT TO <urn:g>", "COPY", "update"),
    refused("two operations", "DROP SILENT GRAPH <urn:g> ; LOAD <{remote}>", "LOAD", "update"),
    # --- the words as data ------------------------------------------------------------------
    allowed("'service' in a string", 'SELECT * { ?s ?p "service" }'),
    allowed(
        "a whole SERVICE clause in a string",
        'SELECT * { BIND("SERVICE <{remote}> { ?s ?p ?o }" AS ?x) }',
    ),
    allowed(
        "a SERVICE clause in a long string",
        'SELECT * { BIND("""\nSERVICE <{remote}> {\n}\n""" AS ?x) }',
    ),
    allowed(
        "escaped quotes inside a string",
        'SELECT * { BIND("say \\"SERVICE <{remote}> {}\\" twice" AS ?x) }',
    ),
    allowed("'service' spelled with \\u", 'SELECT * { BIND("\\u0073ervice" AS ?x) }'),
    allowed(
        "a SERVICE clause in a comment",
        "# SERVICE <{remote}> { ?s ?p ?o }\nSELECT * { ?s ?p ?o } LIMIT 1",
    ),
    allowed("FROM in a comment", "SELECT * # FROM <{remote}>\n{ ?s ?p ?o } LIMIT 1"),
    allowed(
        "the sd: vocabulary",
        "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>\n"
        "SELECT * { ?x a sd:Service ; sd:endpoint ?e }",
    ),
    allowed(
        "'service' inside IRIs",
        "SELECT * { <http://example.org/service> <http://example.org/load> ?o }",
    ),
    allowed(
        "service, from and load as variables",
        "SELECT ?service ?from ?load { ?service ?from ?load } LIMIT 1",
    ),
    allowed(
        "service, from and load as prefixed names",
        "PREFIX ex: <http://example.org/> SELECT * { ex:service ex:from ex:load }",
    ),
    allowed(
        "'from' and 'load' in a FILTER",
        'SELECT * { ?s ?p ?o FILTER(CONTAINS(STR(?o), "data from LOAD")) } LIMIT 1',
    ),
    allowed(
        "'insert' and 'delete' in strings",
        'SELECT * { VALUES ?x { "insert" "delete" "drop all" } }',
    ),
    # rdflib cannot read SPARQL 1.2 syntax, so the strict rules apply and refuse the word
    # anywhere: a false refusal, failing closed.
    refused(
        "'service' in a string beside SPARQL 1.2 syntax",
        "SELECT * { " + TRIPLE_TERM + ' BIND("no service here" AS ?x) }',
        "service",
        "runs",
    ),
    allowed("SPARQL 1.2 syntax", "SELECT * { " + TRIPLE_TERM + " }"),
    allowed("VERSION", 'VERSION "1.2" ASK { }'),
    # --- nesting ----------------------------------------------------------------------------
    allowed(f"{MAX_NESTING} levels of braces", "ASK " + "{" * MAX_NESTING + "}" * MAX_NESTING),
    refused(
        f"{MAX_NESTING + 1} levels of braces",
        "ASK " + "{" * (MAX_NESTING + 1) + "}" * (MAX_NESTING + 1),
        "nest",
        "runs",
    ),
    refused(
        "3000 levels of brackets in a string",
        'ASK { BIND("' + "(" * 3000 + '" AS ?x) }',
        "nest",
        "runs",
    ),
    # Too deep for rdflib's parser (RecursionError): the strict rules refuse the word.
    refused(
        "50 levels of parentheses and 'from' in a string",
        "SELECT * { BIND(" + "(" * 50 + '"from"' + ")" * 50 + " AS ?x) }",
        "from",
        "runs",
    ),
    allowed(
        "50 levels of parentheses",
        "SELECT * { BIND(" + "(" * 50 + '"x"' + ")" * 50 + " AS ?x) }",
    ),
    # --- syntax errors: the engine answers them ---------------------------------------------
    allowed("a misspelt keyword", "SELEC * { ?s ?p ?o }", "error"),
    allowed("an unclosed brace", "SELECT * { ?s ?p ?o", "error"),
]


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_guard_verdict(row: Row) -> None:
    reasons = refusals(row.query(), local_graphs=LOCAL_GRAPHS)
    if row.refused_for is None:
        assert reasons == [], reasons
    else:
        assert reasons, "allowed, but must be refused"
        assert row.refused_for.casefold() in " ".join(reasons).casefold(), reasons


def test_table_is_large_and_covers_both_verdicts() -> None:
    assert len(ROWS) >= 40
    assert len({row.name for row in ROWS}) == len(ROWS)
    verdicts = {row.refused_for is None for row in ROWS}
    assert verdicts == {True, False}


@pytest.mark.parametrize(
    "row",
    [row for row in ROWS if row.engine in ("runs", "error")],
    ids=[row.name for row in ROWS if row.engine in ("runs", "error")],
)
def test_engine_reads_the_row_as_the_table_says(row: Row) -> None:
    """The table's claim about pyoxigraph, checked on an empty in-memory store (rows that
    would call {remote} or write are checked against a canary in test_sparql_safety.py)."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.NamedNode("urn:c")))
    store.add(
        ox.Quad(
            ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.NamedNode("urn:c"), ox.NamedNode(LOCAL)
        )
    )
    if row.engine == "error":
        with pytest.raises(SyntaxError):
            store.query(row.query(), base_iri=ENDPOINT)
        return
    result = store.query(row.query(), base_iri=ENDPOINT)
    if not isinstance(result, ox.QueryBoolean):
        list(result)


def test_base_iri_given_by_the_caller_resolves_relative_graphs() -> None:
    text = "SELECT * FROM <test> WHERE { ?s ?p ?o }"
    assert refusals(text, local_graphs=LOCAL_GRAPHS, base_iri=BASE) == []
    assert refusals(text, local_graphs=LOCAL_GRAPHS, base_iri=REMOTE + "/")
    assert refusals(text, local_graphs=LOCAL_GRAPHS)


def test_refusal_names_the_remote_graph() -> None:
    (reason,) = refusals(
        "PREFIX r: <http://remote.example/> SELECT * FROM r:g WHERE { ?s ?p ?o }",
        local_graphs=LOCAL_GRAPHS,
    )
    assert "<http://remote.example/g>" in reason


def test_update_refusal_names_every_operation() -> None:
    (reason,) = refusals("DROP ALL ; LOAD <http://remote.example/>", local_graphs=LOCAL_GRAPHS)
    assert "DROP" in reason and "LOAD" in reason and "read-only" in reason


def test_verdicts_do_not_depend_on_the_cache() -> None:
    text = "SELECT * FROM <" + REMOTE + '> WHERE { ?s ?p "service" }'
    guard._examine_cached.cache_clear()
    first = refusals(text, local_graphs=LOCAL_GRAPHS)
    assert guard._examine_cached.cache_info().misses == 1
    again = refusals(text, local_graphs=LOCAL_GRAPHS)
    assert guard._examine_cached.cache_info().hits == 1
    assert first == again
    assert len(first) == 1 and "FROM" in first[0]


def padded(text: str) -> str:
    """``text`` made longer than the parser reads, with a comment."""
    return text + "\n#" + "x" * guard.PARSED_CHARS


@pytest.mark.parametrize(
    ("text", "refused_for"),
    [
        (f"SELECT * FROM <{LOCAL}> WHERE {{ ?s ?p ?o }}", None),
        ("SELECT * { ?s ?p ?o } LIMIT 1", None),
        (f"SELECT * FROM <{REMOTE}> WHERE {{ ?s ?p ?o }}", "FROM"),
        (f"SELECT*FROM<{REMOTE}>{{ ?s ?p ?o }}", "FROM"),
        (f"SELECT * {{ SERVICE <{REMOTE}> {{ ?s ?p ?o }} }}", "service"),
        # The strict rules refuse the words even as data: they fail closed.
        ('SELECT * { ?s ?p "service" }', "service"),
        (f"PREFIX g: <{BASE}> SELECT * FROM g:test WHERE {{ ?s ?p ?o }}", "from"),
    ],
)
def test_long_texts_get_the_strict_rules(text: str, refused_for: str | None) -> None:
    reasons = refusals(padded(text), local_graphs=LOCAL_GRAPHS)
    if refused_for is None:
        assert reasons == []
    else:
        assert reasons and refused_for.casefold() in " ".join(reasons).casefold(), reasons
        assert "at most" in reasons[0]  # says why the strict rules applied


def test_update_keyword_only_after_the_prologue_sends_text_to_the_parser() -> None:
    """A query mentioning update words in comments or strings is allowed without a parse,
    and an update after a long prologue is still recognised as one."""
    guard._examine_cached.cache_clear()
    text = '# add, copy, move, insert, delete, with\nSELECT * { ?s ?p "drop it" } LIMIT 1'
    assert refusals(text, local_graphs=LOCAL_GRAPHS) == []
    assert guard._examine_cached.cache_info().misses == 0
    prologue = "".join(f"PREFIX p{i}: <http://example.org/{i}#> # note\n" for i in range(20))
    (reason,) = refusals(prologue + "BASE <http://a/>\nclear all", local_graphs=LOCAL_GRAPHS)
    assert "CLEAR" in reason


# --- generated queries whose verdict is known by construction ------------------------------

SEPARATORS = st.sampled_from([" ", "\n", "\t", " # FROM <x> SERVICE\n", "\r"])
DECOYS = st.sampled_from(
    [
        '?s ?p "service" .',
        '?s ?p "FROM <http://remote.example/g>" .',
        "?s ?p '''SERVICE <http://remote.example/> { }''' .",
        "?service ?from ?load .",
        "?s <http://example.org/service> ?o .",
        'FILTER(?s != "insert data")',
        "# SERVICE <http://remote.example/> { ?s ?p ?o }\n",
    ]
)


@st.composite
def service_clause(draw: st.DrawFn) -> str:
    keyword = draw(st.sampled_from(["SERVICE", "service", "Service"]))
    silent = draw(st.sampled_from(["", " SILENT", " silent"]))
    target = draw(st.sampled_from([f"<{REMOTE}>", "r:endpoint", "?endpoint"]))
    sep = draw(SEPARATORS)
    return f"{keyword}{silent}{sep}{target}{sep}{{ ?a ?b ?c }}"


@st.composite
def pattern(draw: st.DrawFn, depth: int = 0) -> tuple[str, bool]:
    """A group graph pattern's contents, and whether it holds a SERVICE clause."""
    pieces = draw(st.lists(DECOYS, max_size=3))
    has_service = draw(st.booleans())
    if has_service:
        pieces.append(draw(service_clause()))
    if depth < 2 and draw(st.booleans()):
        inner, inner_service = draw(pattern(depth + 1))
        wrapper = draw(
            st.sampled_from(
                [
                    "OPTIONAL { %s }",
                    "MINUS { %s }",
                    "FILTER EXISTS { %s }",
                    "FILTER NOT EXISTS { %s }",
                    "{ %s } UNION { BIND(1 AS ?u) }",
                    "{ SELECT * WHERE { %s } }",
                    "GRAPH ?g { %s }",
                ]
            )
        )
        pieces.append(wrapper % inner)
        has_service = has_service or inner_service
    order = draw(st.permutations(pieces))
    return " ".join(order), has_service


@st.composite
def dataset_clause(draw: st.DrawFn) -> tuple[str, bool]:
    """FROM or FROM NAMED, and whether the graph is remote."""
    keyword = draw(st.sampled_from(["FROM", "from", "FROM NAMED", "from named"]))
    remote = draw(st.booleans())
    spelling = draw(st.sampled_from(["iri", "prefixed", "relative"]))
    if spelling == "iri":
        target = f"<{REMOTE}/g>" if remote else f"<{LOCAL}>"
        sep = draw(st.sampled_from(["", " ", "#c\n", "\n\t"]))
    else:
        if spelling == "prefixed":
            target = "r:g" if remote else "l:test"
        else:  # resolved against BASE <{BASE}>
            target = "<../../remote/g>" if remote else "<test>"
        sep = draw(st.sampled_from([" ", "#c\n", "\n\t"]))
    return f"{keyword}{sep}{target}", remote


@settings(max_examples=60, deadline=None)
@given(
    datasets=st.lists(dataset_clause(), max_size=2),
    where=pattern(),
    sep=SEPARATORS,
)
def test_generated_queries(
    datasets: list[tuple[str, bool]], where: tuple[str, bool], sep: str
) -> None:
    body, has_service = where
    prologue = f"BASE <{BASE}>\nPREFIX l: <{BASE}>\nPREFIX r: <http://remote.example/>\n"
    text = (
        prologue
        + "SELECT *"
        + "".join(sep + clause for clause, _ in datasets)
        + f"{sep}WHERE {{ VALUES ?endpoint {{ <{REMOTE}> }} {body} }}"
    )
    remote_graph = any(remote for _, remote in datasets)
    reasons = " ".join(refusals(text, local_graphs=LOCAL_GRAPHS))
    assert ("SERVICE" in reasons) == has_service, (text, reasons)
    assert ("FROM" in reasons) == remote_graph, (text, reasons)
    if not has_service:  # the engine reads it (and calls nothing): the text is valid SPARQL
        result = ox.Store().query(text)
        list(result)


# --- the project's own queries -------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def documented_queries() -> list[str]:
    """The SPARQL queries of docs/sparql.md's curl examples."""
    text = (ROOT / "docs" / "sparql.md").read_text(encoding="utf-8")
    pattern = r"(?:query=|--data-binary ')((?:PREFIX|SELECT|ASK|CONSTRUCT|DESCRIBE)[^']*)'"
    return re.findall(pattern, text)


def test_documented_queries_are_allowed_except_the_refusal_example() -> None:
    queries = documented_queries()
    assert len(queries) >= 5
    verdicts = {text: refusals(text, local_graphs=LOCAL_GRAPHS) for text in queries}
    refused = [text for text, reasons in verdicts.items() if reasons]
    # docs/sparql.md shows exactly one refused query: its SERVICE example.
    assert len(refused) == 1 and "SERVICE <http://example.org/sparql>" in refused[0], refused


@pytest.mark.parametrize("name", sorted(registry()))
def test_named_queries_pass_and_the_parser_reads_them(name: str) -> None:
    """Each named query is allowed, and would be even if it had to be parsed (the parser
    reads it as a query with no SERVICE and no dataset clause)."""
    text = registry()[name].sparql
    assert refusals(text, local_graphs=LOCAL_GRAPHS) == []
    parsed = guard.examine(text)
    assert (parsed.kind, parsed.services, parsed.datasets) == ("query", 0, ())
