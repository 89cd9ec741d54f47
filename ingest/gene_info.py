"""NCBI ``gene_info``: the gene dictionary (symbols, synonyms, HGNC and Ensembl cross-references).

The file is tab-separated, plain or gzip-compressed, with one header line. Two header styles
exist: the older ``#Format: tax_id GeneID Symbol ... (tab is used as a separator, ...)``
(names separated by spaces) and the newer ``#tax_id<TAB>GeneID<TAB>Symbol...``. Columns are
found by name, so extra columns in newer files (``Feature_type``) are simply ignored. A cell
holding ``-`` means "no value".

The file is streamed line by line: a human ``gene_info`` has about 60,000 rows and only the
GeneIDs already seen (for the duplicate check) are kept in memory.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from graph.model import NodeRecord, Record, SourceLocation
from graph.vocab import Category
from ingest.problems import Level, Problems
from ingest.registry import register

#: Columns the ingestor reads; any others are ignored.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "tax_id",
    "GeneID",
    "Symbol",
    "Synonyms",
    "dbXrefs",
    "description",
    "type_of_gene",
    "Symbol_from_nomenclature_authority",
    "Full_name_from_nomenclature_authority",
)

NONE_VALUE = "-"
VALUE_SEPARATOR = "|"
GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
#: After this many undecodable lines the file is clearly not UTF-8: stop reading it.
MAX_ENCODING_PROBLEMS = 10

_FORMAT_PREFIX = "#Format:"
_SNIFF_PREFIXES = ("#Format: tax_id GeneID", "#tax_id\tGeneID")
_MICRORNA_SYMBOL = re.compile(r"^(MIR[0-9]|MIRLET7)(?!.*HG$)")
#: dbXrefs databases kept as node xrefs, and the CURIE prefix each becomes.
_XREF_PREFIXES: Mapping[str, str] = {"HGNC": "HGNC", "Ensembl": "ENSEMBL"}


# --------------------------------------------------------------------------- pure helpers


def iter_dbxrefs(cell: str) -> Iterator[tuple[str, str]]:
    """Every ``(database, local id)`` pair of a dbXrefs cell, in file order.

    ``HGNC:HGNC:2500`` gives ``("HGNC", "2500")`` (NCBI repeats the prefix inside the id);
    ``-`` and entries without a ``:`` give nothing.
    """
    for entry in _split_values(cell):
        database, sep, local = entry.partition(":")
        database, local = database.strip(), local.strip()
        if not sep or not database or not local:
            continue
        if local.upper().startswith(database.upper() + ":"):
            local = local[len(database) + 1 :]
        yield database, local


def parse_dbxrefs(cell: str) -> dict[str, str]:
    """A dbXrefs cell as ``{database: local id}``; the first id wins when a database repeats.

    >>> parse_dbxrefs("MIM:121009|HGNC:HGNC:2500|Ensembl:ENSG00000118523")
    {'MIM': '121009', 'HGNC': '2500', 'Ensembl': 'ENSG00000118523'}
    """
    result: dict[str, str] = {}
    for database, local in iter_dbxrefs(cell):
        result.setdefault(database, local)
    return result


def node_xrefs(cell: str) -> tuple[str, ...]:
    """The HGNC and Ensembl cross-references of a dbXrefs cell as CURIEs (all of them)."""
    xrefs: list[str] = []
    for database, local in iter_dbxrefs(cell):
        prefix = _XREF_PREFIXES.get(database)
        curie = f"{prefix}:{local}" if prefix else None
        if curie and curie not in xrefs:
            xrefs.append(curie)
    return tuple(xrefs)


def split_synonyms(cell: str) -> tuple[str, ...]:
    """The ``|``-separated values of a Synonyms cell; ``-`` means none. Duplicates dropped."""
    return tuple(dict.fromkeys(_split_values(cell)))


def is_microrna(symbol: str, type_of_gene: str) -> bool:
    """True for an ncRNA named like a microRNA gene (``MIR10B``, ``MIRLET7A1``), not a host
    gene (``MIR17HG``)."""
    return type_of_gene == "ncRNA" and _MICRORNA_SYMBOL.match(symbol) is not None


def parse_header(line: str) -> list[str] | None:
    """Column names of a gene_info header line, or None when ``line`` is not a header.

    Accepts ``#Format: tax_id GeneID ... (comment)``, ``#tax_id<TAB>GeneID...`` and the
    same without the ``#``.
    """
    text = line.strip()
    if text.startswith(_FORMAT_PREFIX):
        names = text[len(_FORMAT_PREFIX) :].split("(", 1)[0].split()
    else:
        names = [name.strip() for name in text.lstrip("#").split("\t")]
    if not names or names[0] != "tax_id":
        return None
    return names


def sniff_gene_info(path: Path) -> bool:
    """A file named ``*gene_info*`` (``.gz`` or not), or one starting with a gene_info header."""
    if "gene_info" in path.name:
        return path.is_file()
    if not path.is_file():
        return False
    try:
        with open_binary(path) as handle:
            first = handle.readline(4096)
    except (OSError, EOFError, zlib.error):
        return False
    text = first.removeprefix(UTF8_BOM).decode("utf-8", errors="replace")
    return text.startswith(_SNIFF_PREFIXES)


# --------------------------------------------------------------------------- the ingestor


@dataclass(frozen=True, slots=True)
class _Columns:
    """Where each column the ingestor reads sits in a row, and how wide a row must be."""

    width: int
    index: Mapping[str, int]

    @classmethod
    def from_names(cls, names: Sequence[str]) -> _Columns:
        index: dict[str, int] = {}
        for position, name in enumerate(names):
            index.setdefault(name, position)
        return cls(len(names), index)

    def cell(self, cells: Sequence[str], name: str) -> str:
        return cells[self.index[name]].strip()


@register(
    "ncbi_gene_info",
    sniff=sniff_gene_info,
    role="dictionary",
    description=(
        "NCBI gene_info table (plain or .gz): one gene or microRNA node per GeneID, with "
        "HGNC/Ensembl xrefs and NCBI synonyms as weak synonyms"
    ),
)
def ingest_gene_info(path: Path, problems: Problems) -> Iterator[Record]:
    """Yield one :class:`NodeRecord` per row of an NCBI ``gene_info`` file."""
    for row in iter_gene_rows(path, problems):
        yield row.node


@dataclass(frozen=True, slots=True)
class GeneRow:
    """One row of gene_info: its node and NCBI's ``type_of_gene`` (protein-coding, ncRNA ...)."""

    node: NodeRecord
    type_of_gene: str


