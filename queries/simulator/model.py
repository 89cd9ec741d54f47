"""The simulator's model: steps, organs, barriers, baselines, gene effects; and its cache.

Everything biological comes from traversing the networkx projection: the ordered cascade steps
(``cascade_step`` nodes with an ``order``), organs and their barriers (``has_barrier``), each
cancer type's circulation pattern (``first_capillary_bed``, ``venousDrainage``), recorded sites
and frequencies (``metastasizes_to``), latency class (``has_latency_class``), its place in the
hierarchy (``subclass_of``), and which genes act at which step for which organ and cancer type
(``acts_at_step``, ``mediates_metastasis_to``, ``contributes_to``, weighted by ``has_class``).
The numbers that turn this evidence into log-odds come from ``parameters.toml`` (see
:func:`load_parameters`); nothing about biology is written in this code.

The model is arrays: per cancer type, a baseline log-odds matrix (organs x ordered steps), an
arrival probability per organ, and a gene effect tensor (genes x organs x steps) in log-odds
per unit of expression level, each non-zero cell remembering the assertion behind it. The
deterministic and stochastic modes (``paths.py``, ``cells.py``) only do arithmetic on them.

This module says what the model is made of and keeps built models (:func:`build_model`).
Building reads the graph once (``columns.py``: gene assertions as columns of interned
codes), turns the gene assertions into weighted rows with numpy (``gene_rows.py``,
``genes.py``) and the rest into objects (``build.py``, ``builder.py``); a cancer type's
arrays are made on first use (``context.py``, ``effects.py``). A large graph has millions of
assertions, so ``Model.gene_edges``, ``Model.regulations`` and a context's ``choices``,
``excluded`` and ``regulation`` are mappings and sequences that make their objects
(:class:`GeneEdge`, :class:`EdgeRef`, :class:`Choice`, :class:`Regulation`) when they are
first looked up; they compare, iterate and answer exactly as the eager objects did.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import networkx as nx
import numpy as np

from graph.names import NameIndex
from queries.simulator.parameters import Parameter, Parameters, load_parameters

# --- what the model is made of -------------------------------------------------------------


@dataclass(frozen=True)
class Entity:
    """A node of the graph, as results show it."""

    id: str
    label: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label}


@dataclass(frozen=True)
class Reference:
    """A publication an assertion rests on: the review's number (if any) and the citation."""

    id: str
    number: int | None
    citation: str
    title: str
    retracted: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "citation": self.citation,
            "title": self.title,
            "retracted": self.retracted,
        }


@dataclass(frozen=True)
class EdgeRef:
    """One assertion of the graph (an edge of the networkx projection) with its evidence."""

    id: str
    subject: Entity
    predicate: str
    object: Entity
    direction: str
    confidence: str
    evidence_types: tuple[str, ...]
    references: tuple[Reference, ...]
    cancer_type: str | None
    organ: str | None
    step: str | None
    frequency: float | None
    rests_only_on_retracted: bool
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "subject": self.subject.to_dict(),
            "predicate": self.predicate,
            "object": self.object.to_dict(),
            "direction": self.direction,
            "confidence": self.confidence,
            "evidence_types": list(self.evidence_types),
            "references": [r.to_dict() for r in self.references],
            "cancer_type": self.cancer_type,
            "organ": self.organ,
            "step": self.step,
            "frequency": self.frequency,
            "rests_only_on_retracted": self.rests_only_on_retracted,
            "note": self.note,
        }


@dataclass(frozen=True)
class Step:
    """An ordered cascade step; ``key`` is its short name (``arrest_extravasation``)."""

    id: str
    key: str
    label: str
    order: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "key": self.key, "label": self.label, "order": self.order}


@dataclass(frozen=True)
class Fact:
    """A graph fact that sets part of a baseline: which edge, how much log-odds, which
    parameter gave the amount."""

    kind: str  # first_capillary_bed | arterial | barrier | site | latency_class
    edge: EdgeRef | None
    value: float
    parameters: tuple[str, ...]
    inherited_from: Entity | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "edge": self.edge.to_dict() if self.edge else None,
            "value": self.value,
            "parameters": list(self.parameters),
            "inherited_from": self.inherited_from.to_dict() if self.inherited_from else None,
        }


