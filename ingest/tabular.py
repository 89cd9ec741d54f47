"""Reading the tab- or comma-separated files that people edit, with exact line numbers.

Every curated file and every user assertions file goes through :func:`read_table`, so they
share one set of rules: UTF-8, a header row, ``#`` starts a comment line, blank lines are
skipped, and multi-valued cells are separated by ``;``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.problems import Problems

MULTI_SEPARATOR = ";"


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    cells: dict[str, str]

    def get(self, name: str) -> str:
        return self.cells.get(name, "").strip()

    def multi(self, name: str) -> tuple[str, ...]:
        return split_multi(self.get(name))


def split_multi(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(MULTI_SEPARATOR) if part.strip())


def delimiter_for(path: Path) -> str:
    return "," if path.suffix.lower() == ".csv" else "\t"


def read_lines(path: Path, problems: Problems) -> list[str] | None:
    """Decode ``path`` as UTF-8; on bad bytes, report the first bad line and return None."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
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
    return text.splitlines()


def content_lines(
    path: Path, problems: Problems, expected_columns: Sequence[str]
) -> list[tuple[int, str]]:
    """The numbered lines of ``path`` that are neither blank nor comments; an empty list (with
    the problem reported) when the file is not UTF-8 or has no header row."""
    lines = read_lines(path, problems)
    if lines is None:
        return []
    numbered = [
        (number, line)
        for number, line in enumerate(lines, start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not numbered:
        problems.add(
            str(path),
            0,
            "",
            "empty-file",
            f"no header row; expected the columns: {', '.join(expected_columns)}",
        )
    return numbered


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
    numbered = content_lines(path, problems, required)
    if not numbered:
        return
    delimiter = delimiter_for(path)
    header_line, header_text = numbered[0]
    header = [h.strip() for h in _split(header_text, delimiter)]
    known = list(required) + list(optional)
    missing = [name for name in required if name not in header]
    unknown = [name for name in header if name not in known]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    for name in missing:
        problems.add(
            str(path),
            header_line,
            name,
            "missing-column",
            f"the header has no column '{name}'; required columns are: {', '.join(required)}",
        )
    for name in unknown:
        problems.add(
            str(path),
            header_line,
            name,
            "unknown-column",
            f"unknown column '{name}'; allowed columns are: {', '.join(known)}",
        )
    for name in duplicated:
        problems.add(
            str(path),
            header_line,
            name,
            "duplicate-column",
            f"column '{name}' appears more than once in the header",
        )
    if missing or unknown or duplicated:
        return
    for number, text in numbered[1:]:
        cells = _split(text, delimiter)
        if len(cells) > len(header):
            problems.add(
                str(path),
                number,
                "",
                "too-many-cells",
                f"{len(cells)} cells but the header has {len(header)} columns; "
                f"check for a stray {'comma' if delimiter == ',' else 'tab'} in this row",
            )
            continue
        cells += [""] * (len(header) - len(cells))
        yield Row(number, dict(zip(header, cells, strict=True)))


def _split(line: str, delimiter: str) -> list[str]:
    if delimiter == "\t":
        return line.split("\t")
    return next(csv.reader(io.StringIO(line), delimiter=delimiter))
