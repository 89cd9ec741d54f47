"""The Neo4j projection of the graph and the Cypher statements that write it (no IO).

One projection serves ``metakg neo4j push``, the neo4j-admin export
(:mod:`graph.exports.neo4j`) and the Cypher twins of the named queries
(:mod:`queries.catalog`):

* every node has the label ``biolink:NamedThing``, its Biolink category (``biolink:Gene``)
  and, for our own categories, its ``mkg:`` class (``mkg:CascadeStep``); the CURIE is the
  property ``id``, the label ``name``, our category key ``metakg_category``, and the other
  node attributes keep their graph.json names (``symbol``, ``referenceNumber``,
  ``retracted``, ``scheme``, ``venousDrainage`` ...);
* an association is one relationship typed by its predicate's CURIE
  (``biolink:member_of``, ``mkg:mediates_metastasis_to``), with ``id`` (the association
  CURIE), ``predicate`` (our key, ``has_class``), ``kind`` (``association``) and the
  evidence: ``publications`` (publication CURIEs), ``confidence``, ``direction``,
  ``rests_only_on_retracted``, ``note``, the qualifiers ``cancer_type``, ``organ``,
  ``step``, ``frequency`` and ``organism``, ``evidence_types``, ``knowledge_level``,
  ``agent_type`` and ``biolink_predicate``;
* a hierarchy edge is a ``biolink:subclass_of`` relationship (``kind`` ``structure``) from
  child to parent.

Values never go into statement text: every statement takes its rows as the parameter
``$rows``. Labels and relationship types cannot be parameters in Cypher, so the texts are
built once, here, from the closed vocabulary (:class:`graph.vocab.Category`,
:class:`graph.vocab.Predicate`) and looked up by label set or type;
:func:`node_statement` and :func:`relationship_statement` refuse anything else
(:class:`UnknownLabel`). The statements MERGE on ``id`` and replace properties with
``SET ... = row.properties``, so writing the same rows twice changes nothing.

The texts are the portable subset of Cypher that Neo4j 5 and FalkorDB both run; only the
schema step differs (:data:`SCHEMA`): Neo4j gets a uniqueness constraint on ``id``, FalkorDB
(whose constraint command refuses a label with a colon) a range index on it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from graph.curie import compress
from graph.errors import MetakgError
from graph.model import EdgeRecord, NodeRecord, SubclassRecord
from graph.property_graph import SUBCLASS_PREDICATE, edge_attributes, node_attributes
from graph.vocab import MKG, Category, Predicate

ROOT_LABEL = "biolink:NamedThing"
SUBCLASS_TYPE = f"biolink:{SUBCLASS_PREDICATE}"
CONSTRAINT_NAME = "metakg_id"
#: Rows per statement (one transaction each) unless the caller says otherwise.
BATCH_SIZE = 500

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class UnknownLabel(MetakgError):
    """A label or relationship type outside the vocabulary: no statement exists for it."""

    status = 400
    title = "Label or relationship type outside the vocabulary"


# --- the projection ------------------------------------------------------------------------


def node_labels(category: Category) -> tuple[str, ...]:
    """``biolink:NamedThing``, the Biolink category and our own ``mkg:`` class, if any."""
    labels = [ROOT_LABEL, category.biolink]
    labels += [compress(t) for t in category.rdf_types if t.startswith(MKG)]
    return tuple(dict.fromkeys(labels))


def category_label(category: Category) -> str:
    """The one label that tells ``category`` apart (``mkg:GeneClass``, ``biolink:Disease``)."""
    return node_labels(category)[-1]


def relationship_type(predicate: Predicate) -> str:
    """The relationship type of an association: its predicate's CURIE."""
    return compress(predicate.iri)


def node_properties(node: NodeRecord) -> dict[str, Any]:
    attrs = node_attributes(node)
    attrs["name"] = attrs.pop("label")
    attrs["metakg_category"] = attrs.pop("category")
    attrs["category"] = [node.category.biolink]
    return {"id": node.id, **attrs}


def edge_properties(edge: EdgeRecord) -> dict[str, Any]:
    attrs = edge_attributes(edge)
    attrs["publications"] = attrs.pop("references")
    attrs["biolink_predicate"] = edge.predicate.value.biolink
    return {"id": edge.id, **attrs}


