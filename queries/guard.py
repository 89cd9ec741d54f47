"""The guard run on every user query before the engine sees it: it decides on the parsed query.

Why a guard: pyoxigraph evaluates ``SERVICE`` (also ``SERVICE SILENT``, also with a variable
as the endpoint) by sending HTTP requests, and offers no switch to turn that off. ``LOAD`` and
the other updates would change the store. ``FROM``/``FROM NAMED`` may only name graphs the
store holds (pyoxigraph fetches nothing for them today, but a remote dataset is refused by
rule, not by the engine's current habits).

How it decides: on the parse tree, not on text patterns. pyoxigraph 0.5 does not expose its
parsed query, so the query is parsed with rdflib's SPARQL 1.1 grammar (``rdflib.plugins.
sparql.parser``, a pyparsing grammar) and the tree is walked: any ``ServiceGraphPattern``
(wherever it sits: OPTIONAL, UNION, MINUS, GRAPH, EXISTS, subqueries) is refused; every
``DatasetClause`` names a graph by IRI, resolved as the engine resolves it (``PREFIX``
names expanded, relative IRIs resolved against ``BASE`` and the base the caller gives), and
must be one the store holds; a text that parses as a SPARQL Update (``LOAD``, ``INSERT``,
``DROP``, ...) is refused. The word "service", "from" or "load" in a string, a comment, an
IRI, a variable or a prefixed name is just data.

Two parsers, one text. The guard's parser and the engine's are different programs, so the
text rdflib reads is first aligned with what pyoxigraph reads: pyoxigraph decodes ``\\uXXXX``
and ``\\UXXXXXXXX`` only inside strings and IRIs (elsewhere they are a syntax error), while
rdflib decodes them everywhere before parsing, so in ``?s ?p "\\u0022\\u0022" . SERVICE <...>
{ } ?s ?p "\\u0022"`` it would read one long string where pyoxigraph reads two strings and a
real SERVICE (rdflib also reads ``\\u00000022`` as one eight-digit escape, pyoxigraph as
``\\u0000`` and "0022"). So each escape becomes one inert letter
before rdflib reads the text (the structure is what matters; the IRIs named by FROM with
escapes in them are then not recognised as local and are refused, which fails closed).
pyoxigraph ends a comment at a carriage return, rdflib only at a line feed, so CR becomes LF.
With that, we know of no text both parsers accept that they split into strings, IRIs and
comments differently (tests/test_guard_table.py keeps such spellings in its table). Of the
W3C SPARQL 1.1 test suite's query files that pyoxigraph accepts, rdflib reads every one.

When rdflib cannot read the text -- SPARQL 1.2 syntax that pyoxigraph accepts (triple terms,
``VERSION``, ``LATERAL``, directional language tags), a syntax error, or nesting deep enough
to exhaust pyparsing's recursion -- the strict lexical rules apply instead, and they fail
closed: the letters "service" anywhere are refused, and every "from" must be ``FROM`` or
``FROM NAMED`` followed by a full IRI of a local graph. A syntax error that pyoxigraph would
also report is usually let through (pyoxigraph then answers 400 with its own message).

Cost: rdflib's parser is slow (tens of milliseconds for our named queries, 1-2 s for a
20,000-character query; see ``bench/guard.py``) and holds the GIL, so it runs only when it can
change the answer. pyoxigraph matches keywords in ASCII, case-insensitively: a text whose
lower-cased form contains neither "service" nor "from" cannot hold a SERVICE or a dataset
clause, and one that does not start (after PREFIX, BASE and comments) with an update keyword
is not an update, so such a text is allowed without parsing -- the named queries all are.
Parsed verdicts are kept in a small LRU cache by text. Texts longer than
:data:`PARSED_CHARS` that would need parsing get the strict rules instead of the parser.

Nesting: brackets may nest at most :data:`MAX_NESTING` deep, checked first: pyoxigraph's
parser recurses once per level and a few thousand levels overflow its stack (which kills the
process running the query); rdflib's parser raises RecursionError far earlier (about 40
levels), which sends such a text to the strict lexical rules.
"""

from __future__ import annotations

import functools
import re
import threading
import urllib.parse
from collections.abc import Container, Iterator
from dataclasses import dataclass
from typing import Any

#: Deepest nesting of (), [] and {} accepted (counted over the whole text, strings included).
MAX_NESTING = 64
#: Longest text the parser reads (rdflib needs about 0.1 s per 1,000 characters on a busy
#: machine, holding the GIL); longer texts that need a decision get the strict rules.
PARSED_CHARS = 4096

