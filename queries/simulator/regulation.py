"""Regulation between genes: levels that propagate along signed ``regulates`` edges.

A microRNA represses its targets and a transcription factor induces or represses them
(the edge's ``direction``). Starting from the levels the input gives (profile,
overexpression, knockout), each target's level becomes its own input level plus, for each
regulator with a non-zero level, ``weight * level`` of that regulator, where the weight is
the edge's sign times its confidence and combined evidence weights, times the per-hop
damping (``regulation.damping``) and the cancer-context factor. The update is repeated
``regulation.max_depth`` times (Jacobi iteration), so an effect travels at most that many
hops and weakens by the damping at each.

Bounds: a gene cannot be repressed below its own input level when that is 0 or more (a gene
the tumour does not express has nothing to repress), nor raised above the overexpression
level. A knocked-out or overexpressed gene keeps the level the intervention fixed: a deleted
gene cannot be induced, and a transgene escapes its regulators. So a regulator whose effect
runs through its targets has no effect left once those targets are knocked out (epistasis).
"""

from __future__ import annotations

from collections.abc import Mapping

from queries.simulator.effects import RegulationMap
from queries.simulator.model import CancerContext, Model, Regulation

Contribution = tuple[int, float, Regulation]  # regulator, level change it causes, edge


def _outgoing(ctx: CancerContext) -> Mapping[int, tuple[int, ...]]:
    found = ctx.cache.get("regulation_out")
    if found is None and isinstance(ctx.regulation, RegulationMap):
        found = ctx.regulation.outgoing()
        ctx.cache["regulation_out"] = found
    elif found is None:
        out: dict[int, set[int]] = {}
        for target, regulators in ctx.regulation.items():
            for r, _, _ in regulators:
                out.setdefault(r, set()).add(target)
        found = {r: tuple(sorted(t)) for r, t in out.items()}
        ctx.cache["regulation_out"] = found
    return found


def propagate(
    model: Model,
    ctx: CancerContext,
    own: Mapping[int, float],
    fixed: Mapping[int, float],
) -> tuple[dict[int, float], dict[int, tuple[Contribution, ...]]]:
    """Effective levels (non-zero only) from input levels ``own`` and intervention levels
    ``fixed`` (knockouts, overexpressions), and per regulated gene the contributions."""
    p = model.parameters
    depth = max(0, int(p.number("regulation.max_depth")))
    highest = p.number("states.overexpression_level")
    levels = {g: v for g, v in own.items() if v != 0.0}
    levels.update(fixed)
    contributions: dict[int, tuple[Contribution, ...]] = {}
    outgoing = _outgoing(ctx)
    if not outgoing:
        return {g: v for g, v in levels.items() if v != 0.0}, contributions
    for _ in range(depth):
        targets = {
            t for g, v in levels.items() if v != 0.0 for t in outgoing.get(g, ()) if t not in fixed
        }
        if not targets:
            break
        update = {}
        for t in targets:
            parts = tuple(
                (r, w * levels[r], reg)
                for r, w, reg in ctx.regulation[t]
                if levels.get(r, 0.0) != 0.0
            )
            start = own.get(t, 0.0)
            total = start + sum(c for _, c, _ in parts)
            update[t] = min(max(total, min(start, 0.0)), highest)
            contributions[t] = parts
        levels.update(update)
    return {g: v for g, v in levels.items() if v != 0.0}, contributions
