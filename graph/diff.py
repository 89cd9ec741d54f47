"""What changed between two builds: counts, identifiers and assertions (``metakg diff``).

IO-free: :func:`diff_graphs` compares two property graphs (:mod:`graph.property_graph`) with
their manifests and returns a :class:`StoreDiff`, which renders itself as JSON-ready data
(:meth:`StoreDiff.to_json`, keys in a fixed order) or as text tables (:func:`render_text`).

* Counts (before, after, change): nodes by category, edges by predicate (associations, and
  ``subclass_of`` for the hierarchy), associations by source (``EdgeRecord.origin``).
* Inputs: the manifest's sources by name, with their SHA-256 before and after.
* Nodes (CURIEs) and assertions (association ids, with subject, predicate and object) added,
  removed, or present in both with other attributes (the file and line they were read from do
  not count: moving a row changes nothing).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from graph.property_graph import SUBCLASS_PREDICATE
from graph.vocab import Category, Predicate

#: Attributes that say where a record was read from, not what it says.
_WHERE = frozenset({"location"})


@dataclass(frozen=True)
class Count:
    name: str
    before: int
    after: int

    @property
    def change(self) -> int:
        return self.after - self.before

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "before": self.before,
            "after": self.after,
            "change": self.change,
        }


@dataclass(frozen=True)
class Input:
    """One source of the manifest; a digest is ``None`` where the build did not read it."""

    name: str
    before: str | None
    after: str | None

    @property
    def status(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "same" if self.before == self.after else "changed"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True)
class Node:
    id: str
    category: str
    label: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "category": self.category, "label": self.label}


@dataclass(frozen=True)
class Assertion:
    id: str
    subject: str
    predicate: str
    object: str
    source: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "subject": self.subject,
            "predicate": self.predicate,
            "object": self.object,
            "source": self.source,
        }

    def __str__(self) -> str:
        return f"{self.id}  {self.subject} {self.predicate} {self.object}"


@dataclass(frozen=True)
class Changed:
    """A node or an assertion in both builds whose attributes differ (names of the fields)."""

    id: str
    fields: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "fields": list(self.fields)}


@dataclass(frozen=True)
class StoreDiff:
    old_release: Mapping[str, Any]
    new_release: Mapping[str, Any]
    categories: tuple[Count, ...]
    predicates: tuple[Count, ...]
    sources: tuple[Count, ...]
    inputs: tuple[Input, ...]
    added_nodes: tuple[Node, ...]
    removed_nodes: tuple[Node, ...]
    changed_nodes: tuple[Changed, ...]
    added_assertions: tuple[Assertion, ...]
    removed_assertions: tuple[Assertion, ...]
    changed_assertions: tuple[Changed, ...]

    @property
    def is_empty(self) -> bool:
        """No node, assertion, count or input differs."""
        counts = (*self.categories, *self.predicates, *self.sources)
        return not (
            self.added_nodes
            or self.removed_nodes
            or self.changed_nodes
            or self.added_assertions
            or self.removed_assertions
            or self.changed_assertions
            or any(c.change for c in counts)
            or any(i.status != "same" for i in self.inputs)
        )

    def to_json(self) -> dict[str, Any]:
        def rows(items: Iterable[Any]) -> list[dict[str, Any]]:
            return [item.to_json() for item in items]

        return {
            "identical": self.is_empty,
            "old": {"release": dict(self.old_release)},
            "new": {"release": dict(self.new_release)},
            "counts": {
                "nodes_by_category": rows(self.categories),
                "edges_by_predicate": rows(self.predicates),
                "associations_by_source": rows(self.sources),
            },
            "inputs": rows(self.inputs),
            "nodes": {
                "added": rows(self.added_nodes),
                "removed": rows(self.removed_nodes),
                "changed": rows(self.changed_nodes),
            },
            "assertions": {
                "added": rows(self.added_assertions),
                "removed": rows(self.removed_assertions),
                "changed": rows(self.changed_assertions),
            },
        }


def _counts(before: Counter[str], after: Counter[str], order: Iterable[str]) -> tuple[Count, ...]:
    """One row per name in ``order`` and then any other name (sorted) that either side has."""
    names = list(order)
    names += sorted((set(before) | set(after)) - set(names))
    return tuple(Count(n, before.get(n, 0), after.get(n, 0)) for n in names)


def _edges(graph: nx.MultiDiGraph) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {k: (u, v, d) for u, v, k, d in graph.edges(keys=True, data=True)}


def _differing(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, ...]:
    keys = (set(old) | set(new)) - _WHERE
    return tuple(sorted(k for k in keys if old.get(k) != new.get(k)))


def _node(graph: nx.MultiDiGraph, node: str) -> Node:
    data = graph.nodes[node]
    return Node(node, str(data.get("category", "")), str(data.get("label", "")))


def _assertion(key: str, edge: tuple[str, str, dict[str, Any]]) -> Assertion:
    u, v, data = edge
    return Assertion(key, u, str(data["predicate"]), v, str(data.get("origin", "")))


def _inputs(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[Input, ...]:
    before = {s["name"]: s.get("sha256") for s in old.get("sources", [])}
    after = {s["name"]: s.get("sha256") for s in new.get("sources", [])}
    return tuple(Input(n, before.get(n), after.get(n)) for n in sorted(set(before) | set(after)))


def diff_graphs(
    old: nx.MultiDiGraph,
    new: nx.MultiDiGraph,
    *,
    old_manifest: Mapping[str, Any],
    new_manifest: Mapping[str, Any],
) -> StoreDiff:
    """Everything that differs from ``old`` to ``new`` (property graphs of two builds)."""
    categories = _counts(
        Counter(d.get("category", "") for _, d in old.nodes(data=True)),
        Counter(d.get("category", "") for _, d in new.nodes(data=True)),
        (c.key for c in Category),
    )
    old_edges, new_edges = _edges(old), _edges(new)
    predicates = _counts(
        Counter(str(d["predicate"]) for _, _, d in old_edges.values()),
        Counter(str(d["predicate"]) for _, _, d in new_edges.values()),
        [*(p.key for p in Predicate), SUBCLASS_PREDICATE],
    )

    def origins(edges: Mapping[str, tuple[str, str, dict[str, Any]]]) -> Counter[str]:
        return Counter(
            str(d.get("origin", "")) for _, _, d in edges.values() if d.get("kind") == "association"
        )

    sources = _counts(origins(old_edges), origins(new_edges), ())

    def associations(edges: Mapping[str, tuple[str, str, dict[str, Any]]]) -> set[str]:
        return {k for k, (_, _, d) in edges.items() if d.get("kind") == "association"}

    old_ids, new_ids = associations(old_edges), associations(new_edges)
    old_nodes, new_nodes = set(old.nodes), set(new.nodes)
    return StoreDiff(
        old_release=dict(old_manifest.get("release", {})),
        new_release=dict(new_manifest.get("release", {})),
        categories=tuple(c for c in categories if c.before or c.after),
        predicates=tuple(c for c in predicates if c.before or c.after),
        sources=sources,
        inputs=_inputs(old_manifest, new_manifest),
        added_nodes=tuple(_node(new, n) for n in sorted(new_nodes - old_nodes)),
        removed_nodes=tuple(_node(old, n) for n in sorted(old_nodes - new_nodes)),
        changed_nodes=tuple(
            Changed(n, fields)
            for n in sorted(old_nodes & new_nodes)
            if (fields := _differing(old.nodes[n], new.nodes[n]))
        ),
        added_assertions=tuple(_assertion(k, new_edges[k]) for k in sorted(new_ids - old_ids)),
        removed_assertions=tuple(_assertion(k, old_edges[k]) for k in sorted(old_ids - new_ids)),
        changed_assertions=tuple(
            Changed(k, fields)
            for k in sorted(old_ids & new_ids)
            if (fields := _differing(_with_ends(old_edges[k]), _with_ends(new_edges[k])))
        ),
    )


def _with_ends(edge: tuple[str, str, dict[str, Any]]) -> dict[str, Any]:
    u, v, data = edge
    return {**data, "subject": u, "object": v}


def _signed(value: int) -> str:
    return f"{value:+d}" if value else "0"


def _table(title: str, counts: tuple[Count, ...]) -> list[str]:
    if not counts:
        return [f"{title}: none"]
    width = max(len(title), *(len(c.name) + 2 for c in counts))
    lines = [f"{title:<{width}}  {'before':>8}  {'after':>8}  {'change':>8}"]
    for c in counts:
        name = f"  {c.name}"
        lines.append(f"{name:<{width}}  {c.before:>8}  {c.after:>8}  {_signed(c.change):>8}")
    return lines


def _release(release: Mapping[str, Any]) -> str:
    if not release:
        return "no release recorded (built before metakg 0.5.0)"
    return f"release {release.get('id')}, version {release.get('version')}, {release.get('date')}"


def render_text(found: StoreDiff, *, old_name: str = "old", new_name: str = "new") -> str:
    """The diff as plain-text tables and lists, for a terminal."""
    lines = [
        f"old: {old_name}",
        f"     {_release(found.old_release)}",
        f"new: {new_name}",
        f"     {_release(found.new_release)}",
        "",
    ]
    if found.is_empty:
        lines.append("No differences: the same nodes, assertions, counts and inputs.")
        return "\n".join(lines) + "\n"
    for title, counts in (
        ("Nodes by category", found.categories),
        ("Edges by predicate", found.predicates),
        ("Associations by source", found.sources),
    ):
        lines += [*_table(title, counts), ""]
    changed = [i for i in found.inputs if i.status != "same"]
    lines.append(f"Inputs changed: {len(changed)}")
    for i in changed:
        digest = i.after or i.before
        lines.append(f"  {i.status:<8} {i.name}  sha256:{digest}")
    sections: list[tuple[str, str, tuple[Any, ...]]] = [
        ("Nodes added", "+", found.added_nodes),
        ("Nodes removed", "-", found.removed_nodes),
        ("Nodes changed", "~", found.changed_nodes),
        ("Assertions added", "+", found.added_assertions),
        ("Assertions removed", "-", found.removed_assertions),
        ("Assertions changed", "~", found.changed_assertions),
    ]
    for title, mark, items in sections:
        lines += ["", f"{title}: {len(items)}"]
        for item in items:
            if isinstance(item, Node):
                lines.append(f"  {mark} {item.id}  [{item.category}]  {item.label}")
            elif isinstance(item, Changed):
                lines.append(f"  {mark} {item.id}  ({', '.join(item.fields)})")
            else:
                lines.append(f"  {mark} {item}  [{item.source}]")
    return "\n".join(lines) + "\n"
