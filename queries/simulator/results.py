"""What the simulator answers: result dataclasses and their JSON form."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

import numpy as np

from graph.errors import MetakgError
from graph.names import fold
from queries.simulator.cells import CellsResult
from queries.simulator.model import EdgeRef, Entity, Fact, Step

MODES = ("paths", "cells")
MAX_CELLS = 10_000_000
MAX_TOP_PATHS = 20
_SHOWN = 60


class SimulationInputError(MetakgError):
    """The input names an unknown cancer type, a bad mode, count or seed; ``problems`` lists
    every problem found (unknown genes are not errors: they are reported in the result)."""

    status = 400
    title = "Invalid simulation input"

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


# --- results -------------------------------------------------------------------------------


def to_jsonable(value: Any, assertions: dict[str, tuple[Any, Any]] | None = None) -> Any:
    """Dataclasses, tuples, mappings and numpy scalars as plain JSON-ready Python.

    With ``assertions``, each graph assertion (:class:`EdgeRef`) is written in full once into
    that dict (by id) and in place as a compact citation: id, predicate, subject, object,
    direction, confidence and references (number and citation).
    """
    if isinstance(value, EdgeRef) and assertions is not None:
        if value.id in assertions:
            return assertions[value.id][1]
        compact = {
            "id": value.id,
            "predicate": value.predicate,
            "subject": value.subject.to_dict(),
            "object": value.object.to_dict(),
            "direction": value.direction,
            "confidence": value.confidence,
            "references": [
                {"id": r.id, "number": r.number, "citation": r.citation} for r in value.references
            ],
        }
        assertions[value.id] = (value.to_dict(), compact)
        return compact
    if is_dataclass(value) and not isinstance(value, type):
        by_id = getattr(type(value), "_by_id", ()) if assertions is not None else ()
        out = {}
        for f in fields(value):
            item = getattr(value, f.name)
            if f.name in by_id:
                out[f.name] = [to_jsonable(e, assertions)["id"] for e in item]
            else:
                out[f.name] = to_jsonable(item, assertions)
        return out
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v, assertions) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v, assertions) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _document(value: Any) -> dict[str, Any]:
    assertions: dict[str, tuple[Any, Any]] = {}
    out = to_jsonable(value, assertions)
    out["assertions"] = {k: assertions[k][0] for k in sorted(assertions)}
    return out


@dataclass(frozen=True)
class GeneReport:
    """What became of one input name: recognised (acts in the cascade), no_cascade_role,
    unknown, ambiguous or not_a_gene; nothing is dropped without a report."""

    input: str
    role: str  # profile | knockout | overexpression
    status: str
    gene: Entity | None
    level: float | None  # the level applied; None when the name was not used
    message: str
    candidates: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()  # step keys where the gene moves a step for this cancer type
    organs: tuple[str, ...] = ()  # organ ids where it acts (all organs when it acts everywhere)


@dataclass(frozen=True)
class RegulatorEffect:
    """How much a regulator changed a gene's level (regulation propagated along the graph)."""

    regulator: Entity
    change: float  # level change it caused (negative: repression)
    assertion: EdgeRef  # the regulates edge


@dataclass(frozen=True)
class GeneEffect:
    """One gene moving one hop: by how much, in which direction, on which assertion."""

    gene: Entity
    state: str  # profile | down | knockout | overexpression
    level: float
    shift: float  # level * weight, log-odds (before the step's saturation)
    direction: str  # raises | lowers
    context: str  # lineage | unspecified | subtype | other_cancer
    factors: Mapping[str, float]
    parameters: tuple[str, ...]
    assertion: EdgeRef
    supporting: tuple[EdgeRef, ...]  # other assertions for the same cell (ids in JSON)
    regulated_by: tuple[RegulatorEffect, ...] = ()  # where the level came from regulation

    _by_id = ("supporting",)


