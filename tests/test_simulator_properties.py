"""Property tests of the cascade simulator over random profiles drawn from the graph's genes:
risks stay in bounds, suppressors never raise a risk, genes with no cascade role change
nothing, knocking out a promoter never raises a risk, and results are deterministic."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queries.simulator import Model, evaluate, profile_shift, simulate

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    database=None,
)


@pytest.fixture(scope="module")
def universe(model: Model) -> dict[str, list[str]]:
    """Names to draw from: every gene, the cancer types, and per cancer type the genes that
    only lower, only raise, or do nothing."""
    cancers = sorted(model.cancers)
    lowering: dict[str, list[str]] = {}
    raising: dict[str, list[str]] = {}
    inert: dict[str, list[str]] = {}
    for cancer in cancers:
        effects = model.context(cancer).effects
        for g, gene in enumerate(model.genes):
            cell = effects[g]
            if not cell.any():
                inert.setdefault(cancer, []).append(gene.label)
            elif (cell <= 0).all():
                lowering.setdefault(cancer, []).append(gene.label)
            elif (cell >= 0).all():
                raising.setdefault(cancer, []).append(gene.label)
    return {
        "genes": [g.label for g in model.genes],
        "cancers": cancers,
        **{f"lowering:{c}": v for c, v in lowering.items()},
        **{f"raising:{c}": v for c, v in raising.items()},
        **{f"inert:{c}": v for c, v in inert.items()},
    }


profiles = st.data()


def _draw_profile(data: st.DataObject, universe: dict[str, list[str]]) -> dict[str, object]:
    genes = data.draw(st.lists(st.sampled_from(universe["genes"]), max_size=12), label="genes")
    levels = data.draw(
        st.lists(st.floats(-2.5, 2.5, allow_nan=False), min_size=len(genes), max_size=len(genes)),
        label="levels",
    )
    knockouts = data.draw(st.lists(st.sampled_from(universe["genes"]), max_size=3), label="ko")
    overexpress = data.draw(st.lists(st.sampled_from(universe["genes"]), max_size=3), label="oe")
    cancer = data.draw(st.sampled_from(universe["cancers"]), label="cancer")
    return {
        "cancer": cancer,
        "genes": dict(zip(genes, levels, strict=True)),
        "knockouts": knockouts,
        "overexpress": overexpress,
    }


def _risks(model: Model, **kwargs: object) -> np.ndarray:
    result = simulate(model, **kwargs)  # type: ignore[arg-type]
    return np.array([result.organ(o.id).risk for o in model.organs])


@SETTINGS
@given(data=profiles)
def test_risks_probabilities_and_ranks_stay_in_bounds(
    model: Model, universe: dict[str, list[str]], data: st.DataObject
) -> None:
    profile = _draw_profile(data, universe)
    result = simulate(model, **profile, top_paths=2)  # type: ignore[arg-type]
    assert sorted(o.rank for o in result.organs) == list(range(1, len(model.organs) + 1))
    for organ in result.organs:
        assert 0.0 <= organ.risk <= 1.0
        assert organ.change == pytest.approx(organ.risk - organ.baseline_risk, abs=1e-15)
        for path in organ.paths:
            for hop in path.hops:
                assert 0.0 <= hop.probability <= 1.0
    assert 0.0 <= result.distant_risk <= 1.0


@SETTINGS
@given(data=profiles)
def test_adding_a_gene_that_only_lowers_never_raises_a_risk(
    model: Model, universe: dict[str, list[str]], data: st.DataObject
) -> None:
    profile = _draw_profile(data, universe)
    choices = universe.get(f"lowering:{profile['cancer']}", [])
    if not choices:
        return
    suppressor = data.draw(st.sampled_from(choices), label="suppressor")
    genes = dict(profile["genes"])  # type: ignore[call-overload]
    if (
        suppressor in genes
        or suppressor in profile["knockouts"]
        or suppressor in profile["overexpress"]
    ):  # type: ignore[operator]
        return
    before = _risks(model, **profile)
    after = _risks(model, **{**profile, "genes": {**genes, suppressor: 1.0}})
    assert np.all(after <= before + 1e-15)


@SETTINGS
@given(data=profiles)
def test_knocking_out_a_gene_that_only_raises_never_raises_a_risk(
    model: Model, universe: dict[str, list[str]], data: st.DataObject
) -> None:
    profile = _draw_profile(data, universe)
    choices = universe.get(f"raising:{profile['cancer']}", [])
    if not choices:
        return
    target = data.draw(st.sampled_from(choices), label="target")
    before = _risks(model, **profile)
    after = _risks(model, **{**profile, "knockouts": [*profile["knockouts"], target]})  # type: ignore[misc]
    assert np.all(after <= before + 1e-15)


@SETTINGS
@given(data=profiles)
def test_genes_absent_from_every_path_change_nothing(
    model: Model, universe: dict[str, list[str]], data: st.DataObject
) -> None:
    profile = _draw_profile(data, universe)
    inert = universe.get(f"inert:{profile['cancer']}", [])
    extra = data.draw(st.lists(st.sampled_from(inert), max_size=4), label="inert") if inert else []
    genes = dict(profile["genes"])  # type: ignore[call-overload]
    before = simulate(model, **profile)  # type: ignore[arg-type]
    after = simulate(
        model,
        **{**profile, "genes": {**genes, **{g: 1.0 for g in extra if g not in genes}}},  # type: ignore[arg-type]
    )
    assert [(o.organ.id, o.risk) for o in after.organs] == [
        (o.organ.id, o.risk) for o in before.organs
    ]
    for report in after.genes:
        if report.input in extra and report.input not in genes:
            assert report.status == "no_cascade_role"


@SETTINGS
@given(data=profiles, seed=st.integers(0, 2**32))
def test_results_are_deterministic(
    model: Model, universe: dict[str, list[str]], data: st.DataObject, seed: int
) -> None:
    profile = _draw_profile(data, universe)
    one = simulate(model, **profile, mode="cells", cells=500, seed=seed).to_dict()  # type: ignore[arg-type]
    two = simulate(model, **profile, mode="cells", cells=500, seed=seed).to_dict()  # type: ignore[arg-type]
    assert one == two


@SETTINGS
@given(data=profiles)
def test_the_batched_knockout_scan_equals_one_simulation_per_gene(
    model: Model, universe: dict[str, list[str]], data: st.DataObject
) -> None:
    profile = _draw_profile(data, universe)
    ctx = model.context(profile["cancer"])  # type: ignore[arg-type]
    levels = {
        g: float(lv) for g, lv in zip(range(0, len(model.genes), 7), [1.0] * 99, strict=False)
    }
    shift = profile_shift(ctx, levels)
    g = data.draw(st.integers(0, len(model.genes) - 1), label="gene")
    single = dict(levels)
    single[g] = model.parameters.number("states.knockout_level")
    batch = evaluate(
        model, ctx, shift[None] + (single[g] - levels.get(g, 0.0)) * ctx.effects[g][None]
    )
    alone = evaluate(model, ctx, profile_shift(ctx, single))
    np.testing.assert_allclose(batch.risk[0], alone.risk, rtol=1e-12, atol=1e-15)
