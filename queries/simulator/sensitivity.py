"""Sensitivity analysis: how stable is the organ ranking when each parameter moves?

:func:`sensitivity` perturbs every numeric parameter of the model (``Parameters.numeric()``)
one at a time by ``-perturbation`` and ``+perturbation`` of its value (default +/-50%),
re-runs the deterministic ranking for the same cancer type and profile, and reports per
parameter the Spearman rank correlation between the perturbed and the unperturbed organ
risks, whether the top organ changed, the largest rank move and risk change; and overall the
minimum and median correlation, the share of perturbations that keep the top organ, and the
parameters the ranking is most sensitive to.

Speed: the graph is not traversed again. A parameter only changes numbers the model derived
from the graph, so a perturbed model is the same model structure with those numbers
recomputed (:func:`reparameterise`): gene-assertion weights when the parameter weighs gene
evidence (unit shift, evidence signs, cross-cutting factors, gene classes, confidence,
evidence types, the retraction factor), organ barriers when it is a barrier permeability, and
the cancer type's arrays (built lazily for that one cancer type) in every case. The result is
identical to ``build_model(graph, parameters.with_values(...))`` (tests check this for every
parameter). Only the profile's genes enter the risks, so each perturbed model keeps only their
assertions. On the curated graph a full analysis (69 parameters, 138 perturbations) takes
about 0.1 s.

Perturbations are multiplicative, so a parameter whose value is 0 (several baseline log-odds
and factors are) cannot be moved this way: such parameters are listed in ``zero_valued``, and
every parameter whose perturbation changed no risk at all in ``unmoved``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from graph.names import NameIndex
from graph.vocab import Category
from queries.simulator.model import CancerContext, Entity, GeneEdge, Model, Organ
from queries.simulator.parameters import ParameterError, Parameters
from queries.simulator.paths import (
    GeneReport,
    evaluate,
    profile_shift,
    resolve_profile,
    resolve_tumour,
    to_jsonable,
)
from queries.simulator.weights import combined_evidence, regulation_weight

#: Risks that agree to this many decimals count as tied when ranking organs.
TIE_DECIMALS = 12
#: How many parameters ``most_sensitive`` names at most.
MOST_SENSITIVE = 10
#: Perturbations must be below this: at 1.0 the downward move would set parameters to 0,
#: and some (the saturation) divide.
MAX_PERTURBATION = 1.0

# Parameter name prefixes whose value enters the weights of gene assertions.
_EDGE_PREFIXES = (
    "effects.unit_shift",
    "cross_cutting.",
    "gene_classes.",
    "confidence.",
    "evidence_types.",
    "context.retracted_factor",
)
_REGULATION_PREFIXES = (
    "regulation.",
    "confidence.",
    "evidence_types.",
    "context.retracted_factor",
)
_STEP_PREFIXES = ("steps.", "cross_cutting.", "roles.")


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedOrgan:
    """An organ of the unperturbed ranking."""

    organ: Entity
    rank: int
    risk: float


@dataclass(frozen=True)
class ParameterSensitivity:
    """What perturbing one parameter down and up did to the organ ranking."""

    name: str
    value: float
    low: float  # value * (1 - perturbation)
    high: float  # value * (1 + perturbation)
    correlation_low: float  # Spearman correlation of the organ risks with the unperturbed
    correlation_high: float
    correlation: float  # the smaller of the two
    top_low: Entity  # the top organ after the downward perturbation
    top_high: Entity
    top_changed: bool  # whether either perturbation changed the top organ
    max_rank_change: int  # the largest move of any organ's rank, either direction
    max_risk_change: float  # the largest absolute change of any organ's risk
    moved: bool  # whether any risk changed at all


@dataclass(frozen=True)
class SensitivityReport:
    """The answer of :func:`sensitivity`; ``to_dict()`` is JSON-ready."""

    cancer: Entity
    perturbation: float
    parameters_version: str
    ranking: tuple[RankedOrgan, ...]  # unperturbed, by rank
    top: Entity
    parameters: tuple[ParameterSensitivity, ...]  # by name
    perturbations: int  # 2 per parameter
    min_correlation: float  # over all perturbations (both directions)
    median_correlation: float
    top_kept: float  # share of perturbations that keep the top organ
    most_sensitive: tuple[str, ...]  # lowest correlation first (top changes break ties)
    zero_valued: tuple[str, ...]  # value 0: a multiplicative perturbation cannot move them
    unmoved: tuple[str, ...]  # no perturbation of these changed any risk
    genes: tuple[GeneReport, ...]
    notes: tuple[str, ...]

    def parameter(self, name: str) -> ParameterSensitivity:
        for item in self.parameters:
            if item.name == name:
                return item
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


# --- rank correlation ----------------------------------------------------------------------


def average_ranks(values: Iterable[float]) -> np.ndarray:
    """Ranks 1..n of ``values`` (ascending), ties sharing their average rank."""
    array = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, float)
    order = np.argsort(array, kind="mergesort")
    ranks = np.empty(len(array))
    ranks[order] = np.arange(1, len(array) + 1)
    _, inverse, counts = np.unique(array, return_inverse=True, return_counts=True)
    return (np.bincount(inverse, weights=ranks) / counts)[inverse]


def spearman(a: Iterable[float], b: Iterable[float]) -> float:
    """Spearman's rank correlation (Pearson correlation of average ranks), in [-1, 1].

    When one side has no order at all (every value tied), the correlation is undefined: it is
    reported as 1.0 if both sides are tied throughout, else 0.0.
    """
    ra, rb = average_ranks(a), average_ranks(b)
    if ra.shape != rb.shape:
        raise ValueError("spearman: both sides need the same number of values")
    da, db = ra - ra.mean(), rb - rb.mean()
    denominator = math.sqrt(float((da * da).sum()) * float((db * db).sum()))
    if denominator == 0.0:
        return 1.0 if np.array_equal(ra, rb) else 0.0
    return float(min(1.0, max(-1.0, float((da * db).sum()) / denominator)))


def _order(risk: np.ndarray, labels: list[str]) -> list[int]:
    """Organ positions by rank: highest risk first, ties by label (as simulate ranks)."""
    return sorted(range(len(risk)), key=lambda i: (-float(risk[i]), labels[i].casefold()))


# --- perturbed models ----------------------------------------------------------------------


class Reparameteriser:
    """Makes models that share ``model``'s structure under other parameter values.

    Only the parameter-dependent numbers are recomputed, exactly as :func:`build_model`
    computes them; the graph is not needed (the model keeps every assertion it uses).
    """

    def __init__(self, model: Model) -> None:
        self.model = model
        p = model.parameters
        # class node id -> parameter name, resolved as the builder resolves parameter keys
        self._class_param: dict[str, str] = {}
        for key in p.keys("gene_classes", "weight"):
            node_id = model.index.resolve(key, [Category.GENE_CLASS]).node_id
            if node_id is not None:
                self._class_param[node_id] = f"gene_classes.{key}.weight"

    def model_with(
        self, values: Mapping[str, float], *, genes: Iterable[int] | None = None
    ) -> Model:
        """The model with some parameter values replaced (no cached cancer contexts).

        With ``genes`` (gene positions), a partial model that keeps only those genes'
        assertions: its effect tensors are zero for every other gene, so it is only for the
        arithmetic of profiles made of those genes (what an analysis of one profile needs),
        and much faster to evaluate.
        """
        base = self.model
        for name in values:
            if not isinstance(base.parameters[name].value, float):
                raise ParameterError(
                    f"parameter '{name}' is not a number: changing it changes the model's "
                    "structure; build the model from the graph instead"
                )
        p = base.parameters.with_values(values)
        names = list(values)
        organs = base.organs
        if any(n.startswith("barriers.") for n in names):
            organs = self._organs(p)
        selected = None if genes is None else sorted(set(genes))
        if any(_weighs_edges(n) for n in names):
            gene_edges, gene_classes = self._gene_edges(p, selected)
        elif selected is not None:
            gene_edges = MappingProxyType(
                {g: base.gene_edges[g] for g in selected if g in base.gene_edges}
            )
            gene_classes = MappingProxyType(
                {g: base.gene_classes[g] for g in selected if g in base.gene_classes}
            )
        else:
            gene_edges, gene_classes = base.gene_edges, base.gene_classes
        regulations = base.regulations
        if any(n.startswith(_REGULATION_PREFIXES) for n in names):
            regulations = tuple(
                dataclasses.replace(r, weight=regulation_weight(p, r.edge)[0])
                for r in base.regulations
            )
        return dataclasses.replace(
            base,
            parameters=p,
            organs=organs,
            regulations=regulations,
            gene_edges=gene_edges,
            gene_classes=gene_classes,
            step_baselines=tuple(p[q.name] for q in base.step_baselines),
            latency_params=MappingProxyType({k: p[q.name] for k, q in base.latency_params.items()}),
            _contexts={},
        )

    def _organs(self, p: Parameters) -> tuple[Organ, ...]:
        organs = []
        known = [
            min(p.number(f.parameters[0]) for f in organ.barriers)
            for organ in self.model.organs
            if organ.barrier_known
        ]
        if not known:
            prior = p.number("barriers.default.logit")
        elif p.text("barriers.unknown_prior") == "mean":
            prior = sum(known) / len(known)
        else:
            prior = min(known)
        for organ in self.model.organs:
            facts = tuple(
                dataclasses.replace(f, value=p.number(f.parameters[0])) for f in organ.barriers
            )
            if organ.barrier_known:
                hardest = min(facts, key=lambda f: (f.value, f.edge.id))  # type: ignore[union-attr]
                logit, name = hardest.value, hardest.parameters[0]
            else:
                logit, name = prior, organ.barrier_parameter
            organs.append(
                dataclasses.replace(
                    organ, barriers=facts, barrier_logit=logit, barrier_parameter=name
                )
            )
        return tuple(organs)

    def _gene_edges(
        self, p: Parameters, selected: list[int] | None
    ) -> tuple[Mapping[int, Any], Mapping[int, Any]]:
        model = self.model
        default_class = p["gene_classes.default.weight"]
        classes_of: dict[int, tuple[Any, ...]] = {}
        class_weight: dict[int, tuple[float, str]] = {}
        chosen = model.gene_classes.keys() if selected is None else selected
        for g in chosen:
            classes = model.gene_classes.get(g)
            if not classes:
                continue
            entries = []
            for entity, _, edge in classes:
                name = self._class_param.get(entity.id, default_class.name)
                entries.append((entity, p.number(name), edge))
            entries.sort(key=lambda c: (-c[1], c[0].id))
            classes_of[g] = tuple(entries)
            best = entries[0]
            class_weight[g] = (best[1], self._class_param.get(best[0].id, default_class.name))
        unit = p.number("effects.unit_shift")
        retracted_factor = p.number("context.retracted_factor")
        edges_of: dict[int, tuple[GeneEdge, ...]] = {}
        for g in model.gene_edges.keys() if selected is None else selected:
            edges = model.gene_edges.get(g)
            if edges is None:
                continue
            cw, cw_name = class_weight.get(g, (p.number(default_class.name), default_class.name))
            made = []
            for e in edges:
                edge = e.edge
                step_names = tuple(n for n in e.parameters if n.startswith(_STEP_PREFIXES))
                numbers = [
                    float(p[n].value)  # type: ignore[arg-type]
                    for n in step_names
                    if isinstance(p[n].value, float)
                ]
                step_factor = math.prod(numbers) if numbers else 1.0
                if edge.predicate != "acts_at_step":
                    step_factor = abs(step_factor)
                conf = p.keyed("confidence", edge.confidence, "weight")
                evidence = [p.keyed("evidence_types", t, "weight") for t in edge.evidence_types]
                evidence_weight, evidence_names = combined_evidence(p, evidence)
                factors = {
                    "unit_shift": unit,
                    "direction": e.factors["direction"],
                    "step": step_factor,
                    "class": cw,
                    "confidence": float(conf.value),  # type: ignore[arg-type]
                    "evidence_type": evidence_weight,
                    "retracted": retracted_factor if edge.rests_only_on_retracted else 1.0,
                }
                names = ("effects.unit_shift", *step_names, cw_name, conf.name, *evidence_names)
                if edge.rests_only_on_retracted:
                    names += ("context.retracted_factor",)
                made.append(
                    dataclasses.replace(
                        e,
                        weight=math.prod(factors.values()),
                        factors=MappingProxyType(factors),
                        parameters=names,
                    )
                )
            edges_of[g] = tuple(made)
        return MappingProxyType(edges_of), MappingProxyType(classes_of)


def _weighs_edges(name: str) -> bool:
    return name.startswith(_EDGE_PREFIXES) or name.endswith(".evidence_sign")


def reparameterise(model: Model, values: Mapping[str, float]) -> Model:
    """``model`` under changed parameter values, without the graph (see
    :class:`Reparameteriser`); equal to ``build_model(graph, parameters.with_values(values))``."""
    return Reparameteriser(model).model_with(values)


# --- the analysis --------------------------------------------------------------------------


def _check_perturbation(perturbation: object, problems: list[str]) -> float:
    expected = (
        "perturbation: expected a share of each parameter's value, at least 0 and less "
        "than 1 (0.5 for +/-50%)"
    )
    if isinstance(perturbation, bool) or not isinstance(perturbation, int | float):
        problems.append(f"{expected}, got {perturbation!r}")
        return 0.0
    value = float(perturbation)
    if not math.isfinite(value) or not 0.0 <= value < MAX_PERTURBATION:
        problems.append(f"{expected}, got {perturbation!r}")
    return value


def _risks(model: Model, ctx: CancerContext, levels: Mapping[int, float]) -> np.ndarray:
    """The distant organs' risks: the ranking that the analysis is about (lymph nodes are
    ranked apart)."""
    return evaluate(model, ctx, profile_shift(ctx, levels)).risk[..., model.distant_mask]


def sensitivity(
    model: Model,
    *,
    cancer: str,
    subtype: str | None = None,
    genes: Iterable[str] | Mapping[str, float] | str | None = (),
    knockouts: Iterable[str] | str | None = (),
    overexpress: Iterable[str] | str | None = (),
    perturbation: float = 0.5,
    index: NameIndex | None = None,
) -> SensitivityReport:
    """Perturb each numeric parameter by -/+``perturbation`` (a share of its value) and report
    how stable the organ ranking of this cancer type and profile is.

    Inputs are resolved as :func:`simulate` resolves them (unknown gene names are reported in
    ``genes``); raises :class:`SimulationInputError` for a bad cancer type, subtype or
    perturbation (a number at least 0 and less than 1).
    """
    problems: list[str] = []
    index = index or model.index
    share = _check_perturbation(perturbation, problems)
    inputs = {"genes": genes, "knockouts": knockouts, "overexpress": overexpress}
    ctx, profile = resolve_tumour(
        model, cancer=cancer, subtype=subtype, **inputs, index=index, problems=problems
    )

    distant = [o for o, d in zip(model.organs, model.distant_mask, strict=True) if d]
    labels = [o.label for o in distant]
    entities = [o.entity for o in distant]
    base_risk = _risks(model, ctx, profile.levels)
    base_rounded = np.round(base_risk, TIE_DECIMALS)
    base_order = _order(base_rounded, labels)
    base_rank = np.empty(len(labels), dtype=int)
    base_rank[base_order] = np.arange(1, len(labels) + 1)
    top = base_order[0]

    variants = Reparameteriser(model)
    profile_genes = list(profile.levels)  # only their effects enter the risks
    rows: list[ParameterSensitivity] = []
    correlations: list[float] = []
    kept = 0
    for name, value in model.parameters.numeric().items():
        outcome = []
        for factor in (1.0 - share, 1.0 + share):
            changed = variants.model_with({name: value * factor}, genes=profile_genes)
            changed_ctx = changed.context(ctx.cancer.id)
            levels = profile.levels
            if name.startswith(("states.", *_REGULATION_PREFIXES)):  # the levels change
                levels = resolve_profile(
                    changed, changed_ctx, **inputs, index=index, problems=[]
                ).levels
            risk = _risks(changed, changed_ctx, levels)
            rounded = np.round(risk, TIE_DECIMALS)
            order = _order(rounded, labels)
            rank = np.empty(len(labels), dtype=int)
            rank[order] = np.arange(1, len(labels) + 1)
            outcome.append(
                (
                    spearman(base_rounded, rounded),
                    order[0],
                    int(np.abs(rank - base_rank).max()),
                    float(np.abs(risk - base_risk).max()),
                )
            )
        (c_low, top_low, move_low, dr_low), (c_high, top_high, move_high, dr_high) = outcome
        correlations += [c_low, c_high]
        kept += (top_low == top) + (top_high == top)
        rows.append(
            ParameterSensitivity(
                name=name,
                value=value,
                low=value * (1.0 - share),
                high=value * (1.0 + share),
                correlation_low=c_low,
                correlation_high=c_high,
                correlation=min(c_low, c_high),
                top_low=entities[top_low],
                top_high=entities[top_high],
                top_changed=top_low != top or top_high != top,
                max_rank_change=max(move_low, move_high),
                max_risk_change=max(dr_low, dr_high),
                moved=max(dr_low, dr_high) > 0.0,
            )
        )
    ranked = sorted(
        (r for r in rows if r.correlation < 1.0 or r.top_changed),
        key=lambda r: (r.correlation, not r.top_changed, -r.max_rank_change, r.name),
    )
    zero_valued = tuple(r.name for r in rows if r.value == 0.0)
    unmoved = tuple(r.name for r in rows if not r.moved)
    notes = [
        f"Each numeric parameter was multiplied by {1 - share:g} and by {1 + share:g}, one at a "
        "time; the correlation is Spearman's over the distant organs' risks (ties averaged, "
        f"risks equal to {TIE_DECIMALS} decimals count as tied).",
    ]
    if zero_valued:
        notes.append(
            f"{len(zero_valued)} parameter(s) have the value 0, which a multiplicative "
            "perturbation leaves unchanged: " + ", ".join(zero_valued)
        )
    return SensitivityReport(
        cancer=ctx.cancer,
        perturbation=share,
        parameters_version=model.parameters.version,
        ranking=tuple(
            RankedOrgan(entities[o], r, float(base_risk[o]))
            for r, o in enumerate(base_order, start=1)
        ),
        top=entities[top],
        parameters=tuple(rows),
        perturbations=len(correlations),
        min_correlation=min(correlations) if correlations else 1.0,
        median_correlation=float(np.median(correlations)) if correlations else 1.0,
        top_kept=kept / len(correlations) if correlations else 1.0,
        most_sensitive=tuple(r.name for r in ranked[:MOST_SENSITIVE]),
        zero_valued=zero_valued,
        unmoved=unmoved,
        genes=profile.reports,
        notes=tuple(notes),
    )