#: An update request starts, after its prologue (PREFIX, BASE, comments), with one of these
#: keywords (SPARQL 1.1 Update [29]-[41]). Only the message depends on it: the engine is
#: only ever asked to run queries, and its query parser rejects updates anyway.
_UPDATE_START = re.compile(
    r"(?:\s|(?>#[^\n\r]*)|(?>prefix\s*[^\s:<>]*:\s*<[^<>]*>)|(?>base\s*<[^<>]*>))*+"
    r"(load|clear|drop|create|add|move|copy|insert|delete|with)(?![A-Za-z0-9_])",
    re.IGNORECASE,
)
#: A backslash pair, or a code point escape as pyoxigraph reads them (exactly 4 or 8 digits).
_ESCAPE = re.compile(r"\\(?:\\|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})")
#: A backslash escape in the local part of a prefixed name (SPARQL [173] PN_LOCAL_ESC).
_PN_LOCAL_ESC = re.compile(r"\\([_~.\-!$&'()*+,;=/?#@%])")
#: The strict rules: "from" must start FROM [NAMED] <IRI> (only whitespace between).
_STRICT_FROM = re.compile(r"from(\s+named)?\s+<([^<>\"{}|^`\\\x00-\x20]*)>", re.IGNORECASE)

_SERVICE_REASON = (
    "SERVICE (federated query) is not allowed: this endpoint never contacts other servers; "
    "remove the SERVICE clause"
)
_UPDATE_REASON = (
    "{ops} {verb} a SPARQL Update: this endpoint is read-only and fetches nothing (the "
    "knowledge base is rebuilt from its sources with `metakg build`)"
)


def nesting(text: str) -> int:
    """How deep brackets nest in ``text``."""
    depth = deepest = 0
    for char in text:
        if char in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")}]" and depth:
            depth -= 1
    return deepest


@dataclass(frozen=True)
class Parsed:
    """What the parse tree says about one query text."""

    #: "query", "update", or "unreadable" (rdflib could not parse it).
    kind: str
    #: How many SERVICE patterns the query holds.
    services: int = 0
    #: (keyword, IRI as resolved or as written) of each FROM / FROM NAMED clause.
    datasets: tuple[tuple[str, str], ...] = ()
    #: The update operations, by name (e.g. "LOAD", "INSERT DATA").
    operations: tuple[str, ...] = ()
    #: rdflib's message when it could not parse the text.
    error: str = ""


def refusals(text: str, *, local_graphs: Container[str], base_iri: str | None = None) -> list[str]:
    """Why ``text`` must not be evaluated (empty when it may be).

    ``local_graphs`` holds the IRIs of the store's named graphs; ``base_iri`` is the base the
    engine resolves relative IRIs against (None: relative IRIs in FROM are refused).
    """
    # Fewer opening brackets than the limit cannot nest deeper: no scan for most queries.
    opening = text.count("(") + text.count("{") + text.count("[")
    if opening > MAX_NESTING and (depth := nesting(text)) > MAX_NESTING:
        return [
            f"brackets nest {depth} levels deep; at most {MAX_NESTING} are accepted (the query "
            "engine cannot parse much deeper nesting safely)"
        ]
    # (Escapes are decoded for this test: pyoxigraph never reads a keyword from them, but the
    # SPARQL spec lets them spell one, and an engine that followed it would.)
    lowered = (_ESCAPE.sub(_decoded, text) if "\\" in text else text).lower()
    if "service" not in lowered and "from" not in lowered and not _UPDATE_START.match(text):
        return []  # no SERVICE, no dataset clause and no update can be spelled here
    if len(text) > PARSED_CHARS:
        return strict_refusals(
            text,
            local_graphs=local_graphs,
            error=f"it reads at most {PARSED_CHARS} characters, this query has {len(text)}",
        )
    parsed = examine(text, base_iri)
    if parsed.kind == "update":
        verb = "is" if len(parsed.operations) == 1 else "are"
        return [_UPDATE_REASON.format(ops=", ".join(parsed.operations), verb=verb)]
    if parsed.kind == "unreadable":
        return strict_refusals(text, local_graphs=local_graphs, error=parsed.error)
    reasons: list[str] = []
    if parsed.services:
        reasons.append(_SERVICE_REASON)
    for keyword, iri in parsed.datasets:
        if iri not in local_graphs:
            reasons.append(
                f"{keyword} <{iri}> names a graph this store does not hold; remote graphs are "
                "never fetched (leave out FROM to query the knowledge base)"
            )
    return reasons


def strict_refusals(text: str, *, local_graphs: Container[str], error: str) -> list[str]:
    """The fail-closed lexical rules for a text the guard's parser cannot read."""
    why = (
        f"the guard's SPARQL 1.1 parser could not read this query ({error}), so strict rules "
        "apply: "
    )
    decoded = _ESCAPE.sub(_decoded, text)
    reasons: list[str] = []
    if re.search("service", decoded, re.IGNORECASE):
        reasons.append(why + "the word 'service' is refused anywhere (remove SERVICE, or the word)")
    for word in re.finditer("from", decoded, re.IGNORECASE):
        clause = _STRICT_FROM.match(decoded, word.start())
        if clause is None:
            near = decoded[word.start() : word.start() + 40]
            reasons.append(
                why + "'from' must start FROM <IRI> or FROM NAMED <IRI> naming a graph of this "
                f"store (near {near!r})"
            )
        elif clause.group(2) not in local_graphs:
            reasons.append(why + f"FROM <{clause.group(2)}> names a graph this store does not hold")
    return reasons


