"""The networkx projection: a ``MultiDiGraph`` whose edges carry the evidence as attributes.

Node keys are CURIEs; edge keys are association ids (``metakg:assoc/...``) or
``subclass:CHILD>PARENT`` for hierarchy edges. The projection is saved next to the RDF store
as deterministic JSON (sorted keys, sorted nodes and edges) and loaded back without loss.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx

from graph.model import EdgeRecord, NodeRecord, SubclassRecord
from graph.sinks import register_sink

FORMAT = "metakg-property-graph/1"
SUBCLASS_PREDICATE = "subclass_of"


def node_attributes(node: NodeRecord) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "category": node.category.key,
        "label": node.label,
        "location": str(node.source),
    }
    optional = {
        "symbol": node.symbol,
        "synonyms": list(node.synonyms),
        "weak_synonyms": list(node.weak_synonyms),
        "xrefs": list(node.xrefs),
        "description": node.description,
        "taxon": node.taxon,
    }
    attrs.update({k: v for k, v in optional.items() if v})
    attrs.update({k: v for k, v in node.properties if v is not None and v != ""})
    return attrs


def edge_attributes(edge: EdgeRecord) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "kind": "association",
        "predicate": edge.predicate.key,
        "references": list(edge.references),
        "confidence": edge.confidence.value,
        "direction": edge.direction.value,
        "evidence_types": [e.value for e in edge.evidence_types],
        "knowledge_level": edge.knowledge_level.value,
        "agent_type": edge.agent_type.value,
        "rests_only_on_retracted": edge.rests_only_on_retracted,
        "note": edge.note,
        "location": str(edge.source),
        "origin": edge.origin,
    }
    optional = {
        "organism": edge.organism.value if edge.organism else None,
        "cancer_type": edge.cancer_type,
        "organ": edge.organ,
        "step": edge.step,
        "frequency": edge.frequency,
    }
    attrs.update({k: v for k, v in optional.items() if v is not None})
    return attrs


class NetworkxSink:
    """Builds the property graph; with ``path``, ``finalize`` also saves it as JSON."""

    keeps_evidence = True

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.persistent = path is not None
        self.graph = nx.MultiDiGraph()

    def write_node(self, node: NodeRecord) -> None:
        self.graph.add_node(node.id, **node_attributes(node))

    def write_edge(self, edge: EdgeRecord) -> None:
        self.graph.add_edge(edge.subject, edge.object, key=edge.id, **edge_attributes(edge))

    def write_subclass(self, edge: SubclassRecord) -> None:
        self.graph.add_edge(
            edge.child,
            edge.parent,
            key=f"subclass:{edge.child}>{edge.parent}",
            kind="structure",
            predicate=SUBCLASS_PREDICATE,
            location=str(edge.source),
            origin=edge.origin,
        )

    def finalize(self) -> None:
        if self.path is not None:
            save(self.graph, self.path)


def save(graph: nx.MultiDiGraph, path: Path) -> None:
    document = {
        "format": FORMAT,
        "nodes": [{"id": n, **graph.nodes[n]} for n in sorted(graph.nodes)],
        "edges": sorted(
            (
                {"key": k, "source": u, "target": v, **d}
                for u, v, k, d in graph.edges(keys=True, data=True)
            ),
            key=lambda e: e["key"],
        ),
    }
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, indent=0)
    path.write_text(text + "\n", encoding="utf-8")


def load(path: Path) -> nx.MultiDiGraph:
    document = json.loads(path.read_text(encoding="utf-8"))
    try:
        return from_document(document)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def from_document(document: dict[str, Any]) -> nx.MultiDiGraph:
    """The graph of a parsed ``graph.json`` document (see :func:`save`)."""
    if document.get("format") != FORMAT:
        raise ValueError(f"not a metakg property graph (format {document.get('format')!r})")
    graph = nx.MultiDiGraph()
    for node in document["nodes"]:
        attrs = dict(node)
        graph.add_node(attrs.pop("id"), **attrs)
    for edge in document["edges"]:
        attrs = dict(edge)
        u, v, k = attrs.pop("source"), attrs.pop("target"), attrs.pop("key")
        graph.add_edge(u, v, key=k, **attrs)
    return graph


register_sink("networkx", NetworkxSink)
