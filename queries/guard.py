"""A lexical guard run on every user query before the engine sees it.

pyoxigraph evaluates ``SERVICE`` (any case, also ``SERVICE SILENT``) by sending HTTP requests,
and ``LOAD`` by fetching a URL; it offers no switch to turn either off. So the text is checked
first, and the check fails closed: the word ``SERVICE`` anywhere, even inside a string, is
refused (but not a hyphenated IRI part such as ``sparql-service-description``).
``FROM``/``FROM NAMED`` may only name graphs the store already holds; anything else would be
a remote graph. Brackets may nest at most :data:`MAX_NESTING` deep: pyoxigraph's parser
recurses once per level and a few thousand levels overflow its stack, which kills the process
running the query.
"""

from __future__ import annotations

import re
from collections.abc import Container

_SERVICE = re.compile(r"(?<![\w-])service(?![\w-])", re.IGNORECASE)
_LOAD = re.compile(r"\bload\s+(silent\s+)?<", re.IGNORECASE)
_FROM = re.compile(r"\bfrom\s+(named\s+)?(<[^>]*>|[^\s{]+)", re.IGNORECASE)
#: Deepest nesting of (), [] and {} accepted (counted over the whole text, strings included).
MAX_NESTING = 64


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


def refusals(text: str, *, local_graphs: Container[str]) -> list[str]:
    """Why ``text`` must not be evaluated (empty when it may be)."""
    reasons: list[str] = []
    # Most queries are ASCII: there a keyword can only match where its lower-case letters
    # appear in the lower-cased text, so the patterns need only run where a keyword is.
    # Other text gets every pattern (case-insensitive matching reaches beyond ASCII).
    lowered = text.lower() if text.isascii() else None
    if (lowered is None or "service" in lowered) and _SERVICE.search(text):
        reasons.append(
            "SERVICE (federated query) is not allowed: this endpoint never contacts other "
            "servers; remove the SERVICE clause (the word 'service' is refused anywhere in "
            "the query, even in a string or a prefixed name)"
        )
    # Fewer opening brackets than the limit cannot nest deeper: no scan for most queries.
    opening = sum(text.count(c) for c in "({[")
    if opening > MAX_NESTING and (depth := nesting(text)) > MAX_NESTING:
        reasons.append(
            f"brackets nest {depth} levels deep; at most {MAX_NESTING} are accepted (the query "
            "engine cannot parse much deeper nesting safely)"
        )
    if (lowered is None or "load" in lowered) and _LOAD.search(text):
        reasons.append("LOAD is not allowed: this endpoint is read-only and fetches nothing")
    froms = _FROM.finditer(text) if lowered is None or "from" in lowered else ()
    for match in froms:
        target = match.group(2)
        keyword = "FROM NAMED" if match.group(1) else "FROM"
        if not (target.startswith("<") and target.endswith(">")):
            reasons.append(f"{keyword} {target}: write the graph as a full IRI in angle brackets")
        elif target[1:-1] not in local_graphs:
            reasons.append(
                f"{keyword} {target} names a graph this store does not hold; remote graphs are "
                "never fetched (leave out FROM to query the knowledge base)"
            )
    return reasons
