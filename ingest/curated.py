"""The curated knowledge base: a directory of node tables and assertion tables.

``ingest/data/`` is such a directory, and a user's own directory may be one too. Node tables
are recognised by name (``genes.tsv``, ``organs.tsv`` ...; see ``docs/sources.md``); every
other table in the directory or in its ``assertions/`` folder is read as an assertions table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from graph.model import NodeRecord, Record, SourceLocation, SubclassRecord
from graph.vocab import Category, GeneClassScheme
from ingest.assertions import read_assertions
from ingest.documented_sources import read_sources
from ingest.problems import Problems
from ingest.references import read_references_tsv, reference_node
from ingest.registry import register
from ingest.tabular import Row, read_table

TABLE_SUFFIXES = (".tsv", ".csv", ".tab")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_TAXA = {"human": "NCBITaxon:9606", "mouse": "NCBITaxon:10090"}
#: How tumour cells reach an organ (``route`` in organs.tsv, ``mkg:spreadRoute`` in the graph):
#: through the blood, through afferent lymphatics to regional nodes, or across a body cavity.
SPREAD_ROUTES = ("haematogenous", "lymphatic", "transcoelomic")


def default_data_dir() -> Path:
    """The curated sources shipped inside the package."""
    return Path(str(resources.files("ingest") / "data"))


@dataclass(frozen=True)
class _Curie:
    prefix: str
    pattern: re.Pattern[str]
    example: str

    def check(self, value: str, file: str, row: Row, field: str, problems: Problems) -> str | None:
        if not value:
            return None
        if not self.pattern.match(value):
            problems.add(
                file,
                row.line,
                field,
                "bad-curie",
                f"'{value}' is not a valid {self.prefix} CURIE; expected the form {self.example} "
                "(leave the cell empty if the identifier is not verified)",
            )
            return None
        return value


HGNC = _Curie("HGNC", re.compile(r"^HGNC:\d{1,6}$"), "HGNC:3443")
NCBIGENE = _Curie("NCBIGene", re.compile(r"^NCBIGene:\d+$"), "NCBIGene:2069")
UBERON = _Curie("UBERON", re.compile(r"^UBERON:\d{7}$"), "UBERON:0002048")
DOID = _Curie("DOID", re.compile(r"^DOID:\d+$"), "DOID:1612")


class _Table:
    """Shared bookkeeping for one node table: required cells, unique keys, choices."""

    def __init__(self, path: Path, problems: Problems, key: str) -> None:
        self.file = str(path)
        self.problems = problems
        self.key = key
        self.seen: dict[str, int] = {}

    def need(self, row: Row, name: str) -> str:
        value = row.get(name)
        if not value:
            self.problems.add(
                self.file, row.line, name, "missing-value", f"'{name}' is empty; it is required"
            )
        return value

    def unique(self, row: Row) -> str | None:
        value = self.need(row, self.key)
        if not value:
            return None
        folded = value.casefold()
        if folded in self.seen:
            self.problems.add(
                self.file,
                row.line,
                self.key,
                "duplicate-key",
                f"'{value}' is already defined on line {self.seen[folded]}; "
                f"each {self.key} must be unique",
            )
            return None
        self.seen[folded] = row.line
        return value

    def slug(self, row: Row) -> str | None:
        value = self.unique(row)
        if value and not _SLUG.match(value):
            self.problems.add(
                self.file,
                row.line,
                self.key,
                "bad-id",
                f"'{value}' is not a valid short id: use lower-case letters, digits and _",
            )
            return None
        return value

    def choice(
        self, row: Row, name: str, choices: tuple[str, ...], default: str = ""
    ) -> str | None:
        value = row.get(name) or default
        if value not in choices:
            self.problems.add(
                self.file,
                row.line,
                name,
                "bad-value",
                f"'{value}' is not allowed in '{name}'; expected one of: {', '.join(choices)}",
            )
            return None
        return value

    def order(self, row: Row, name: str, *, required: bool) -> int | None:
        value = row.get(name)
        if not value:
            if required:
                self.need(row, name)
            return None
        if not value.isdigit() or int(value) < 1:
            self.problems.add(
                self.file,
                row.line,
                name,
                "bad-value",
                f"'{value}' is not a positive whole number",
            )
            return None
        return int(value)

    def where(self, row: Row) -> SourceLocation:
        return SourceLocation(self.file, row.line)


def read_genes(path: Path, problems: Problems) -> Iterator[Record]:
    table = _Table(path, problems, "symbol")
    required = ("symbol", "kind", "name", "aliases", "hgnc", "ncbigene", "taxon", "note")
    for row in read_table(path, problems, required=required):
        symbol = table.unique(row)
        kind = table.choice(row, "kind", ("gene", "mirna"))
        taxon = table.choice(row, "taxon", tuple(_TAXA))
        hgnc = HGNC.check(row.get("hgnc"), table.file, row, "hgnc", problems)
        ncbi = NCBIGENE.check(row.get("ncbigene"), table.file, row, "ncbigene", problems)
        if (
            not (symbol and kind and taxon)
            or (row.get("hgnc") and not hgnc)
            or (row.get("ncbigene") and not ncbi)
        ):
            continue
        node_id = ncbi or hgnc or f"metakg:gene/{symbol}"
        yield NodeRecord(
            id=node_id,
            category=Category.MICRORNA if kind == "mirna" else Category.GENE,
            label=symbol,
            symbol=symbol,
            source=table.where(row),
            synonyms=row.multi("aliases"),
            xrefs=tuple(x for x in (hgnc, ncbi) if x and x != node_id),
            description=row.get("note"),
            taxon=_TAXA[taxon],
            properties=(("fullName", row.get("name")),) if row.get("name") else (),
        )


def _simple_table(
    category: Category,
    prefix: str,
    columns: tuple[str, ...],
    extra: Callable[[_Table, Row], tuple[tuple[str, object], ...] | None] | None = None,
    description_column: str = "definition",
) -> Callable[[Path, Problems], Iterator[Record]]:
    """A reader for tables keyed by a short ``id`` with a label and a definition."""

    def read(path: Path, problems: Problems) -> Iterator[Record]:
        table = _Table(path, problems, "id")
        for row in read_table(path, problems, required=columns):
            slug = table.slug(row)
            label = table.need(row, "label")
            properties = extra(table, row) if extra else ()
            if not slug or not label or properties is None:
                continue
            yield NodeRecord(
                id=f"metakg:{prefix}/{slug}",
                category=category,
                label=label,
                source=table.where(row),
                description=row.get(description_column),
                properties=properties,
            )

    return read


def _class_extra(table: _Table, row: Row) -> tuple[tuple[str, object], ...] | None:
    scheme = table.choice(row, "scheme", tuple(s.value for s in GeneClassScheme))
    return (("scheme", scheme),) if scheme else None


def _step_extra(table: _Table, row: Row) -> tuple[tuple[str, object], ...] | None:
    order = table.order(row, "order", required=False)
    if row.get("order") and order is None:
        return None
    return (("order", order),) if order else ()


def _latency_extra(table: _Table, row: Row) -> tuple[tuple[str, object], ...] | None:
    order = table.order(row, "order", required=True)
    return (("order", order),) if order else None


read_gene_classes = _simple_table(
    Category.GENE_CLASS, "class", ("id", "label", "scheme", "definition"), _class_extra
)
read_barrier_types = _simple_table(Category.BARRIER_TYPE, "barrier", ("id", "label", "definition"))
read_latency_classes = _simple_table(
    Category.LATENCY_CLASS, "latency", ("id", "order", "label", "definition"), _latency_extra
)
read_pathways = _simple_table(
    Category.PATHWAY, "pathway", ("id", "label", "description"), description_column="description"
)


def read_cascade_steps(path: Path, problems: Problems) -> Iterator[Record]:
    columns = ("id", "order", "label", "glossary_term", "definition")
    orders: list[tuple[int, int]] = []
    for node in _simple_table(Category.CASCADE_STEP, "step", columns, _step_extra)(path, problems):
        order = node.prop("order")
        if isinstance(order, int):
            orders.append((order, node.source.line))
        yield node
    # The ordered steps must be numbered 1..n, each number once.
    numbers = sorted(n for n, _ in orders)
    if numbers != list(range(1, len(numbers) + 1)):
        problems.add(
            str(path),
            max(line for _, line in orders),
            "order",
            "bad-order",
            f"ordered steps must be numbered 1 to {len(numbers)} once each; found "
            f"{', '.join(map(str, numbers))}",
        )


def read_organs(path: Path, problems: Problems) -> Iterator[Record]:
    table = _Table(path, problems, "id")
    columns = ("id", "label", "uberon", "route", "capillary_bed_role", "description")
    for row in read_table(path, problems, required=columns):
        slug = table.slug(row)
        label = table.need(row, "label")
        uberon = UBERON.check(row.get("uberon"), table.file, row, "uberon", problems)
        route = table.choice(row, "route", SPREAD_ROUTES)
        if not slug or not label or not route or (row.get("uberon") and not uberon):
            continue
        role = row.get("capillary_bed_role")
        properties = (("capillaryBedRole", role),) if role else ()
        yield NodeRecord(
            id=uberon or f"metakg:organ/{slug}",
            category=Category.ORGAN,
            label=label,
            source=table.where(row),
            synonyms=(slug,) if slug != label.casefold() else (),
            description=row.get("description"),
            properties=(*properties, ("spreadRoute", route)),
        )


def read_cancer_types(path: Path, problems: Problems) -> Iterator[Record]:
    table = _Table(path, problems, "id")
    columns = ("id", "label", "doid", "parent", "venous_drainage", "aliases", "description")
    ids: dict[str, str] = {}
    parents: list[tuple[str, str, Row]] = []
    for row in read_table(path, problems, required=columns):
        slug = table.slug(row)
        label = table.need(row, "label")
        doid = DOID.check(row.get("doid"), table.file, row, "doid", problems)
        drainage = table.choice(row, "venous_drainage", ("systemic", "portal", "none"), "none")
        if not slug or not label or not drainage or (row.get("doid") and not doid):
            continue
        node_id = doid or f"metakg:cancer/{slug}"
        ids[slug] = node_id
        if row.get("parent"):
            parents.append((node_id, row.get("parent"), row))
        synonyms = tuple(dict.fromkeys((slug, *row.multi("aliases"))))
        yield NodeRecord(
            id=node_id,
            category=Category.CANCER_TYPE,
            label=label,
            source=table.where(row),
            synonyms=tuple(s for s in synonyms if s.casefold() != label.casefold()),
            description=row.get("description"),
            properties=(("venousDrainage", drainage),),
        )
    for child, parent, row in parents:
        if parent not in ids:
            problems.add(
                table.file,
                row.line,
                "parent",
                "unknown-parent",
                f"parent '{parent}' is not an id in this file; expected one of: "
                f"{', '.join(sorted(ids))}",
            )
            continue
        yield SubclassRecord(child, ids[parent], table.where(row))


def read_reference_table(path: Path, problems: Problems) -> Iterator[Record]:
    for reference in read_references_tsv(path, problems):
        yield reference_node(reference)


#: Node tables, by file name, in the order they are read.
NODE_TABLES: dict[str, Callable[[Path, Problems], Iterator[Record]]] = {
    "references.tsv": read_reference_table,
    "sources.tsv": read_sources,
    "genes.tsv": read_genes,
    "gene_classes.tsv": read_gene_classes,
    "cascade_steps.tsv": read_cascade_steps,
    "organs.tsv": read_organs,
    "barrier_types.tsv": read_barrier_types,
    "cancer_types.tsv": read_cancer_types,
    "latency_classes.tsv": read_latency_classes,
    "pathways.tsv": read_pathways,
}

#: Files in a curated directory that are neither node tables nor assertions.
AUXILIARY_TABLES = frozenset({"reference_ids.tsv"})


def table_files(directory: Path) -> list[Path]:
    """The tables of a curated directory: node tables first, then assertions, sorted."""
    candidates = [directory, directory / "assertions"]
    files = sorted(
        p
        for folder in candidates
        if folder.is_dir()
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in TABLE_SUFFIXES
    )
    nodes = [directory / name for name in NODE_TABLES if (directory / name).is_file()]
    others = [p for p in files if p not in nodes and p.name not in AUXILIARY_TABLES]
    return nodes + others


def _sniff(path: Path) -> bool:
    return path.is_dir()


@register(
    "curated_directory",
    sniff=_sniff,
    description="A directory of node tables (genes.tsv, organs.tsv ...) and assertion tables "
    "(here or in assertions/), laid out like ingest/data/.",
)
def read_directory(path: Path, problems: Problems) -> Iterator[Record]:
    origin = "curated" if path.resolve() == default_data_dir().resolve() else f"dir:{path.name}"
    for table in table_files(path):
        reader = NODE_TABLES.get(table.name) if table.parent == path else None
        if reader is not None:
            yield from reader(table, problems)
        else:
            yield from read_assertions(table, problems, origin=origin)
