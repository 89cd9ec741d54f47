"""Looking entities up by name and describing them with all their evidence.

These functions work on the networkx projection and do no IO: the CLI (`metakg show`) and,
later, the HTTP API call the same code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from graph.names import NameIndex, Resolution, tiered_names
from graph.property_graph import SUBCLASS_PREDICATE
from graph.vocab import Category, Predicate

#: The order in which `show` lists assertion groups, with their headings.
KIND_TITLES = {
    "class": "Gene classes",
    "step": "Cascade steps",
    "organ": "Organs",
    "cancer_type": "Cancer types",
    "pathway": "Pathways",
    "regulation": "Regulation and interactions",
    "site": "Metastatic sites",
    "circulation": "First capillary bed",
    "latency": "Latency",
    "barrier": "Vascular barrier",
}
_KIND = {p.key: p.value.kind for p in Predicate}


def name_index(graph: nx.MultiDiGraph) -> NameIndex:
    index = NameIndex()
    for node_id, data in graph.nodes(data=True):
        index.add_names(
            node_id,
            Category.from_key(data["category"]),
            tiered_names(
                node_id,
                data["label"],
                symbol=data.get("symbol"),
                xrefs=data.get("xrefs", ()),
                synonyms=data.get("synonyms", ()),
                weak_synonyms=data.get("weak_synonyms", ()),
            ),
        )
    return index


def find(
    graph: nx.MultiDiGraph, name: str, categories: Iterable[Category] | None = None
) -> Resolution:
    """Resolve a symbol, alias, label or CURIE to one node id (see graph/names.py)."""
    return name_index(graph).resolve(name, categories)


def brief(graph: nx.MultiDiGraph, node_id: str) -> dict[str, Any]:
    data = graph.nodes[node_id]
    return {"id": node_id, "label": data["label"], "category": data["category"]}


def reference(graph: nx.MultiDiGraph, node_id: str) -> dict[str, Any]:
    data = graph.nodes[node_id]
    out: dict[str, Any] = {"id": node_id, "title": data["label"]}
    for key in ("referenceNumber", "description", "retracted", "retractionNote", "xrefs"):
        if key in data:
            out[{"referenceNumber": "number", "description": "citation"}.get(key, key)] = data[key]
    return out


def assertion(graph: nx.MultiDiGraph, u: str, v: str, key: str, focus: str) -> dict[str, Any]:
    data = graph.edges[u, v, key]
    out: dict[str, Any] = {
        "id": key,
        "predicate": data["predicate"],
        "subject": brief(graph, u),
        "object": brief(graph, v),
        "role": "subject" if u == focus else "object",
        "direction": data["direction"],
        "confidence": data["confidence"],
        "references": [reference(graph, r) for r in data["references"]],
        "evidence_types": data["evidence_types"],
        "note": data["note"],
        "rests_only_on_retracted": data["rests_only_on_retracted"],
        "source": data["location"],
    }
    for field in ("cancer_type", "organ", "step"):
        if field in data:
            out[field] = brief(graph, data[field])
    for field in ("organism", "frequency"):
        if field in data:
            out[field] = data[field]
    return out


def describe(graph: nx.MultiDiGraph, node_id: str) -> dict[str, Any]:
    """The entity, its identifiers and every assertion about it, grouped by kind."""
    data = dict(graph.nodes[node_id])
    entity: dict[str, Any] = {"id": node_id, **{k: v for k, v in data.items() if k != "location"}}
    groups: dict[str, list[dict[str, Any]]] = {}
    edges = [(u, v, k) for u, v, k in graph.out_edges(node_id, keys=True)] + [
        (u, v, k) for u, v, k in graph.in_edges(node_id, keys=True) if u != node_id
    ]
    parents, children = [], []
    for u, v, k in edges:
        predicate = graph.edges[u, v, k]["predicate"]
        if predicate == SUBCLASS_PREDICATE:
            (parents if u == node_id else children).append(brief(graph, v if u == node_id else u))
            continue
        groups.setdefault(_KIND[predicate], []).append(assertion(graph, u, v, k, node_id))
    for items in groups.values():
        items.sort(key=lambda a: (a["predicate"], _other(a)["label"].casefold(), a["id"]))
    entity["assertions"] = {kind: groups[kind] for kind in KIND_TITLES if kind in groups}
    if parents or children:
        entity["hierarchy"] = {
            "parents": sorted(parents, key=lambda b: b["id"]),
            "children": sorted(children, key=lambda b: b["id"]),
        }
    return entity


def _other(item: dict[str, Any]) -> dict[str, Any]:
    return item["object"] if item["role"] == "subject" else item["subject"]


#: Node properties `metakg show` prints under the identifiers, with their headings.
_SHOWN_PROPERTIES = (
    ("spreadRoute", "spread route"),
    ("publisher", "publisher"),
    ("url", "url"),
    ("seen", "seen"),
    ("identifierSource", "identifiers verified at"),
)


def render_text(entity: dict[str, Any]) -> str:
    """A plain-text page for a terminal."""
    title = entity.get("symbol") or entity["label"]
    lines = [f"{title}  [{entity['category'].replace('_', ' ')}]  {entity['id']}"]
    if entity.get("fullName"):
        lines.append(f"  name: {entity['fullName']}")
    if entity.get("synonyms"):
        lines.append(f"  aliases: {', '.join(entity['synonyms'])}")
    if entity.get("xrefs"):
        lines.append(f"  identifiers: {', '.join(entity['xrefs'])}")
    for key, shown in _SHOWN_PROPERTIES:
        if entity.get(key):
            lines.append(f"  {shown}: {entity[key]}")
    if entity.get("description"):
        lines.append(f"  {entity['description']}")
    for kind, items in entity.get("assertions", {}).items():
        lines.append("")
        lines.append(f"{KIND_TITLES[kind]} ({len(items)})")
        for item in items:
            other = _other(item)
            arrow = "" if item["role"] == "subject" else "<- "
            context = "; ".join(
                item[f]["label"] for f in ("cancer_type", "organ", "step") if f in item
            )
            refs = ", ".join(str(r.get("number", r["id"])) for r in item["references"])
            extra = []
            if item["direction"] != "promotes":
                extra.append(item["direction"])
            if "frequency" in item:
                extra.append(f"{item['frequency']:.0%} of patients")
            lines.append(
                f"  {arrow}{other['label']}"
                + (f" ({'; '.join(extra)})" if extra else "")
                + f"  [confidence {item['confidence']}; refs {refs}]"
                + (f"  context: {context}" if context else "")
            )
            if item["rests_only_on_retracted"]:
                lines.append("    ! rests only on a retracted paper")
            lines.append(f"    {item['note']}")
    hierarchy = entity.get("hierarchy")
    if hierarchy:
        lines.append("")
        for name in ("parents", "children"):
            if hierarchy[name]:
                labels = ", ".join(b["label"] for b in hierarchy[name])
                lines.append(f"{name.capitalize()}: {labels}")
    return "\n".join(lines)


def subtypes(graph: nx.MultiDiGraph, node_id: str) -> set[str]:
    """Every entity below ``node_id`` in the hierarchy (``rdfs:subClassOf``), transitively,
    so that a question about lung cancer also covers lung adenocarcinoma."""
    found: set[str] = set()
    stack = [node_id]
    while stack:
        current = stack.pop()
        for child, _, data in graph.in_edges(current, data=True):
            if data["predicate"] == SUBCLASS_PREDICATE and child not in found:
                found.add(child)
                stack.append(child)
    return found
