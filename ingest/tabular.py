"""Reading the tab- or comma-separated files that people edit, with exact line numbers.

Every curated file, every user assertions file and the Disease Ontology report go through
:func:`read_records`, so they share one set of rules:

* UTF-8 (a leading byte-order mark is ignored), a header row, ``#`` starts a comment line and
  blank lines are skipped (both only between records, never inside a quoted cell);
* lines end with LF, CRLF or a lone CR;
* cells follow RFC 4180 quoting, in ``.tsv`` files as in ``.csv`` ones (it is what spreadsheets
  write): a cell that *starts* with ``"`` is quoted, may hold separators and line breaks, and
  writes a quote as ``""``; a quote inside an unquoted cell is an ordinary character. An
  unterminated quoted cell, or text after a closing quote, is an error (the csv module's
  ``strict`` dialect), not a silently merged row;
* a row's line number is the physical line where its record starts;
* no cell may hold a control character other than tab, line feed and carriage return, nor
  U+FFFE/U+FFFF: XML 1.0 cannot carry them, so SPARQL XML results and RDF/XML exports would be
  ill-formed. They are refused with the line, column, field, the character and its position;
* no cell may be longer than :data:`MAX_CELL` characters.

Multi-valued cells are separated by ``;``. Every pass is linear in the size of the file.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.problems import Problems

MULTI_SEPARATOR = ";"

#: The longest cell a table may hold, in characters (32 Mi): far above any real note, low
#: enough that one cell cannot fill memory many times over on its way into the store.
MAX_CELL = 32 * 1024 * 1024

#: The csv module refuses fields over 128 KiB by default, with a bare ``_csv.Error``. Its limit
#: is process-wide; it is raised once, here, above :data:`MAX_CELL`, which is checked per cell
#: with a message naming the cell. 2**31 - 1 fits a C long on every platform.
_CSV_FIELD_LIMIT = 2**31 - 1
if csv.field_size_limit() < _CSV_FIELD_LIMIT:
    csv.field_size_limit(_CSV_FIELD_LIMIT)

#: Characters XML 1.0 cannot carry (C0 controls but tab, LF, CR; the two non-characters).
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    cells: dict[str, str]

    def get(self, name: str) -> str:
        return self.cells.get(name, "").strip()

    def multi(self, name: str) -> tuple[str, ...]:
        return split_multi(self.get(name))


@dataclass(frozen=True, slots=True)
class Record:
    """One record of a table: the physical lines it spans and its cells (not stripped)."""

    line: int
    last_line: int
    cells: list[str]


def split_multi(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(MULTI_SEPARATOR) if part.strip())


def delimiter_for(path: Path) -> str:
    return "," if path.suffix.lower() == ".csv" else "\t"


def decode(path: Path, problems: Problems) -> str | None:
    """The text of ``path`` decoded as UTF-8 (without a byte-order mark); on bad bytes, report
    the first bad line and return None."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.add(
            str(path),
            line,
            "",
            "bad-encoding",
            f"byte 0x{raw[exc.start]:02x} at line {line} is not valid UTF-8; "
            "save the file as UTF-8 (in a spreadsheet: 'CSV UTF-8' or 'Unicode text')",
        )
        return None


