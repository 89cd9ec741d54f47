"""Deterministic mode: organ risks with explained paths, and knockout scans.

:func:`simulate` resolves the input (cancer type, optional subtype, gene profile, knockouts,
overexpressions), adds the profile's gene shifts to the cancer type's baseline log-odds, and
returns for every organ its risk, rank, change against the baseline, expected latency class
and its top paths through the cascade, each hop citing the graph's assertions. With
``mode="cells"`` it also runs the stochastic mode (:mod:`queries.simulator.cells`).
:func:`rank_targets` scores every candidate gene's knockout in one vectorised pass.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import numpy as np

from graph.errors import MetakgError
from graph.names import NameIndex, fold
from graph.vocab import GENE_LIKE, Category
from queries.simulator.cells import CellsResult, run_cells
from queries.simulator.model import (
    CancerContext,
    EdgeRef,
    Entity,
    Fact,
    Model,
    Step,
)

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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; assertions are cited compactly in place and given in full, once, under
        ``assertions`` (by id)."""
        return _document(self)


# --- arithmetic ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    """The arrays of one evaluation; leading axes (if any) batch several profiles."""

    logits: np.ndarray  # (..., organs, steps)
    prob: np.ndarray  # (..., organs, steps)
    primary: np.ndarray  # (..., organs) product over primary-side steps
    organ_side: np.ndarray  # (..., organs) product over organ-side steps
    direct: np.ndarray  # (..., organs)
    via: np.ndarray  # (..., relays, organs)
    risk: np.ndarray  # (..., organs)
    distant: np.ndarray  # (...)


def evaluate(model: Model, ctx: CancerContext, shift: np.ndarray) -> Evaluation:
    """Risks from the summed gene shift (``(..., organs, steps)``, log-odds, unsaturated)."""
    cap = model.parameters.number("effects.saturation")
    logits = ctx.base + cap * np.tanh(shift / cap)
    prob = 1.0 / (1.0 + np.exp(-logits))
    b = model.barrier_step
    primary = prob[..., :b].prod(axis=-1)
    organ_side = prob[..., b:].prod(axis=-1)
    direct = primary * ctx.arrival * organ_side
    onward = ctx.seeding * ctx.arterial * organ_side
    via = np.zeros(direct.shape[:-1] + (len(ctx.relays), direct.shape[-1]))
    miss = 1.0 - direct
    for i, r in enumerate(ctx.relays):
        route = direct[..., r : r + 1] * onward
        route[..., r] = 0.0
        via[..., i, :] = route
        miss = miss * (1.0 - route)
    risk = 1.0 - miss
    distant = 1.0 - np.prod(1.0 - risk[..., model.distant_mask], axis=-1)
    return Evaluation(logits, prob, primary, organ_side, direct, via, risk, distant)


def baseline(model: Model, ctx: CancerContext) -> Evaluation:
    """The cancer type with no profile (cached on the context)."""
    found = ctx.cache.get("baseline")
    if found is None:
        found = evaluate(model, ctx, np.zeros(ctx.base.shape))
        ctx.cache["baseline"] = found
    return found


def profile_shift(ctx: CancerContext, levels: Mapping[int, float]) -> np.ndarray:
    """Summed gene shift (organs, steps) of a profile given as gene index -> level."""
    if not levels:
        return np.zeros(ctx.base.shape)
    idx = np.fromiter(levels, dtype=np.intp, count=len(levels))
    lv = np.fromiter(levels.values(), dtype=float, count=len(levels))
    return np.tensordot(lv, ctx.effects[idx], axes=1)


# --- input ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """A resolved input: the gene levels that apply and the report of every name."""

    levels: Mapping[int, float]
    states: Mapping[int, str]
    reports: tuple[GeneReport, ...]


def _shown(value: str) -> str:
    clean = "".join(c if c.isprintable() else repr(c)[1:-1] for c in value)
    return clean if len(clean) <= _SHOWN else f"{clean[:_SHOWN]}... ({len(value)} characters)"


