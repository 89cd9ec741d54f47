"""The confidence rubric of docs/sources.md, enforced over every curated assertion row.

``high`` means the claim was seen in the review's own text, figures or glossary, or in the
abstract of a cited paper. A note that hedges (the claim was read from a title only, recalled,
taken from general knowledge or from a later review, or not checked in the source) cannot
carry ``high``. The hedge phrases are listed in docs/sources.md; this module holds the same
list as patterns, and a test keeps the two in step.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph.model import EdgeRecord
from graph.vocab import Confidence
from ingest.assertions import read_assertions
from ingest.curated import NODE_TABLES, default_data_dir, table_files
from ingest.problems import Problems

DOCS = Path(__file__).resolve().parents[1] / "docs" / "sources.md"

#: Patterns of hedging language, case-insensitive. Each says the claim was not seen where
#: a high rating requires it (review text, figures, glossary, or the cited abstract).
HEDGES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # read from a reference title, not from its abstract
        r"\btitles? only\b",
        r"\bonly (?:as |by |from )?(?:the |a |its )?titles?\b",
        r"\bas a title\b",
        r"\b(?:by|from|according to) (?:the |its |their )?(?:refs? [\d\s,–-]+ )?titles?\b",
        r"\btitle[- ]level\b",
        r"\brefs? \d+(?:\s*(?:,|-|–|and)\s*\d+)*,? titles?\b",
        r"\btitles? of (?:the )?refs?\b",
        r"\bpaper'?s? titles?\b",
        r"\(titles?\b",
        r"\bfollows the (?:paper )?titles?\b",
        # not retrieved, not read, not checked
        r"\babstract (?:was |were )?not (?:retrieved|reviewed|seen|read)\b",
        r"\bnot retrieved\b",
        r"\bnot (?:been )?reviewed\b",
        r"\bnot seen\b",
        r"\bnot checked\b",
        r"\bnot verified\b",
        r"\bunverified\b",
        r"\bnot confirmed\b",
        # from memory or from outside the cited sources
        r"\brecalled\b",
        r"\bfrom memory\b",
        r"\bgeneral (?:knowledge|clinical (?:pattern|knowledge))\b",
        r"\bsecondary (?:reviews?|sources?)\b",
        r"\b(?:a |the )?later reviews?\b",
        r"\binferred\b",
        r"\bour inference\b",
    )
)

#: The hedges named in issue 9; the list above must catch each of them.
KNOWN_HEDGES = (
    "title only",
    "recalled",
    "general knowledge",
    "abstract not retrieved",
    "by the title",
)


def hedge_in(note: str) -> str | None:
    """The first hedging phrase in ``note``, or None if the note does not hedge."""
    for pattern in HEDGES:
        match = pattern.search(note)
        if match:
            return match.group(0)
    return None


def curated_rows() -> list[EdgeRecord]:
    """Every row of every curated assertion table, read the way the build reads them."""
    directory = default_data_dir()
    problems = Problems()
    rows: list[EdgeRecord] = []
    for table in table_files(directory):
        if table.parent == directory and table.name in NODE_TABLES:
            continue
        records = read_assertions(table, problems, origin="curated")
        rows.extend(r for r in records if isinstance(r, EdgeRecord))
    assert not problems.errors, problems.errors
    return rows


def documented_hedges() -> list[str]:
    """The hedge phrases listed in docs/sources.md, section 'Hedge phrases'."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("### Hedge phrases", 1)[1].split("\n#", 1)[0]
    return re.findall(r"^- `([^`]+)`", section, re.MULTILINE)


def test_no_high_confidence_row_hedges() -> None:
    rows = curated_rows()
    assert len(rows) > 500
    offenders = [
        f"{Path(r.source.file).name}:{r.source.line}: {r.subject} {r.predicate.key} {r.object}"
        f" says '{hedge_in(r.note)}'"
        for r in rows
        if r.confidence is Confidence.HIGH and hedge_in(r.note)
    ]
    assert not offenders, (
        "high confidence needs the claim seen in the review or the cited abstract; lower these "
        "rows or say where the claim was seen:\n" + "\n".join(offenders)
    )


def test_every_confidence_level_is_used() -> None:
    levels = {r.confidence for r in curated_rows()}
    assert levels == set(Confidence)


@pytest.mark.parametrize("phrase", KNOWN_HEDGES)
def test_the_hedge_list_catches_the_phrases_of_the_issue(phrase: str) -> None:
    assert hedge_in(f"Supported here {phrase}, nothing more.") is not None


@pytest.mark.parametrize(
    "note",
    [
        "GPR56 restrains melanoma growth (ref 88 title).",
        "MIR126 curbs PI3K signalling (ref 29, title level).",
        "EGFR mutations define a subset (titles of refs 101-102).",
        "Per the titles of refs 13 and 32 only.",
        "KISS1 must be secreted (ref 87 title; abstract was not retrieved).",
        "Details come from a later review.",
        "Liver is a visceral site (general clinical pattern).",
        "The class follows the paper title.",
        "Stem-like cells spread to bone, according to the ref 95 title.",
        "Barrier anatomy itself is from secondary sources.",
    ],
)
def test_the_hedge_list_catches_the_curated_wordings(note: str) -> None:
    assert hedge_in(note) is not None


@pytest.mark.parametrize(
    "note",
    [
        "In the abstract, 90% of metastatic prostate cancer patients had bone involvement [12].",
        "The review's glossary defines extravasation as the exit of cells from capillary beds.",
        "Seen in the review's Fig. 2 title: organ-specific barriers to metastatic infiltration.",
        "Sipa1 was identified as the likely gene behind the Mtes1 locus [89].",
    ],
)
def test_plain_statements_do_not_count_as_hedges(note: str) -> None:
    assert hedge_in(note) is None


def test_the_documented_hedge_list_is_the_enforced_one() -> None:
    phrases = documented_hedges()
    assert set(KNOWN_HEDGES) <= set(phrases)
    missed = [p for p in phrases if hedge_in(p) is None]
    assert not missed, f"docs/sources.md lists hedges the test does not catch: {missed}"
    # Every pattern is documented by at least one phrase, so the docs tell the whole rule.
    undocumented = [p.pattern for p in HEDGES if not any(p.search(x) for x in phrases)]
    assert not undocumented, f"patterns without an example in docs/sources.md: {undocumented}"
