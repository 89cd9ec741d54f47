"""Finding and reading KGX files: a nodes/edges pair, TSV or JSON Lines, plain or gzipped.

A KGX graph is two files, ``{name}_nodes.tsv`` and ``{name}_edges.tsv`` (or ``nodes.tsv`` and
``edges.tsv``; or the same with ``.jsonl``; any of them ``.gz``). A file is recognised by its
header (TSV) or first object (JSON Lines): a nodes file has ``id`` and ``category``, an edges
file ``subject``, ``predicate`` and ``object`` (and no ``references`` column, which would make
it a metakg assertions table). Given either file of a pair, or a directory holding one pair,
:func:`find_files` returns both.

:func:`read_rows` streams one file: ``(line, row)`` pairs with exact 1-based line numbers,
reporting bad encoding, bad JSON and misshapen rows as problems. TSV multivalued cells are
split on ``|``; JSON Lines values are kept as they are (lists, numbers, booleans).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ingest.problems import Problems
from ingest.tabular import duplicate_columns

_NAME = re.compile(
    r"^(?P<stem>.*?)(?P<kind>nodes|edges)(?P<ext>\.tsv|\.jsonl)(?P<gz>\.gz)?$", re.IGNORECASE
)
_SUFFIXES = (".tsv", ".jsonl", ".tsv.gz", ".jsonl.gz")
#: Columns holding lists (``|``-joined in TSV).
MULTIVALUED = frozenset(
    {
        "category",
        "xref",
        "synonym",
        "in_taxon",
        "taxon",
        "provided_by",
        "publications",
        "evidence_types",
        "weak_synonym",
        "authors",
        "pages",
        "aggregator_knowledge_source",
        "knowledge_source",
    }
)
NODE_COLUMNS = frozenset({"id", "category"})
EDGE_COLUMNS = frozenset({"subject", "predicate", "object"})

Row = dict[str, Any]


class AmbiguousKgx(ValueError):
    """A directory with more than one KGX pair: the user must name one file."""


@dataclass(frozen=True)
class KgxFiles:
    """The files of one KGX graph; either may be missing."""

    nodes: Path | None
    edges: Path | None

    @property
    def files(self) -> tuple[Path, ...]:
        return tuple(p for p in (self.nodes, self.edges) if p is not None)

    @property
    def name(self) -> str:
        """The graph's name: the file stem before ``nodes``/``edges``, or the directory's."""
        first = self.files[0]
        match = _NAME.match(first.name)
        stem = match.group("stem").rstrip("_-. ") if match else ""
        return stem or first.parent.resolve().name or "kgx"


def is_jsonl(path: Path) -> bool:
    return path.name.lower().removesuffix(".gz").endswith(".jsonl")


def open_binary(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def kind_of(path: Path) -> str | None:
    """``"nodes"``, ``"edges"`` or None, from the header of a KGX-looking file."""
    if not path.is_file() or not path.name.lower().endswith(_SUFFIXES):
        return None
    try:
        with open_binary(path) as handle:
            first = b""
            for raw in handle:
                if raw.strip():
                    first = raw
                    break
        text = first.decode("utf-8").lstrip("\ufeff").strip()
        if is_jsonl(path):
            value = json.loads(text)
            columns = set(value) if isinstance(value, dict) else set()
        else:
            columns = {c.strip() for c in text.split("\t")}
    except (OSError, UnicodeDecodeError, ValueError, EOFError):
        return None
    if EDGE_COLUMNS <= columns and "references" not in columns:
        return "edges"
    if NODE_COLUMNS <= columns:
        return "nodes"
    return None


def find_files(path: Path) -> KgxFiles | None:
    """The KGX pair ``path`` belongs to (a file of it, or a directory holding it), or None."""
    if path.is_dir():
        found = {"nodes": [], "edges": []}  # type: dict[str, list[Path]]
        for child in sorted(path.iterdir()):
            kind = kind_of(child)
            if kind:
                found[kind].append(child)
        if not found["nodes"] and not found["edges"]:
            return None
        if len(found["nodes"]) > 1 or len(found["edges"]) > 1:
            names = ", ".join(p.name for p in (*found["nodes"], *found["edges"]))
            raise AmbiguousKgx(
                f"{path} holds more than one KGX nodes or edges file ({names}); pass one file "
                "of the pair you mean (its partner is found by name)"
            )
        return KgxFiles(next(iter(found["nodes"]), None), next(iter(found["edges"]), None))
    kind = kind_of(path)
    if kind is None:
        return None
    partner = _partner(path, kind)
    if kind == "nodes":
        return KgxFiles(path, partner)
    return KgxFiles(partner, path)


def _partner(path: Path, kind: str) -> Path | None:
    match = _NAME.match(path.name)
    if not match:
        return None
    other = "edges" if kind == "nodes" else "nodes"
    written = match.group("kind")
    other = other.upper() if written.isupper() else other
    name = match.group("stem") + other + match.group("ext") + (match.group("gz") or "")
    candidate = path.with_name(name)
    return candidate if kind_of(candidate) == other.lower() else None


def read_rows(
    path: Path, problems: Problems, *, on_bytes: Callable[[int], None] | None = None
) -> Iterator[tuple[int, Row]]:
    """Stream the rows of one KGX file with their line numbers."""
    reader = _jsonl_rows if is_jsonl(path) else _tsv_rows
    with open_binary(path) as handle:
        raw = getattr(handle, "fileobj", None)  # a gzip file: count compressed bytes
        if raw is not None and on_bytes is not None:
            on_bytes = _compressed(raw, on_bytes)
        yield from reader(path, handle, problems, on_bytes)


def _compressed(raw: IO[bytes], on_bytes: Callable[[int], None]) -> Callable[[int], None]:
    position = [raw.tell()]

    def advance(_: int) -> None:
        now = raw.tell()
        if now > position[0]:
            on_bytes(now - position[0])
            position[0] = now

    return advance


def _lines(
    path: Path,
    handle: IO[bytes],
    problems: Problems,
    on_bytes: Callable[[int], None] | None,
) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(handle, start=1):
        if on_bytes is not None:
            on_bytes(len(raw))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.add(
                str(path),
                number,
                "",
                "bad-encoding",
                f"byte 0x{raw[exc.start]:02x} on line {number} is not valid UTF-8; save the file "
                "as UTF-8 (nothing after this line was read)",
            )
            return
        if number == 1:
            text = text.lstrip("\ufeff")
        text = text.rstrip("\r\n")
        if text.strip():
            yield number, text


def _tsv_rows(
    path: Path,
    handle: IO[bytes],
    problems: Problems,
    on_bytes: Callable[[int], None] | None,
) -> Iterator[tuple[int, Row]]:
    header: list[str] | None = None
    for number, text in _lines(path, handle, problems, on_bytes):
        cells = text.split("\t")
        if header is None:
            header = [c.strip() for c in cells]
            if duplicate_columns(str(path), number, header, problems, kind="KGX"):
                return
            continue
        if len(cells) > len(header):
            problems.add(
                str(path),
                number,
                "",
                "too-many-cells",
                f"{len(cells)} cells but the header has {len(header)} columns; a value "
                "contains a tab, which KGX TSV does not allow (replace it by a space)",
            )
            continue
        cells += [""] * (len(header) - len(cells))
        yield (
            number,
            {
                name: (cell.split("|") if name in MULTIVALUED and cell else cell)
                for name, cell in zip(header, cells, strict=True)
                if cell.strip()
            },
        )


def _jsonl_rows(
    path: Path,
    handle: IO[bytes],
    problems: Problems,
    on_bytes: Callable[[int], None] | None,
) -> Iterator[tuple[int, Row]]:
    for number, text in _lines(path, handle, problems, on_bytes):
        try:
            value = json.loads(text)
        except ValueError as exc:
            problems.add(
                str(path),
                number,
                "",
                "bad-json",
                f"line {number} is not a JSON object ({exc}); KGX JSON Lines has one object per "
                "line",
            )
            continue
        if not isinstance(value, dict):
            problems.add(
                str(path),
                number,
                "",
                "bad-json",
                f"line {number} holds a JSON {type(value).__name__}, not an object",
            )
            continue
        yield number, {k: v for k, v in value.items() if v not in (None, "", [])}


def text(row: Row, column: str) -> str:
    """One value of ``column`` as text ('' when absent); a list gives its first item."""
    value = row.get(column, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def values(row: Row, column: str) -> list[str]:
    """Every value of ``column`` as text (a TSV cell is split on ``|``)."""
    value = row.get(column)
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in items if str(v).strip()]


#: KGX node columns read as metakg node properties (``graph.vocab.MKG_TERMS`` names).
NODE_PROPERTIES = {
    "full_name": "fullName",
    "order": "order",
    "scheme": "scheme",
    "capillary_bed_role": "capillaryBedRole",
    "spread_route": "spreadRoute",
    "venous_drainage": "venousDrainage",
    "reference_number": "referenceNumber",
    "authors": "authors",
    "journal": "journal",
    "volume": "volume",
    "pages": "pages",
    "year": "year",
    "retracted": "retracted",
    "retraction_note": "retractionNote",
    "identifier_source": "identifierSource",
    "publisher": "publisher",
    "url": "url",
    "seen": "seen",
}
_INTEGER = frozenset({"order", "year", "referenceNumber"})
_BOOLEAN = frozenset({"retracted"})
_LIST_JOIN = {"authors": "; "}


def node_properties(
    row: Row,
) -> tuple[tuple[tuple[str, object], ...], list[tuple[str, Any, str]]]:
    """The metakg node properties of a nodes row, sorted, and the cells that did not read as
    their type: ``(column, value, what was expected)``."""
    found: list[tuple[str, object]] = []
    bad: list[tuple[str, Any, str]] = []
    for column, name in NODE_PROPERTIES.items():
        raw: Any = row.get(column)
        if raw is None:
            continue
        if isinstance(raw, list):
            raw = _LIST_JOIN.get(name, ", ").join(str(v) for v in raw)
        value = _typed(name, raw)
        if value is None:
            bad.append((column, raw, "a whole number" if name in _INTEGER else "true or false"))
        else:
            found.append((name, value))
    return tuple(sorted(found)), bad


def _typed(name: str, raw: Any) -> object | None:
    if name in _BOOLEAN:
        if isinstance(raw, bool):
            return raw
        folded = str(raw).strip().casefold()
        return {"true": True, "false": False}.get(folded)
    if name in _INTEGER:
        if isinstance(raw, bool):
            return None
        try:
            return int(str(raw).strip())
        except ValueError:
            return None
    return str(raw).strip() if not isinstance(raw, (int, float)) else raw