def _decoded(match: re.Match[str]) -> str:
    escape = match.group()
    if escape == "\\\\":
        return escape
    try:
        return chr(int(escape[2:], 16))
    except (ValueError, OverflowError):
        return escape


def _inert(match: re.Match[str]) -> str:
    """A backslash pair stays; a code point escape becomes one letter (see the docstring)."""
    return match.group() if match.group() == "\\\\" else "x"


def aligned(text: str) -> str:
    """``text`` as rdflib must read it to see the structure pyoxigraph sees."""
    return _ESCAPE.sub(_inert, text).replace("\r", "\n")


# pyparsing keeps parser state on the grammar objects; one parse at a time (parsing holds the
# GIL throughout, so a lock costs no parallelism).
_LOCK = threading.Lock()


def examine(text: str, base_iri: str | None = None) -> Parsed:
    """Parse ``text`` with rdflib's SPARQL grammar and say what it does."""
    if len(text) <= PARSED_CHARS:
        return _examine_cached(text, base_iri)
    return _examine(text, base_iri)


@functools.lru_cache(maxsize=512)
def _examine_cached(text: str, base_iri: str | None) -> Parsed:
    return _examine(text, base_iri)


def _examine(text: str, base_iri: str | None) -> Parsed:
    from rdflib.plugins.sparql import parser

    readable = aligned(text)
    try:
        with _LOCK:
            tree = parser.Query.parse_string(readable, parse_all=True)
    except Exception as query_error:  # noqa: BLE001 (a parse action may raise anything)
        try:
            with _LOCK:
                update = parser.UpdateUnit.parse_string(readable, parse_all=True)[0]
        except Exception:  # noqa: BLE001
            return Parsed("unreadable", error=_message(query_error))
        operations = tuple(_update_name(op.name) for op in update.get("request", []))
        return Parsed("update", operations=operations or ("an empty update",))
    prologue, query = tree[0], tree[1]
    names = _Names(base_iri)
    for declaration in prologue:
        names.declare(declaration)
    services = 0
    datasets: list[tuple[str, str]] = []
    for node in _nodes(query):
        if node.name == "ServiceGraphPattern":
            services += 1
        elif node.name == "DatasetClause":
            # (CompValue.get takes no default: index by the key the clause has)
            keyword, key = ("FROM NAMED", "named") if "named" in node else ("FROM", "default")
            datasets.append((keyword, names.iri(node[key])))
    return Parsed("query", services=services, datasets=tuple(datasets))


def _message(error: BaseException) -> str:
    if isinstance(error, RecursionError):
        return "the query nests too deeply for it"
    return " ".join(str(error).split())[:200]


def _update_name(name: str) -> str:
    """rdflib's operation name ('InsertData') as the keyword a user writes ('INSERT DATA')."""
    if name == "Modify":  # [41] Modify: (WITH iri)? DELETE ... INSERT ... WHERE
        return "DELETE/INSERT"
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).upper()


def _nodes(node: Any) -> Iterator[Any]:
    """Every rdflib ``CompValue`` in a parse tree (depth first, without recursion)."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, ParseResults)):
            stack.extend(item)


class _Names:
    """PREFIX and BASE declarations, applied in order as the engine applies them."""

    def __init__(self, base: str | None) -> None:
        self.base = base
        self.prefixes: dict[str, str] = {}

    def resolve(self, iri: str) -> str:
        if self.base is None or urllib.parse.urlsplit(iri).scheme:
            return iri
        return urllib.parse.urljoin(self.base, iri)

    def declare(self, declaration: Any) -> None:
        if declaration.name == "Base":
            self.base = self.resolve(str(declaration["iri"]))
        elif declaration.name == "PrefixDecl":
            self.prefixes[str(declaration.get("prefix") or "")] = self.resolve(
                str(declaration["iri"])
            )

    def iri(self, term: Any) -> str:
        """A FROM clause's graph as an IRI string (an undeclared prefix stays as written)."""
        if getattr(term, "name", None) == "pname":
            prefix = str(term.get("prefix") or "")
            local = _PN_LOCAL_ESC.sub(r"\1", str(term.get("localname") or ""))
            if prefix in self.prefixes:
                return self.prefixes[prefix] + local
            return f"{prefix}:{local}"
        return self.resolve(str(term))
