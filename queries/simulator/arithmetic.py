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
    """Risks from the summed gene shift (``(..., organs, steps)``, log-odds, unsaturated).

    The primary-side steps on an organ's route (all of them for blood-borne organs, local
    invasion only for lymph nodes) happen once for the cells behind every route to that
    organ, so they multiply the organ's combined risk once:
    ``risk = primary * (1 - (1 - reach) * prod_r (1 - reach[r] * onward))``, where
    ``reach = arrival * organ_side`` is the direct route after the primary. An effect on
    the shared steps therefore scales every blood-borne organ's risk by the same factor and
    cannot change their order.
    """
    cap = model.parameters.number("effects.saturation")
    logits = ctx.base + cap * np.tanh(shift / cap)
    prob = 1.0 / (1.0 + np.exp(-logits))
    b = model.barrier_step
    primary = np.where(ctx.route_steps, prob[..., :b], 1.0).prod(axis=-1)
    organ_side = prob[..., b:].prod(axis=-1)
    reach = ctx.arrival * organ_side
    onward = ctx.seeding * ctx.arterial * organ_side * ~model.lymphatic_mask
    via = np.zeros(reach.shape[:-1] + (len(ctx.relays), reach.shape[-1]))
    miss = 1.0 - reach
    for i, r in enumerate(ctx.relays):
        route = reach[..., r : r + 1] * onward
        route[..., r] = 0.0
        via[..., i, :] = route
        miss = miss * (1.0 - route)
    combined = 1.0 - miss
    risk = primary * combined
    direct = primary * reach
    via = via * primary[..., None, :]
    distant_mask = model.distant_mask
    if distant_mask.any():
        blood = primary[..., int(np.flatnonzero(distant_mask)[0])]
        distant = blood * (1.0 - np.prod(1.0 - combined[..., distant_mask], axis=-1))
    else:
        distant = np.zeros(risk.shape[:-1])
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
