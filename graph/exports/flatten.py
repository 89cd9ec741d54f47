"""Records as typed attribute dicts, the one shared step of the visual graph formats.

GraphML, GEXF, Cytoscape.js JSON, CX2 and DOT all describe the same graph: one node per
:class:`~graph.model.NodeRecord` and one edge per association or hierarchy link. This module
turns each record into a dict of attributes, once, so every format names and types them alike.

Node attributes
    ``id`` (the CURIE), ``category`` (our key, ``gene``), ``biolink_category``
    (``biolink:Gene``), ``label``, ``symbol``, ``synonyms`` (list), ``xrefs`` (list),
    ``description``, ``taxon``, then every category property under its own name (``fullName``,
    ``order``, ``referenceNumber``, ``year``, ``retracted`` ...). Publication nodes stay nodes:
    their ``label`` is a short citation (``Erler et al. 2006 [106]``), ``title`` the paper's title
    and ``description`` the full citation.

Edge attributes
    ``id`` (the association id, or ``subclass:CHILD>PARENT`` for a hierarchy link), ``kind``
    (``association`` or ``structure``), ``predicate`` (our key), ``biolink_predicate``,
    ``label`` (the predicate's label), ``references`` (list: the review's reference number, or
    the publication's CURIE for a paper outside the review), ``publications`` (list: the ids of
    the cited publication nodes), ``confidence``, ``direction``, ``evidence_types`` (list),
    ``note``, the contexts ``organism``, ``cancer_type``, ``organ``, ``step``, ``frequency``,
    ``knowledge_level``, ``agent_type``, ``rests_only_on_retracted`` (bool: every reference
    behind the assertion is retracted) and ``origin``.

Types
    Values are ``str``, ``int``, ``float``, ``bool`` or a list of ``str``/``int``. Booleans stay
    booleans and numbers stay numbers. A missing value is left out; :func:`with_defaults` fills
    typed defaults for a format that needs every key. :func:`attribute_types` gives each
    attribute its one type across all rows (an attribute mixing ``int`` and ``float`` is a
    ``float``; mixing anything else is an error).

Lists
    Formats that cannot hold lists (GraphML, GEXF, DOT) get :func:`flat` values: a list is
    joined with ``|`` (:data:`LIST_SEPARATOR`), as KGX does; an empty list is left out. A list
    element that itself contains ``|`` is refused, since it could not be split back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.exports.output import DatasetInfo, Output
from graph.model import EdgeRecord, NodeRecord, SubclassRecord
from graph.vocab import Category

#: Joins list values for formats without lists (GraphML, GEXF, DOT), as in KGX TSV.
LIST_SEPARATOR = "|"

#: The id prefix of the review's numbered references: ``metakg:ref/<number>``.
REVIEW_REFERENCE_PREFIX = "metakg:ref/"

SUBCLASS_KEY = "subclass_of"
SUBCLASS_BIOLINK = "biolink:subclass_of"
SUBCLASS_LABEL = "subclass of"

Scalar = str | int | float | bool
Value = Scalar | list[str] | list[int]
Attributes = dict[str, Value]

_NODE_FIELDS = (
    "id", "category", "biolink_category", "label", "title", "symbol", "synonyms", "xrefs",
    "description", "taxon",
)


def subclass_id(link: SubclassRecord) -> str:
    """The edge id of a hierarchy link, the same key the stored property graph uses."""
    return f"subclass:{link.child}>{link.parent}"


def reference_number(publication_id: str, node: NodeRecord | None = None) -> int | None:
    """The review's number of a cited publication, from its node or its ``metakg:ref/<n>`` id."""
    if node is not None:
        number = node.prop("referenceNumber")
        if isinstance(number, int) and not isinstance(number, bool):
            return number
    if publication_id.startswith(REVIEW_REFERENCE_PREFIX):
        tail = publication_id[len(REVIEW_REFERENCE_PREFIX):]
        if tail.isdigit():
            return int(tail)
    return None