def subclass_id(edge: SubclassRecord) -> str:
    return f"subclass:{edge.child}>{edge.parent}"


def subclass_properties(edge: SubclassRecord) -> dict[str, Any]:
    return {
        "id": subclass_id(edge),
        "kind": "structure",
        "predicate": SUBCLASS_PREDICATE,
        "location": str(edge.source),
        "origin": edge.origin,
    }


def clean(props: Mapping[str, Any]) -> dict[str, Any]:
    """Drop what Neo4j would not store as a property: None, empty strings and empty lists;
    ``id`` first, then the names in order."""
    kept = {k: v for k, v in props.items() if v is not None and v != "" and v != []}
    return {k: kept[k] for k in sorted(kept, key=lambda k: (k != "id", k))}


#: Every label set a node can have, by category, and every relationship type: the allowlist.
NODE_LABELS: dict[Category, tuple[str, ...]] = {c: node_labels(c) for c in Category}
RELATIONSHIP_TYPES: tuple[str, ...] = tuple(
    dict.fromkeys([*(relationship_type(p) for p in Predicate), SUBCLASS_TYPE])
)
ALLOWED_LABELS: frozenset[str] = frozenset(label for ls in NODE_LABELS.values() for label in ls)


def cypher_name(name: str) -> str:
    """A label, type or key: bare if it is a plain identifier, else in backticks."""
    if _NAME.fullmatch(name):
        return name
    return "`" + name.replace("`", "``") + "`"


# --- statements ------------------------------------------------------------------------------

_ROOT = cypher_name(ROOT_LABEL)


def _node_body(labels: Sequence[str]) -> str:
    extra = "".join(f":{cypher_name(label)}" for label in labels if label != ROOT_LABEL)
    lines = [f"MERGE (n:{_ROOT} {{id: row.id}})", "SET n = row.properties"]
    if extra:
        lines.append(f"SET n{extra}")
    return "\n".join(lines)


def _relationship_body(rel_type: str) -> str:
    return "\n".join(
        [
            f"MATCH (s:{_ROOT} {{id: row.start}})",
            f"MATCH (o:{_ROOT} {{id: row.end}})",
            f"MERGE (s)-[r:{cypher_name(rel_type)} {{id: row.id}}]->(o)",
            "SET r = row.properties",
        ]
    )


#: What follows ``UNWIND ... AS row`` for the nodes of each label set; ``row`` is
#: ``{id, properties}``. The export's load.cypher puts literal rows before the same text.
NODE_BODIES: dict[tuple[str, ...], str] = {ls: _node_body(ls) for ls in NODE_LABELS.values()}
#: The same for the relationships of each type; ``row`` is ``{start, end, id, properties}``.
RELATIONSHIP_BODIES: dict[str, str] = {t: _relationship_body(t) for t in RELATIONSHIP_TYPES}
ROWS = "UNWIND $rows AS row\n"


def node_statement(labels: Sequence[str]) -> str:
    """The MERGE statement for nodes with exactly ``labels`` (one category's label set)."""
    key = tuple(labels)
    if key not in NODE_BODIES:
        outside = sorted(set(key) - ALLOWED_LABELS)
        detail = (
            f"{', '.join(map(repr, outside))} not in the vocabulary"
            if outside
            else "not the label set of any category"
        )
        raise UnknownLabel(
            f"no statement for nodes labelled {':'.join(key) or '(nothing)'}: {detail} "
            "(graph/vocab.py Category); the label sets are: "
            + "; ".join(":".join(ls) for ls in NODE_BODIES)
        )
    return ROWS + NODE_BODIES[key]


def relationship_statement(rel_type: str) -> str:
    """The MERGE statement for relationships of type ``rel_type`` (a predicate CURIE)."""
    if rel_type not in RELATIONSHIP_BODIES:
        raise UnknownLabel(
            f"relationship type {rel_type!r} is not in the vocabulary (graph/vocab.py "
            f"Predicate); the types are: {', '.join(RELATIONSHIP_TYPES)}"
        )
    return ROWS + RELATIONSHIP_BODIES[rel_type]


class Engine(Enum):
    """A Cypher engine; only the schema step differs between them."""

    NEO4J = "neo4j"
    FALKORDB = "falkordb"


def _index_name(label: str) -> str:
    return "metakg_" + re.sub(r"[^A-Za-z0-9]+", "_", label).lower() + "_id"


