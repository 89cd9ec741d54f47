"""Verified identifiers of the review's references, and the checks that keep them honest.

``ingest/data/reference_ids.tsv`` holds one row per reference and *source*: the page (or
research note) where that reference's DOI, PMID or PMCID was seen, with the citation the page
showed (volume and first page) when it was recorded. :func:`merge_identifiers` adds them to
the references parsed from the review's list and records, for each reference, which
identifier was seen where (``identifier_source``, carried into the graph).

An identifier that a source contradicts is an error, never a silent choice:

* two rows for one reference give different values of one identifier (``conflicting-identifier``);
* one identifier is given to two different references (``shared-identifier``);
* the citation a source page showed (volume, first page) differs from the review's list
  (``citation-mismatch``): the identifier probably belongs to another paper;
* ``references.tsv`` no longer says what ``reference_ids.tsv`` gives (``stale-references``),
  checked on every build by :func:`check_references_table`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from graph.model import Reference
from ingest.problems import Problems
from ingest.references import (
    CuratedReference,
    _identifiers,
    _number_range,
    curated_reference,
    row_number,
)
from ingest.tabular import Row, read_table

ID_REQUIRED = ("number",)
ID_OPTIONAL = (
    "doi",
    "pmid",
    "pmcid",
    "volume",
    "first_page",
    "retracted",
    "retraction_note",
    "source",
    "note",
)
IDENTIFIERS = ("doi", "pmid", "pmcid")
#: Separates the sources in ``identifier_source`` ("doi, pmid: <page> | pmcid: <page>").
SOURCE_SEPARATOR = " | "
REGENERATE = (
    "metakg references ../shared/sources/nrc2622-review-page.txt "
    "--ids ingest/data/reference_ids.tsv -o ingest/data/references.tsv"
)
_FIRST_PAGE = re.compile(r"^([A-Za-z]*[0-9]+)")


@dataclass
class _Claim:
    """The first row that gave one identifier of one reference."""

    value: str
    line: int
    source: str


@dataclass
class _Merged:
    """What the rows of one reference add up to."""

    claims: dict[str, _Claim] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)  # source -> identifier names
    retracted: bool = False
    retraction_note: str = ""


def merge_identifiers(
    refs: Iterable[Reference], ids_path: Path, problems: Problems
) -> list[CuratedReference]:
    """Add the verified identifiers and retraction flags of ``ids_path`` to ``refs``.

    Every contradiction (see the module docstring) is reported with the file, line and field;
    the value of the first row is kept so that later checks still run, but a caller must not
    write anything while ``problems`` holds errors.
    """
    by_number = {ref.number: ref for ref in refs}
    file = str(ids_path)
    merged: dict[int, _Merged] = {}
    owners: dict[tuple[str, str], tuple[int, int]] = {}
    for row in read_table(ids_path, problems, required=ID_REQUIRED, optional=ID_OPTIONAL):
        number = row_number(row, file, problems)
        identifiers = _identifiers(row, file, problems)
        if number is None:
            continue
        ref = by_number.get(number)
        if ref is None:
            problems.add(
                file,
                row.line,
                "number",
                "unknown-reference",
                f"reference number {number} is not in the reference list; expected one of "
                f"{_number_range(by_number)}: correct the number or delete the row",
            )
            continue
        _check_citation(ref, row, file, problems)
        entry = merged.setdefault(number, _Merged())
        source = _source(row, file, problems)
        for name in IDENTIFIERS:
            value = identifiers[name]
            if not isinstance(value, str):
                continue
            if _claim(entry, ref, name, value, row, source, file, problems):
                _check_owner(owners, name, value, number, row.line, file, problems)
        if identifiers["retracted"]:
            entry.retracted = True
        if identifiers["retraction_note"]:
            entry.retraction_note = str(identifiers["retraction_note"])
    return [_apply(ref, merged.get(number)) for number, ref in by_number.items()]


def _source(row: Row, file: str, problems: Problems) -> str:
    source = row.get("source")
    if not source:
        problems.add(
            file,
            row.line,
            "source",
            "missing-value",
            "the 'source' cell is empty; expected the page or note where these identifiers "
            "were seen (an address such as https://pubmed.ncbi.nlm.nih.gov/17420468/)",
        )
        return ""
    if "|" in source:
        problems.add(
            file,
            row.line,
            "source",
            "bad-source",
            f"'{source}' holds a '|', which separates sources in references.tsv; expected "
            "one page or note per row: split the row in two",
        )
        return source.replace("|", "/")
    return source


def _claim(
    entry: _Merged,
    ref: Reference,
    name: str,
    value: str,
    row: Row,
    source: str,
    file: str,
    problems: Problems,
) -> bool:
    """Record that ``source`` gives ``value`` for ``name``; report a contradiction instead."""
    first = entry.claims.get(name)
    if first is not None and _fold(name, first.value) != _fold(name, value):
        problems.add(
            file,
            row.line,
            name,
            "conflicting-identifier",
            f"reference {ref.number}: this row ({source}) gives {name} '{value}' but line "
            f"{first.line} ({first.source}) gives '{first.value}'; expected one value: check "
            "both pages and remove the value that belongs to another paper",
        )
        return False
    existing = getattr(ref, name)
    if first is None and existing and _fold(name, existing) != _fold(name, value):
        problems.add(
            file,
            row.line,
            name,
            "conflicting-identifier",
            f"reference {ref.number} already has {name} '{existing}' but this row "
            f"({source}) gives '{value}'; expected one value: keep only the verified one",
        )
        return False
    if first is None:
        entry.claims[name] = _Claim(value, row.line, source)
    names = entry.sources.setdefault(source, [])
    if name not in names:
        names.append(name)
    return first is None


def _check_owner(
    owners: dict[tuple[str, str], tuple[int, int]],
    name: str,
    value: str,
    number: int,
    line: int,
    file: str,
    problems: Problems,
) -> None:
    key = (name, _fold(name, value))
    owner = owners.setdefault(key, (number, line))
    if owner[0] != number:
        problems.add(
            file,
            line,
            name,
            "shared-identifier",
            f"{name} '{value}' is given to reference {number} here and to reference "
            f"{owner[0]} on line {owner[1]}; expected each identifier to name one paper: "
            "check both pages and remove the wrong one",
        )


def _check_citation(ref: Reference, row: Row, file: str, problems: Problems) -> None:
    """The volume and first page a source showed must be those of the review's entry."""
    for name, seen, cited in (
        ("volume", row.get("volume"), ref.volume),
        ("first_page", row.get("first_page"), first_page(ref.pages)),
    ):
        if seen and cited and seen != cited:
            problems.add(
                file,
                row.line,
                name,
                "citation-mismatch",
                f"reference {ref.number} is cited as {ref.journal} {ref.volume}, {ref.pages} "
                f"({ref.year}) but the source of this row ({row.get('source')}) shows {name} "
                f"'{seen}'; the identifiers on this row may belong to another paper: check the "
                "page, then correct or delete the row",
            )