def report_bad_utf8(file: str, lines: Iterable[bytes], problems: Problems) -> bool:
    """Report the first of ``lines`` (raw lines, as a binary file iterates) that is not UTF-8;
    True if there is one. For readers that hand the bytes to a parser which cannot say where
    the bad byte is."""
    for number, raw in enumerate(lines, start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.add(
                file,
                number,
                "",
                "bad-encoding",
                f"byte 0x{raw[exc.start]:02x} at column {exc.start + 1} of line {number} is not "
                "valid UTF-8; save the file as UTF-8",
            )
            return True
    return False


def duplicate_columns(
    file: str,
    line: int,
    names: Sequence[str],
    problems: Problems,
    *,
    kind: str = "",
    empty: bool = True,
) -> bool:
    """Report every column name the header ``names`` repeats (field: the name, or ``column N``
    for a repeated empty name, unless ``empty`` is False: a caller that reports empty names
    itself); True if there is one. ``kind`` names the format (``KGX``)."""
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        if name or empty:
            positions.setdefault(name, []).append(index + 1)
    repeated = {name: where for name, where in positions.items() if len(where) > 1}
    for name, where in sorted(repeated.items()):
        columns = ", ".join(map(str, where))
        label = f"column '{name}'" if name else "a column with no name"
        problems.add(
            file,
            line,
            name or f"column {where[1]}",
            "duplicate-column",
            f"{label} appears more than once in the header (columns {columns}); each "
            f"{kind + ' ' if kind else ''}column may appear once"
            + ("" if name else ": name every column, or delete the empty ones"),
        )
    return bool(repeated)


def read_lines(path: Path, problems: Problems) -> list[str] | None:
    """Decode ``path`` as UTF-8; on bad bytes, report the first bad line and return None."""
    text = decode(path, problems)
    return None if text is None else text.splitlines()


def describe_character(char: str) -> str:
    """``U+0000 (NULL)``: how a message names a character people cannot see."""
    name = unicodedata.name(char, "") or _CONTROL_NAMES.get(ord(char), "a control character")
    return f"U+{ord(char):04X} ({name})"


_CONTROL_NAMES = {
    0x00: "NUL",
    0x07: "BEL",
    0x08: "BACKSPACE",
    0x0B: "VERTICAL TAB",
    0x0C: "FORM FEED",
    0x1A: "SUBSTITUTE, end of file in old DOS files",
    0x1B: "ESCAPE",
    0xFFFE: "a non-character",
    0xFFFF: "a non-character",
}


def forbidden_character(
    file: str,
    line: int,
    field: str,
    value: str,
    problems: Problems,
    *,
    start: int | None = None,
    what: str = "cell",
) -> bool:
    """Report the first character of ``value`` that XML 1.0 cannot carry; True if there is one.

    ``line`` is the line the value starts on; ``start``, when known, is the value's offset in
    that line, so that the column an editor shows can be given too."""
    found = FORBIDDEN_CHARACTERS.search(value)
    if found is None:
        return False
    offset = found.start()
    before = value[:offset]
    physical = line + before.count("\n") + before.count("\r") - before.count("\r\n")
    column = f", column {start + offset + 1} of the line" if start is not None and (
        physical == line
    ) else ""
    count = len(FORBIDDEN_CHARACTERS.findall(value))
    problems.add(
        file,
        physical,
        field,
        "control-character",
        f"the {what} holds the control character {describe_character(found.group())} at "
        f"character {offset + 1} of the {what}{column}"
        + (f" ({count} such characters in the {what})" if count > 1 else "")
        + "; only tab, line feed and carriage return are allowed (XML and most tools cannot "
        "carry the others): delete it. NUL bytes often mean the file was saved as UTF-16; "
        "save it as UTF-8",
    )
    return True


class _Lines:
    """The physical lines of a text for the csv reader, skipping blank and comment lines
    between records and remembering where the current record started."""

    def __init__(self, text: str) -> None:
        self._lines = io.StringIO(text, newline="")
        self.number = 0
        self.start = 0
        self.at_start = True
        self.raw: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        while True:
            line = next(self._lines)
            self.number += 1
            if self.at_start:
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                self.start = self.number
                self.at_start = False
                self.raw = []
            self.raw.append(line)
            return line


def read_records(
    path: Path, problems: Problems, *, delimiter: str | None = None
) -> Iterator[Record]:
    """The records of the table ``path``, the header first; quoting, encoding, size and
    character problems reported to ``problems``.

    A record with a problem is reported and skipped; a problem in the header stops the file
    (its rows would be misread). Nothing is yielded when the file is not UTF-8."""
    text = decode(path, problems)
    if text is None:
        return
    file = str(path)
    delimiter = delimiter or delimiter_for(path)
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
    header: list[str] | None = None
    while True:
        lines.at_start = True
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            _quote_problem(file, lines, delimiter, header, str(exc), problems)
            if header is None:
                return  # a broken header: the rows would be misread
            continue
        names = header if header is not None else []
        ok = _check_cells(file, lines, cells, names, problems)
        if header is None:
            if not ok:
                return
            header = [cell.strip() for cell in cells]
        if ok:
            yield Record(lines.start, lines.number, cells)


def _field_name(header: Sequence[str] | None, index: int) -> str:
    if header and index < len(header) and header[index]:
        return header[index]
    return f"column {index + 1}"


def _check_cells(
    file: str, lines: _Lines, cells: list[str], header: Sequence[str], problems: Problems
) -> bool:
    if len(lines.raw) == 1:  # the common case: one cheap look at the whole line
        raw = lines.raw[0]
        if len(raw) <= MAX_CELL and FORBIDDEN_CHARACTERS.search(raw) is None:
            return True
    ok = True
    offsets = _cell_offsets(lines.raw[0], len(cells), cells) if len(lines.raw) == 1 else None
    for index, cell in enumerate(cells):
        field = _field_name(header, index)
        if len(cell) > MAX_CELL:
            problems.add(
                file,
                lines.start,
                field,
                "cell-too-large",
                f"the cell holds {len(cell):,} characters; the most a cell may hold is "
                f"{MAX_CELL:,}: keep long texts in a document of their own and cite it",
            )
            ok = False
            continue
        start = offsets[index] if offsets is not None else None
        if forbidden_character(file, lines.start, field, cell, problems, start=start):
            ok = False
    return ok


def _cell_offsets(line: str, count: int, cells: list[str]) -> list[int] | None:
    """Where each cell starts in a one-line record without quotes (None when quoted: the
    reported column is then the position inside the cell's line)."""
    if '"' in line:
        return None
    offsets, position = [], 0
    for cell in cells[:count]:
        offsets.append(position)
        position += len(cell) + 1
    return offsets


def _quote_problem(
    file: str,
    lines: _Lines,
    delimiter: str,
    header: Sequence[str] | None,
    error: str,
    problems: Problems,
) -> None:
    """Turn the csv module's error into a problem that says where and how to fix it."""
    where = _scan_quotes("".join(lines.raw), delimiter)
    separator = "comma" if delimiter == "," else "tab"
    if where is not None:
        kind, index, line_offset, column = where
        field = _field_name(header, index)
        line = lines.start + line_offset
        if kind == "unterminated":
            problems.add(
                file,
                line,
                field,
                "unterminated-quote",
                f"the quoted cell that starts at column {column} of line {line} is never closed "
                "(the file ends inside it); add the closing double quote, or, if the quote is "
                "part of the text, write it as \"\" inside a quoted cell or remove it",
            )
        else:
            problems.add(
                file,
                line,
                field,
                "stray-quote",
                f"text follows the closing double quote at column {column} of line {line}; a "
                f"cell that starts with a double quote must end with one right before the "
                f"{separator} or the line end: write a quote inside it as \"\", or do not start "
                "the cell with a quote",
            )
        return
    problems.add(
        file,
        lines.start,
        "line",
        "bad-row",
        f"this row cannot be split into cells ({error}); check its double quotes and "
        f"{separator}s",
    )


def _scan_quotes(text: str, delimiter: str) -> tuple[str, int, int, int] | None:
    """Find the quoting error in one record's raw text: ``(kind, cell index, line offset from
    the record's first line, 1-based column)``, or None. Only called after the csv module
    refused the record, to say where."""
    index, line, column = 0, 0, 0
    state = "start"
    opened = (0, 0, 0)
    previous = ""
    for char in text:
        if char == "\n" and previous == "\r":
            previous = char
            continue  # CRLF is one line end
        column += 1
        if state == "start":
            if char == '"':
                state, opened = "quoted", (index, line, column)
            elif char == delimiter:
                index += 1
            elif char not in "\r\n":
                state = "plain"
        elif state == "plain":
            if char == delimiter:
                index, state = index + 1, "start"
        elif state == "quoted":
            if char == '"':
                state = "closed"
        elif state == "closed":
            if char == '"':
                state = "quoted"
            elif char == delimiter:
                index, state = index + 1, "start"
            elif char not in "\r\n":
                return ("stray", index, line, column)
        if char in "\r\n":
            line, column = line + 1, 0
            if state != "quoted":
                index, state = 0, "start"
        previous = char
    if state == "quoted":
        return ("unterminated", *opened)
    return None


def read_table(
    path: Path,
    problems: Problems,
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
) -> Iterator[Row]:
    """Yield the data rows of ``path``; report header and shape problems to ``problems``.

    A missing required column or an unknown column stops the file (its rows would be
    misread); a row with too many cells is reported and skipped.
    """
    records = read_records(path, problems)
    first = header_record(records, path, problems, required)
    if first is None:
        return
    delimiter = delimiter_for(path)
    header_line = first.line
    header = [h.strip() for h in first.cells]
    known = list(required) + list(optional)
    missing = [name for name in required if name not in header]
    unknown = [(index, name) for index, name in enumerate(header) if name not in known]
    duplicated = duplicate_columns(str(path), header_line, header, problems, empty=False)
    for name in missing:
        problems.add(
            str(path),
            header_line,
            name,
            "missing-column",
            f"the header has no column '{name}'; required columns are: {', '.join(required)}",
        )
    for index, name in unknown:
        if name:
            problems.add(
                str(path),
                header_line,
                name,
                "unknown-column",
                f"unknown column '{name}'; allowed columns are: {', '.join(known)}",
            )
        else:
            problems.add(
                str(path),
                header_line,
                f"column {index + 1}",
                "unknown-column",
                f"column {index + 1} of the header has no name; name it (allowed columns are: "
                f"{', '.join(known)}) or delete the column (a separator at the end of the header "
                "line makes an empty one)",
            )
    if missing or unknown or duplicated:
        return
    for record in records:
        cells = record.cells
        if len(cells) > len(header):
            spans = (
                f" (a quoted cell makes it span lines {record.line}-{record.last_line}: check "
                "for an unbalanced double quote)"
                if record.last_line > record.line
                else ""
            )
            problems.add(
                str(path),
                record.line,
                "",
                "too-many-cells",
                f"{len(cells)} cells but the header has {len(header)} columns{spans}; "
                f"check for a stray {'comma' if delimiter == ',' else 'tab'} in this row",
            )
            continue
        cells = cells + [""] * (len(header) - len(cells))
        yield Row(record.line, dict(zip(header, cells, strict=True)))


def header_record(
    records: Iterator[Record], path: Path, problems: Problems, expected: Sequence[str]
) -> Record | None:
    """The first record of ``records`` (the header row), or None with an ``empty-file``
    problem when the file holds none and nothing else was reported about it."""
    first = next(records, None)
    if first is None and not _reported(problems, str(path)):
        problems.add(
            str(path),
            0,
            "",
            "empty-file",
            f"no header row; expected the columns: {', '.join(expected)}",
        )
    return first


def _reported(problems: Problems, file: str) -> bool:
    """Whether an error about ``file`` was already reported (an empty-file note would be
    noise after a bad encoding or a broken header)."""
    return any(p.file == file for p in problems.errors)
