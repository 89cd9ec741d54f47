"""Stochastic mode: N cells leave the primary tumour and traverse the cascade at random.

Each cell is given the organ where it will arrive (categorical, in proportion to the arrival
probabilities of the deterministic mode: the first capillary bed takes the largest share),
then passes or fails every ordered step with that organ's step probability, all cells at once
(numpy, one ``Generator`` seeded by the caller). The first failed step is where the cell
stops. On the organ side this gives the stages:

* arrested: reached the organ (stopped at the barrier step or beyond);
* extravasated: crossed the organ's barrier;
* dormant: extravasated but did not escape latency;
* micrometastasis: escaped latency but did not colonize;
* macrometastasis: completed the cascade.

A macrometastasis in a relay organ (a first capillary bed of the cancer type) then seeds each
other organ with the probability of the deterministic relay route; those cells are counted
as ``secondary``. Every count comes with a Wilson score interval. The same seed gives the
same counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from queries.simulator.model import CancerContext, Entity, Model, Step


@dataclass(frozen=True)
class Count:
    """A count of cells out of ``CellsResult.cells``, its share and Wilson interval."""

    count: int
    fraction: float
    low: float
    high: float


@dataclass(frozen=True)
class StepLoss:
    """Cells lost at a primary-side step (before arriving in any organ)."""

    step: Step
    lost: Count


@dataclass(frozen=True)
class OrganCells:
    organ: Entity
    arrested: Count
    extravasated: Count
    dormant: Count
    micrometastasis: Count
    macrometastasis: Count
    secondary: Count  # macrometastases seeded from a relay organ's macrometastasis
    involved: Count  # cells whose lineage forms a macrometastasis here (direct or secondary)
    expected_macrometastasis: float  # the deterministic share of cells, for comparison
    expected_involved: float


@dataclass(frozen=True)
class CellsResult:
    cells: int
    seed: int
    confidence_level: float
    arrival_shares: tuple[tuple[Entity, float], ...]
    lost: tuple[StepLoss, ...]
    organs: tuple[OrganCells, ...]  # by involved count, then label


def wilson(count: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion."""
    if n == 0:
        return 0.0, 1.0
    share = count / n
    denominator = 1.0 + z * z / n
    centre = (share + z * z / (2 * n)) / denominator
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def run_cells(
    model: Model, ctx: CancerContext, prob: np.ndarray, cells: int, seed: int
) -> CellsResult:
    """Simulate ``cells`` cells with the step probabilities ``prob`` (organs x steps)."""
    rng = np.random.default_rng(seed)
    n_organs, n_steps = prob.shape
    b = model.barrier_step
    blood = ~model.lymphatic_mask  # cells mode follows the blood-borne routes only
    arrival = np.where(blood, ctx.arrival, 0.0)
    share = arrival / arrival.sum()
    cumulative = np.cumsum(share)
    cumulative[-1] = 1.0
    destination = np.searchsorted(cumulative, rng.random(cells), side="right")
    draws = rng.random((cells, n_steps), dtype=np.float32)
    passed = draws < prob.astype(np.float32)[destination]
    stage = np.where(passed.all(axis=1), n_steps, passed.argmin(axis=1))
    table = np.bincount(
        destination * (n_steps + 1) + stage, minlength=n_organs * (n_steps + 1)
    ).reshape(n_organs, n_steps + 1)
    # table[o, k]: cells bound for organ o that stopped at step k (k = n_steps: completed).

    macro = table[:, n_steps]
    onward = ctx.seeding * ctx.arterial * prob[:, b:].prod(axis=1) * blood
    secondary = np.zeros(n_organs, dtype=np.int64)
    for r in ctx.relays:
        if macro[r] == 0:
            continue
        chance = onward.copy()
        chance[r] = 0.0
        secondary += (rng.random((int(macro[r]), n_organs)) < chance).sum(axis=0)

    level = model.parameters.number("cells.confidence_level")
    z = NormalDist().inv_cdf(0.5 + level / 2.0)

    def count(k: int) -> Count:
        low, high = wilson(int(k), cells, z)
        return Count(int(k), int(k) / cells, low, high)

    lat = model.latency_step
    primary = prob[:, :b].prod(axis=1)
    organ_side = prob[:, b:].prod(axis=1)
    expected = share * primary * organ_side
    organs = []
    for o, organ in enumerate(model.organs):
        if not blood[o]:
            continue
        row = table[o]
        arrested = row[b:].sum()
        extravasated = row[b + 1 :].sum()
        if lat is not None and lat > b:
            dormant = row[lat]
            micro = row[lat + 1 : n_steps].sum()
        else:
            dormant = 0
            micro = row[b + 1 : n_steps].sum()
        expected_involved = expected[o] + sum(expected[r] * onward[o] for r in ctx.relays if r != o)
        organs.append(
            OrganCells(
                organ=organ.entity,
                arrested=count(arrested),
                extravasated=count(extravasated),
                dormant=count(dormant),
                micrometastasis=count(micro),
                macrometastasis=count(macro[o]),
                secondary=count(secondary[o]),
                involved=count(macro[o] + secondary[o]),
                expected_macrometastasis=float(expected[o]),
                expected_involved=float(expected_involved),
            )
        )
    organs.sort(key=lambda c: (-c.involved.count, -c.expected_involved, c.organ.label.casefold()))
    lost_at = table[:, :b].sum(axis=0)
    return CellsResult(
        cells=cells,
        seed=seed,
        confidence_level=level,
        arrival_shares=tuple(
            (o.entity, float(share[i])) for i, o in enumerate(model.organs) if blood[i]
        ),
        lost=tuple(StepLoss(model.steps[s], count(lost_at[s])) for s in range(b)),
        organs=tuple(organs),
    )
