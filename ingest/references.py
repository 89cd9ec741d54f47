"""The review's numbered reference list: parsing it, the curated table, and publication nodes.

Three things live here:

* :func:`parse_reference_list` reads a numbered, Nature-style reference list (the review page
  as saved from nature.com, or a file holding only the list) into
  :class:`~graph.model.Reference` values, keeping the citation and dropping the author notes
  that some entries carry after the year;
* the curated table ``ingest/data/references.tsv`` (:func:`read_references_tsv`,
  :func:`write_references_tsv`), generated from the list by :func:`main` and completed with the
  hand-verified identifiers of ``ingest/data/reference_ids.tsv`` (:func:`merge_identifiers`);
* :func:`reference_node`, which turns a reference into a publication node
  ``metakg:ref/<number>``, and the ``nature_references`` ingestor built on it.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from graph.model import NodeRecord, Record, Reference, SourceLocation
from graph.vocab import MKG_TERMS, Category
from ingest.problems import Problems
from ingest.registry import register
from ingest.tabular import Row, read_lines, read_table

#: Columns of ``references.tsv``, in the order they are written.
COLUMNS = (
    "number",
    "authors",
    "et_al",
    "title",
    "journal",
    "volume",
    "pages",
    "year",
    "doi",
    "pmid",
    "pmcid",
    "identifier_source",
    "retracted",
    "retraction_note",
)
REQUIRED = ("number", "authors", "et_al", "title", "journal", "volume", "pages", "year")
OPTIONAL = ("doi", "pmid", "pmcid", "identifier_source", "retracted", "retraction_note")
#: The sibling table of verified identifiers that ``references.tsv`` is generated from.
IDS_TABLE = "reference_ids.tsv"
#: The publication-node property that says where each identifier was verified.
IDENTIFIER_SOURCE = "identifierSource"

NODE_PREFIX = "metakg:ref/"
DATA_DIR = Path(__file__).resolve().parent / "data"
SNIFF_BYTES = 200_000
AUTHOR_SEPARATOR = "; "

# --- patterns for the reference list ------------------------------------------------------

_HEADING = re.compile(r"^\s*(?:references|reference list)\s*:?\s*$", re.IGNORECASE)
_ENTRY = re.compile(r"^\s*(?P<number>\d{1,4})\.\s+(?P<text>\S.*?)\s*$")
#: The link line nature.com prints under each entry ("CAS  PubMed  Google Scholar").
_LINK_LINE = re.compile(
    r"^(?:\s*(?:CAS|PubMed Central|PubMed|Google Scholar|Article|ADS|MathSciNet|MATH|"
    r"Web of Science|ISI|Crossref))+\s*$"
)
_UPPER = "A-ZÀ-ÖØ-Þ"
_INITIALS = rf"[{_UPPER}][a-z]?\.(?:[ -]?[{_UPPER}][a-z]?\.)*"
#: One author, Nature style: "Surname, I. I." with an optional generational suffix.
_AUTHOR = re.compile(
    rf"(?P<surname>[^\s,&][^,&]*?), (?P<initials>{_INITIALS})"
    r"(?: (?P<suffix>Jr|Sr|II|III|IV)\.?(?=[,\s]|$))?"
)
_ET_AL = " et al."
#: "<volume>, <pages> (<year>)", the end of a journal citation.
_TAIL = re.compile(
    r"\s(?P<volume>[^\s,()]+),\s(?P<pages>[^\s,()]+)\s\((?P<year>\d{4})\)(?=[.\s]|$)"
)
_YEAR = re.compile(r"\((?P<year>\d{4})\)")
#: A web resource: "... [online] http://... (2008)" with no volume or pages.
_WEB_TAIL = re.compile(r"\s\((?P<year>\d{4})\)\.?\s*$")
_WEB_MARK = re.compile(r"\[online\]|https?://", re.IGNORECASE)
#: Where a title may end: after '.', '?' or '!' and a space.
_TITLE_END = re.compile(r"(?<=[.?!])\s+")
#: Lower-case words allowed inside a journal name.
_JOURNAL_CONNECTORS = frozenset({"&", "and", "of", "the", "in", "de", "der", "für"})
_SNIFF_ENTRY = re.compile(
    rf"^[ \t\xa0]*\d{{1,4}}\.[ \t\xa0]+[^\s,][^,\n]*, [{_UPPER}][a-z]?\.[^\n]*\(\d{{4}}\)",
    re.MULTILINE,
)

# --- patterns for the tables -----------------------------------------------------------------

_DOI = re.compile(r"10\.[0-9]{4,9}/\S+")
_PMID = re.compile(r"[0-9]+")
_PMCID = re.compile(r"PMC[0-9]+")
_YEAR_CELL = re.compile(r"[0-9]{4}")
_NUMBER_CELL = re.compile(r"[0-9]+")
_BOOLEANS = {"yes": True, "no": False, "": False}


@dataclass(frozen=True, slots=True)
class CuratedReference(Reference):
    """A reference of the curated table: also says where each identifier was verified,
    as ``doi, pmid: <page> | pmcid: <page>`` (see :mod:`ingest.reference_ids`)."""

    identifier_source: str = ""


def curated_reference(ref: Reference) -> CuratedReference:
    """``ref`` as a :class:`CuratedReference` (keeping its ``identifier_source`` if any)."""
    if isinstance(ref, CuratedReference):
        return ref
    values = {f.name: getattr(ref, f.name) for f in dataclasses.fields(Reference)}
    return CuratedReference(**values)


@dataclass(frozen=True, slots=True)
class _Entry:
    """One numbered entry of the list, its continuation lines joined."""

    line: int
    number: int
    text: str


class _EntryError(ValueError):
    """An entry could not be split; ``part`` names what was not found."""

    def __init__(self, part: str, message: str) -> None:
        super().__init__(message)
        self.part = part


# === the reference list ======================================================================


def parse_reference_list(text: str, *, file: str, problems: Problems) -> list[Reference]:
    """Parse the numbered reference list in ``text`` (a whole page or only the list).

    Line numbers in problems and in each reference's ``source`` are 1-based lines of ``text``.
    Entries that cannot be parsed, and repeated numbers, are reported and left out.
    """
    lines = text.splitlines()
    start = _find_list_start(lines)
    entries = _collect_entries(lines, start) if start is not None else []
    if not entries:
        heading = _first_heading(lines)
        problems.add(
            file,
            heading or 0,
            "",
            "no-references",
            "no numbered reference list found; expected a line 'References' followed by "
            "entries such as '  1. Surname, I. Title. Journal 12, 34–56 (2006).', or a file "
            "holding only such entries",
        )
        return []
    references = []
    for entry in _check_numbering(entries, file, problems):
        reference = _parse_entry_or_report(entry, file, problems)
        if reference is not None:
            references.append(reference)
    return references


def _first_heading(lines: Sequence[str]) -> int | None:
    for index, line in enumerate(lines):
        if _HEADING.match(line):
            return index + 1
    return None


def _find_list_start(lines: Sequence[str]) -> int | None:
    """Index of the first entry line: after a 'References' heading, else the first entry."""
    for index, line in enumerate(lines):
        if _HEADING.match(line):
            following = _next_non_blank(lines, index + 1)
            if following is not None and _ENTRY.match(lines[following]):
                return following
    for index, line in enumerate(lines):
        match = _ENTRY.match(line)
        if match and _AUTHOR.match(match.group("text")):
            return index
    return None


def _next_non_blank(lines: Sequence[str], start: int) -> int | None:
    for index in range(start, len(lines)):
        if lines[index].strip():
            return index
    return None


def _collect_entries(lines: Sequence[str], start: int) -> list[_Entry]:
    """Read entries from ``start`` until a line that belongs to none of them.

    A text line directly under an entry (no blank or link line between) continues it.
    """
    entries: list[_Entry] = []
    can_continue = False
    for index in range(start, len(lines)):
        line = lines[index]
        match = _ENTRY.match(line)
        if match:
            number = int(match.group("number"))
            entries.append(_Entry(index + 1, number, match.group("text")))
            can_continue = True
        elif not line.strip() or _LINK_LINE.match(line):
            can_continue = False
        elif can_continue and entries:
            last = entries[-1]
            entries[-1] = dataclasses.replace(last, text=f"{last.text} {line.strip()}")
        else:
            break
    return entries


def _check_numbering(entries: Sequence[_Entry], file: str, problems: Problems) -> list[_Entry]:
    """Report repeated, skipped and out-of-order numbers; drop repeated ones."""
    present = {entry.number for entry in entries}
    first_line: dict[int, int] = {}
    expected = 1
    kept = []
    for entry in entries:
        number = entry.number
        if number in first_line:
            problems.add(
                file,
                entry.line,
                "number",
                "reference-numbering",
                f"reference number {number} is used twice (first on line "
                f"{first_line[number]}); expected each number once: give this entry the "
                "next free number or delete it",
            )
            continue
        if number > expected and not present & set(range(expected, number)):
            problems.add(
                file,
                entry.line,
                "number",
                "reference-numbering",
                f"reference {_span(expected, number - 1)} missing before {number}; expected "
                "the list numbered 1, 2, 3 ... without gaps: add the missing entries or "
                "renumber",
            )
        elif number != expected:
            problems.add(
                file,
                entry.line,
                "number",
                "reference-numbering",
                f"reference {number} is out of sequence: expected {expected} here; put the "
                "entries in numerical order",
            )
        first_line[number] = entry.line
        expected = max(expected, number + 1)
        kept.append(entry)
    return kept


def _span(first: int, last: int) -> str:
    return f"number {first} is" if first == last else f"numbers {first}–{last} are"


def _parse_entry_or_report(entry: _Entry, file: str, problems: Problems) -> Reference | None:
    try:
        return parse_entry(entry.text, number=entry.number, source=SourceLocation(file, entry.line))
    except _EntryError as error:
        problems.add(
            file,
            entry.line,
            error.part,
            "bad-reference",
            f"reference {entry.number}: {error}",
        )
        return None


def parse_entry(text: str, *, number: int, source: SourceLocation) -> Reference:
    """Split one entry's text (without its number) into a :class:`Reference`.

    Raises ``ValueError`` naming the part that was not found. Anything after the year (the
    review's notes on some entries) is dropped.
    """
    authors, et_al, rest = _split_authors(text)
    body, volume, pages, year, web = _split_tail(rest)
    title, journal = _split_web_body(body) if web else _split_title_journal(body)
    return Reference(
        number=number,
        authors=authors,
        title=title,
        journal=journal,
        volume=volume,
        pages=pages,
        year=year,
        source=source,
        et_al=et_al,
    )


def _split_authors(text: str) -> tuple[tuple[str, ...], bool, str]:
    """Read 'A, B. C., D, E. & F, G.' or 'A, B. et al.' from the start of ``text``."""
    authors: list[str] = []
    position = 0
    last = False
    while True:
        match = _AUTHOR.match(text, position)
        if match is None:
            raise _EntryError("authors", _authors_message(authors, text, position))
        authors.append(_format_author(match))
        position = match.end()
        if text.startswith(_ET_AL, position):
            return tuple(authors), True, _rest_after(text, position + len(_ET_AL))
        if last:
            break
        if text.startswith(" & ", position):
            position += 3
            last = True
        elif text.startswith(", & ", position):
            position += 4
            last = True
        elif text.startswith(", ", position) and _AUTHOR.match(text, position + 2):
            position += 2
        else:
            break
    return tuple(authors), False, _rest_after(text, position)


def _authors_message(found: Sequence[str], text: str, position: int) -> str:
    if not found:
        return (
            f"no authors found at the start of '{_clip(text)}'; expected 'Surname, I. I.' "
            "names joined by ', ' and ' & ', or the first one followed by 'et al.'"
        )
    return (
        f"author list breaks off after '{found[-1]}' at '{_clip(text[position:])}'; expected "
        "another 'Surname, I.' after ', ' or ' & '"
    )


def _rest_after(text: str, position: int) -> str:
    rest = text[position:]
    if not rest.strip():
        raise _EntryError(
            "title",
            "nothing follows the authors; expected 'Title. Journal <volume>, <pages> (<year>).'",
        )
    if not rest[0].isspace():
        raise _EntryError(
            "authors",
            f"the author list does not end cleanly before '{_clip(rest)}'; expected "
            "'Surname, I.' followed by a space and the title",
        )
    return rest.strip()


def _format_author(match: re.Match[str]) -> str:
    name = f"{match.group('surname').strip()}, {match.group('initials')}"
    suffix = match.group("suffix")
    return f"{name} {suffix}" if suffix else name


def _split_tail(rest: str) -> tuple[str, str, str, int, bool]:
    """Return (title and journal, volume, pages, year, is a web resource)."""
    match = _TAIL.search(rest)
    if match is not None:
        return (
            rest[: match.start()].strip(),
            match.group("volume"),
            match.group("pages"),
            int(match.group("year")),
            False,
        )
    web = _WEB_TAIL.search(rest)
    if web is not None and _WEB_MARK.search(rest[: web.start()]):
        return rest[: web.start()].strip(), "", "", int(web.group("year")), True
    if _YEAR.search(rest) is None:
        raise _EntryError(
            "year",
            f"no year found in '{_clip(rest)}'; expected the citation to end with "
            "'Journal <volume>, <pages> (<year>).', for example 'Cancer 106, 1624–1633 (2006).'",
        )
    raise _EntryError(
        "volume",
        f"no volume and pages found before the year in '{_clip(rest)}'; expected "
        "'Journal <volume>, <pages> (<year>).', for example 'Cancer 106, 1624–1633 (2006).'",
    )


def _split_title_journal(body: str) -> tuple[str, str]:
    """Split 'Title. Journal Abbrev.' at the first sentence end after which only a journal
    name follows (capitalised words such as 'Proc. Natl Acad. Sci. USA')."""
    for match in _TITLE_END.finditer(body):
        title = body[: match.start()]
        journal = body[match.end() :].strip()
        if title.strip(" .") and _looks_like_journal(journal):
            return _clean_title(title), journal
    raise _EntryError(
        "journal",
        f"cannot tell the title from the journal in '{_clip(body)}'; expected "
        "'Title. Journal' with the title ending in '.' or '?' and a journal name in "
        "capitalised words",
    )


def _split_web_body(body: str) -> tuple[str, str]:
    """A web resource: the title runs up to '[online]' or the address, which stand in for
    the journal."""
    mark = _WEB_MARK.search(body)
    title = body[: mark.start()] if mark else ""
    if mark is None or not title.strip(" ."):
        raise _EntryError(
            "title",
            f"no title found before the web address in '{_clip(body)}'; expected "
            "'Title [online] http://... (year)'",
        )
    return _clean_title(title), body[mark.start() :].strip()


def _looks_like_journal(text: str) -> bool:
    words = text.split()
    if not words or not any(ch.isupper() for ch in words[0]):
        return False
    return all(
        word in _JOURNAL_CONNECTORS or (any(ch.isupper() for ch in word) and not word[0].isdigit())
        for word in words
    )


def _clean_title(title: str) -> str:
    title = title.strip()
    return title[:-1].rstrip() if title.endswith(".") else title


def _clip(text: str, limit: int = 60) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


# === publication nodes =======================================================================


def reference_node(ref: Reference) -> NodeRecord:
    """The publication node ``metakg:ref/<number>`` for ``ref``."""
    properties: list[tuple[str, object]] = [
        ("referenceNumber", ref.number),
        ("authors", format_authors_property(ref)),
        ("journal", ref.journal),
        ("volume", ref.volume),
        ("pages", ref.pages),
        ("year", ref.year),
        ("retracted", ref.retracted),
        ("retractionNote", ref.retraction_note),
    ]
    source = getattr(ref, "identifier_source", "")
    # Emitted once graph/vocab.py registers the term (every property must be a known term).
    if source and IDENTIFIER_SOURCE in MKG_TERMS:
        properties.append((IDENTIFIER_SOURCE, source))
    kept = tuple(sorted((name, value) for name, value in properties if value != ""))
    return NodeRecord(
        id=f"{NODE_PREFIX}{ref.number}",
        category=Category.PUBLICATION,
        label=ref.title,
        source=ref.source,
        xrefs=reference_xrefs(ref),
        description=citation(ref),
        properties=kept,
    )


def reference_xrefs(ref: Reference) -> tuple[str, ...]:
    """``PMID:``, ``doi:`` and ``PMCID:`` CURIEs for the identifiers ``ref`` has."""
    xrefs = []
    if ref.pmid:
        xrefs.append(f"PMID:{ref.pmid}")
    if ref.doi:
        xrefs.append(f"doi:{ref.doi}")
    if ref.pmcid:
        xrefs.append(f"PMCID:{ref.pmcid}")
    return tuple(xrefs)


def format_authors_property(ref: Reference) -> str:
    """'Hess, K. R. et al.' or 'Gupta, G. P.; Massague, J.' (the node's ``authors`` value)."""
    joined = AUTHOR_SEPARATOR.join(ref.authors)
    return f"{joined}{_ET_AL}" if ref.et_al else joined


def citation(ref: Reference) -> str:
    """A one-line citation: 'Hess, K. R. et al. Cancer 106, 1624–1633 (2006)'."""
    authors = _nature_authors(ref)
    if ref.volume or ref.pages:
        where = f"{ref.journal} {ref.volume}, {ref.pages}".rstrip(", ")
    else:
        where = f"{ref.title}. {ref.journal}"
    return f"{authors} {where} ({ref.year})"


def _nature_authors(ref: Reference) -> str:
    if ref.et_al:
        return f"{ref.authors[0]}{_ET_AL}"
    if len(ref.authors) == 1:
        return ref.authors[0]
    return f"{', '.join(ref.authors[:-1])} & {ref.authors[-1]}"


# === the curated tables ======================================================================


def read_references_tsv(path: Path, problems: Problems) -> Iterator[CuratedReference]:
    """Yield the references of a ``references.tsv`` table, reporting every bad cell.

    A row whose number or year is unusable, or whose number repeats, is left out; a bad
    identifier or flag is reported and left empty. When ``reference_ids.tsv`` sits beside
    the table, every identifier is checked against it (an identifier that a source
    contradicts, or a table not regenerated since, is an error).
    """
    refs = list(_read_references_rows(path, problems))
    ids = path.parent / IDS_TABLE
    if ids.is_file() and path.name != IDS_TABLE:
        from ingest.reference_ids import check_references_table

        check_references_table(refs, ids, str(path), problems)
    yield from refs


def _read_references_rows(path: Path, problems: Problems) -> Iterator[CuratedReference]:
    file = str(path)
    seen: dict[int, int] = {}
    for row in read_table(path, problems, required=REQUIRED, optional=OPTIONAL):
        number = _number(row, file, problems, seen)
        year = _year(row, file, problems)
        title = _required_text(row, "title", file, problems)
        identifiers = _identifiers(row, file, problems)
        et_al = _boolean(row, "et_al", file, problems)
        if number is None or year is None or title is None:
            continue
        yield CuratedReference(
            number=number,
            authors=row.multi("authors"),
            title=title,
            journal=row.get("journal"),
            volume=row.get("volume"),
            pages=row.get("pages"),
            year=year,
            source=SourceLocation(file, row.line),
            et_al=et_al,
            identifier_source=row.get("identifier_source"),
            **identifiers,  # type: ignore[arg-type]
        )


def write_references_tsv(
    refs: Iterable[Reference], path: Path, *, comments: Sequence[str] = ()
) -> None:
    """Write ``refs`` as a ``references.tsv`` table, ``comments`` first as '# ' lines."""
    path.write_text(format_references_tsv(refs, comments=comments), encoding="utf-8")


def format_references_tsv(refs: Iterable[Reference], *, comments: Sequence[str] = ()) -> str:
    """The text of a ``references.tsv`` table (see :func:`write_references_tsv`)."""
    out = io.StringIO()
    for comment in comments:
        out.write(f"# {comment}\n")
    out.write("\t".join(COLUMNS) + "\n")
    for ref in refs:
        out.write("\t".join(_cell(value, ref) for value in _row_values(ref)) + "\n")
    return out.getvalue()


def _row_values(ref: Reference) -> tuple[str, ...]:
    return (
        str(ref.number),
        AUTHOR_SEPARATOR.join(ref.authors),
        _yes_no(ref.et_al),
        ref.title,
        ref.journal,
        ref.volume,
        ref.pages,
        str(ref.year),
        ref.doi or "",
        ref.pmid or "",
        ref.pmcid or "",
        getattr(ref, "identifier_source", ""),
        _yes_no(ref.retracted),
        ref.retraction_note,
    )


def _cell(value: str, ref: Reference) -> str:
    if any(ch in value for ch in "\t\r\n"):
        raise ValueError(
            f"reference {ref.number}: the value {value!r} holds a tab or line break, which "
            "would break the table; remove it from the source"
        )
    return value


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _number_range(by_number: dict[int, Reference]) -> str:
    if not by_number:
        return "no numbers (the list is empty)"
    return f"numbers {min(by_number)} to {max(by_number)}"


# --- cell validators -------------------------------------------------------------------------


def row_number(row: Row, file: str, problems: Problems) -> int | None:
    """The ``number`` cell of a row as a positive whole number, or a problem."""
    value = row.get("number")
    if not _NUMBER_CELL.fullmatch(value) or int(value) < 1:
        problems.add(
            file,
            row.line,
            "number",
            "bad-number",
            f"'{value}' is not a reference number; expected a positive whole number such as "
            "12 (the entry's number in the review's list)",
        )
        return None
    return int(value)


def _number(row: Row, file: str, problems: Problems, seen: dict[int, int]) -> int | None:
    number = row_number(row, file, problems)
    if number is None:
        return None
    if number in seen:
        problems.add(
            file,
            row.line,
            "number",
            "duplicate-key",
            f"reference number {number} is already on line {seen[number]}; expected each number "
            "once: merge the two rows or correct the number",
        )
        return None
    seen[number] = row.line
    return number


def _year(row: Row, file: str, problems: Problems) -> int | None:
    value = row.get("year")
    if not _YEAR_CELL.fullmatch(value):
        problems.add(
            file,
            row.line,
            "year",
            "bad-year",
            f"'{value}' is not a year; expected four digits such as 2006",
        )
        return None
    return int(value)


def _required_text(row: Row, name: str, file: str, problems: Problems) -> str | None:
    value = row.get(name)
    if not value:
        problems.add(
            file,
            row.line,
            name,
            "missing-value",
            f"the '{name}' cell is empty; expected the reference's {name}: fill it in",
        )
        return None
    return value


def _boolean(row: Row, name: str, file: str, problems: Problems) -> bool:
    value = row.get(name)
    if value.lower() not in _BOOLEANS:
        problems.add(
            file,
            row.line,
            name,
            "bad-boolean",
            f"'{value}' is not a yes/no value; expected 'yes' or 'no': write one of them in the "
            f"'{name}' column",
        )
        return False
    return _BOOLEANS[value.lower()]


def _identifiers(row: Row, file: str, problems: Problems) -> dict[str, object]:
    """doi, pmid, pmcid, retracted and retraction_note of a row (bad ones reported, None)."""
    return {
        "doi": _pattern_cell(
            row,
            "doi",
            _DOI,
            "bad-doi",
            "expected a bare DOI such as 10.1038/nature06487 (without 'doi:' or "
            "'https://doi.org/'), or an empty cell",
            file,
            problems,
        ),
        "pmid": _pattern_cell(
            row,
            "pmid",
            _PMID,
            "bad-pmid",
            "expected a PubMed id of digits only, such as 17420468 (without 'PMID:'), or an "
            "empty cell",
            file,
            problems,
        ),
        "pmcid": _pattern_cell(
            row,
            "pmcid",
            _PMCID,
            "bad-pmcid",
            "expected 'PMC' followed by digits, such as PMC1871856 (without 'PMCID:'), or an "
            "empty cell",
            file,
            problems,
        ),
        "retracted": _boolean(row, "retracted", file, problems),
        "retraction_note": row.get("retraction_note"),
    }


def _pattern_cell(
    row: Row,
    name: str,
    pattern: re.Pattern[str],
    code: str,
    expected: str,
    file: str,
    problems: Problems,
) -> str | None:
    value = row.get(name)
    if not value:
        return None
    if not pattern.fullmatch(value):
        problems.add(file, row.line, name, code, f"'{value}' is not valid here; {expected}")
        return None
    return value


# === the ingestor ============================================================================


def sniff_reference_list(path: Path) -> bool:
    """A ``.txt`` file whose first ~200 KB hold a numbered 'Surname, I. ... (year)' entry."""
    if not path.is_file() or path.suffix.lower() != ".txt":
        return False
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES).decode("utf-8", errors="replace")
    return _SNIFF_ENTRY.search(head) is not None


@register(
    "nature_references",
    sniff=sniff_reference_list,
    role="content",
    description="A numbered, Nature-style reference list in a .txt file (a saved article "
    "page or the list alone); one publication node per entry.",
)
def read_reference_list(path: Path, problems: Problems) -> Iterator[Record]:
    """Yield one publication node per entry of the reference list in ``path``."""
    lines = read_lines(path, problems)
    if lines is None:
        return
    for ref in parse_reference_list("\n".join(lines), file=str(path), problems=problems):
        yield reference_node(ref)


# === command line ============================================================================


def generate_references_tsv(page: Path, ids: Path | None, problems: Problems) -> str:
    """The text of ``references.tsv`` built from ``page`` and, if given, the ids file."""
    lines = read_lines(page, problems)
    if lines is None:
        return ""
    refs = parse_reference_list("\n".join(lines), file=str(page), problems=problems)
    if ids is not None:
        from ingest.reference_ids import merge_identifiers

        refs = merge_identifiers(refs, ids, problems)
    ordered = sorted(refs, key=lambda ref: ref.number)
    return format_references_tsv(ordered, comments=_comments(page, ids))


def _comments(page: Path, ids: Path | None) -> tuple[str, ...]:
    command = f"python -m ingest.references {page.name}"
    if ids is not None:
        shown = f"ingest/data/{ids.name}" if ids.resolve().parent == DATA_DIR else ids.name
        command += f" --ids {shown}"
    return (
        f"Generated by `{command}` from the numbered reference list of Nguyen, Bos & "
        "Massagué 2009 (Nat Rev Cancer 9:274-284); do not edit by hand: change "
        "reference_ids.tsv and regenerate.",
        "Identifiers (doi, pmid, pmcid) and retraction flags come only from the hand-curated "
        "reference_ids.tsv and are filled only where verified in a source; empty means not "
        "verified, not absent. identifier_source says where each one was seen.",
    )


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None) -> int:
    """``python -m ingest.references PAGE.txt [--ids IDS.tsv] [-o OUT.tsv]``."""
    parser = argparse.ArgumentParser(
        prog="python -m ingest.references",
        description="Parse a numbered, Nature-style reference list and write references.tsv.",
    )
    parser.add_argument("page", type=Path, help="a .txt file: the article page or the list")
    parser.add_argument(
        "--ids",
        type=Path,
        default=None,
        help="hand-verified identifiers (reference_ids.tsv) to add",
    )
    parser.add_argument(
        "-o", "--output", type=Path, default=None, help="where to write (default: stdout)"
    )
    args = parser.parse_args(argv)
    problems = Problems()
    text = generate_references_tsv(args.page, args.ids, problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems.errors:
        print(f"{len(problems.errors)} problem(s); nothing written", file=sys.stderr)
        return 1
    if args.output is None:
        (stdout or sys.stdout).write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


__all__ = [
    "COLUMNS",
    "CuratedReference",
    "citation",
    "curated_reference",
    "format_references_tsv",
    "generate_references_tsv",
    "main",
    "parse_entry",
    "parse_reference_list",
    "read_reference_list",
    "read_references_tsv",
    "reference_node",
    "reference_xrefs",
    "sniff_reference_list",
    "write_references_tsv",
]


if __name__ == "__main__":
    # ``python -m`` runs this file as ``__main__``: let ingest.reference_ids import this very
    # module rather than a second copy (which would register the ingestor twice).
    sys.modules.setdefault("ingest.references", sys.modules[__name__])
    sys.exit(main())