def citation_label(node: NodeRecord) -> str:
    """A short label for a publication node: ``Chiang & Massagué 2008 [8]``.

    Falls back to the node's own label (a title, or the CURIE of a paper known only by id).
    """
    authors = str(node.prop("authors") or "")
    year = node.prop("year")
    number = reference_number(node.id, node)
    names = [a.strip() for a in authors.split(";") if a.strip()]
    if not names or not year:
        text = node.label
    else:
        first = names[0]
        et_al = first.endswith("et al.")
        surname = first.removesuffix("et al.").split(",")[0].strip()
        if et_al or len(names) > 2:
            who = f"{surname} et al."
        elif len(names) == 2:
            who = f"{surname} & {names[1].split(',')[0].strip()}"
        else:
            who = surname
        text = f"{who} {year}"
    return f"{text} [{number}]" if number is not None else text


def node_values(node: NodeRecord) -> Attributes:
    """The typed attributes of one node; lists stay lists, missing values are left out."""
    values: dict[str, Any] = {
        "id": node.id,
        "category": node.category.key,
        "biolink_category": node.category.biolink,
        "label": node.label,
    }
    if node.category is Category.PUBLICATION:
        values["label"] = citation_label(node)
        if node.label != node.id:
            values["title"] = node.label
    optional: dict[str, Any] = {
        "symbol": node.symbol,
        "synonyms": list(node.synonyms),
        "xrefs": list(node.xrefs),
        "description": node.description,
        "taxon": node.taxon,
    }
    values.update({k: v for k, v in optional.items() if v})
    for name, value in node.properties:
        if name in _NODE_FIELDS:
            raise ValueError(
                f"node {node.id}: property {name!r} has the name of a node field; rename it"
            )
        if value is None or value == "":
            continue
        values[name] = list(value) if isinstance(value, (tuple, list)) else value
    return values


def edge_values(
    edge: EdgeRecord, publications: Mapping[str, NodeRecord] | None = None
) -> Attributes:
    """The typed attributes of one association; ``publications`` maps ids to their nodes."""
    known = publications or {}
    references = []
    for ref in edge.references:
        number = reference_number(ref, known.get(ref))
        references.append(str(number) if number is not None else ref)
    spec = edge.predicate.value
    values: dict[str, Any] = {
        "id": edge.id,
        "kind": "association",
        "predicate": spec.key,
        "biolink_predicate": spec.biolink,
        "label": spec.label,
        "references": references,
        "publications": list(edge.references),
        "confidence": edge.confidence.value,
        "direction": edge.direction.value,
        "evidence_types": [e.value for e in edge.evidence_types],
        "note": edge.note,
    }
    optional: dict[str, Any] = {
        "organism": edge.organism.value if edge.organism else None,
        "cancer_type": edge.cancer_type,
        "organ": edge.organ,
        "step": edge.step,
        "frequency": float(edge.frequency) if edge.frequency is not None else None,
    }
    values.update({k: v for k, v in optional.items() if v is not None})
    values.update(
        {
            "knowledge_level": edge.knowledge_level.value,
            "agent_type": edge.agent_type.value,
            "rests_only_on_retracted": edge.rests_only_on_retracted,
            "origin": edge.origin,
        }
    )
    return {k: v for k, v in values.items() if v != [] and v != ""}


def subclass_values(link: SubclassRecord) -> Attributes:
    """The attributes of one hierarchy link (structure, no evidence)."""
    return {
        "id": subclass_id(link),
        "kind": "structure",
        "predicate": SUBCLASS_KEY,
        "biolink_predicate": SUBCLASS_BIOLINK,
        "label": SUBCLASS_LABEL,
        "origin": link.origin,
    }


def flat(values: Mapping[str, Value]) -> dict[str, Scalar]:
    """``values`` with every list joined by ``|``; empty lists are left out."""
    out: dict[str, Scalar] = {}
    for name, value in values.items():
        if isinstance(value, list):
            if not value:
                continue
            items = [str(v) for v in value]
            for item in items:
                if LIST_SEPARATOR in item:
                    raise ValueError(
                        f"attribute {name!r}: the list element {item!r} contains "
                        f"{LIST_SEPARATOR!r}, the list separator of flat formats"
                    )
            out[name] = LIST_SEPARATOR.join(items)
        else:
            out[name] = value
    return out


def _type_of(value: Value) -> type:
    if isinstance(value, list):
        return list
    return type(value)


