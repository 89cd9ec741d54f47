"""Selecting the part of the graph to export or to show.

Every selector returns a subgraph of the stored property graph (a ``MultiDiGraph`` copy) that
is closed for evidence: the publications its assertions cite and the hierarchy edges between
its nodes come along, so an export of it is self-contained. The CLI, the HTTP API and the web
page call these same functions; they do no IO.

- :func:`whole`: everything.
- :func:`around`: the neighbourhood of one or more entities within K hops, with category,
  confidence and predicate filters.
- :func:`mentioned`: the entities and assertions a result names (the rows of a named query,
  the explanation of a simulation): every cell or value that is a node id or an association
  id of the graph.
- :func:`from_triples`: the entities and assertions a SPARQL CONSTRUCT result names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from graph.curie import compress
from graph.errors import MetakgError
from graph.names import NameIndex
from graph.vocab import Category, Confidence, Predicate

CONFIDENCE_RANK = {"high": 3, "medium": 2, "low": 1}
#: The largest neighbourhood radius: beyond 3 hops the curated graph is nearly all of it.
MAX_HOPS = 5


class SelectionError(MetakgError):
    """A selector that cannot be satisfied: an unknown name, a bad filter value."""

    status = 400
    title = "Invalid selection"


@dataclass(frozen=True)
class Neighbourhood:
    """The options of :func:`around`."""

    hops: int = 1
    categories: frozenset[str] | None = None
    min_confidence: str | None = None
    predicates: frozenset[str] | None = None

    def describe(self) -> str:
        parts = [f"{self.hops} hop{'s' if self.hops != 1 else ''}"]
        if self.categories:
            parts.append("categories " + ", ".join(sorted(self.categories)))
        if self.min_confidence:
            parts.append(f"confidence >= {self.min_confidence}")
        if self.predicates:
            parts.append("predicates " + ", ".join(sorted(self.predicates)))
        return "; ".join(parts)


def neighbourhood(
    *,
    hops: int = 1,
    categories: Iterable[str] | None = None,
    min_confidence: str | None = None,
    predicates: Iterable[str] | None = None,
) -> Neighbourhood:
    """Checked options for :func:`around`; a bad value is a :class:`SelectionError` that
    lists the valid ones."""
    if not 0 <= hops <= MAX_HOPS:
        raise SelectionError(f"hops must be between 0 and {MAX_HOPS}, not {hops}")
    cats = _checked(categories, [c.key for c in Category], "category")
    preds = _checked(predicates, [p.key for p in Predicate], "predicate")
    if min_confidence is not None and min_confidence not in CONFIDENCE_RANK:
        raise SelectionError(
            f"unknown confidence {min_confidence!r}; expected one of: "
            + ", ".join(c.value for c in Confidence)
        )
    return Neighbourhood(hops, cats, min_confidence, preds)


def _checked(
    values: Iterable[str] | None, valid: Sequence[str], what: str
) -> frozenset[str] | None:
    if values is None:
        return None
    chosen = frozenset(v.strip() for v in values if v.strip())
    unknown = sorted(chosen - set(valid))
    if unknown:
        raise SelectionError(
            f"unknown {what} {', '.join(map(repr, unknown))}; expected one of: {', '.join(valid)}"
        )
    return chosen or None


def resolve_names(index: NameIndex, names: Iterable[str]) -> list[str]:
    """Node ids for symbols, aliases, labels or CURIEs; an unknown or ambiguous name is a
    :class:`SelectionError` with suggestions."""
    ids = []
    for name in names:
        found = index.resolve(name)
        if found.node_id is None:
            if found.candidates:
                raise SelectionError(
                    f"{name!r} is ambiguous: it names {', '.join(found.candidates)}; "
                    "give one of these ids instead"
                )
            hint = index.suggest(name)
            raise SelectionError(
                f"no entity is named {name!r}"
                + (f"; did you mean {', '.join(hint)}?" if hint else "")
            )
        ids.append(found.node_id)
    return ids


def whole(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    return graph


def _edge_allowed(data: Mapping[str, Any], options: Neighbourhood) -> bool:
    if data.get("kind") != "association":
        return False
    if options.predicates and data["predicate"] not in options.predicates:
        return False
    if options.min_confidence:
        return CONFIDENCE_RANK[data["confidence"]] >= CONFIDENCE_RANK[options.min_confidence]
    return True


def around(
    graph: nx.MultiDiGraph, seeds: Iterable[str], options: Neighbourhood = Neighbourhood()
) -> nx.MultiDiGraph:
    """The entities within ``options.hops`` association edges of ``seeds`` (either
    direction), the assertions among them that pass the filters, and their evidence.

    Publications are not stepped through (they are evidence, not neighbours); the category
    filter applies to every node but the seeds.
    """
    seeds = list(dict.fromkeys(seeds))
    allowed_node = (
        (lambda n: graph.nodes[n]["category"] in options.categories)
        if options.categories
        else (lambda n: True)
    )
    keep = set(seeds)
    frontier = set(seeds)
    for _ in range(options.hops):
        reached = set()
        for node in frontier:
            for _u, other, data in _incident(graph, node):
                if other in keep or not _edge_allowed(data, options):
                    continue
                if graph.nodes[other]["category"] == "publication" or not allowed_node(other):
                    continue
                reached.add(other)
        keep |= reached
        frontier = reached
        if not frontier:
            break
    edges = [
        (u, v, k)
        for u, v, k, data in graph.subgraph(keep).edges(keys=True, data=True)
        if _edge_allowed(data, options)
    ]
    return closed(graph, keep, edges)


def _incident(graph: nx.MultiDiGraph, node: str) -> Iterable[tuple[str, str, Mapping[str, Any]]]:
    for _u, v, data in graph.out_edges(node, data=True):
        yield node, v, data
    for u, _v, data in graph.in_edges(node, data=True):
        yield node, u, data


def closed(
    graph: nx.MultiDiGraph, nodes: Iterable[str], edges: Iterable[tuple[str, str, str]]
) -> nx.MultiDiGraph:
    """A copy of ``graph`` restricted to ``nodes`` and the association ``edges`` (u, v, key),
    plus their endpoints, the publications they cite and the hierarchy edges among the kept
    nodes."""
    keep = set(nodes)
    edges = sorted(set(edges), key=lambda e: e[2])
    for u, v, key in edges:
        keep |= {u, v}
        keep.update(r for r in graph.edges[u, v, key].get("references", ()) if r in graph)
    sub = nx.MultiDiGraph()
    sub.graph.update(graph.graph)
    for node in sorted(keep):
        sub.add_node(node, **graph.nodes[node])
    for u, v, key in edges:
        sub.add_edge(u, v, key=key, **graph.edges[u, v, key])
    for u, v, key, data in graph.subgraph(keep).edges(keys=True, data=True):
        if data.get("kind") == "structure":
            sub.add_edge(u, v, key=key, **data)
    return sub


def _edge_index(graph: nx.MultiDiGraph) -> dict[str, tuple[str, str, str]]:
    return {k: (u, v, k) for u, v, k in graph.edges(keys=True)}


def mentioned(graph: nx.MultiDiGraph, values: Any) -> nx.MultiDiGraph:
    """The subgraph named by any node id or association id found in ``values`` (nested
    lists, dicts and strings: rows of a named query, a simulation answer)."""
    edge_index = _edge_index(graph)
    nodes: set[str] = set()
    edges: set[tuple[str, str, str]] = set()
    for text in _strings(values):
        for token in _tokens(text):
            if token in edge_index:
                edges.add(edge_index[token])
            elif token in graph:
                nodes.add(token)
    return closed(graph, nodes, edges)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, Iterable):
        for item in value:
            yield from _strings(item)


def _tokens(text: str) -> Iterable[str]:
    yield text
    if any(sep in text for sep in ",; |"):
        for part in text.replace(";", ",").replace("|", ",").replace(" ", ",").split(","):
            if part:
                yield part


def from_triples(graph: nx.MultiDiGraph, terms: Iterable[tuple[str, str, str]]) -> nx.MultiDiGraph:
    """The subgraph a CONSTRUCT result names: ``terms`` are (subject, predicate, object) IRIs
    or literals as strings. An IRI of a node or an association selects it; a direct triple
    (subject, predicate, object) selects the assertions it stands for."""
    edge_index = _edge_index(graph)
    by_triple: dict[tuple[str, str, str], list[tuple[str, str, str]]] = {}
    for u, v, k, data in graph.edges(keys=True, data=True):
        if data.get("kind") == "association":
            by_triple.setdefault((u, Predicate.from_key(data["predicate"]).iri, v), []).append(
                (u, v, k)
            )
    nodes: set[str] = set()
    edges: set[tuple[str, str, str]] = set()
    for s, p, o in terms:
        cs, co = _compressed(s), _compressed(o)
        edges.update(by_triple.get((cs or "", p, co or ""), ()))
        for curie in (cs, co):
            if curie in edge_index:
                edges.add(edge_index[curie])
            elif curie is not None and curie in graph:
                nodes.add(curie)
    return closed(graph, nodes, edges)


def term_triples(triples: Iterable[Any]) -> list[tuple[str, str, str]]:
    """(subject, predicate, object) strings of pyoxigraph triples (a CONSTRUCT result or
    parsed N-Triples); a literal object gives its lexical form."""
    return [(t.subject.value, t.predicate.value, t.object.value) for t in triples]


def _compressed(iri: str) -> str | None:
    try:
        return compress(iri)
    except Exception:  # a literal, a blank node or an IRI outside the known prefixes
        return None
