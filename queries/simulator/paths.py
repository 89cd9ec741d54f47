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
from collections.abc import Iterable, Mapping

import numpy as np

from graph.names import NameIndex
from queries.simulator.arithmetic import Evaluation, baseline, evaluate, profile_shift
from queries.simulator.cells import run_cells
from queries.simulator.model import (
    CancerContext,
    Model,
)
from queries.simulator.profile import Profile, _check_options, resolve_profile, resolve_tumour
from queries.simulator.results import (
    MAX_CELLS,
    MAX_TOP_PATHS,
    MODES,
    CascadePath,
    GeneEffect,
    GeneReport,
    Hop,
    Latency,
    OrganRisk,
    RegulatorEffect,
    SimulationInputError,
    SimulationResult,
    TargetEffect,
    TargetRanking,
    to_jsonable,
)

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
        notes.append(
            f"{ctx.cancer.label} has no recorded metastatic site (metastasizes_to): its "
            "ranking rests on the circulation and barrier priors only, not on clinical records"
        )
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
    ranks, base_ranks = [0] * len(labels), [0] * len(labels)
    for group in (model.distant_mask, model.lymphatic_mask):  # ranked within each spread
        members = np.flatnonzero(group).tolist()
        names = [labels[o] for o in members]
        for o, r, b in zip(
            members,
            _ranks(now.risk[members], names),
            _ranks(base.risk[members], names),
            strict=True,
        ):
            ranks[o], base_ranks[o] = r, b
    active = [g for g, lv in profile.levels.items() if lv != 0.0]
    results = []
    for o, organ in enumerate(model.organs):
        routes = [_direct_path(model, ctx, profile, active, now, base, o)]
        if organ.route != "lymphatic":
            for i, r in enumerate(ctx.relays):
                if r != o:
                    routes.append(_via_path(model, ctx, profile, active, now, base, i, r, o))
        included = tuple(
            "direct" if p.route == "direct" else f"via {p.relay.label}"  # type: ignore[union-attr]
            for p in routes
        )
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
                spread="regional" if organ.route == "lymphatic" else "distant",
                route=organ.route,
                routes_included=included,
            )
        )
    results.sort(key=lambda r: (r.spread != "distant", r.rank))
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
                state=profile.states.get(g, "regulated"),
                level=level,
                shift=shift,
                direction="raises" if shift > 0 else "lowers",
                context=choice.context,
                factors=factors,
                parameters=params,
                assertion=choice.edge.edge,
                supporting=choice.supporting,
                regulated_by=tuple(
                    RegulatorEffect(model.genes[r], float(change), reg.edge)
                    for r, change, reg in profile.regulated.get(g, ())
                ),
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
        if s >= model.barrier_step or ctx.route_steps[o, s]  # the lymphatic route skips blood
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


from queries.simulator.render import render_text  # noqa: E402  (re-exported)
from queries.simulator.targets import rank_targets  # noqa: E402  (re-exported)

__all__ = [
    "MAX_CELLS",
    "MAX_TOP_PATHS",
    "MODES",
    "Evaluation",
    "CascadePath",
    "Evaluation",
    "GeneEffect",
    "GeneReport",
    "Hop",
    "Latency",
    "OrganRisk",
    "Profile",
    "SimulationInputError",
    "SimulationResult",
    "TargetEffect",
    "TargetRanking",
    "baseline",
    "evaluate",
    "profile_shift",
    "rank_targets",
    "render_text",
    "resolve_profile",
    "resolve_tumour",
    "simulate",
    "to_jsonable",
]