def resolve_cancer(
    model: Model, cancer: str, subtype: str | None, index: NameIndex, problems: list[str]
) -> str | None:
    """The cancer type (node id) named by ``cancer`` and, optionally, one of its subtypes."""
    if not isinstance(cancer, str) or not cancer.strip():
        problems.append("cancer: give the name, alias or CURIE of a cancer type")
        return None
    found = _resolve_entity(cancer, "cancer", Category.CANCER_TYPE, index, problems)
    if found is None or subtype is None or not str(subtype).strip():
        return found
    subtype = str(subtype).strip()
    candidates = model.descendants(found)
    direct = index.resolve(subtype, [Category.CANCER_TYPE]).node_id
    if direct is not None and (direct in candidates or direct == found):
        return direct
    pattern = re.compile(rf"(?<![\w]){re.escape(fold(subtype))}(?![\w])")
    matches = []
    for candidate in candidates:
        names = model.cancers[candidate].names
        if any(pattern.search(fold(n.replace("_", " "))) for n in names):
            matches.append(candidate)
    if len(matches) == 1:
        return matches[0]
    label = model.cancers[found].entity.label
    listed = ", ".join(f"'{model.cancers[c].entity.label}' ({c})" for c in candidates)
    if matches:
        problems.append(
            f"subtype: '{_shown(subtype)}' matches several subtypes of {label}: "
            + ", ".join(matches)
        )
    elif candidates:
        problems.append(
            f"subtype: {label} has no subtype named '{_shown(subtype)}'; its subtypes are: "
            + listed
        )
    else:
        problems.append(f"subtype: {label} has no subtypes in the graph")
    return None


