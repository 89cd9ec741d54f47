"""What the model builder reads from the graph's nodes, and the notes it makes.

Nodes by category (sorted ids), entities and references made once per node, an
:class:`EdgeRef` for an edge read as its attribute dict (the few edges per organ, cancer type
and gene class that the builder keeps as edges), and parameter keys resolved to nodes, with a
note for each key that names nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx

from graph.vocab import Category
from queries.lookup import name_index
from queries.simulator.model import EdgeRef, Entity, Reference
from queries.simulator.parameters import Parameter, Parameters


class Builder:
    """The graph's nodes by category, names and entities, for one build."""

    def __init__(self, graph: nx.MultiDiGraph, parameters: Parameters) -> None:
        self.graph = graph
        self.p = parameters
        self.index = name_index(graph)
        self.notes: list[str] = []
        self._edge_refs: dict[str, EdgeRef] = {}
        self._entities: dict[str, Entity] = {}
        self._references: dict[str, Reference] = {}
        self._by_category: dict[str, list[str]] = {}
        for node_id, data in graph.nodes(data=True):
            self._by_category.setdefault(data["category"], []).append(node_id)
        for nodes in self._by_category.values():
            nodes.sort()

    def entity(self, node_id: str) -> Entity:
        found = self._entities.get(node_id)
        if found is None:
            data = self.graph.nodes[node_id]
            found = Entity(node_id, str(data.get("symbol") or data["label"]))
            self._entities[node_id] = found
        return found

    def edge_ref(self, u: str, v: str, key: str, data: Mapping[str, Any]) -> EdgeRef:
        found = self._edge_refs.get(key)
        if found is None:
            found = EdgeRef(
                id=key,
                subject=self.entity(u),
                predicate=data["predicate"],
                object=self.entity(v),
                direction=data.get("direction", "promotes"),
                confidence=data.get("confidence", "low"),
                evidence_types=tuple(data.get("evidence_types", ())),
                references=tuple(self.reference(r) for r in data.get("references", ())),
                cancer_type=data.get("cancer_type"),
                organ=data.get("organ"),
                step=data.get("step"),
                frequency=data.get("frequency"),
                rests_only_on_retracted=bool(data.get("rests_only_on_retracted", False)),
                note=data.get("note", ""),
            )
            self._edge_refs[key] = found
        return found

    def reference(self, node_id: str) -> Reference:
        found = self._references.get(node_id)
        if found is None:
            data = self.graph.nodes[node_id] if node_id in self.graph else {}
            number = data.get("referenceNumber")
            found = Reference(
                id=node_id,
                number=int(number) if number is not None else None,
                citation=str(data.get("description", node_id)),
                title=str(data.get("label", "")),
                retracted=bool(data.get("retracted", False)),
            )
            self._references[node_id] = found
        return found

    def resolve_key(self, key: str, category: Category, parameter: str) -> str | None:
        """The node a parameter's key names (a short name, label, alias or CURIE)."""
        resolution = self.index.resolve(key, [category])
        if resolution.node_id is None:
            self.notes.append(
                f"parameter {parameter}: '{key}' names no {category.key.replace('_', ' ')} "
                "of the graph; it is not used"
            )
        return resolution.node_id

    def keyed_nodes(self, group: str, leaf: str, category: Category) -> dict[str, Parameter]:
        """Node id -> parameter for every key of ``group`` that names a node."""
        found: dict[str, Parameter] = {}
        for key in self.p.keys(group, leaf):
            node_id = self.resolve_key(key, category, f"{group}.{key}.{leaf}")
            if node_id is not None:
                found[node_id] = self.p[f"{group}.{key}.{leaf}"]
        return found

    def nodes(self, category: str) -> list[str]:
        return list(self._by_category.get(category, ()))
