"""The arithmetic of the model: step probabilities, routes and risks, batched with numpy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from queries.simulator.model import CancerContext, Model

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