def attribute_types(rows: Iterable[Mapping[str, Value]]) -> dict[str, type]:
    """The one type (``bool``, ``int``, ``float``, ``str``, ``list``) of each attribute in ``rows``.

    ``int`` and ``float`` together make ``float``; any other mixture is an error naming the
    attribute.
    """
    found: dict[str, set[type]] = {}
    for row in rows:
        for name, value in row.items():
            found.setdefault(name, set()).add(_type_of(value))
    types: dict[str, type] = {}
    for name, kinds in found.items():
        if kinds == {int, float}:
            types[name] = float
        elif len(kinds) == 1:
            types[name] = next(iter(kinds))
        else:
            listed = ", ".join(sorted(k.__name__ for k in kinds))
            raise ValueError(f"attribute {name!r} has values of several types: {listed}")
    return types


def coerce(values: Mapping[str, Value], types: Mapping[str, type]) -> dict[str, Value]:
    """``values`` with numbers converted to their attribute's type (``int`` -> ``float``)."""
    return {
        k: float(v) if types.get(k) is float and not isinstance(v, float) else v
        for k, v in values.items()
    }


_DEFAULTS: dict[type, Value] = {str: "", bool: False, list: []}


def with_defaults(values: Mapping[str, Value], types: Mapping[str, type]) -> dict[str, Value]:
    """``values`` completed with typed defaults, for a format that needs every key.

    Strings default to ``""``, booleans to ``False`` and lists to ``[]``. Numbers have no honest
    default and stay missing.
    """
    out = dict(values)
    for name, kind in types.items():
        if name not in out and kind in _DEFAULTS:
            default = _DEFAULTS[kind]
            out[name] = list(default) if isinstance(default, list) else default
    return out


def dataset_attributes(info: DatasetInfo) -> dict[str, str]:
    """Graph-level attributes of an export from its :class:`DatasetInfo` (empty ones left out)."""
    attrs = {
        "title": info.title,
        "version": info.version,
        "created": info.created,
        "selection": info.selection,
        "source": info.source,
        "licence": info.licence,
        "homepage": info.homepage,
    }
    attrs.update({str(k): str(v) for k, v in info.extra})
    return {k: v for k, v in attrs.items() if v}


@dataclass
class GraphRecords:
    """The records of one export, collected through the sink protocol and sorted on demand."""

    nodes: dict[str, NodeRecord] = field(default_factory=dict)
    edges: list[EdgeRecord] = field(default_factory=list)
    hierarchy: list[SubclassRecord] = field(default_factory=list)

    def add(self, record: NodeRecord | EdgeRecord | SubclassRecord) -> None:
        if isinstance(record, NodeRecord):
            self.nodes[record.id] = record
        elif isinstance(record, EdgeRecord):
            self.edges.append(record)
        else:
            self.hierarchy.append(record)

    def node_rows(self) -> list[Attributes]:
        """Node attributes, sorted by id."""
        return [node_values(self.nodes[i]) for i in sorted(self.nodes)]

    def edge_rows(self) -> list[tuple[str, str, Attributes]]:
        """``(source, target, attributes)`` of associations (by id), then hierarchy links.

        Every endpoint must be a collected node: an edge to a missing node is an error.
        """
        rows: list[tuple[str, str, Attributes]] = []
        for edge in sorted(self.edges, key=lambda e: e.id):
            rows.append((edge.subject, edge.object, edge_values(edge, self.nodes)))
        for link in sorted(self.hierarchy, key=lambda h: (h.child, h.parent)):
            rows.append((link.child, link.parent, subclass_values(link)))
        for source, target, values in rows:
            for end in (source, target):
                if end not in self.nodes:
                    raise ValueError(
                        f"edge {values['id']} ({source} -> {target}) refers to {end}, "
                        "which is not a node of this export; include it or drop the edge"
                    )
        return rows


class CollectingExporter:
    """Base of the visual exporters: collects records, writes everything in ``finalize``."""

    keeps_evidence = True
    persistent = True

    def __init__(self, output: Output, *, info: DatasetInfo) -> None:
        self.output = output
        self.info = info
        self.records = GraphRecords()

    def write_node(self, node: NodeRecord) -> None:
        self.records.add(node)

    def write_edge(self, edge: EdgeRecord) -> None:
        self.records.add(edge)

    def write_subclass(self, edge: SubclassRecord) -> None:
        self.records.add(edge)

    def finalize(self) -> None:
        raise NotImplementedError
