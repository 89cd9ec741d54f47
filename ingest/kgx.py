"""KGX in: the nodes and edges of a KGX graph as frozen records (the ``kgx`` ingestor).

Reads what ``graph/exports/kgx.py`` writes, and KGX from elsewhere (``docs/ingest.md``):

* a node's ``category`` values map onto one metakg category (:mod:`ingest.import_map`); a node
  whose categories do not is left out, and so is every edge that names it;
* an edge's ``original_predicate`` (metakg's export writes it) or else its ``predicate`` maps
  onto a metakg predicate; ``biolink:subclass_of`` edges become hierarchy edges;
* evidence: ``publications`` become the references (PMID, PMCID, DOI, metakg's own
  ``metakg:ref/N`` and ``metakg:source/ID``); ``knowledge_level`` and ``agent_type`` are kept;
  metakg's own columns (``confidence``, ``note``, ``direction``, ``evidence_types``,
  ``organism``, ``frequency``, the ``*_context`` columns, ``origin``) are read when present.
  Otherwise the confidence is ``low`` (:data:`~ingest.import_map.IMPORT_CONFIDENCE`), the
  direction ``associated``, and the note says where the edge was read (file, line, edge id,
  primary knowledge source). An edge with no usable publication cites the file itself, a
  documented source ``metakg:source/kgx-NAME`` that this ingestor defines;
* every record keeps the file and line it was read from.

What cannot be mapped is reported once per term with its first line (warnings); a file none of
whose edges (or, without edges, nodes) maps is an error, never an empty graph. Bad values in
metakg's own columns are errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.model import EdgeRecord, NodeRecord, Record, SourceLocation, SubclassRecord
from graph.vocab import (
    AgentType,
    Confidence,
    Direction,
    EvidenceType,
    KnowledgeLevel,
    Organism,
)
from ingest.import_map import (
    IMPORT_CONFIDENCE,
    PREDICATE_TERMS,
    SUBCLASS_TERMS,
    Unmapped,
    categories_of,
    expandable,
    file_source,
    import_note,
    reference_of,
    slug,
)
from ingest.kgx_files import (
    AmbiguousKgx,
    KgxFiles,
    Row,
    find_files,
    node_properties,
    read_rows,
    text,
    values,
)
from ingest.problems import Problems
from ingest.registry import register


@dataclass
class Counts:
    """Rows read and records kept, for the nothing-mapped check and the load summary."""

    rows: int = 0
    kept: int = 0


class KgxReader:
    """Records from one KGX pair. With ``track`` (the default) it remembers node ids, to leave
    out edges that name a left-out node, duplicate rows, and hierarchy edges to unknown nodes;
    the bulk loader turns tracking off so that memory does not grow with the file."""

    def __init__(
        self,
        files: KgxFiles,
        problems: Problems,
        *,
        track: bool = True,
        on_bytes: Callable[[int], None] | None = None,
    ) -> None:
        self.files = files
        self.problems = problems
        self.track = track
        self.on_bytes = on_bytes
        self.unmapped = Unmapped()
        self.origin = f"file:{(files.edges or files.nodes or Path('kgx')).name}"
        self.source_id = f"metakg:source/kgx-{slug(files.name)}"
        self._kept: dict[str, int] = {}
        self._left_out: set[str] = set()
        self._edge_keys: dict[tuple[str, ...], int] = {}
        self._cited_file = False
        self.nodes = Counts()
        self.edges = Counts()

    # -- the whole pair ------------------------------------------------------------------
    def records(self) -> Iterator[Record]:
        if self.files.nodes is not None:
            yield from self._nodes(self.files.nodes)
        if self.files.edges is not None:
            yield from self._edges(self.files.edges)
        self.unmapped.report(self.problems)
        self._check_something_mapped()

    def _check_something_mapped(self) -> None:
        counts, path, what = (
            (self.edges, self.files.edges, "edge")
            if self.files.edges is not None and self.edges.rows
            else (self.nodes, self.files.nodes, "node")
        )
        if path is not None and counts.rows and not counts.kept:
            self.problems.add(
                str(path),
                0,
                "",
                f"no-mappable-{what}",
                f"none of the {counts.rows} {what}s of this file maps onto metakg's vocabulary "
                "(see the warnings above for each term); nothing would be imported. Use the "
                "categories and predicates listed there (docs/ingest.md)",
            )

    # -- nodes ---------------------------------------------------------------------------
    def _nodes(self, path: Path) -> Iterator[Record]:
        file = str(path)
        for line, row in read_rows(path, self.problems, on_bytes=self.on_bytes):
            self.nodes.rows += 1
            node = self._node(file, line, row)
            if node is not None:
                self.nodes.kept += 1
                yield node

    def _node(self, file: str, line: int, row: Row) -> NodeRecord | None:
        node_id = text(row, "id")
        if not node_id:
            self._missing(file, line, "id")
            return None
        if self.track and node_id in self._kept:
            self.unmapped.add("duplicate-node", file, self._kept[node_id], "id", node_id)
            return None
        categories = values(row, "category")
        found = categories_of(node_id, categories)
        if not expandable(node_id):
            self.unmapped.add("unknown-prefix", file, line, "id", node_id.split(":", 1)[0])
            found = set()
        elif len(found) != 1:
            code = "ambiguous-category" if found else "unmapped-category"
            self.unmapped.add(code, file, line, "category", "|".join(categories) or "(empty)")
        if len(found) != 1:
            if self.track:
                self._left_out.add(node_id)
            return None
        category = found.pop()
        if self.track:
            self._kept[node_id] = line
        label = text(row, "name") or node_id
        # genes need a symbol (SHACL); the export writes a miRNA's symbol as its name
        symbol = (text(row, "symbol") or label) if category.is_gene_like else None
        taxa = [t for t in (*values(row, "in_taxon"), *values(row, "taxon")) if t]
        taxon = taxa[0] if taxa and self._curie_ok(file, line, "in_taxon", taxa[0]) else None
        return NodeRecord(
            id=node_id,
            category=category,
            label=label,
            source=SourceLocation(file, line),
            symbol=symbol,
            synonyms=tuple(dict.fromkeys(values(row, "synonym"))),
            xrefs=tuple(
                x
                for x in dict.fromkeys(values(row, "xref"))
                if self._curie_ok(file, line, "xref", x)
            ),
            description=text(row, "description"),
            taxon=taxon,
            properties=self._properties(file, line, row),
            weak_synonyms=tuple(dict.fromkeys(values(row, "weak_synonym"))),
        )

    def _properties(self, file: str, line: int, row: Row) -> tuple[tuple[str, object], ...]:
        found, bad = node_properties(row)
        for column, raw, expected in bad:
            self.problems.add(
                file,
                line,
                column,
                f"bad-{column.replace('_', '-')}",
                f"'{raw}' is not {expected} (column '{column}')",
            )
        return found

    # -- edges ---------------------------------------------------------------------------
    def _edges(self, path: Path) -> Iterator[Record]:
        file = str(path)
        for line, row in read_rows(path, self.problems, on_bytes=self.on_bytes):
            self.edges.rows += 1
            for record in self._edge(file, line, row):
                if not isinstance(record, NodeRecord):
                    self.edges.kept += 1
                yield record

    def _edge(self, file: str, line: int, row: Row) -> Iterator[Record]:
        subject, obj = text(row, "subject"), text(row, "object")
        predicate_term = text(row, "predicate")
        for column, value in (("subject", subject), ("predicate", predicate_term), ("object", obj)):
            if not value:
                self._missing(file, line, column)
                return
        for column, value in (("subject", subject), ("object", obj)):
            if not self._curie_ok(file, line, column, value):
                return
            if self.track and value in self._left_out:
                self.unmapped.add("left-out-node", file, line, column, value)
                return
        origin = text(row, "origin") or self.origin
        if predicate_term in SUBCLASS_TERMS:
            yield from self._subclass(file, line, subject, obj, origin)
            return
        original = text(row, "original_predicate")
        predicate = PREDICATE_TERMS.get(original) or PREDICATE_TERMS.get(predicate_term)
        if predicate is None:
            self.unmapped.add("unmapped-predicate", file, line, "predicate", predicate_term)
            return
        before = len(self.problems.errors)
        evidence = self._evidence(file, line, row)
        contexts = {
            name: text(row, f"{name}_context") or None for name in ("cancer_type", "organ", "step")
        }
        for name, value in contexts.items():
            if value and not self._curie_ok(file, line, f"{name}_context", value):
                return
        references = self._references(file, line, row)
        if len(self.problems.errors) > before:
            return
        if not references:
            references = ("source:" + self.source_id.rsplit("/", 1)[1],)
            if not self._cited_file:
                self._cited_file = True
                yield file_source(self.source_id, "KGX", self.files.files[-1])
        edge = EdgeRecord(
            subject=subject,
            predicate=predicate,
            object=obj,
            source=SourceLocation(file, line),
            references=references,
            note=text(row, "note") or self._note(file, line, row, evidence["confidence"]),
            cancer_type=contexts["cancer_type"],
            organ=contexts["organ"],
            step=contexts["step"],
            origin=origin,
            **evidence,
        )
        if self.track:
            key = (*edge.key, origin)
            if key in self._edge_keys:
                first = self._edge_keys[key]
                self.unmapped.add("duplicate-edge", file, first, "subject", f"{subject} {obj}")
                return
            self._edge_keys[key] = line
        yield edge

    def _subclass(
        self, file: str, line: int, child: str, parent: str, origin: str
    ) -> Iterator[Record]:
        if self.track:
            for column, value in (("subject", child), ("object", parent)):
                if value not in self._kept:
                    self.unmapped.add("unknown-node", file, line, column, value)
                    return
        yield SubclassRecord(child, parent, SourceLocation(file, line), origin=origin)

    def _evidence(self, file: str, line: int, row: Row) -> dict[str, Any]:
        def choose(enum: Any, column: str, default: Any) -> Any:
            raw = text(row, column)
            if not raw:
                return default
            try:
                return enum.from_key(raw)
            except KeyError as exc:
                self.problems.add(
                    file, line, column, f"bad-{column.replace('_', '-')}", exc.args[0]
                )
                return default

        def lenient(enum: Any, column: str) -> Any:
            raw = text(row, column)
            try:
                return enum.from_key(raw) if raw else enum.NOT_PROVIDED
            except KeyError:
                self.unmapped.add("bad-enum", file, line, column, raw)
                return enum.NOT_PROVIDED

        confidence_column = "confidence" if row.get("confidence") else "metakg_confidence"
        evidence_types = []
        for raw in values(row, "evidence_types"):
            try:
                evidence_types.append(EvidenceType.from_key(raw))
            except KeyError as exc:
                self.problems.add(file, line, "evidence_types", "bad-evidence-type", exc.args[0])
        organism_text = text(row, "organism")
        return {
            "confidence": choose(
                Confidence, confidence_column, Confidence.from_key(IMPORT_CONFIDENCE)
            ),
            "direction": choose(Direction, "direction", Direction.ASSOCIATED),
            "evidence_types": tuple(evidence_types),
            "organism": choose(Organism, "organism", None) if organism_text else None,
            "frequency": self._frequency(file, line, row),
            "knowledge_level": lenient(KnowledgeLevel, "knowledge_level"),
            "agent_type": lenient(AgentType, "agent_type"),
        }

    def _frequency(self, file: str, line: int, row: Row) -> float | None:
        raw = row.get("frequency")
        if raw is None:
            return None
        try:
            number = float(raw)
        except (TypeError, ValueError):
            number = -1.0
        if not 0.0 <= number <= 1.0:
            self.problems.add(
                file, line, "frequency", "bad-frequency", f"'{raw}' is not a share between 0 and 1"
            )
            return None
        return number

    def _references(self, file: str, line: int, row: Row) -> tuple[str, ...]:
        found = []
        for curie in values(row, "publications"):
            reference = reference_of(curie)
            if reference is None:
                prefix = curie.split(":", 1)[0] + ":" if ":" in curie else curie
                self.unmapped.add("bad-publication", file, line, "publications", prefix)
                continue
            found.append(reference)
        return tuple(dict.fromkeys(found))

    def _note(self, file: str, line: int, row: Row, confidence: Confidence) -> str:
        edge_id = text(row, "id")
        source = text(row, "primary_knowledge_source") or "not given"
        detail = (f" (edge {edge_id})" if edge_id else "") + f"; primary knowledge source: {source}"
        default = confidence is Confidence.LOW and not row.get("confidence")
        return import_note("KGX", Path(file), line, detail, default=default)

    # -- helpers ---------------------------------------------------------------------------
    def _curie_ok(self, file: str, line: int, column: str, value: str) -> bool:
        if expandable(value):
            return True
        prefix = value.split(":", 1)[0] if ":" in value else value
        self.unmapped.add("unknown-prefix", file, line, column, prefix)
        return False

    def _missing(self, file: str, line: int, column: str) -> None:
        self.problems.add(
            file, line, column, "missing-value", f"'{column}' is empty; KGX requires it"
        )


def _sniff(path: Path) -> bool:
    try:
        return find_files(path) is not None
    except AmbiguousKgx:
        return True  # the ingestor says which files it found


@register(
    "kgx",
    sniff=_sniff,
    description="A KGX graph: nodes and edges files (TSV or JSON Lines, plain or .gz), given "
    "as either file of the pair or a directory holding it; see docs/ingest.md.",
)
def read_kgx(path: Path, problems: Problems) -> Iterator[Record]:
    """Yield the nodes, associations and hierarchy edges of the KGX graph at ``path``."""
    try:
        files = find_files(path)
    except AmbiguousKgx as exc:
        problems.add(str(path), 0, "", "ambiguous-kgx", str(exc))
        return
    if files is None:
        problems.add(str(path), 0, "", "not-kgx", f"{path} is not a KGX nodes or edges file")
        return
    yield from KgxReader(files, problems).records()
