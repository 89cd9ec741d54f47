"""The Disease Ontology report (``HumanDO.tsv``): disease terms and their hierarchy.

The file has a header ``id  label  subClassOf`` and one row per (term, parent) pair, every
cell usually in double quotes. A term with several parents appears on several rows. The
parent is named by its *label*, not its id, so parents are resolved after the whole file has
been read:

* a parent cell that is a DOID CURIE of a term in the file is used as is;
* otherwise the label is looked up exactly, then ignoring case and repeated spaces;
* it resolves only when exactly one term carries that label. A label shared by several terms
  is ambiguous (``ambiguous-parent``) and a label carried by no term is unknown
  (``unknown-parent``): both are warnings and the edge is skipped, because guessing a parent
  would put a term under the wrong branch. Each such label is reported once, at its first
  row, with the other rows listed in the message.

In the DO release in ``shared/data`` labels are unique; the only unresolvable parent is the
root ``disease`` (DOID:4), which the report does not list as a term.

Every term becomes a ``CANCER_TYPE`` node: the pipeline keeps only the terms the graph
references and their ancestors (see :func:`ancestors`).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from graph.model import NodeRecord, Record, SourceLocation, SubclassRecord
from graph.vocab import Category
from ingest.problems import Level, Problems
from ingest.registry import register
from ingest.tabular import delimiter_for, header_record, read_records

ORIGIN = "disease_ontology"
COLUMNS: tuple[str, ...] = ("id", "label", "subClassOf")
DOID_PATTERN = re.compile(r"DOID:[0-9]+")
_SNIFF_SUFFIXES = (".tsv", ".csv")
_SNIFF_BYTES = 4096


# --------------------------------------------------------------------------- pure helpers


def ancestors(edges: Mapping[str, set[str]], term: str) -> set[str]:
    """All transitive parents of ``term`` in ``edges`` (child -> parents); never ``term``.

    Safe on cycles: each term is visited once, and a term that is its own ancestor through a
    cycle is not listed among its ancestors.
    """
    found: set[str] = set()
    stack = list(edges.get(term, ()))
    while stack:
        parent = stack.pop()
        if parent in found:
            continue
        found.add(parent)
        stack.extend(edges.get(parent, ()))
    found.discard(term)
    return found


def subclass_edges(records: Iterable[Record]) -> dict[str, set[str]]:
    """The child -> parents map of the :class:`SubclassRecord` among ``records``."""
    edges: dict[str, set[str]] = defaultdict(set)
    for record in records:
        if isinstance(record, SubclassRecord):
            edges[record.child].add(record.parent)
    return dict(edges)


def is_doid(text: str) -> bool:
    """True for a well-formed Disease Ontology CURIE (``DOID:1324``)."""
    return DOID_PATTERN.fullmatch(text) is not None


def normalise_label(label: str) -> str:
    """The form labels are compared in when an exact match fails: case and spaces ignored."""
    return " ".join(label.split()).casefold()


def split_row(line: str, delimiter: str) -> list[str]:
    """The cells of one line, double quotes removed (``""`` inside quotes is one quote)."""
    cells = next(csv.reader([line], delimiter=delimiter, quotechar='"'), [])
    return [cell.strip() for cell in cells]


def sniff_disease_ontology(path: Path) -> bool:
    """A ``.tsv`` or ``.csv`` whose header row is ``id``, ``label``, ``subClassOf``."""
    if path.suffix.lower() not in _SNIFF_SUFFIXES or not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return False
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            cells = split_row(line, delimiter_for(path))
            return [cell.casefold() for cell in cells] == [c.casefold() for c in COLUMNS]
    return False


# --------------------------------------------------------------------------- the ingestor


@dataclass(frozen=True, slots=True)
class _ParentRef:
    """One row's subClassOf cell, kept until every label of the file is known."""

    line: int
    child: str
    parent: str


@dataclass
class _Terms:
    """What the first pass learns: each term's label and where the labels point."""

    labels: dict[str, str]
    by_label: dict[str, set[str]]
    by_normalised: dict[str, set[str]]

    @classmethod
    def empty(cls) -> _Terms:
        return cls({}, defaultdict(set), defaultdict(set))

    def add(self, term: str, label: str) -> None:
        self.labels[term] = label
        self.by_label[label].add(term)
        self.by_normalised[normalise_label(label)].add(term)

    def candidates(self, parent: str) -> set[str]:
        """The terms a subClassOf cell may mean: several when the label is ambiguous."""
        if is_doid(parent):
            return {parent} if parent in self.labels else set()
        exact = self.by_label.get(parent)
        if exact:
            return exact
        return self.by_normalised.get(normalise_label(parent), set())


@register(
    "disease_ontology",
    sniff=sniff_disease_ontology,
    role="dictionary",
    description=(
        "Disease Ontology report (HumanDO.tsv: id, label, subClassOf by label): one disease "
        "node per DOID and its subClassOf hierarchy"
    ),
)
def ingest_disease_ontology(path: Path, problems: Problems) -> Iterator[Record]:
    """Yield a :class:`NodeRecord` per DOID term, then a :class:`SubclassRecord` per parent."""
    file = str(path)
    records = read_records(path, problems)
    first = header_record(records, path, problems, COLUMNS)
    if first is None:
        return
    header = _read_header(file, first.line, _stripped(first.cells), problems)
    if header is None:
        return
    terms = _Terms.empty()
    refs: dict[tuple[str, str], _ParentRef] = {}
    for record in records:
        cells = _stripped(record.cells)
        node = _read_row(file, record.line, cells, header, terms, refs, problems)
        if node is not None:
            yield node
    yield from _resolve_parents(file, list(refs.values()), terms, problems)


