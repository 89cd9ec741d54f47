"""Knockout scan: every candidate gene's knockout in one vectorised evaluation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

import numpy as np

from graph.names import NameIndex
from graph.vocab import Category
from queries.simulator.arithmetic import evaluate, profile_shift
from queries.simulator.effects import Choices
from queries.simulator.genes import strength
from queries.simulator.model import CancerContext, EdgeRef, Model
from queries.simulator.profile import _resolve_entity, _shown, resolve_tumour
from queries.simulator.regulation import _outgoing, propagate
from queries.simulator.results import TargetEffect, TargetRanking

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
        strength = _evidence_strength(model, ctx)
        idx = np.array(candidates, dtype=np.intp)
        # A knockout removes the gene's own activity; a gene at level 0 (not expressed and
        # not induced) has none, so its knockout changes nothing and is not evaluated.
        movers = [g for g in candidates if profile.levels.get(g, 0.0) != 0.0]
        shifts = np.repeat(shift[None], len(candidates), axis=0)
        position = {g: j for j, g in enumerate(candidates)}
        for g in movers:
            fixed = dict(profile.fixed)
            fixed[g] = min(profile.own.get(g, 0.0), 0.0)
            levels, _ = propagate(model, ctx, profile.own, fixed)
            shifts[position[g]] = profile_shift(ctx, levels)
        after = evaluate(model, ctx, shifts)
        metric_after = after.risk[:, o] if o is not None else after.distant
        acts = np.abs(ctx.effects[idx]).sum(axis=(1, 2)) > 0
        rows = []
        for j, g in enumerate(candidates):
            changes = after.risk[j] - now.risk
            evidence = strength.get(g, (0, 0, 0))
            rows.append(
                (
                    round(float(metric_after[j] - metric_now), 12),
                    tuple(-x for x in evidence),
                    model.genes[g].label.casefold(),
                    g,
                    float(metric_after[j]),
                    {model.organs[k].id: float(changes[k]) for k in range(len(model.organs))},
                    bool(acts[j]) or g in _outgoing(ctx),
                    float(metric_after[j] - metric_now),
                )
            )
        rows.sort(key=lambda row: row[:4])
        same: dict[float, list[int]] = {}
        for row in rows:
            if row[0] != 0.0:
                same.setdefault(row[0], []).append(row[3])
        for rank, row in enumerate(rows, 1):
            _, evidence_key, _, g, risk_after, organ_changes, gene_acts, change = row
            tied = [other for other in same.get(row[0], ()) if other != g]
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
                    evidence=MappingProxyType(
                        dict(
                            zip(
                                ("confidence", "references", "evidence_types"),
                                (-x for x in evidence_key),
                                strict=True,
                            )
                        )
                    ),
                    tied_with=tuple(model.genes[other].label for other in tied),
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


_CONFIDENCE_RANK = {"high": 3, "medium": 2, "low": 1}


def _evidence_strength(model: Model, ctx: CancerContext) -> dict[int, tuple[int, int, int]]:
    """Per gene, the strength of the evidence behind its effects in this cancer type: the
    highest confidence (3 high, 2 medium, 1 low), the number of distinct references and the
    number of distinct evidence types over the assertions it acts through (chosen and
    supporting), including those routed through its targets."""
    found = ctx.cache.get("evidence_strength")
    if found is not None:
        return found
    if isinstance(ctx.choices, Choices):  # from the arrays: every candidate and routed row
        found = strength(
            ctx.choices.table, np.flatnonzero(ctx.choices.included | ctx.choices.table.routed)
        )
        ctx.cache["evidence_strength"] = found
        return found
    edges: dict[int, set[EdgeRef]] = {}
    for (g, _, _), choice in ctx.choices.items():
        edges.setdefault(g, set()).update((choice.edge.edge, *choice.supporting))
    for g, gene_edges in model.gene_edges.items():
        for e in gene_edges:
            if e.routed_via:
                edges.setdefault(g, set()).add(e.edge)
    found = {}
    for g, items in edges.items():
        found[g] = (
            max(_CONFIDENCE_RANK.get(e.confidence, 0) for e in items),
            len({r.id for e in items for r in e.references}),
            len({t for e in items for t in e.evidence_types}),
        )
    ctx.cache["evidence_strength"] = found
    return found