#: The label that tells each category apart; the Cypher twins match parameters on it.
CATEGORY_LABELS: tuple[str, ...] = tuple(dict.fromkeys(category_label(c) for c in Category))

#: The schema step for each engine, run before the data: ``id`` unique on every node (a
#: constraint in Neo4j; FalkorDB's constraint command refuses a label with a colon, so there
#: an index), and an index on ``id`` for each category label. FalkorDB has no IF NOT EXISTS
#: for indexes: an executor takes "already indexed" as done.
SCHEMA: dict[Engine, tuple[str, ...]] = {
    Engine.NEO4J: (
        f"CREATE CONSTRAINT {CONSTRAINT_NAME} IF NOT EXISTS\n"
        f"FOR (n:{_ROOT}) REQUIRE n.id IS UNIQUE",
        *(
            f"CREATE INDEX {_index_name(label)} IF NOT EXISTS\n"
            f"FOR (n:{cypher_name(label)}) ON (n.id)"
            for label in CATEGORY_LABELS
        ),
    ),
    Engine.FALKORDB: tuple(
        f"CREATE INDEX FOR (n:{cypher_name(label)}) ON (n.id)"
        for label in (ROOT_LABEL, *CATEGORY_LABELS)
    ),
}

COUNT_NODES = f"MATCH (n:{_ROOT}) RETURN count(n) AS count"
COUNT_RELATIONSHIPS = f"MATCH (:{_ROOT})-[r]->(:{_ROOT}) RETURN count(r) AS count"
#: With ``$ids`` the ids pushed: remove what an earlier push wrote and this one did not.
PRUNE_NODES = f"MATCH (n:{_ROOT})\nWHERE NOT n.id IN $ids\nDETACH DELETE n"
PRUNE_RELATIONSHIPS = f"MATCH (:{_ROOT})-[r]->(:{_ROOT})\nWHERE NOT r.id IN $ids\nDELETE r"


# --- batches ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """One statement with its rows: one transaction of a push."""

    kind: str  # "nodes" or "relationships"
    key: str  # the label set ("|"-joined, as in neo4j-admin files) or the relationship type
    statement: str
    rows: tuple[dict[str, Any], ...]

    @property
    def params(self) -> dict[str, Any]:
        return {"rows": list(self.rows)}


def node_row(node: NodeRecord) -> dict[str, Any]:
    return {"id": node.id, "properties": clean(node_properties(node))}


def edge_row(edge: EdgeRecord) -> dict[str, Any]:
    return {"start": edge.subject, "end": edge.object, "id": edge.id,
            "properties": clean(edge_properties(edge))}


def subclass_row(edge: SubclassRecord) -> dict[str, Any]:
    return {"start": edge.child, "end": edge.parent, "id": subclass_id(edge),
            "properties": clean(subclass_properties(edge))}


def plan(
    nodes: Iterable[NodeRecord],
    edges: Iterable[EdgeRecord],
    hierarchy: Iterable[SubclassRecord] = (),
    *,
    batch_size: int = BATCH_SIZE,
) -> list[Batch]:
    """Every node batch (by label set), then every relationship batch (by type).

    Node batches come first so that each relationship finds both its ends. Within a group
    the rows keep the order given (sorted by id when they come from :mod:`graph.records`).
    """
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, not {batch_size}")
    by_labels: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for node in nodes:
        by_labels[NODE_LABELS[node.category]].append(node_row(node))
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for edge in edges:
        by_type[relationship_type(edge.predicate)].append(edge_row(edge))
    for sub in hierarchy:
        by_type[SUBCLASS_TYPE].append(subclass_row(sub))
    batches = []
    for labels in sorted(by_labels):
        statement = node_statement(labels)
        batches += _split("nodes", "|".join(labels), statement, by_labels[labels], batch_size)
    for rel_type in sorted(by_type):
        statement = relationship_statement(rel_type)
        batches += _split("relationships", rel_type, statement, by_type[rel_type], batch_size)
    return batches


def _split(
    kind: str, key: str, statement: str, rows: list[dict[str, Any]], size: int
) -> list[Batch]:
    return [
        Batch(kind, key, statement, tuple(rows[start : start + size]))
        for start in range(0, len(rows), size)
    ]
