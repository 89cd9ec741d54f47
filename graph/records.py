"""From the stored property graph back to frozen records.

The store keeps the networkx projection (``graph.json``); exports and other sinks take records.
These functions invert :func:`graph.property_graph.node_attributes` and
:func:`graph.property_graph.edge_attributes`, so any (sub)graph of a built store can be fed to
any sink, and what an export writes is exactly what a build would have written.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import networkx as nx

from graph.model import EdgeRecord, NodeRecord, SourceLocation, SubclassRecord
from graph.vocab import (
    AgentType,
    Category,
    Confidence,
    Direction,
    EvidenceType,
    KnowledgeLevel,
    Organism,
    Predicate,
)

#: Node attributes that are record fields; every other attribute is a category property.
_NODE_FIELDS = frozenset(
    {"category", "label", "location", "symbol", "synonyms", "weak_synonyms", "xrefs",
     "description", "taxon"}
)


def location(text: str) -> SourceLocation:
    """``"file.tsv:12"`` -> ``SourceLocation("file.tsv", 12)``; a bare name has line 0."""
    file, sep, line = text.rpartition(":")
    if sep and line.isdigit():
        return SourceLocation(file, int(line))
    return SourceLocation(text)


def node_record(node_id: str, data: Mapping[str, Any]) -> NodeRecord:
    properties = tuple(sorted((k, v) for k, v in data.items() if k not in _NODE_FIELDS))
    return NodeRecord(
        id=node_id,
        category=Category.from_key(data["category"]),
        label=data.get("label", node_id),
        source=location(data.get("location", "")),
        symbol=data.get("symbol"),
        synonyms=tuple(data.get("synonyms", ())),
        xrefs=tuple(data.get("xrefs", ())),
        description=data.get("description", ""),
        taxon=data.get("taxon"),
        properties=properties,
        weak_synonyms=tuple(data.get("weak_synonyms", ())),
    )


def edge_record(subject: str, obj: str, data: Mapping[str, Any]) -> EdgeRecord:
    organism = data.get("organism")
    return EdgeRecord(
        subject=subject,
        predicate=Predicate.from_key(data["predicate"]),
        object=obj,
        source=location(data.get("location", "")),
        references=tuple(data.get("references", ())),
        confidence=Confidence.from_key(data["confidence"]),
        note=data.get("note", ""),
        direction=Direction.from_key(data.get("direction", "promotes")),
        evidence_types=tuple(EvidenceType.from_key(e) for e in data.get("evidence_types", ())),
        organism=Organism.from_key(organism) if organism else None,
        cancer_type=data.get("cancer_type"),
        organ=data.get("organ"),
        step=data.get("step"),
        frequency=data.get("frequency"),
        knowledge_level=KnowledgeLevel.from_key(
            data.get("knowledge_level", "knowledge_assertion")
        ),
        agent_type=AgentType.from_key(data.get("agent_type", "manual_agent")),
        rests_only_on_retracted=bool(data.get("rests_only_on_retracted", False)),
        origin=data.get("origin", "curated"),
    )


def is_association(data: Mapping[str, Any]) -> bool:
    return data.get("kind") == "association"


def nodes_of(graph: nx.MultiDiGraph) -> Iterator[NodeRecord]:
    """Node records in sorted id order (deterministic exports)."""
    for node_id in sorted(graph.nodes):
        yield node_record(node_id, graph.nodes[node_id])


def edges_of(graph: nx.MultiDiGraph) -> Iterator[EdgeRecord]:
    """Association records, sorted by association id."""
    found = [
        (key, u, v, data)
        for u, v, key, data in graph.edges(keys=True, data=True)
        if is_association(data)
    ]
    for _key, u, v, data in sorted(found, key=lambda item: item[0]):
        yield edge_record(u, v, data)


def hierarchy_of(graph: nx.MultiDiGraph) -> Iterator[SubclassRecord]:
    """Structural (subclass) edges, sorted by child then parent."""
    found = sorted(
        (u, v, data)
        for u, v, data in graph.edges(data=True)
        if data.get("kind") == "structure"
    )
    for u, v, data in found:
        origin = data.get("origin", "curated")
        yield SubclassRecord(u, v, location(data.get("location", "")), origin)
