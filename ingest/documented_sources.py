"""Documented non-review sources: clinical pages and secondary reviews with no PMID or DOI.

Some facts in the curated tables come from a source that is neither one of the review's 119
numbered references nor a paper with a verified PMID or DOI: the US National Cancer
Institute's fact sheet on metastatic cancer is the main one. ``sources.tsv`` lists each such
source once (``id``, ``title``, ``publisher``, ``url``, ``seen``, ``note``, optional
``authors``); each becomes a publication node ``metakg:source/ID`` with no reference number,
and an assertion cites it as ``source:ID`` in its ``references`` cell. How the confidence
rubric treats these sources is written in ``docs/sources.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from graph.model import NodeRecord, Record, SourceLocation
from graph.vocab import Category
from ingest.problems import Problems
from ingest.tabular import read_table

#: How an assertion cites a documented source, and the node id it resolves to.
REFERENCE_PREFIX = "source:"
NODE_PREFIX = "metakg:source/"

REQUIRED = ("id", "title", "publisher", "url", "seen", "note")
OPTIONAL = ("authors",)

_ID = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
#: ``source:ID`` in a references cell (checked for form when the row is read; the id is
#: checked against the sources table when the knowledge base is assembled).
REFERENCE = re.compile(r"^source:[a-z0-9]+(?:[-_][a-z0-9]+)*$", re.IGNORECASE)
_URL = re.compile(r"^https?://\S+$")


def is_reference(ref: str) -> bool:
    """Whether a references cell value names a documented source (``source:ID``)."""
    return ref.casefold().startswith(REFERENCE_PREFIX)


def node_id(source_id: str) -> str:
    return NODE_PREFIX + source_id


def read_sources(path: Path, problems: Problems) -> Iterator[Record]:
    """Yield one publication node per valid row of a ``sources.tsv`` table."""
    file = str(path)
    seen: dict[str, int] = {}
    for row in read_table(path, problems, required=REQUIRED, optional=OPTIONAL):
        before = len(problems.errors)
        for name in ("id", "title", "seen", "note"):
            if not row.get(name):
                problems.add(
                    file,
                    row.line,
                    name,
                    "missing-value",
                    f"'{name}' is empty; it is required"
                    + (" (say where and when the source was read)" if name == "seen" else ""),
                )
        source_id = row.get("id")
        if source_id and not _ID.match(source_id):
            problems.add(
                file,
                row.line,
                "id",
                "bad-id",
                f"'{source_id}' is not a valid source id: use lower-case letters and digits "
                "joined by '-' or '_' (for example nci-metastatic-cancer)",
            )
        elif source_id in seen:
            problems.add(
                file,
                row.line,
                "id",
                "duplicate-key",
                f"'{source_id}' is already defined on line {seen[source_id]}; each id must "
                "be unique",
            )
        url = row.get("url")
        if url and not _URL.match(url):
            problems.add(
                file,
                row.line,
                "url",
                "bad-url",
                f"'{url}' is not a web address; expected http:// or https://..., or leave the "
                "cell empty when the address was not recorded",
            )
        if len(problems.errors) > before:
            continue
        seen[source_id] = row.line
        properties = (
            ("authors", "; ".join(row.multi("authors"))),
            ("publisher", row.get("publisher")),
            ("seen", row.get("seen")),
            ("url", url),
        )
        yield NodeRecord(
            id=node_id(source_id),
            category=Category.PUBLICATION,
            label=row.get("title"),
            source=SourceLocation(file, row.line),
            description=row.get("note"),
            properties=tuple((k, v) for k, v in properties if v),
        )


def resolve(
    ref: str,
    nodes: Mapping[str, NodeRecord],
    problems: Problems,
    where: tuple[str, int, str],
) -> str | None:
    """The node id of ``source:ID``, or None with an ``unknown-source`` problem that lists the
    known ids."""
    wanted = node_id(ref[len(REFERENCE_PREFIX) :].strip().casefold())
    if wanted in nodes:
        return wanted
    known = sorted(n.removeprefix(NODE_PREFIX) for n in nodes if n.startswith(NODE_PREFIX))
    problems.add(
        *where,
        "unknown-source",
        f"'{ref}' is not a documented source; "
        + (
            f"known ids (sources.tsv): {', '.join(known)}"
            if known
            else "no sources.tsv table defines any"
        )
        + ". Add the source to sources.tsv, or cite a review reference number or a "
        "publication CURIE",
    )
    return None
