"""The shipped human gene table: resolving genes outside the curated set without extra files.

``ingest/data/human_genes.tsv.gz`` is a compact extract of NCBI's ``Homo_sapiens.gene_info``:
the protein-coding and ncRNA genes (microRNAs included) that carry an HGNC id, each with its
NCBI Gene id, symbol, HGNC id, NCBI synonyms and full name. Its ``#`` header records the source
file (name, SHA-256, row count, newest ``Modification_date``) and how to regenerate it:

    python -m ingest.gene_table PATH/Homo_sapiens.gene_info.gz ingest/data/human_genes.tsv.gz

When a build has no ``gene_info`` source, the pipeline asks :func:`resolve` for a gene name the
curated tables do not know: the symbol first, then NCBI's synonyms at low priority (the tiers
of :class:`~graph.names.NameIndex`), so a curated alias always wins (COX2 stays PTGS2). A hit
that is a curated gene under another name (a 2016 symbol such as CTGF for CCN2) resolves to
the curated node; any other hit adds that one gene to the graph, nothing more. A symbol given
after the table's date is not in it: use the older symbol or pass a newer gene_info.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from graph.model import NodeRecord, SourceLocation
from graph.names import NameIndex, Resolution, fold
from graph.vocab import GENE_LIKE, Category
from ingest.gene_info import iter_gene_rows, open_binary, parse_header
from ingest.problems import Problems

DATA_DIR = Path(__file__).resolve().parent / "data"
TABLE = DATA_DIR / "human_genes.tsv.gz"
#: How the table is named in a node's source and in messages.
DISPLAY = "ingest/data/human_genes.tsv.gz"
COLUMNS = ("gene_id", "symbol", "kind", "hgnc", "synonyms", "name")
#: NCBI ``type_of_gene`` values kept (microRNA genes are ncRNA).
KEPT_TYPES = ("protein-coding", "ncRNA")
SYNONYM_SEPARATOR = "|"
TAXON = "NCBITaxon:9606"
_KINDS = {"gene": Category.GENE, "mirna": Category.MICRORNA}


@dataclass(frozen=True, slots=True)
class _Gene:
    gene_id: str
    symbol: str
    kind: str
    hgnc: str
    synonyms: tuple[str, ...]
    name: str
    line: int

    def node(self, display: str) -> NodeRecord:
        return NodeRecord(
            id=f"NCBIGene:{self.gene_id}",
            category=_KINDS[self.kind],
            label=self.symbol,
            source=SourceLocation(display, self.line),
            symbol=self.symbol,
            xrefs=(self.hgnc,),
            description=self.name,
            taxon=TAXON,
            weak_synonyms=self.synonyms,
        )


class GeneTable:
    """The rows of a gene table, indexed by folded symbol and synonym (nothing else is built)."""

    def __init__(self, genes: Iterable[_Gene], display: str, header: Sequence[str]) -> None:
        self.display = display
        self.header = tuple(header)
        self._by_name: dict[str, list[_Gene]] = defaultdict(list)
        self._count = 0
        for gene in genes:
            self._count += 1
            for name in (gene.symbol, *gene.synonyms):
                self._by_name[fold(name)].append(gene)

    def __len__(self) -> int:
        return self._count

    def candidates(self, name: str) -> list[NodeRecord]:
        """Nodes of every gene whose symbol or synonym is ``name`` (case-insensitive)."""
        genes = dict.fromkeys(self._by_name.get(fold(name), ()))
        return [gene.node(self.display) for gene in genes]


def read_table(path: Path = TABLE, display: str = DISPLAY) -> GeneTable:
    """Read a gene table written by :func:`build_table` (cached per path)."""
    return _read_cached(path.resolve(), display)


@lru_cache(maxsize=4)
def _read_cached(path: Path, display: str) -> GeneTable:
    header: list[str] = []
    genes: list[_Gene] = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        columns: list[str] | None = None
        for number, line in enumerate(handle, start=1):
            text = line.rstrip("\n")
            if text.startswith("#"):
                header.append(text[1:].strip())
                continue
            cells = text.split("\t")
            if columns is None:
                columns = cells
                if tuple(columns) != COLUMNS:
                    raise ValueError(
                        f"{path}:{number}: the header is {columns}; expected the columns "
                        f"{', '.join(COLUMNS)}: regenerate the table with "
                        "`python -m ingest.gene_table PATH/Homo_sapiens.gene_info.gz OUT`"
                    )
                continue
            row = dict(zip(columns, cells, strict=True))
            synonyms = row["synonyms"].split(SYNONYM_SEPARATOR) if row["synonyms"] else []
            genes.append(
                _Gene(
                    row["gene_id"],
                    row["symbol"],
                    row["kind"],
                    row["hgnc"],
                    tuple(synonyms),
                    row["name"],
                    number,
                )
            )
    return GeneTable(genes, display, header)


def resolve(
    name: str,
    categories: Iterable[Category],
    known: Mapping[str, NodeRecord],
    table: GeneTable | None = None,
    known_ids: Mapping[str, str] | None = None,
) -> tuple[Resolution, NodeRecord | None]:
    """Look ``name`` up in the gene table.

    Returns the resolution and, when it names a gene the graph does not have yet, that gene's
    node to add. A gene already in ``known`` (same NCBI Gene id or HGNC id) resolves to the
    node in ``known``. Two genes answering in the same tier make the name ambiguous.
    ``known_ids`` (every id and xref of the genes in ``known`` -> the gene's id), when given,
    replaces a scan of ``known`` (see :func:`gene_ids`).
    """
    wanted = tuple(c for c in categories if c in GENE_LIKE)
    if not wanted:
        return Resolution(name, None, ()), None
    table = table or read_table()
    candidates = table.candidates(name)
    if not candidates:
        return Resolution(name, None, ()), None
    found = NameIndex(candidates).resolve(name, wanted)
    if found.node_id is None:
        return found, None
    node = next(n for n in candidates if n.id == found.node_id)
    existing = _known_gene(node, known, known_ids)
    if existing is not None:
        return Resolution(name, existing, (existing,)), None
    return found, node


def gene_ids(nodes: Iterable[NodeRecord]) -> dict[str, str]:
    """Every id and xref of the gene-like ``nodes`` -> that node's id."""
    return {
        key: node.id
        for node in nodes
        if node.category in GENE_LIKE
        for key in (node.id, *node.xrefs)
    }


def _known_gene(
    node: NodeRecord, known: Mapping[str, NodeRecord], known_ids: Mapping[str, str] | None
) -> str | None:
    if node.id in known:
        return node.id
    if known_ids is not None:
        return next((known_ids[k] for k in (node.id, *node.xrefs) if k in known_ids), None)
    ids = {node.id, *node.xrefs}
    for other in known.values():
        if other.category in GENE_LIKE and ids & {other.id, *other.xrefs}:
            return other.id
    return None


# --- building the table ------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    rows_read: int
    rows_kept: int
    newest: str
    sha256: str


def build_table(gene_info: Path, problems: Problems) -> tuple[bytes, Summary]:
    """The gzip bytes of a gene table made from ``gene_info``, and what went into it."""
    rows_read = 0
    kept: list[str] = []
    for row in iter_gene_rows(gene_info, problems):
        rows_read += 1
        node = row.node
        hgnc = next((x for x in node.xrefs if x.startswith("HGNC:")), None)
        if row.type_of_gene not in KEPT_TYPES or hgnc is None:
            continue
        kind = "mirna" if node.category is Category.MICRORNA else "gene"
        synonyms = SYNONYM_SEPARATOR.join(s for s in node.weak_synonyms if "\t" not in s)
        cells = (node.id.removeprefix("NCBIGene:"), node.label, kind, hgnc, synonyms)
        kept.append("\t".join((*cells, node.description.replace("\t", " "))))
    summary = Summary(rows_read, len(kept), _newest_date(gene_info), _sha256(gene_info))
    text = io.StringIO()
    for line in _header(gene_info, summary):
        text.write(f"# {line}\n")
    text.write("\t".join(COLUMNS) + "\n")
    for line in kept:
        text.write(line + "\n")
    buffer = io.BytesIO()
    # mtime=0 and no file name: the same gene_info always gives the same bytes.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    return buffer.getvalue(), summary


def _header(gene_info: Path, summary: Summary) -> list[str]:
    newest = summary.newest
    shown = f"{newest[:4]}-{newest[4:6]}-{newest[6:]}" if len(newest) == 8 else "unknown"
    return [
        "metakg human gene table: symbol, NCBI synonyms, HGNC and NCBI Gene ids, full name",
        f"source: NCBI {gene_info.name}, sha256 {summary.sha256}, {summary.rows_read} human rows",
        f"source date: newest Modification_date in the file is {shown}",
        f"kept: {' and '.join(KEPT_TYPES)} genes with an HGNC id ({summary.rows_kept} rows)",
        f"regenerate: python -m ingest.gene_table PATH/{gene_info.name} {DISPLAY}",
    ]


def _newest_date(gene_info: Path) -> str:
    """The newest ``Modification_date`` (YYYYMMDD) in the file, '' when it has none."""
    newest = b""
    with open_binary(gene_info) as handle:
        names = parse_header(handle.readline().decode("utf-8", errors="replace")) or []
        if "Modification_date" not in names:
            return ""
        column = names.index("Modification_date")
        for raw in handle:
            cells = raw.rstrip(b"\r\n").split(b"\t")
            if len(cells) > column and cells[column].isdigit():
                newest = max(newest, cells[column])
    return newest.decode("ascii")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ingest.gene_table GENE_INFO OUT``: write the compact human gene table."""
    parser = argparse.ArgumentParser(
        prog="python -m ingest.gene_table",
        description="Make the shipped human gene table from NCBI's Homo_sapiens.gene_info(.gz).",
    )
    parser.add_argument("gene_info", type=Path, help="NCBI Homo_sapiens.gene_info(.gz)")
    parser.add_argument("output", type=Path, help=f"where to write (normally {DISPLAY})")
    args = parser.parse_args(argv)
    problems = Problems()
    data, summary = build_table(args.gene_info, problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems.errors or summary.rows_kept == 0:
        print("nothing written: the gene_info file had errors or no usable row", file=sys.stderr)
        return 1
    args.output.write_bytes(data)
    print(
        f"{args.output}: {summary.rows_kept} of {summary.rows_read} genes, "
        f"{len(data) / 1e6:.2f} MB",
        file=sys.stderr,
    )
    return 0


__all__ = ["COLUMNS", "GeneTable", "TABLE", "build_table", "main", "read_table", "resolve"]


if __name__ == "__main__":
    sys.exit(main())