@dataclass(frozen=True)
class Organ:
    id: str
    label: str
    barriers: tuple[Fact, ...]  # has_barrier facts; value = that barrier type's logit
    barrier_logit: float  # the least permeable barrier's logit (or the unknown-barrier prior)
    barrier_parameter: str
    barrier_known: bool = True  # False: no has_barrier assertion, the prior applies
    route: str = "haematogenous"  # or "lymphatic" (reached through lymph: regional)

    @property
    def entity(self) -> Entity:
        return Entity(self.id, self.label)


@dataclass(frozen=True)
class GeneEdge:
    """One gene assertion turned into a weighted effect on one ordered step."""

    edge: EdgeRef
    kind: str  # specific | organ_fallback | cancer_fallback
    step: int  # index of the ordered step it moves
    organs: tuple[int, ...] | None  # None: every organ
    cancer: str | None  # the cancer type the assertion is about (None: unspecified)
    weight: float  # signed log-odds per unit level, before the cancer-context factor
    factors: Mapping[str, float]  # the parts of ``weight``, for explanations
    parameters: tuple[str, ...]
    routed_via: tuple[int, ...] = ()  # targets whose regulation explains it (not counted itself)


@dataclass(frozen=True)
class Regulation:
    """A signed gene-gene regulation edge (``regulates``): the regulator changes the level of
    its target by ``weight`` per unit of its own level (sign, confidence, evidence, damping)."""

    regulator: int
    target: int
    edge: EdgeRef
    cancer: str | None
    weight: float  # signed, before the cancer-context factor
    parameters: tuple[str, ...]


@dataclass(frozen=True)
class Choice:
    """The assertion chosen for one (gene, organ, step) cell, and the others that agree."""

    edge: GeneEdge
    context: str  # lineage | unspecified | subtype | other_cancer
    context_factor: float
    weight: float  # signed log-odds per unit level
    supporting: tuple[EdgeRef, ...]


@dataclass(frozen=True)
class CancerInfo:
    """A cancer type's own facts (before inheritance)."""

    entity: Entity
    names: tuple[str, ...]  # label, aliases and short name, for matching a subtype
    venous_drainage: str | None
    parents: tuple[str, ...]
    sites: tuple[tuple[int, EdgeRef], ...]
    first_beds: tuple[tuple[int, EdgeRef], ...]
    latency: tuple[tuple[Entity, EdgeRef], ...]


@dataclass(frozen=True, eq=False)
class CancerContext:
    """Everything the arithmetic needs for one cancer type (built lazily, then cached)."""

    cancer: Entity
    lineage: tuple[Entity, ...]  # the cancer type, then its ancestors, nearest first
    venous_drainage: str | None
    sites: tuple[Fact, ...]
    first_beds: tuple[Fact, ...]
    latency_class: Entity | None
    latency_fact: Fact | None
    base: np.ndarray  # (organs, steps) baseline log-odds
    arrival: np.ndarray  # (organs,) probability of arriving in the organ from the primary
    arterial: float  # probability of arriving through the arterial circulation
    seeding: float  # probability that a relay metastasis seeds onwards
    relays: tuple[int, ...]  # organs that relay: the cancer type's first capillary beds
    facts: Mapping[tuple[int, int], tuple[Fact, ...]]
    arrival_facts: Mapping[int, tuple[Fact, ...]]
    effects: np.ndarray  # (genes, organs, steps) log-odds per unit level
    choices: Mapping[tuple[int, int, int], Choice]
    excluded: Mapping[int, tuple[EdgeRef, ...]]  # per gene: assertions that moved nothing
    route_steps: np.ndarray  # (organs, barrier step) True where a primary-side step is on the route
    regulation: Mapping[int, tuple[tuple[int, float, Regulation], ...]]  # target -> regulators
    cache: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, eq=False)
