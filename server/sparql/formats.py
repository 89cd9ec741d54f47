"""Result formats and content negotiation for the SPARQL endpoint.

The formats are pyoxigraph's own enums (they know their media types); this module only says
which ones we offer, which media-type aliases map to them, and picks one from an Accept
header. The defaults when nothing is asked for: SPARQL JSON for SELECT/ASK, Turtle for
CONSTRUCT/DESCRIBE.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from pyoxigraph import QueryResultsFormat, RdfFormat

#: Offered for SELECT and ASK, in order of preference (the first is the default).
SOLUTION_FORMATS: tuple[QueryResultsFormat, ...] = (
    QueryResultsFormat.JSON,
    QueryResultsFormat.XML,
    QueryResultsFormat.CSV,
    QueryResultsFormat.TSV,
)
#: Offered for CONSTRUCT and DESCRIBE.
GRAPH_FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat.TURTLE,
    RdfFormat.N_TRIPLES,
    RdfFormat.RDF_XML,
    RdfFormat.JSON_LD,
)
#: Media types clients use that are not the formats' canonical ones.
ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "text/plain": "application/n-triples",
    "application/x-turtle": "text/turtle",
}

Accept = Sequence[tuple[str, float]]


def bare(media_type: str) -> str:
    """``text/csv; charset=utf-8`` -> ``text/csv``."""
    return media_type.split(";", 1)[0].strip().casefold()


def _candidates(kind: str) -> tuple[QueryResultsFormat | RdfFormat, ...]:
    return SOLUTION_FORMATS if kind in ("solutions", "boolean") else GRAPH_FORMATS


@functools.lru_cache(maxsize=256)
def choose(kind: str, accept: Accept) -> QueryResultsFormat | RdfFormat | None:
    """The offered format that best matches ``accept`` (pairs of media type and quality,
    as werkzeug parses them; a tuple, so that answers can be kept for the next request with
    the same header); the default when ``accept`` is empty or only wildcards; None when
    nothing offered is acceptable (the caller answers 406)."""
    offered = _candidates(kind)
    by_type = {bare(f.media_type): f for f in offered}
    best: tuple[float, int, QueryResultsFormat | RdfFormat] | None = None
    if not accept:
        return offered[0]
    for media_type, quality in accept:
        if quality <= 0:
            continue
        media_type = ALIASES.get(media_type.casefold(), media_type.casefold())
        if media_type in ("*/*", "application/*", "text/*"):
            main = media_type.split("/")[0]
            matches = [
                f for f in offered if main == "*" or bare(f.media_type).startswith(main + "/")
            ]
        else:
            matches = [by_type[media_type]] if media_type in by_type else []
        for fmt in matches:
            # Prefer higher quality, then our own order of preference.
            rank = (quality, -offered.index(fmt), fmt)
            if best is None or rank[:2] > best[:2]:
                best = rank
    return best[2] if best else None


def offered_media_types(kind: str) -> list[str]:
    return [bare(f.media_type) for f in _candidates(kind)]
