"""Knockout scan: every candidate gene's knockout in one vectorised evaluation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from graph.names import NameIndex
from graph.vocab import Category
from queries.simulator.arithmetic import evaluate, profile_shift
from queries.simulator.model import Model
from queries.simulator.profile import _resolve_entity, _shown, resolve_tumour
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