class Model:
    """The simulator's model of one graph with one parameter set. Build it with
    :func:`build_model`; it holds no reference to the graph."""

    parameters: Parameters
    index: NameIndex
    steps: tuple[Step, ...]
    organs: tuple[Organ, ...]
    genes: tuple[Entity, ...]
    gene_pos: Mapping[str, int]
    organ_pos: Mapping[str, int]
    barrier_step: int
    latency_step: int | None
    site_step: int
    cancers: Mapping[str, CancerInfo]
    subclasses: Mapping[str, tuple[str, ...]]  # cancer type -> direct subtypes
    gene_edges: Mapping[int, tuple[GeneEdge, ...]]
    gene_classes: Mapping[int, tuple[tuple[Entity, float, EdgeRef], ...]]
    latency_scale: tuple[Entity, ...]  # ordered latency classes, shortest first
    unordered_latency: frozenset[str]
    distant_mask: np.ndarray  # (organs,) True where the organ counts as distant
    lymphatic_mask: np.ndarray  # (organs,) True where the organ is reached through lymph
    regulations: tuple[Regulation, ...]
    step_baselines: tuple[Parameter, ...]  # per ordered step
    latency_params: Mapping[str, Parameter]  # latency class id -> its parameter
    notes: tuple[str, ...]
    _contexts: dict[str, CancerContext] = field(default_factory=dict, repr=False)

    def context(self, cancer_id: str) -> CancerContext:
        """The arrays for one cancer type (node id), built on first use."""
        found = self._contexts.get(cancer_id)
        if found is None:
            if cancer_id not in self.cancers:
                raise KeyError(f"'{cancer_id}' is not a cancer type of the model")
            from queries.simulator.context import build_context

            found = build_context(self, cancer_id)
            self._contexts[cancer_id] = found
        return found

    @property
    def distant_organs(self) -> tuple[Entity, ...]:
        """The organs that count as distant: every organ reached through the blood."""
        return tuple(o.entity for o, d in zip(self.organs, self.distant_mask, strict=True) if d)

    @property
    def regional_organs(self) -> tuple[Entity, ...]:
        """The organs reached through lymph (regional lymph nodes)."""
        return tuple(o.entity for o, d in zip(self.organs, self.lymphatic_mask, strict=True) if d)

    def lineage(self, cancer_id: str) -> tuple[str, ...]:
        """The cancer type and its ancestors (``subclass_of``), nearest first."""
        seen = [cancer_id]
        queue = deque([cancer_id])
        while queue:
            for parent in self.cancers[queue.popleft()].parents:
                if parent not in seen and parent in self.cancers:
                    seen.append(parent)
                    queue.append(parent)
        return tuple(seen)

    def descendants(self, cancer_id: str) -> tuple[str, ...]:
        found: list[str] = []
        stack = [cancer_id]
        while stack:
            for child in self.subclasses.get(stack.pop(), ()):
                if child not in found:
                    found.append(child)
                    stack.append(child)
        return tuple(sorted(found))


# --- building ------------------------------------------------------------------------------

#: Models kept per graph (several parameter sets, e.g. during a sensitivity analysis).
_CACHE_PER_GRAPH = 8
_CACHE: weakref.WeakKeyDictionary[nx.MultiDiGraph, dict[Any, Model]] = weakref.WeakKeyDictionary()


def build_model(
    graph: nx.MultiDiGraph, parameters: Parameters | None = None, *, cache: bool = True
) -> Model:
    """The model of ``graph`` (the networkx projection) under ``parameters`` (default: the
    package's parameter file). Cached per graph object and parameter set; pass
    ``cache=False`` for a graph that is being modified (e.g. a permuted null-model copy)."""
    from queries.simulator.build import build

    parameters = parameters or load_parameters()
    if not cache:
        return build(graph, parameters)[0]
    models = _CACHE.setdefault(graph, {})
    if models:  # is one of them of the graph as it is now (same counts) and these parameters?
        key = (graph.number_of_nodes(), _edge_count(graph), parameters.fingerprint)
        if key in models:
            return models[key]
    model, edges = build(graph, parameters)  # counts the edges as it reads them
    key = (graph.number_of_nodes(), edges, parameters.fingerprint)
    for stale in [k for k in models if k[:2] != key[:2]]:
        del models[stale]  # the graph changed since: its old models are out of date
    while len(models) >= _CACHE_PER_GRAPH:
        del models[next(iter(models))]
    models[key] = model
    return model


def _edge_count(graph: nx.MultiDiGraph) -> int:
    """``graph.number_of_edges()``, counted without visiting every edge's attributes."""
    return sum(map(len, chain.from_iterable(nbrs.values() for _, nbrs in graph.adjacency())))