def first_page(pages: str) -> str:
    """'444' for '444–450', 'e12' for 'e12'; '' when there are no pages."""
    match = _FIRST_PAGE.match(pages.strip())
    return match.group(1) if match else ""


def _fold(name: str, value: str) -> str:
    return value.casefold() if name == "doi" else value


def _apply(ref: Reference, entry: _Merged | None) -> CuratedReference:
    base = curated_reference(ref)
    if entry is None:
        return base
    changes: dict[str, object] = {
        name: _original_case(ref, name, claim) for name, claim in entry.claims.items()
    }
    if entry.retracted:
        changes["retracted"] = True
    if entry.retraction_note:
        changes["retraction_note"] = entry.retraction_note
    changes["identifier_source"] = format_sources(entry.sources)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def _original_case(ref: Reference, name: str, claim: _Claim) -> str:
    existing = getattr(ref, name)
    return existing if existing else claim.value


def format_sources(sources: dict[str, list[str]]) -> str:
    """``doi, pmid: <page> | pmcid: <page>``, in the order the rows came."""
    return SOURCE_SEPARATOR.join(
        f"{', '.join(names)}: {source}" for source, names in sources.items() if names
    )


def check_references_table(
    refs: Sequence[CuratedReference], ids_path: Path, table: str, problems: Problems
) -> None:
    """Report every identifier of ``refs`` (read from ``references.tsv``) that the verified
    ``ids_path`` contradicts or no longer backs, and every contradiction inside ``ids_path``."""
    bare = [
        dataclasses.replace(
            ref,
            doi=None,
            pmid=None,
            pmcid=None,
            retracted=False,
            retraction_note="",
            identifier_source="",
        )
        for ref in refs
    ]
    expected = {ref.number: ref for ref in merge_identifiers(bare, ids_path, problems)}
    for ref in refs:
        want = expected.get(ref.number)
        if want is None:
            continue
        for name in (*IDENTIFIERS, "retracted", "identifier_source"):
            have, should = getattr(ref, name), getattr(want, name)
            if (have or None) != (should or None):
                problems.add(
                    table,
                    ref.source.line,
                    name,
                    "stale-references",
                    f"reference {ref.number} has {name} {_shown(have)} here but "
                    f"{ids_path.name} gives {_shown(should)}; expected the table generated "
                    f"from {ids_path.name}: regenerate it with `{REGENERATE}`",
                )


def _shown(value: object) -> str:
    return f"'{value}'" if value not in (None, "", False) else "nothing"


__all__ = [
    "ID_OPTIONAL",
    "ID_REQUIRED",
    "check_references_table",
    "first_page",
    "format_sources",
    "merge_identifiers",
]