@dataclass(frozen=True)
class Hop:
    """One hop of a path: a cascade step in an organ, or, on a relay route, the metastasis in
    the relay organ and the re-seeding from it."""

    kind: str  # step | relay | reseeding
    label: str
    step: Step | None
    probability: float
    baseline_probability: float
    logit: float | None
    baseline_logit: float | None
    gene_shift: float  # the profile's total (saturated) shift of this hop, log-odds
    facts: tuple[Fact, ...]
    effects: tuple[GeneEffect, ...]
    parameters: tuple[str, ...]
    evidence: str  # graph | parameters only
    arrival: float | None = None  # at the barrier step: probability of arriving in the organ


@dataclass(frozen=True)
class CascadePath:
    route: str  # direct | via
    start: Entity  # the primary tumour (cancer type)
    organ: Entity
    relay: Entity | None
    probability: float
    baseline_probability: float
    hops: tuple[Hop, ...]


@dataclass(frozen=True)
class Latency:
    """The expected latency class in one organ: the cancer type's class, moved shorter or
    longer by the profile's shift at the latency and colonization steps."""

    latency_class: Entity | None
    baseline_class: Entity | None
    shift: int  # classes: negative = shorter
    gene_shift: float
    fact: Fact | None
    note: str


@dataclass(frozen=True)
class OrganRisk:
    organ: Entity
    rank: int
    risk: float
    baseline_risk: float
    change: float
    baseline_rank: int
    direct_risk: float
    latency: Latency
    paths: tuple[CascadePath, ...]
    spread: str = "distant"  # distant (blood-borne) | regional (lymph nodes, via lymph)
    route: str = "haematogenous"  # haematogenous | lymphatic
    routes_included: tuple[str, ...] = ("direct",)  # the routes the risk combines


@dataclass(frozen=True)
class SimulationResult:
    """The answer of :func:`simulate`; ``to_dict()`` is JSON-ready."""

    cancer: Entity
    lineage: tuple[Entity, ...]  # ancestors, nearest first
    venous_drainage: str | None
    first_capillary_beds: tuple[Fact, ...]
    sites: tuple[Fact, ...]
    latency_class: Fact | None
    mode: str
    parameters_version: str
    genes: tuple[GeneReport, ...]
    organs: tuple[OrganRisk, ...]  # by rank
    distant_risk: float
    baseline_distant_risk: float
    distant_organs: tuple[Entity, ...]
    cells: CellsResult | None
    seed: int | None
    notes: tuple[str, ...]

    def organ(self, name: str) -> OrganRisk:
        """The organ by id or label (case-insensitive)."""
        key = fold(name)
        for item in self.organs:
            if item.organ.id == name or fold(item.organ.label) == key:
                return item
        raise KeyError(name)

    def risks(self) -> dict[str, float]:
        """Organ label -> risk."""
        return {o.organ.label: o.risk for o in self.organs}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; assertions are cited compactly in place and given in full, once, under
        ``assertions`` (by id)."""
        return _document(self)


@dataclass(frozen=True)
class TargetEffect:
    rank: int
    gene: Entity
    in_profile: bool
    state: str  # the gene's state before the knockout: absent, profile, down, ...
    level_before: float
    risk_before: float
    risk_after: float
    change: float  # risk_after - risk_before (negative: the knockout lowers the risk)
    organ_changes: Mapping[str, float]  # organ id -> change of that organ's risk
    acts: bool  # whether the gene moves any step for this cancer type
    evidence: Mapping[str, int] = field(default_factory=dict)  # confidence, references, types
    tied_with: tuple[str, ...] = ()  # genes whose knockout changes the metric exactly as much


@dataclass(frozen=True)
class TargetRanking:
    """The answer of :func:`rank_targets`; ``to_dict()`` is JSON-ready."""

    cancer: Entity
    organ: Entity | None
    metric: str  # "organ" or "distant"
    distant_organs: tuple[Entity, ...]
    scope: str  # profile | graph
    risk: float  # the metric for the input profile
    targets: tuple[TargetEffect, ...]
    genes: tuple[GeneReport, ...]
    parameters_version: str
    order: str = (
        "by the change of the risk (largest drop first); equal changes are ordered by the "
        "strength of the gene's evidence: highest confidence, then more references, then more "
        "evidence types, then by name"
    )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; assertions are cited compactly in place and given in full, once, under
        ``assertions`` (by id)."""
        return _document(self)