def _article(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def _resolve_entity(
    name: str, what: str, category: Category, index: NameIndex, problems: list[str]
) -> str | None:
    resolution = index.resolve(name.strip(), [category])
    if resolution.node_id is not None:
        return resolution.node_id
    wanted = category.key.replace("_", " ")
    if resolution.ambiguous:
        problems.append(
            f"{what}: '{_shown(name)}' is ambiguous; it names {', '.join(resolution.candidates)}"
        )
        return None
    other = index.resolve(name.strip())
    if other.node_id is not None:
        kind = index.category(other.node_id).key.replace("_", " ")
        problems.append(
            f"{what}: '{_shown(name)}' is {_article(kind)} ({other.node_id}), not a {wanted}"
        )
        return None
    close = index.suggest(name, [category]) if len(name) <= 100 else []
    hint = f"; did you mean: {', '.join(close)}?" if close else ""
    problems.append(f"{what}: no {wanted} is named '{_shown(name)}'{hint}")
    return None


def _entries(
    value: Iterable[str] | Mapping[str, float] | str | None, default: float, what: str
) -> tuple[list[tuple[str, float]], list[str]]:
    if value is None:
        return [], []
    if isinstance(value, str):
        value = [v for v in re.split(r"[,\s]+", value) if v]
    problems: list[str] = []
    if isinstance(value, Mapping):
        entries = []
        for name, level in value.items():
            try:
                number = float(level)
            except (TypeError, ValueError):
                problems.append(f"{what}: the level of '{_shown(str(name))}' is not a number")
                continue
            if not math.isfinite(number):
                problems.append(f"{what}: the level of '{_shown(str(name))}' is not finite")
                continue
            entries.append((str(name), number))
        return entries, problems
    return [(str(name), default) for name in value], problems


def resolve_profile(
    model: Model,
    ctx: CancerContext,
    *,
    genes: Iterable[str] | Mapping[str, float] | str | None = (),
    knockouts: Iterable[str] | str | None = (),
    overexpress: Iterable[str] | str | None = (),
    index: NameIndex | None = None,
    problems: list[str] | None = None,
) -> Profile:
    """Resolve gene names (symbols, aliases, CURIEs) into levels. Later roles override earlier
    ones for the same gene: profile < overexpression < knockout."""
    p = model.parameters
    index = index or model.index
    problems = problems if problems is not None else []
    lowest = p.number("states.knockout_level")
    highest = p.number("states.overexpression_level")
    roles = [
        ("profile", *_entries(genes, p.number("states.present_level"), "genes")),
        (
            "overexpression",
            *_entries(overexpress, p.number("states.overexpression_level"), "overexpress"),
        ),
        ("knockout", *_entries(knockouts, p.number("states.knockout_level"), "knockouts")),
    ]
    resolved: list[tuple[str, str, float, str | None, GeneReport | None]] = []
    for role, entries, role_problems in roles:
        problems.extend(role_problems)
        for name, level in entries:
            gene_id, report = _resolve_gene(model, name, role, index)
            resolved.append((role, name, level, gene_id, report))
    final: dict[int, tuple[str, float, int]] = {}  # gene -> (role, level, entry number)
    precedence = {"profile": 0, "overexpression": 1, "knockout": 2}
    for number, (role, _name, level, gene_id, report) in enumerate(resolved):
        if report is None and gene_id is not None:
            g = model.gene_pos[gene_id]
            if g in final and precedence[final[g][0]] >= precedence[role]:
                continue  # the first name of a gene in a role counts; later roles override
            if role == "profile":  # no down-regulation below a knockout, nor above forced
                level = max(lowest, min(highest, level))
            final[g] = (role, level, number)
    reports: list[GeneReport] = []
    seen: dict[tuple[str, int], str] = {}
    for number, (role, name, _level, gene_id, report) in enumerate(resolved):
        if report is not None:
            reports.append(report)
            continue
        assert gene_id is not None
        g = model.gene_pos[gene_id]
        gene = model.genes[g]
        chosen_role, chosen_level, chosen_number = final[g]
        steps, organs = _where(model, ctx, g)
        acts = bool(steps)
        if chosen_number != number:
            if (role, g) in seen or chosen_role == role:
                message = f"same gene as '{seen.get((role, g), name)}' ({gene.label}); counted once"
            else:
                message = f"{gene.label} is also given as {chosen_role}, which takes precedence"
            reports.append(
                GeneReport(
                    name,
                    role,
                    "recognised" if acts else "no_cascade_role",
                    gene,
                    None,
                    message,
                    steps=steps,
                    organs=organs,
                )
            )
            seen.setdefault((role, g), name)
            continue
        seen.setdefault((role, g), name)
        state = _state(role, chosen_level)
        if acts:
            message = f"{gene.label} ({gene.id}): {state}, level {chosen_level:+g}"
            if fold(name) != fold(gene.label):
                message = f"'{name}' resolved to {message}"
            reports.append(
                GeneReport(
                    name,
                    role,
                    "recognised",
                    gene,
                    chosen_level,
                    message,
                    steps=steps,
                    organs=organs,
                )
            )
        else:
            reports.append(
                GeneReport(
                    name, role, "no_cascade_role", gene, chosen_level, _why_inactive(model, ctx, g)
                )
            )
    levels = {g: lv for g, (_, lv, _) in sorted(final.items())}
    states = {g: _state(role, lv) for g, (role, lv, _) in final.items()}
    return Profile(levels, states, tuple(reports))


def _state(role: str, level: float) -> str:
    if role == "profile":
        return "down" if level < 0 else "profile"
    return role


def _resolve_gene(
    model: Model, name: str, role: str, index: NameIndex
) -> tuple[str | None, GeneReport | None]:
    clean = name.strip()
    if not clean:
        return None, GeneReport(name, role, "unknown", None, None, "empty name")
    resolution = index.resolve(clean, GENE_LIKE)
    if resolution.node_id is not None and resolution.node_id in model.gene_pos:
        return resolution.node_id, None
    if resolution.ambiguous:
        return None, GeneReport(
            name,
            role,
            "ambiguous",
            None,
            None,
            f"'{_shown(clean)}' names several genes; give one of these CURIEs",
            candidates=resolution.candidates,
        )
    other = index.resolve(clean)
    if other.node_id is not None:
        kind = index.category(other.node_id).key.replace("_", " ")
        return None, GeneReport(
            name,
            role,
            "not_a_gene",
            None,
            None,
            f"'{_shown(clean)}' is {_article(kind)} ({other.node_id}), not a gene",
            candidates=(other.node_id,),
        )
    close = tuple(index.suggest(clean, GENE_LIKE)) if len(clean) <= 100 else ()
    hint = f"; did you mean: {', '.join(close)}?" if close else ""
    return None, GeneReport(
        name,
        role,
        "unknown",
        None,
        None,
        f"no gene or microRNA of the graph is named '{_shown(clean)}'{hint}",
        candidates=close,
    )


def _where(model: Model, ctx: CancerContext, g: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    cells = np.nonzero(ctx.effects[g])
    steps = tuple(model.steps[s].key for s in sorted(set(cells[1].tolist())))
    organs = tuple(model.organs[o].id for o in sorted(set(cells[0].tolist())))
    return steps, organs


def _why_inactive(model: Model, ctx: CancerContext, g: int) -> str:
    gene = model.genes[g]
    edges = model.gene_edges.get(g, ())
    if not edges:
        return (
            f"{gene.label} is in the graph but has no acts_at_step, mediates_metastasis_to or "
            "contributes_to assertion, so it acts at no cascade step"
        )
    reasons = set()
    for e in edges:
        if e.factors["direction"] == 0.0:
            reasons.add("'associated' assertions (a marker or correlation, no direction)")
        elif e.factors["class"] == 0.0:
            classes = ", ".join(c.label for c, _, _ in model.gene_classes.get(g, ()))
            reasons.add(f"a gene class with weight 0 ({classes})")
        elif e.factors["retracted"] == 0.0:
            reasons.add("assertions resting only on a retracted paper")
        elif e.factors["step"] == 0.0:
            reasons.add("assertions at a step the model does not map")
        elif e.kind == "cancer_fallback":
            reasons.add("contributes_to assertions superseded by its step assertions")
        else:
            reasons.add(f"assertions whose context does not apply to {ctx.cancer.label}")
    return (
        f"{gene.label} has {len(edges)} cascade assertion(s), none of which moves a step for "
        f"{ctx.cancer.label}: " + "; ".join(sorted(reasons))
    )


def _check_options(
    mode: str, cells: int, seed: int | None, top_paths: int, problems: list[str]
) -> None:
    if mode not in MODES:
        problems.append(f"mode: '{_shown(str(mode))}' is not a mode; expected one of: paths, cells")
    if isinstance(cells, bool) or not isinstance(cells, int) or not 1 <= cells <= MAX_CELLS:
        problems.append(f"cells: expected a whole number from 1 to {MAX_CELLS}, got {cells!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        problems.append(f"seed: expected a non-negative whole number, got {seed!r}")
    if (
        isinstance(top_paths, bool)
        or not isinstance(top_paths, int)
        or not 1 <= top_paths <= MAX_TOP_PATHS
    ):
        problems.append(
            f"top_paths: expected a whole number from 1 to {MAX_TOP_PATHS}, got {top_paths!r}"
        )


def resolve_tumour(
    model: Model,
    *,
    cancer: str,
    subtype: str | None,
    genes: Iterable[str] | Mapping[str, float] | str | None,
    knockouts: Iterable[str] | str | None,
    overexpress: Iterable[str] | str | None,
    index: NameIndex,
    problems: list[str],
) -> tuple[CancerContext, Profile]:
    """The cancer context and the gene profile of one request; raises
    :class:`SimulationInputError` with every problem found so far (``problems`` may already
    hold the caller's own) when anything is wrong."""
    cancer_id = resolve_cancer(model, cancer, subtype, index, problems)
    if cancer_id is None:
        raise SimulationInputError(problems)
    ctx = model.context(cancer_id)
    profile = resolve_profile(
        model,
        ctx,
        genes=genes,
        knockouts=knockouts,
        overexpress=overexpress,
        index=index,
        problems=problems,
    )
    if problems:
        raise SimulationInputError(problems)
    return ctx, profile


# --- simulate ------------------------------------------------------------------------------


def simulate(
    model: Model,
    *,
    cancer: str,
    subtype: str | None = None,
    genes: Iterable[str] | Mapping[str, float] | str | None = (),
    knockouts: Iterable[str] | str | None = (),
    overexpress: Iterable[str] | str | None = (),
    mode: str = "paths",
    cells: int = 100_000,
    seed: int | None = None,
    index: NameIndex | None = None,
    top_paths: int = 3,
) -> SimulationResult:
    """Simulate the cascade for a cancer type and a gene profile.

    ``genes`` is a list of names (each at level +1), or a mapping name -> level (negative for
    down-regulation), or a comma-separated string. ``knockouts`` and ``overexpress`` are
    names. Raises :class:`SimulationInputError` for a bad cancer type, subtype, mode, cell
    count or seed; unknown gene names are reported in ``result.genes``, never dropped.
    """
    problems: list[str] = []
    index = index or model.index
    _check_options(mode, cells, seed, top_paths, problems)
    ctx, profile = resolve_tumour(
        model,
        cancer=cancer,
        subtype=subtype,
        genes=genes,
        knockouts=knockouts,
        overexpress=overexpress,
        index=index,
        problems=problems,
    )
    base = baseline(model, ctx)
    now = evaluate(model, ctx, profile_shift(ctx, profile.levels))
    organs = _organ_results(model, ctx, profile, now, base, top_paths)
    cells_result = None
    used_seed = None
    if mode == "cells":
        used_seed = seed if seed is not None else int(np.random.SeedSequence().entropy % 2**63)
        cells_result = run_cells(model, ctx, now.prob, cells, used_seed)
    notes = [
        "Risks are knowledge-driven scores on a probability scale, not calibrated clinical "
        "probabilities; compare organs and profiles, not absolute values."
    ]
    if not ctx.first_beds:
        notes.append(
            f"{ctx.cancer.label} has no first capillary bed in the graph (no first_capillary_bed "
            "assertion): every organ is reached through the arterial circulation."
        )
    if not ctx.sites:
        notes.append(f"{ctx.cancer.label} has no recorded metastatic site (metastasizes_to).")
    return SimulationResult(
        cancer=ctx.cancer,
        lineage=ctx.lineage[1:],
        venous_drainage=ctx.venous_drainage,
        first_capillary_beds=ctx.first_beds,
        sites=ctx.sites,
        latency_class=ctx.latency_fact,
        mode=mode,
        parameters_version=model.parameters.version,
        genes=profile.reports,
        organs=organs,
        distant_risk=float(now.distant),
        baseline_distant_risk=float(base.distant),
        distant_organs=model.distant_organs,
        cells=cells_result,
        seed=used_seed,
        notes=tuple(notes),
    )


def _ranks(values: np.ndarray, labels: list[str]) -> list[int]:
    order = sorted(range(len(values)), key=lambda i: (-float(values[i]), labels[i].casefold()))
    ranks = [0] * len(values)
    for rank, i in enumerate(order, start=1):
        ranks[i] = rank
    return ranks


def _organ_results(
    model: Model,
    ctx: CancerContext,
    profile: Profile,
    now: Evaluation,
    base: Evaluation,
    top_paths: int,
) -> tuple[OrganRisk, ...]:
    labels = [o.label for o in model.organs]
    ranks = _ranks(now.risk, labels)
    base_ranks = _ranks(base.risk, labels)
    active = [g for g, lv in profile.levels.items() if lv != 0.0]
    results = []
    for o, organ in enumerate(model.organs):
        routes = [_direct_path(model, ctx, profile, active, now, base, o)]
        for i, r in enumerate(ctx.relays):
            if r != o:
                routes.append(_via_path(model, ctx, profile, active, now, base, i, r, o))
        routes.sort(
            key=lambda path: (-path.probability, path.route, path.relay.id if path.relay else "")
        )
        results.append(
            OrganRisk(
                organ=organ.entity,
                rank=ranks[o],
                risk=float(now.risk[o]),
                baseline_risk=float(base.risk[o]),
                change=float(now.risk[o] - base.risk[o]),
                baseline_rank=base_ranks[o],
                direct_risk=float(now.direct[o]),
                latency=_latency(model, ctx, now, o),
                paths=tuple(routes[:top_paths]),
            )
        )
    results.sort(key=lambda r: r.rank)
    return tuple(results)


def _effects(
    model: Model, ctx: CancerContext, profile: Profile, active: list[int], o: int, s: int
) -> tuple[GeneEffect, ...]:
    found = []
    for g in active:
        weight = ctx.effects[g, o, s]
        if weight == 0.0:
            continue
        choice = ctx.choices[(g, o, s)]
        level = profile.levels[g]
        shift = float(level * weight)
        factors = dict(choice.edge.factors)
        factors["context"] = choice.context_factor
        factors["level"] = level
        params = choice.edge.parameters
        if choice.context != "lineage":
            params += (
                {
                    "unspecified": "context.unspecified_factor",
                    "subtype": "context.descendant_factor",
                    "other_cancer": "context.other_cancer_factor",
                }[choice.context],
            )
        found.append(
            GeneEffect(
                gene=model.genes[g],
                state=profile.states[g],
                level=level,
                shift=shift,
                direction="raises" if shift > 0 else "lowers",
                context=choice.context,
                factors=factors,
                parameters=params,
                assertion=choice.edge.edge,
                supporting=choice.supporting,
            )
        )
    found.sort(key=lambda e: (-abs(e.shift), e.gene.label))
    return tuple(found)


def _step_hop(
    model: Model,
    ctx: CancerContext,
    profile: Profile,
    active: list[int],
    now: Evaluation,
    base: Evaluation,
    o: int,
    s: int,
    with_arrival: bool,
) -> Hop:
    step = model.steps[s]
    facts = ctx.facts.get((o, s), ())
    arrival = None
    probability = float(now.prob[o, s])
    baseline_probability = float(base.prob[o, s])
    if s == model.barrier_step and with_arrival:  # on a relay route, arrival is in re-seeding
        facts = ctx.arrival_facts[o] + facts
        arrival = float(ctx.arrival[o])
        probability *= arrival
        baseline_probability *= arrival
    effects = _effects(model, ctx, profile, active, o, s)
    parameters = [model.step_baselines[s].name]
    if s == model.barrier_step:
        parameters.append(model.organs[o].barrier_parameter)
    for fact in facts:
        parameters.extend(fact.parameters)
    if effects:
        parameters.append("effects.saturation")
    cited = any(f.edge is not None for f in facts) or bool(effects)
    return Hop(
        kind="step",
        label=f"{step.label} ({model.organs[o].label})" if s >= model.barrier_step else step.label,
        step=step,
        probability=probability,
        baseline_probability=baseline_probability,
        logit=float(now.logits[o, s]),
        baseline_logit=float(base.logits[o, s]),
        gene_shift=float(now.logits[o, s] - base.logits[o, s]),
        facts=facts,
        effects=effects,
        parameters=tuple(dict.fromkeys(parameters)),
        evidence="graph" if cited else "parameters only",
        arrival=arrival,
    )


def _direct_path(
    model: Model,
    ctx: CancerContext,
    profile: Profile,
    active: list[int],
    now: Evaluation,
    base: Evaluation,
    o: int,
) -> CascadePath:
    hops = tuple(
        _step_hop(model, ctx, profile, active, now, base, o, s, True)
        for s in range(len(model.steps))
    )
    return CascadePath(
        route="direct",
        start=ctx.cancer,
        organ=model.organs[o].entity,
        relay=None,
        probability=float(now.direct[o]),
        baseline_probability=float(base.direct[o]),
        hops=hops,
    )


def _via_path(
    model: Model,
    ctx: CancerContext,
    profile: Profile,
    active: list[int],
    now: Evaluation,
    base: Evaluation,
    i: int,
    r: int,
    o: int,
) -> CascadePath:
    relay = model.organs[r]
    bed_facts = tuple(f for f in ctx.first_beds if f.edge and f.edge.object.id == relay.id)
    seeding = ctx.seeding * ctx.arterial
    hops = [
        Hop(
            kind="relay",
            label=f"Metastasis in {relay.label} (its direct route)",
            step=None,
            probability=float(now.direct[r]),
            baseline_probability=float(base.direct[r]),
            logit=None,
            baseline_logit=None,
            gene_shift=0.0,
            facts=bed_facts,
            effects=(),
            parameters=("circulation.first_bed_logit",),
            evidence="graph" if bed_facts else "parameters only",
        ),
        Hop(
            kind="reseeding",
            label=f"Re-seeding from {relay.label} through the arterial circulation",
            step=None,
            probability=seeding,
            baseline_probability=seeding,
            logit=None,
            baseline_logit=None,
            gene_shift=0.0,
            facts=(),
            effects=(),
            parameters=("circulation.secondary_seeding_logit", "circulation.arterial_logit"),
            evidence="parameters only",
        ),
    ]
    hops += [
        _step_hop(model, ctx, profile, active, now, base, o, s, False)
        for s in range(model.barrier_step, len(model.steps))
    ]
    return CascadePath(
        route="via",
        start=ctx.cancer,
        organ=model.organs[o].entity,
        relay=relay.entity,
        probability=float(now.via[i, o]),
        baseline_probability=float(base.via[i, o]),
        hops=tuple(hops),
    )


def _latency(model: Model, ctx: CancerContext, now: Evaluation, o: int) -> Latency:
    shifted = now.logits[o] - ctx.base[o]
    steps = [s for s in (model.latency_step, model.site_step) if s is not None]
    gene_shift = float(sum(shifted[s] for s in dict.fromkeys(steps)))
    base_class = ctx.latency_class
    if base_class is None:
        return Latency(None, None, 0, gene_shift, None, "no latency class recorded")
    if base_class.id in model.unordered_latency or base_class not in model.latency_scale:
        return Latency(
            base_class,
            base_class,
            0,
            gene_shift,
            ctx.latency_fact,
            f"{base_class.label} is not a point on the short-to-long scale; shown unchanged",
        )
    per_class = model.parameters.number("latency.logit_per_class")
    move = -math.trunc(gene_shift / per_class) if per_class > 0 else 0
    position = model.latency_scale.index(base_class)
    new = max(0, min(len(model.latency_scale) - 1, position + move))
    latency_class = model.latency_scale[new]
    if new == position:
        note = f"{base_class.label}, as recorded for {ctx.cancer.label}"
    else:
        word = "shorter" if new < position else "longer"
        note = (
            f"{abs(new - position)} class(es) {word} than the recorded {base_class.label}: "
            f"the profile shifts latency and colonization by {gene_shift:+.2f} log-odds"
        )
    return Latency(latency_class, base_class, new - position, gene_shift, ctx.latency_fact, note)


# --- knockout scan -------------------------------------------------------------------------


def rank_targets(
    model: Model,
    *,
    cancer: str,
    genes: Iterable[str] | Mapping[str, float] | str | None = (),
    organ: str | None = None,
    subtype: str | None = None,
    knockouts: Iterable[str] | str | None = (),
    overexpress: Iterable[str] | str | None = (),
    scope: str | None = None,
    index: NameIndex | None = None,
) -> TargetRanking:
    """Rank genes by how much knocking each out lowers the risk of ``organ`` (or, without an
    organ, of any distant organ), starting from the given profile.

    ``scope`` "profile" ranks the profile's genes (the default when a profile is given),
    "graph" every gene of the graph (the default without a profile). One vectorised
    evaluation covers all candidates.
    """
    problems: list[str] = []
    index = index or model.index
    organ_id = None
    if organ is not None and str(organ).strip():
        organ_id = _resolve_entity(str(organ), "organ", Category.ORGAN, index, problems)
    if scope not in (None, "profile", "graph"):
        problems.append(f"scope: expected 'profile' or 'graph', got '{_shown(str(scope))}'")
    ctx, profile = resolve_tumour(
        model,
        cancer=cancer,
        subtype=subtype,
        genes=genes,
        knockouts=knockouts,
        overexpress=overexpress,
        index=index,
        problems=problems,
    )
    in_profile = {g for g, st in profile.states.items() if st != "knockout"}
    scope = scope or ("profile" if in_profile else "graph")
    if scope == "profile":
        candidates = sorted(in_profile)
    else:
        candidates = list(range(len(model.genes)))
    shift = profile_shift(ctx, profile.levels)
    now = evaluate(model, ctx, shift)
    o = model.organ_pos[organ_id] if organ_id else None
    metric_now = float(now.risk[o]) if o is not None else float(now.distant)
    targets: list[TargetEffect] = []
    if candidates:
        idx = np.array(candidates, dtype=np.intp)
        ko = model.parameters.number("states.knockout_level")
        before = np.array([profile.levels.get(g, 0.0) for g in candidates])
        delta = (ko - before)[:, None, None] * ctx.effects[idx]
        after = evaluate(model, ctx, shift[None] + delta)
        metric_after = after.risk[:, o] if o is not None else after.distant
        acts = np.abs(ctx.effects[idx]).sum(axis=(1, 2)) > 0
        rows = []
        for j, g in enumerate(candidates):
            changes = after.risk[j] - now.risk
            rows.append(
                (
                    float(metric_after[j] - metric_now),
                    model.genes[g].label.casefold(),
                    g,
                    float(metric_after[j]),
                    {model.organs[k].id: float(changes[k]) for k in range(len(model.organs))},
                    bool(acts[j]),
                )
            )
        rows.sort(key=lambda row: (row[0], row[1], row[2]))
        for rank, (change, _, g, risk_after, organ_changes, gene_acts) in enumerate(rows, 1):
            targets.append(
                TargetEffect(
                    rank=rank,
                    gene=model.genes[g],
                    in_profile=g in in_profile,
                    state=profile.states.get(g, "absent"),
                    level_before=float(profile.levels.get(g, 0.0)),
                    risk_before=metric_now,
                    risk_after=risk_after,
                    change=change,
                    organ_changes=organ_changes,
                    acts=gene_acts,
                )
            )
    return TargetRanking(
        cancer=ctx.cancer,
        organ=model.organs[o].entity if o is not None else None,
        metric="organ" if o is not None else "distant",
        distant_organs=model.distant_organs,
        scope=scope,
        risk=metric_now,
        targets=tuple(targets),
        genes=profile.reports,
        parameters_version=model.parameters.version,
    )


# --- text ----------------------------------------------------------------------------------


def render_text(
    result: SimulationResult, *, paths: int = 1, hops: bool = True, organs: int | None = None
) -> str:
    """A plain-text report: the organ table, then the top ``paths`` path(s) of each organ (of
    the first ``organs`` organs by rank, or all), hop by hop with the evidence."""
    lines = [f"Cancer type: {result.cancer.label} ({result.cancer.id})"]
    if result.lineage:
        lines.append("  inherits from: " + ", ".join(e.label for e in result.lineage))
    beds = ", ".join(f.edge.object.label for f in result.first_capillary_beds if f.edge)
    lines.append(
        f"  venous drainage: {result.venous_drainage or 'unknown'}; first capillary bed: "
        f"{beds or 'none (arterial)'}"
    )
    if result.genes:
        lines.append("")
        lines.append("Input genes")
        for report in result.genes:
            lines.append(f"  {report.input} [{report.role}]: {report.status}: {report.message}")
    lines.append("")
    lines.append(f"{'rank':>4}  {'organ':<18} {'risk':>7} {'baseline':>9} {'change':>8}  latency")
    for item in result.organs:
        latency = item.latency.latency_class.label if item.latency.latency_class else "unknown"
        lines.append(
            f"{item.rank:>4}  {item.organ.label:<18} {item.risk:>7.4f} {item.baseline_risk:>9.4f}"
            f" {item.change:>+8.4f}  {latency}"
        )
    lines.append(
        f"  any distant organ: {result.distant_risk:.4f} (baseline "
        f"{result.baseline_distant_risk:.4f})"
    )
    if hops:
        for item in result.organs[:organs]:
            for path in item.paths[:paths]:
                lines.append("")
                via = f" via {path.relay.label}" if path.relay else ""
                lines.append(
                    f"{item.organ.label}: {path.route} route{via}, p = {path.probability:.4f} "
                    f"(baseline {path.baseline_probability:.4f})"
                )
                lines.append(f"  start: primary tumour ({path.start.label})")
                for hop in path.hops:
                    lines.append(
                        f"  -> {hop.label}: p = {hop.probability:.3f} "
                        f"(baseline {hop.baseline_probability:.3f}) [{hop.evidence}]"
                    )
                    for fact in hop.facts:
                        if fact.edge is None:
                            continue
                        refs = ", ".join(_ref(r) for r in fact.edge.references)
                        lines.append(
                            f"       {fact.kind.replace('_', ' ')}: {fact.edge.subject.label} "
                            f"{fact.edge.predicate} {fact.edge.object.label} "
                            f"({fact.value:+.2f}; {fact.edge.confidence}; refs {refs})"
                        )
                    for effect in hop.effects:
                        refs = ", ".join(_ref(r) for r in effect.assertion.references)
                        lines.append(
                            f"       {effect.gene.label} ({effect.state}) {effect.direction} "
                            f"{effect.shift:+.2f} log-odds; {effect.assertion.predicate} "
                            f"{effect.assertion.object.label}; {effect.assertion.confidence}; "
                            f"refs {refs}"
                        )
    return "\n".join(lines)


def _ref(reference: Any) -> str:
    return str(reference.number) if reference.number is not None else reference.id