@dataclass(frozen=True, slots=True)
class _Header:
    """Where the three columns are, and how many columns the header has."""

    index: Mapping[str, int]
    width: int


def _stripped(cells: list[str]) -> list[str]:
    return [cell.strip() for cell in cells]


def _read_header(file: str, number: int, names: list[str], problems: Problems) -> _Header | None:
    folded = [name.casefold() for name in names]
    index: dict[str, int] = {}
    ok = True
    for column in COLUMNS:
        count = folded.count(column.casefold())
        if count == 0:
            ok = False
            problems.add(
                file,
                number,
                column,
                "missing-column",
                f"the header has no column '{column}'; a Disease Ontology report has the "
                f"columns: {', '.join(COLUMNS)}",
            )
        elif count > 1:
            ok = False
            problems.add(
                file,
                number,
                column,
                "duplicate-column",
                f"column '{column}' appears more than once in the header",
            )
        else:
            index[column] = folded.index(column.casefold())
    return _Header(index, len(names)) if ok else None


def _read_row(
    file: str,
    number: int,
    cells: list[str],
    header: _Header,
    terms: _Terms,
    refs: dict[tuple[str, str], _ParentRef],
    problems: Problems,
) -> NodeRecord | None:
    """Check one row, remember its parent cell; return a node for a term seen the first time."""
    width = header.width
    if len(cells) > width and any(cells[width:]):
        problems.add(
            file,
            number,
            "",
            "bad-row",
            f"{len(cells)} cells but the header has {width} columns; check for a stray "
            "separator or an unbalanced double quote in this row",
        )
        return None
    cells = cells + [""] * (width - len(cells))
    term, label, parent = (cells[header.index[column]] for column in COLUMNS)
    if not _valid_term(file, number, term, label, problems):
        return None
    known = terms.labels.get(term)
    if known is not None and known != label:
        problems.add(
            file,
            number,
            "label",
            "conflicting-value",
            f"{term} is labelled {label!r} here but {known!r} on an earlier row; "
            "a term has one label",
        )
    if parent:
        _remember_parent(file, _ParentRef(number, term, parent), refs, problems)
    if known is not None:
        return None
    terms.add(term, label)
    return NodeRecord(
        id=term,
        category=Category.CANCER_TYPE,
        label=label,
        source=SourceLocation(file, number),
    )


def _valid_term(file: str, number: int, term: str, label: str, problems: Problems) -> bool:
    if not term:
        problems.add(file, number, "id", "missing-value", "the row has no id; expected DOID:n")
        return False
    if not is_doid(term):
        problems.add(
            file,
            number,
            "id",
            "bad-curie",
            f"{term!r} is not a Disease Ontology id; expected 'DOID:' followed by digits "
            "(for example DOID:1324)",
        )
        return False
    if not label:
        problems.add(
            file,
            number,
            "label",
            "missing-value",
            f"{term} has no label; every term needs one (it is how parents are named)",
        )
        return False
    return True


def _remember_parent(
    file: str, ref: _ParentRef, refs: dict[tuple[str, str], _ParentRef], problems: Problems
) -> None:
    earlier = refs.setdefault((ref.child, ref.parent), ref)
    if earlier is not ref:
        problems.add(
            file,
            ref.line,
            "subClassOf",
            "duplicate-row",
            f"{ref.child} already has the parent {ref.parent!r} at line {earlier.line}",
            Level.WARNING,
        )


def _resolve_parents(
    file: str, refs: Sequence[_ParentRef], terms: _Terms, problems: Problems
) -> Iterator[SubclassRecord]:
    unresolved: dict[str, list[_ParentRef]] = defaultdict(list)
    emitted: set[tuple[str, str]] = set()
    for ref in refs:
        candidates = terms.candidates(ref.parent)
        if len(candidates) != 1:
            unresolved[ref.parent].append(ref)
            continue
        parent = next(iter(candidates))
        if parent == ref.child or (ref.child, parent) in emitted:
            if parent == ref.child:
                _report_self_parent(file, ref, problems)
            continue
        emitted.add((ref.child, parent))
        yield SubclassRecord(ref.child, parent, SourceLocation(file, ref.line), origin=ORIGIN)
    for parent, skipped in unresolved.items():
        _report_unresolved(file, parent, skipped, terms.candidates(parent), problems)


def _report_self_parent(file: str, ref: _ParentRef, problems: Problems) -> None:
    problems.add(
        file,
        ref.line,
        "subClassOf",
        "self-parent",
        f"{ref.child} is given as its own parent; the edge is skipped",
        Level.WARNING,
    )


def _report_unresolved(
    file: str,
    parent: str,
    skipped: Sequence[_ParentRef],
    candidates: set[str],
    problems: Problems,
) -> None:
    first = skipped[0]
    others = ", ".join(str(ref.line) for ref in skipped[1:])
    also = f" (also used at line(s) {others})" if others else ""
    count = f"{len(skipped)} subClassOf edge(s) skipped"
    if candidates:
        problems.add(
            file,
            first.line,
            "subClassOf",
            "ambiguous-parent",
            f"parent label {parent!r}{also} is the label of several terms "
            f"({', '.join(sorted(candidates))}); {count}. Give the parent's DOID instead",
            Level.WARNING,
        )
    else:
        problems.add(
            file,
            first.line,
            "subClassOf",
            "unknown-parent",
            f"parent {parent!r}{also} is not the label (or id) of any term in this file; "
            f"{count}. Nothing to fix if it is the ontology's root (DO's 'disease' is not "
            "listed as a term); otherwise correct the parent's label",
            Level.WARNING,
        )
