"""Property tests of the cascade simulator over random profiles drawn from the graph's genes:
risks stay in bounds, suppressors never raise a risk, genes with no cascade role change
nothing, knocking out a promoter never raises a risk, and results are deterministic."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queries.simulator import Model, rank_targets, simulate

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
    shared: dict[str, list[str]] = {}
    for cancer in cancers:
        ctx = model.context(cancer)
        effects = ctx.effects
        regulators = {r for regs in ctx.regulation.values() for r, _, _ in regs}
        regulated = set(ctx.regulation)
        for g, gene in enumerate(model.genes):
            cell = effects[g]
            if g in regulators or g in regulated:
                continue  # its level moves other genes, or other genes move its level
            if cell.any() and not cell[:, model.barrier_step :].any():
                shared.setdefault(cancer, []).append(gene.label)
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
        **{f"shared:{c}": v for c, v in shared.items()},
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
    for spread, mask in (("distant", model.distant_mask), ("regional", model.lymphatic_mask)):
        ranks = sorted(o.rank for o in result.organs if o.spread == spread)
        assert ranks == list(range(1, int(mask.sum()) + 1))
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
    ranking = rank_targets(model, **profile)  # type: ignore[arg-type]
    for target in ranking.targets[:4]:
        alone = simulate(
            model,
            **{**profile, "knockouts": [*profile["knockouts"], target.gene.id]},  # type: ignore[arg-type,list-item]
        )
        assert target.risk_after == pytest.approx(alone.distant_risk, rel=1e-9, abs=1e-15)


@SETTINGS
@given(data=profiles)
def test_shared_step_genes_cannot_reorder_the_distant_organs(
    model: Model, universe: dict[str, list[str]], data: st.DataObject
) -> None:
    """Issue 9, point 3: genes that act only at shared steps (invasion, intravasation,
    survival in the circulation) move every blood-borne organ alike."""
    cancer = data.draw(st.sampled_from(universe["cancers"]), label="cancer")
    pool = universe.get(f"shared:{cancer}", [])
    if not pool:
        return
    genes = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=6), label="shared")
    levels = data.draw(
        st.lists(st.floats(-1.5, 1.5, allow_nan=False), min_size=len(genes), max_size=len(genes))
    )
    base = simulate(model, cancer=cancer)
    now = simulate(model, cancer=cancer, genes=dict(zip(genes, levels, strict=True)))

    def order(result):  # type: ignore[no-untyped-def]
        return [o.organ.id for o in result.organs if o.spread == "distant"]

    assert order(now) == order(base)
    ratios = {
        round(o.risk / base.organ(o.organ.id).risk, 9) for o in now.organs if o.spread == "distant"
    }
    assert len(ratios) == 1  # one common factor


@SETTINGS
@given(data=profiles)
def test_knocking_out_a_gene_the_profile_does_not_express_changes_nothing(
    model: Model, universe: dict[str, list[str]], data: st.DataObject
) -> None:
    profile = _draw_profile(data, universe)
    before = simulate(model, **profile)  # type: ignore[arg-type]
    active = {r.gene.id for r in before.genes if r.gene is not None}
    ctx = model.context(before.cancer.id)
    regulated = {model.genes[t].id for t in ctx.regulation}
    absent = [g.label for g in model.genes if g.id not in active and g.id not in regulated]
    gene = data.draw(st.sampled_from(absent), label="absent")
    after = simulate(
        model,
        **{**profile, "knockouts": [*profile["knockouts"], gene]},  # type: ignore[arg-type,list-item]
    )
    assert [o.risk for o in after.organs] == [o.risk for o in before.organs]


@SETTINGS
@given(data=profiles)
def test_organ_specific_effects_act_on_their_organ_only(
    model: Model, universe: dict[str, list[str]], data: st.DataObject
) -> None:
    """A gene whose effects are all at organ-side steps of one organ changes that organ's
    risk and, if that organ relays (a first capillary bed), the routes through it; no other."""
    cancer = data.draw(st.sampled_from(universe["cancers"]), label="cancer")
    ctx = model.context(cancer)
    candidates = []
    for g, gene in enumerate(model.genes):
        cell = ctx.effects[g]
        organs = set(np.flatnonzero(np.abs(cell).sum(axis=1)).tolist())
        if len(organs) == 1 and not cell[:, : model.barrier_step].any():
            if g not in ctx.regulation and not any(
                g == r for regs in ctx.regulation.values() for r, _, _ in regs
            ):
                candidates.append((gene.label, organs.pop()))
    if not candidates:
        return
    gene, organ = data.draw(st.sampled_from(candidates), label="gene")
    level = data.draw(st.sampled_from([1.0, -1.0, 0.5]), label="level")
    base = simulate(model, cancer=cancer)
    now = simulate(model, cancer=cancer, genes={gene: level})
    changed = {o.organ.id for o in now.organs if o.risk != base.organ(o.organ.id).risk}
    allowed = {model.organs[organ].id}
    if organ in ctx.relays:
        allowed |= {o.id for o in model.organs if o.route == "haematogenous"}
    assert changed <= allowed
    assert model.organs[organ].id in changed


@SETTINGS
@given(data=profiles)
def test_knockout_and_overexpression_are_not_mirror_images(
    model: Model, universe: dict[str, list[str]], data: st.DataObject
) -> None:
    """A knockout removes a profile gene's own activity (the same as leaving it out); an
    overexpression raises it to the overexpression level."""
    cancer = data.draw(st.sampled_from(universe["cancers"]), label="cancer")
    pool = universe.get(f"raising:{cancer}", []) + universe.get(f"lowering:{cancer}", [])
    if not pool:
        return
    gene = data.draw(st.sampled_from(pool), label="gene")
    base = simulate(model, cancer=cancer)
    knocked = simulate(model, cancer=cancer, genes=[gene], knockouts=[gene])
    assert [o.risk for o in knocked.organs] == [o.risk for o in base.organs]
    over = simulate(model, cancer=cancer, genes=[gene], overexpress=[gene])
    (report,) = [r for r in over.genes if r.role == "overexpression"]
    assert report.level == model.parameters.number("states.overexpression_level")