def iter_gene_rows(path: Path, problems: Problems) -> Iterator[GeneRow]:
    """Every usable row of a ``gene_info`` file, of the first row's organism, in file order."""
    file = str(path)
    lines = _decoded_lines(path, problems)
    columns: _Columns | None = None
    seen: dict[str, int] = {}
    number = 0
    taxon: str | None = None
    other_taxa: dict[str, int] = {}
    for number, text in lines:
        if columns is None:
            if number != 1:
                return  # the header line itself was not UTF-8 (already reported)
            columns = _read_header(file, number, text, problems)
            if columns is None:
                return
            continue
        if not text.strip() or text.startswith("#"):
            continue
        node = _row_to_node(file, number, text, columns, seen, problems)
        if node is None:
            continue
        # One organism per file: the first row's. NCBI's human file also lists a few
        # archaic-human mitochondrial genes (COX2, ND1 ...) whose symbols would clash.
        taxon = taxon or node.taxon
        if node.taxon != taxon:
            other_taxa[node.taxon or ""] = other_taxa.get(node.taxon or "", 0) + 1
            continue
        yield GeneRow(node, columns.cell(text.split("\t"), "type_of_gene"))
    if other_taxa:
        problems.add(
            file,
            0,
            "tax_id",
            "other-taxon",
            f"kept only {taxon} (the first row's organism); skipped "
            + ", ".join(f"{n} row(s) of {t}" for t, n in sorted(other_taxa.items())),
            Level.WARNING,
        )
    if number == 0 and not any(problem.file == file for problem in problems):
        problems.add(
            file,
            0,
            "",
            "empty-file",
            "the file is empty; expected a gene_info header line starting with "
            "'#Format: tax_id GeneID' or '#tax_id<TAB>GeneID'",
        )


def _read_header(file: str, number: int, text: str, problems: Problems) -> _Columns | None:
    names = parse_header(text)
    if names is None:
        problems.add(
            file,
            number,
            "",
            "missing-column",
            "the first line is not a gene_info header; expected '#Format: tax_id GeneID "
            "Symbol ...' or '#tax_id<TAB>GeneID<TAB>Symbol...' (download the file again "
            "from https://ftp.ncbi.nlm.nih.gov/gene/DATA/GENE_INFO/)",
        )
        return None
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    for name in missing:
        problems.add(
            file,
            number,
            name,
            "missing-column",
            f"the header has no column '{name}'; a gene_info header needs: "
            f"{', '.join(REQUIRED_COLUMNS)}",
        )
    return None if missing else _Columns.from_names(names)


