"""The graph as lists, searches and evidence paths: what the REST API's routes answer with.

These functions take the networkx projection (and plain values) and return plain data; they
do no IO and know nothing of HTTP, so the API, the CLI and the tests call the same code.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from itertools import islice
from typing import Any

import networkx as nx

from graph.names import fold
from graph.vocab import Category
from queries import lookup

PATHS_MAX = 20  # paths returned
PATHS_EXAMINED = 2000  # shortest paths ranked before the best PATHS_MAX are kept
CONFIDENCE_RANK = {"high": 3, "medium": 2, "low": 1}
GENE_FILTERS = {  # query parameter -> (predicate of the gene's assertion, category of its object)
    "gene_class": ("has_class", Category.GENE_CLASS),
    "step": ("acts_at_step", Category.CASCADE_STEP),
    "organ": ("mediates_metastasis_to", Category.ORGAN),
    "cancer_type": ("contributes_to", Category.CANCER_TYPE),
    "pathway": ("participates_in", Category.PATHWAY),
}


def contains(needle: str | None, *texts: Any) -> bool:
    """Whether any string in ``texts`` contains ``needle`` (case- and accent-folded); always
    true without a needle."""
    if not needle:
        return True
    folded = fold(needle)
    return any(isinstance(t, str) and folded in fold(t) for t in texts)


def _is_association(data: Mapping[str, Any]) -> bool:
    return data.get("kind") == "association"


def gene_items(
    graph: nx.MultiDiGraph,
    targets: Mapping[str, set[str]],
    *,
    confidence: str | None = None,
    text: str | None = None,
) -> list[dict[str, Any]]:
    """Genes and miRNAs that, for every filter in ``targets`` (parameter -> allowed object
    ids), have an assertion with the filter's predicate pointing at one of those objects; with
    ``confidence``, each filter must be met by an assertion of that confidence (and without
    filters the gene needs any assertion of that confidence)."""
    items = []
    for node, data in graph.nodes(data=True):
        if data["category"] not in ("gene", "microrna"):
            continue
        if text and not contains(
            text, data.get("symbol"), data.get("fullName"), *data.get("synonyms", ())
        ):
            continue
        out = [
            (v, d)
            for _, v, d in graph.out_edges(node, data=True)
            if _is_association(d) and (confidence is None or d["confidence"] == confidence)
        ]
        if not all(
            any(d["predicate"] == GENE_FILTERS[p][0] and v in allowed for v, d in out)
            for p, allowed in targets.items()
        ):
            continue
        if confidence and not targets and not out:
            continue
        classes = sorted(
            {
                v
                for _, v, d in graph.out_edges(node, data=True)
                if _is_association(d) and d["predicate"] == "has_class"
            }
        )
        items.append(
            {
                "id": node,
                "symbol": data.get("symbol", data["label"]),
                "label": data["label"],
                "category": data["category"],
                "classes": [lookup.brief(graph, c) for c in classes],
            }
        )
    items.sort(key=lambda i: (i["symbol"].casefold(), i["id"]))
    return items


def entity_items(graph: nx.MultiDiGraph, category: Category) -> list[dict[str, Any]]:
    """Every entity of ``category`` with its summary fields and how many genes it relates to."""
    items = []
    for node, data in graph.nodes(data=True):
        if data["category"] != category.key:
            continue
        edges = [*graph.in_edges(node, data=True), *graph.out_edges(node, data=True)]
        others = {v if u == node else u for u, v, d in edges if _is_association(d)}
        genes = {o for o in others if graph.nodes[o]["category"] in ("gene", "microrna")}
        parents = [
            lookup.brief(graph, v)
            for _, v, d in graph.out_edges(node, data=True)
            if d["predicate"] == "subclass_of"
        ]
        item = {"id": node, **{k: v for k, v in data.items() if k != "location"}}
        item.update(gene_count=len(genes), parents=parents)
        items.append(item)
    if category is Category.CASCADE_STEP or category is Category.LATENCY_CLASS:
        items.sort(key=lambda i: (i.get("order") is None, i.get("order", 0), i["label"]))
    else:
        items.sort(key=lambda i: (i["label"].casefold(), i["id"]))
    return items


def reference_items(graph: nx.MultiDiGraph) -> list[dict[str, Any]]:
    cited: dict[str, int] = {}
    for _, _, d in graph.edges(data=True):
        for ref in d.get("references", ()):
            cited[ref] = cited.get(ref, 0) + 1
    items = []
    for node, data in graph.nodes(data=True):
        if data["category"] != "publication":
            continue
        item = lookup.reference(graph, node)
        item["identifiers"] = item.pop("xrefs", [])
        item.setdefault("number", None)
        item.setdefault("retracted", False)
        for key in ("authors", "journal", "year"):
            if key in data:
                item[key] = data[key]
        item["assertion_count"] = cited.get(node, 0)
        items.append(item)
    items.sort(key=lambda i: (i["number"] is None, i["number"] or 0, i["id"]))
    return items


def citing_assertions(graph: nx.MultiDiGraph, node_id: str) -> list[dict[str, Any]]:
    """Every assertion that cites the publication ``node_id``."""
    found = [
        lookup.assertion(graph, u, v, k, u)
        for u, v, k, d in graph.edges(keys=True, data=True)
        if _is_association(d) and node_id in d["references"]
    ]
    for item in found:
        del item["role"]
    found.sort(
        key=lambda a: (
            a["predicate"],
            a["subject"]["label"].casefold(),
            a["object"]["label"],
            a["id"],
        )
    )
    return found


def _names(node: str, data: Mapping[str, Any]) -> Iterable[tuple[str, bool]]:
    """(name, primary) pairs an entity is searched by; primary names are ids and symbols."""
    yield node, True
    if node.startswith("metakg:") and "/" in node:
        yield node.rsplit("/", 1)[1], True
    for xref in data.get("xrefs", ()):
        yield xref, True
    if data.get("symbol"):
        yield data["symbol"], True
    yield data["label"], False
    for key in ("synonyms", "weak_synonyms"):
        for name in data.get(key, ()):
            yield name, False
    if data.get("fullName"):
        yield data["fullName"], False
    if data["category"] == "publication":
        if "referenceNumber" in data:
            yield str(data["referenceNumber"]), True
        for key in ("description", "authors"):
            if data.get(key):
                yield data[key], False


def match_score(needle: str, name: str, primary: bool) -> tuple[float, str] | None:
    """How well ``name`` matches the folded ``needle``: exact (1.0 for ids and symbols, 0.95
    for other names), prefix (0.8-0.9), substring (0.6-0.7), fuzzy (below 0.5), or None."""
    folded = fold(name)
    if folded == needle:
        return (1.0 if primary else 0.95), "exact"
    share = len(needle) / len(folded)
    if folded.startswith(needle):
        return 0.8 + 0.1 * share, "prefix"
    if needle in folded:
        return 0.6 + 0.1 * share, "substring"
    matcher = difflib.SequenceMatcher(None, needle, folded)
    if matcher.real_quick_ratio() >= 0.75 and matcher.quick_ratio() >= 0.75:
        ratio = matcher.ratio()
        if ratio >= 0.75:
            return 0.5 * ratio, "fuzzy"
    return None


def search(
    graph: nx.MultiDiGraph, text: str, *, limit: int, include_references: bool = False
) -> list[dict[str, Any]]:
    """Entities ranked by their best-matching name; publications only when asked, and after
    every other entity."""
    needle = fold(text)
    hits = []
    for node, data in graph.nodes(data=True):
        publication = data["category"] == "publication"
        if publication and not include_references:
            continue
        best: tuple[float, str, str] | None = None
        for name, primary in _names(node, data):
            scored = match_score(needle, name, primary)
            if scored and (best is None or scored[0] > best[0]):
                best = (scored[0], scored[1], name)
        if best:
            hits.append(
                {
                    **lookup.brief(graph, node),
                    "matched": best[2],
                    "match": best[1],
                    "score": round(best[0], 3),
                    "_rank": (publication, -best[0], data["label"].casefold(), node),
                }
            )
    hits.sort(key=lambda h: h.pop("_rank"))
    return hits[:limit]


def _support(data: Mapping[str, Any]) -> tuple[int, int]:
    return CONFIDENCE_RANK[data["confidence"]], len(data["references"])


def association_graph(graph: nx.MultiDiGraph, predicates: frozenset[str] | None = None) -> nx.Graph:
    """Association edges (never hierarchy) as an undirected graph, keeping for each pair of
    entities the best-supported assertion: highest confidence, then most references, then
    the smallest association id (so the choice is deterministic)."""
    simple = nx.Graph()
    for u, v, key, data in graph.edges(keys=True, data=True):
        if not _is_association(data) or (predicates and data["predicate"] not in predicates):
            continue
        rank = _support(data)
        if simple.has_edge(u, v):
            kept = simple.edges[u, v]
            better = rank > kept["rank"] or (rank == kept["rank"] and key < kept["edge"][2])
            if not better:
                continue
        simple.add_edge(u, v, rank=rank, edge=(u, v, key))
    return simple


def _reference_numbers(graph: nx.MultiDiGraph, refs: Iterable[str]) -> list[int]:
    numbers = (graph.nodes[r].get("referenceNumber") for r in refs)
    return sorted(n for n in numbers if n is not None)


def hop(graph: nx.MultiDiGraph, simple: nx.Graph, a: str, b: str) -> dict[str, Any]:
    u, v, key = simple.edges[a, b]["edge"]
    data = graph.edges[u, v, key]
    return {
        "from": lookup.brief(graph, a),
        "to": lookup.brief(graph, b),
        "predicate": data["predicate"],
        "direction": data["direction"],
        "reversed": u != a,
        "confidence": data["confidence"],
        "references": _reference_numbers(graph, data["references"]),
        "publications": list(data["references"]),
        "note": data["note"],
        "assertion": key,
    }


def evidence_paths(
    graph: nx.MultiDiGraph,
    source: str,
    target: str,
    *,
    max_hops: int,
    predicates: frozenset[str] | None = None,
) -> tuple[int | None, int, list[list[dict[str, Any]]]]:
    """(length, how many shortest paths were examined, the best ``PATHS_MAX`` of them) between
    two entities over association edges, ignoring direction; length None when there is no
    path within ``max_hops``. Paths of equal length are ranked by their hops' support."""
    simple = association_graph(graph, predicates)
    if source not in simple or target not in simple:
        return None, 0, []
    try:
        length = nx.shortest_path_length(simple, source, target)
    except nx.NetworkXNoPath:
        return None, 0, []
    if length > max_hops:
        return None, 0, []
    found = list(islice(nx.all_shortest_paths(simple, source, target), PATHS_EXAMINED))

    def rank(path: list[str]) -> tuple[Any, ...]:
        support = [simple.edges[a, b]["rank"] for a, b in zip(path, path[1:], strict=False)]
        labels = tuple(graph.nodes[n]["label"].casefold() for n in path)
        return (-sum(s[0] for s in support), -sum(s[1] for s in support), labels)

    found.sort(key=rank)
    paths = [
        [hop(graph, simple, a, b) for a, b in zip(path, path[1:], strict=False)]
        for path in found[:PATHS_MAX]
    ]
    return length, len(found), paths
