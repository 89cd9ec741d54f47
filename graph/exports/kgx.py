"""KGX exports: Biolink-typed node and edge files, as TSV or as JSON Lines.

``kgx-tsv`` writes ``metakg_nodes.tsv`` and ``metakg_edges.tsv``; ``kgx-jsonl`` writes
``metakg_nodes.jsonl`` and ``metakg_edges.jsonl``. Both carry the same rows: one per node, one
per association and one per hierarchy edge, sorted by id. TSV joins multivalued cells with
``|``; JSON Lines uses arrays, numbers and booleans. No ``content_metadata`` file is written.

Nodes: ``category`` is the node's Biolink category (``Category.biolink``), except that
publications are ``biolink:Publication``: ``biolink:JournalArticle`` requires ``published_in``
(the journal's ISSN or NLM id), which the graph does not hold; ``symbol`` is written for genes
only (the one class with that slot; a miRNA's symbol is its name). Edges: ``predicate`` is the
Biolink predicate (``Predicate.value.biolink``), ``original_predicate`` metakg's own
(``mkg:acts_at_step``), ``category`` the association class of :data:`ASSOCIATION_CLASSES`
(``biolink:Association`` where no narrower class accepts the predicate or fits subject and
object), ``primary_knowledge_source`` is ``infores:metakg``. Hierarchy edges are
``biolink:subclass_of``. Columns after the Biolink ones (:data:`NODE_EXTRA_COLUMNS`,
:data:`EDGE_EXTRA_COLUMNS`) are metakg's own properties, which KGX allows.

The ``kgx`` package is not used: importing it downloads the Biolink model.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable
from typing import IO, Any

from graph.curie import compress
from graph.exports import register_exporter
from graph.exports.formats import ExportFormat
from graph.exports.output import DatasetInfo, Output
from graph.model import EdgeRecord, NodeRecord, SubclassRecord
from graph.vocab import SUBCLASS_OF, Category, Predicate

INFORES = "infores:metakg"
STEM = "metakg"

#: The association class (KGX edge ``category``) of each predicate; each accepts the Biolink
#: predicate and its subject and object ranges fit our categories.
ASSOCIATION_CLASSES = {
    # a functional gene role is not a biolink:GeneFamily, so not GeneToGeneFamilyAssociation
    Predicate.HAS_CLASS: "biolink:Association",
    Predicate.ACTS_AT_STEP: (
        "biolink:GeneOrGeneProductOrGeneFamilyToBiologicalProcessOrActivityAssociation"
    ),
    Predicate.MEDIATES_METASTASIS_TO: (
        "biolink:GeneOrGeneProductOrGeneFamilyToAnatomicalEntityAssociation"
    ),
    Predicate.CONTRIBUTES_TO: "biolink:GeneToDiseaseAssociation",
    Predicate.PARTICIPATES_IN: "biolink:GeneToPathwayAssociation",
    # GeneRegulatesGeneAssociation requires aspect and direction qualifiers we do not have
    Predicate.REGULATES: "biolink:PairwiseGeneToGeneInteraction",
    Predicate.INTERACTS_WITH: "biolink:PairwiseGeneToGeneInteraction",
    Predicate.METASTASIZES_TO: "biolink:DiseaseOrPhenotypicFeatureToLocationAssociation",
    # the first capillary bed is not where the disease is located
    Predicate.FIRST_CAPILLARY_BED: "biolink:Association",
    Predicate.HAS_LATENCY_CLASS: "biolink:Association",
    Predicate.HAS_BARRIER: "biolink:Association",
}

#: Association classes with Biolink context qualifier slots for the organ and cancer type.
_CONTEXT_QUALIFIED = frozenset({"biolink:GeneToDiseaseAssociation"})

NODE_COLUMNS = (
    "id",
    "category",
    "name",
    "description",
    "xref",
    "synonym",
    "symbol",
    "full_name",
    "in_taxon",
    "provided_by",
    "publication_type",
    "authors",
    "pages",
)
NODE_EXTRA_COLUMNS = (
    "weak_synonym",
    "journal",
    "volume",
    "year",
    "reference_number",
    "retracted",
    "retraction_note",
    "order",
    "scheme",
    "capillary_bed_role",
    "venous_drainage",
    "spread_route",
    "identifier_source",
    "publisher",
    "url",
    "seen",
    "source_file",
    "source_line",
)
EDGE_COLUMNS = (
    "id",
    "subject",
    "predicate",
    "object",
    "category",
    "knowledge_level",
    "agent_type",
    "primary_knowledge_source",
    "publications",
    "original_predicate",
    "species_context_qualifier",
    "anatomical_context_qualifier",
    "disease_context_qualifier",
)
EDGE_EXTRA_COLUMNS = (
    "cancer_type_context",
    "organ_context",
    "step_context",
    "organism",
    "confidence",
    "direction",
    "evidence_types",
    "frequency",
    "note",
    "rests_only_on_retracted",
    "origin",
    "source_file",
    "source_line",
)
#: Columns holding lists (``|``-joined in TSV, arrays in JSON Lines).
MULTIVALUED = frozenset(
    {
        "category",
        "xref",
        "synonym",
        "in_taxon",
        "provided_by",
        "publication_type",
        "authors",
        "pages",
        "weak_synonym",
        "publications",
        "evidence_types",
        "anatomical_context_qualifier",
    }
)
#: Node properties (``graph.vocab.MKG_TERMS`` names) that are lists in Biolink.
_LIST_PROPERTIES = {"authors": "; ", "pages": None}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def node_category(node: NodeRecord) -> str:
    if node.category is Category.PUBLICATION:
        return "biolink:Publication"
    return node.category.biolink


def node_row(node: NodeRecord) -> dict[str, Any]:
    """The KGX columns of one node (lists for multivalued columns; empty values left out)."""
    row: dict[str, Any] = {
        "id": node.id,
        "category": [node_category(node)],
        "name": node.label,
        "description": node.description,
        "xref": list(node.xrefs),
        "synonym": list(node.synonyms),
        "in_taxon": [node.taxon] if node.taxon else [],
        "provided_by": [INFORES],
        "weak_synonym": list(node.weak_synonyms),
        "source_file": node.source.file,
        "source_line": node.source.line or None,
    }
    if node.symbol and node.category is Category.GENE:
        row["symbol"] = node.symbol
    elif node.symbol and node.symbol not in (node.label, *node.synonyms):
        row["synonym"].append(node.symbol)  # only biolink:Gene has a symbol slot
    if node.category is Category.PUBLICATION:
        row["publication_type"] = ["fabio:JournalArticle"]
    for name, value in node.properties:
        if value is None or value == "":
            continue
        column = _snake(name)
        if name in _LIST_PROPERTIES:
            separator = _LIST_PROPERTIES[name]
            value = str(value).split(separator) if separator else [str(value)]
        row[column] = value
    return {k: v for k, v in row.items() if v not in (None, "", [])}


def association_class(predicate: Predicate) -> str:
    return ASSOCIATION_CLASSES[predicate]


def edge_row(edge: EdgeRecord) -> dict[str, Any]:
    category = association_class(edge.predicate)
    taxa = edge.organism.taxa if edge.organism else ()
    row: dict[str, Any] = {
        "id": edge.id,
        "subject": edge.subject,
        "predicate": edge.predicate.value.biolink,
        "object": edge.object,
        "category": [category],
        "knowledge_level": edge.knowledge_level.value,
        "agent_type": edge.agent_type.value,
        "primary_knowledge_source": INFORES,
        "publications": list(edge.references),
        "original_predicate": compress(edge.predicate.iri),
        "species_context_qualifier": taxa[0] if len(taxa) == 1 else None,
        "cancer_type_context": edge.cancer_type,
        "organ_context": edge.organ,
        "step_context": edge.step,
        "organism": edge.organism.value if edge.organism else None,
        "confidence": edge.confidence.value,
        "direction": edge.direction.value,
        "evidence_types": [e.value for e in edge.evidence_types],
        "frequency": edge.frequency,
        "note": edge.note,
        "rests_only_on_retracted": edge.rests_only_on_retracted,
        "origin": edge.origin,
        "source_file": edge.source.file,
        "source_line": edge.source.line or None,
    }
    if category in _CONTEXT_QUALIFIED:
        row["anatomical_context_qualifier"] = [edge.organ] if edge.organ else []
        row["disease_context_qualifier"] = edge.cancer_type
    return {k: v for k, v in row.items() if v not in (None, "", [])}


def subclass_id(link: SubclassRecord) -> str:
    """A deterministic id for a hierarchy edge, in the style of association ids."""
    key = "\x1f".join((link.child, link.parent, link.origin))
    return f"metakg:subclass/{hashlib.sha1(key.encode()).hexdigest()[:16]}"


def subclass_row(link: SubclassRecord) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": subclass_id(link),
        "subject": link.child,
        "predicate": "biolink:subclass_of",
        "object": link.parent,
        "category": ["biolink:Association"],
        "knowledge_level": "knowledge_assertion",
        "agent_type": "manual_agent",
        "primary_knowledge_source": INFORES,
        "original_predicate": compress(SUBCLASS_OF),
        "origin": link.origin,
        "source_file": link.source.file,
        "source_line": link.source.line or None,
    }
    return {k: v for k, v in row.items() if v not in (None, "", [])}


def _columns(fixed: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> list[str]:
    """The fixed columns, then any other column found in the rows, sorted."""
    extra = sorted({k for row in rows for k in row} - set(fixed))
    return [*fixed, *extra]


def _tsv_cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if column in MULTIVALUED:
        for item in value:
            if "|" in str(item):
                raise ValueError(
                    f"cannot write {item!r} in the multivalued KGX column {column!r}: "
                    "it contains the list delimiter '|'"
                )
        return "|".join(_tsv_text(item) for item in value)
    return _tsv_text(value)


def _tsv_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return re.sub(r"[\t\r\n]+", " ", str(value))


def write_tsv(handle: IO[bytes], columns: list[str], rows: list[dict[str, Any]]) -> None:
    text = io.StringIO()
    writer = csv.writer(text, delimiter="\t", quoting=csv.QUOTE_NONE, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_tsv_cell(c, row.get(c)) for c in columns])
    handle.write(text.getvalue().encode("utf-8"))


def write_jsonl(handle: IO[bytes], rows: list[dict[str, Any]]) -> None:
    for row in rows:
        handle.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")


class KgxExporter:
    """Collects node and edge rows; ``finalize`` writes the two files of ``fmt``."""

    keeps_evidence = True
    persistent = True
    fmt: ExportFormat = ExportFormat.KGX_TSV
    suffix = ".tsv"

    def __init__(self, output: Output, *, info: DatasetInfo) -> None:
        self.output = output
        self.info = info
        self.nodes: list[dict[str, Any]] = []
        self.edges: list[dict[str, Any]] = []

    def write_node(self, node: NodeRecord) -> None:
        self.nodes.append(node_row(node))

    def write_edge(self, edge: EdgeRecord) -> None:
        self.edges.append(edge_row(edge))

    def write_subclass(self, edge: SubclassRecord) -> None:
        self.edges.append(subclass_row(edge))

    def file_names(self) -> tuple[str, str]:
        return f"{STEM}_nodes{self.suffix}", f"{STEM}_edges{self.suffix}"

    def finalize(self) -> None:
        nodes = sorted(self.nodes, key=lambda row: row["id"])
        edges = sorted(self.edges, key=lambda row: row["id"])
        nodes_name, edges_name = self.file_names()
        with self.output.open(nodes_name) as handle:
            self.write(handle, NODE_COLUMNS + NODE_EXTRA_COLUMNS, nodes)
        with self.output.open(edges_name) as handle:
            self.write(handle, EDGE_COLUMNS + EDGE_EXTRA_COLUMNS, edges)

    def write(self, handle: IO[bytes], fixed: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
        write_tsv(handle, _columns(fixed, rows), rows)


class KgxJsonlExporter(KgxExporter):
    fmt = ExportFormat.KGX_JSONL
    suffix = ".jsonl"

    def write(self, handle: IO[bytes], fixed: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
        order = {name: i for i, name in enumerate(_columns(fixed, rows))}
        write_jsonl(handle, [dict(sorted(r.items(), key=lambda kv: order[kv[0]])) for r in rows])


register_exporter(ExportFormat.KGX_TSV, KgxExporter)
register_exporter(ExportFormat.KGX_JSONL, KgxJsonlExporter)