def _row_to_node(
    file: str,
    number: int,
    text: str,
    columns: _Columns,
    seen: dict[str, int],
    problems: Problems,
) -> NodeRecord | None:
    cells = text.split("\t")
    if len(cells) != columns.width:
        problems.add(
            file,
            number,
            "",
            "bad-row",
            f"{len(cells)} tab-separated cells but the header has {columns.width} columns; "
            "the row is cut short or has a stray tab",
        )
        return None
    gene_id = _checked_number(file, number, columns, cells, "GeneID", problems)
    tax_id = _checked_number(file, number, columns, cells, "tax_id", problems)
    symbol = columns.cell(cells, "Symbol")
    if symbol in ("", NONE_VALUE):
        problems.add(file, number, "Symbol", "missing-value", "the row has no gene symbol")
        return None
    if gene_id is None or tax_id is None:
        return None
    if gene_id in seen:
        problems.add(
            file,
            number,
            "GeneID",
            "duplicate-key",
            f"GeneID {gene_id} already appears at line {seen[gene_id]}; keep one of the rows",
        )
        return None
    seen[gene_id] = number
    return _node(columns, cells, gene_id, tax_id, symbol, SourceLocation(file, number))


def _checked_number(
    file: str,
    number: int,
    columns: _Columns,
    cells: Sequence[str],
    name: str,
    problems: Problems,
) -> str | None:
    value = columns.cell(cells, name)
    if value.isascii() and value.isdigit():
        return str(int(value))
    problems.add(
        file,
        number,
        name,
        "bad-id",
        f"{name} {value!r} is not a number; {name} must be digits only (for example 1490)",
    )
    return None


def _node(
    columns: _Columns,
    cells: Sequence[str],
    gene_id: str,
    tax_id: str,
    symbol: str,
    source: SourceLocation,
) -> NodeRecord:
    category = (
        Category.MICRORNA
        if is_microrna(symbol, columns.cell(cells, "type_of_gene"))
        else Category.GENE
    )
    return NodeRecord(
        id=f"NCBIGene:{gene_id}",
        category=category,
        label=symbol,
        source=source,
        symbol=symbol,
        xrefs=node_xrefs(columns.cell(cells, "dbXrefs")),
        description=_full_name(columns, cells),
        taxon=f"NCBITaxon:{tax_id}",
        weak_synonyms=_weak_synonyms(columns, cells, symbol),
    )


def _full_name(columns: _Columns, cells: Sequence[str]) -> str:
    for name in ("Full_name_from_nomenclature_authority", "description"):
        value = columns.cell(cells, name)
        if value and value != NONE_VALUE:
            return value
    return ""


def _weak_synonyms(columns: _Columns, cells: Sequence[str], symbol: str) -> tuple[str, ...]:
    names = list(split_synonyms(columns.cell(cells, "Synonyms")))
    official = columns.cell(cells, "Symbol_from_nomenclature_authority")
    if official not in ("", NONE_VALUE, symbol):
        names.append(official)
    return tuple(name for name in dict.fromkeys(names) if name != symbol)


def _split_values(cell: str) -> list[str]:
    cell = cell.strip()
    if cell in ("", NONE_VALUE):
        return []
    return [
        part.strip()
        for part in cell.split(VALUE_SEPARATOR)
        if part.strip() and part.strip() != NONE_VALUE
    ]


# --------------------------------------------------------------------------- reading


def open_binary(path: Path) -> AbstractContextManager[BinaryIO]:
    """Open ``path`` for reading bytes, decompressing it when it starts with the gzip magic."""
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == GZIP_MAGIC:
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _raw_lines(path: Path, problems: Problems) -> Iterator[tuple[int, bytes]]:
    """``(line number, bytes)`` pairs; an unreadable or truncated file becomes a problem."""
    number = 0
    try:
        with open_binary(path) as handle:
            for number, raw in enumerate(handle, start=1):
                yield number, raw
    except (OSError, EOFError, zlib.error) as exc:
        problems.add(
            str(path),
            number + 1,
            "",
            "unreadable-file",
            f"the file could not be read past line {number}: {exc}; if it is gzip-compressed, "
            "download it again (it may be truncated)",
        )


def _decoded_lines(path: Path, problems: Problems) -> Iterator[tuple[int, str]]:
    """UTF-8 text lines without their line ending; undecodable lines are reported, skipped."""
    bad = 0
    for number, raw in _raw_lines(path, problems):
        if number == 1:
            raw = raw.removeprefix(UTF8_BOM)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad += 1
            _report_encoding(str(path), number, raw, exc, bad, problems)
            if bad >= MAX_ENCODING_PROBLEMS:
                return
            continue
        yield number, text.rstrip("\r\n")


def _report_encoding(
    file: str, number: int, raw: bytes, exc: UnicodeDecodeError, bad: int, problems: Problems
) -> None:
    stop = (
        f"; stopped reading after {bad} such lines (is the file UTF-8?)"
        if bad >= MAX_ENCODING_PROBLEMS
        else ""
    )
    problems.add(
        file,
        number,
        "",
        "bad-encoding",
        f"byte 0x{raw[exc.start]:02x} at line {number}, column {exc.start + 1} is not valid "
        f"UTF-8; save the file as UTF-8{stop}",
    )
