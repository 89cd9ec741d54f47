"""Property tests of the cascade simulator over random profiles drawn from the graph's genes:
risks stay in bounds, suppressors never raise a risk, genes with no cascade role change
nothing, knocking out a promoter never raises a risk, and results are deterministic.

Every example checks something: a test that needs a gene of some kind draws its cancer type
among those that have one (and fails, rather than passing empty, if the graph has none), and
the few draws that cannot be used are discarded with ``assume`` (counted by Hypothesis, which
fails the test when too many are), never by an early ``return``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
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
    one_organ: dict[str, list[tuple[str, int]]] = {}
    for cancer in cancers:
        ctx = model.context(cancer)
        effects = ctx.effects
        regulators = {r for regs in ctx.regulation.values() for r, _, _ in regs}
        regulated = set(ctx.regulation)
        for g, gene in enumerate(model.genes):
            cell = effects[g]
            if g in regulators or g in regulated:
                continue  # its level moves other genes, or other genes move its level
            organs = set(np.flatnonzero(np.abs(cell).sum(axis=1)).tolist())
            if len(organs) == 1 and not cell[:, : model.barrier_step].any():
                # all its effects are at organ-side steps of one organ
                one_organ.setdefault(cancer, []).append((gene.label, organs.pop()))
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
        **{f"acting:{c}": raising.get(c, []) + lowering.get(c, []) for c in cancers},
        **{f"inert:{c}": v for c, v in inert.items()},
        **{f"shared:{c}": v for c, v in shared.items()},
        **{f"one_organ:{c}": v for c, v in one_organ.items()},  # type: ignore[misc]
    }


profiles = st.data()


def _draw_cancer(data: st.DataObject, universe: dict[str, list[str]], kind: str) -> str:
    """A cancer type that has at least one gene of ``kind``; the test fails (it would check
    nothing) when the graph has none."""
    having = [c for c in universe["cancers"] if universe.get(f"{kind}:{c}")]
    assert having, f"no cancer type has a gene of kind {kind!r}: the property checks nothing"
    return data.draw(st.sampled_from(having), label="cancer")


def _draw_profile(
    data: st.DataObject,
    universe: dict[str, list[str]],
    cancer: str | None = None,
    *,
    leave_out: str | tuple[str, ...] = (),
) -> dict[str, object]:
    """A random profile; ``leave_out`` are genes it must not name (those a test adds)."""
    left_out = {leave_out} if isinstance(leave_out, str) else set(leave_out)
    names = [g for g in universe["genes"] if g not in left_out]
    genes = data.draw(st.lists(st.sampled_from(names), max_size=12), label="genes")
    levels = data.draw(
        st.lists(st.floats(-2.5, 2.5, allow_nan=False), min_size=len(genes), max_size=len(genes)),
        label="levels",
    )
    knockouts = data.draw(st.lists(st.sampled_from(names), max_size=3), label="ko")
    overexpress = data.draw(st.lists(st.sampled_from(names), max_size=3), label="oe")
    if cancer is None:
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
    cancer = _draw_cancer(data, universe, "lowering")
    suppressor = data.draw(st.sampled_from(universe[f"lowering:{cancer}"]), label="suppressor")
    profile = _draw_profile(data, universe, cancer, leave_out=suppressor)
    genes = dict(profile["genes"])  # type: ignore[call-overload]
    before = _risks(model, **profile)
    after = _risks(model, **{**profile, "genes": {**genes, suppressor: 1.0}})
    assert np.all(after <= before + 1e-15)


@SETTINGS
@given(data=profiles)
def test_knocking_out_a_gene_that_only_raises_never_raises_a_risk(
    model: Model, universe: dict[str, list[str]], data: st.DataObject
) -> None:
    cancer = _draw_cancer(data, universe, "raising")
    profile = _draw_profile(data, universe, cancer)
    target = data.draw(st.sampled_from(universe[f"raising:{cancer}"]), label="target")
    before = _risks(model, **profile)
    after = _risks(model, **{**profile, "knockouts": [*profile["knockouts"], target]})  # type: ignore[misc]
    assert np.all(after <= before + 1e-15)


@SETTINGS
@given(data=profiles)
def test_genes_absent_from_every_path_change_nothing(
    model: Model, universe: dict[str, list[str]], data: st.DataObject
) -> None:
    # Every draw is unconditional (the cancer type is one that has inert genes), so each
    # example adds at least one inert gene and replays draw for draw.
    cancer = _draw_cancer(data, universe, "inert")
    extra = data.draw(
        st.lists(st.sampled_from(universe[f"inert:{cancer}"]), min_size=1, max_size=4),
        label="inert",
    )
    profile = _draw_profile(data, universe, cancer, leave_out=tuple(extra))
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
    """Every entry of `rank_targets`' one vectorised evaluation equals its own simulation
    with that gene added to the knockouts: the metric (the distant risk, or one organ's
    risk), the change of every organ, and the order; every profile gene that is not knocked
    out is a candidate, once."""
    cancer = _draw_cancer(data, universe, "acting")
    acting = data.draw(
        st.lists(st.sampled_from(universe[f"acting:{cancer}"]), min_size=1, max_size=3),
        label="acting",
    )
    profile = _draw_profile(data, universe, cancer, leave_out=tuple(acting))
    levels = {g: data.draw(st.floats(0.25, 2.5), label=f"level of {g}") for g in acting}
    profile["genes"] = {**profile["genes"], **levels}  # type: ignore[dict-item]
    distant = [o.label for o in model.distant_organs]
    organ = data.draw(st.none() | st.sampled_from(distant), label="organ")

    def metric(result) -> float:  # type: ignore[no-untyped-def]
        return result.organ(organ).risk if organ else result.distant_risk

    ranking = rank_targets(model, **profile, organ=organ)  # type: ignore[arg-type]
    now = simulate(model, **profile)  # type: ignore[arg-type]
    assert ranking.risk == pytest.approx(metric(now), rel=1e-9, abs=1e-15)
    named = {*profile["genes"], *profile["overexpress"]} - set(profile["knockouts"])  # type: ignore[misc]
    labels = [t.gene.label for t in ranking.targets]
    assert len(labels) == len(set(labels)) and named <= set(labels)  # and genes they induce
    assert [t.rank for t in ranking.targets] == list(range(1, len(ranking.targets) + 1))
    for first, second in zip(ranking.targets, ranking.targets[1:], strict=False):
        assert first.change <= second.change + 1e-12  # the biggest drop first
    # The acting genes at a positive level: at least one knockout moves something.
    assume(any(t.change != 0.0 for t in ranking.targets))
    for target in ranking.targets:
        alone = simulate(
            model,
            **{**profile, "knockouts": [*profile["knockouts"], target.gene.id]},  # type: ignore[arg-type,list-item]
        )
        assert target.risk_after == pytest.approx(metric(alone), rel=1e-9, abs=1e-15)
        assert target.change == pytest.approx(metric(alone) - metric(now), rel=1e-9, abs=1e-15)
        assert target.organ_changes == pytest.approx(
            {o.organ.id: o.risk - now.organ(o.organ.id).risk for o in alone.organs},
            rel=1e-9,
            abs=1e-15,
        )


@SETTINGS
@given(data=profiles)
def test_shared_step_genes_cannot_reorder_the_distant_organs(
    model: Model, universe: dict[str, list[str]], data: st.DataObject
) -> None:
    """Issue 9, point 3: genes that act only at shared steps (invasion, intravasation,
    survival in the circulation) move every blood-borne organ alike."""
    cancer = _draw_cancer(data, universe, "shared")
    pool = universe[f"shared:{cancer}"]
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
    # The batched scan skips such genes (no activity to remove): its entry must say exactly
    # what the simulation says, a change of zero everywhere.
    scan = rank_targets(model, **profile, scope="graph")  # type: ignore[arg-type]
    (entry,) = [t for t in scan.targets if t.gene.label == gene]
    assert entry.risk_after == after.distant_risk == scan.risk
    assert entry.change == 0.0
    assert entry.organ_changes == {o.organ.id: 0.0 for o in after.organs}


@SETTINGS
@given(data=profiles)
def test_organ_specific_effects_act_on_their_organ_only(
    model: Model, universe: dict[str, list[str]], data: st.DataObject
) -> None:
    """A gene whose effects are all at organ-side steps of one organ changes that organ's
    risk and, if that organ relays (a first capillary bed), the routes through it; no other."""
    cancer = _draw_cancer(data, universe, "one_organ")
    ctx = model.context(cancer)
    gene, organ = data.draw(st.sampled_from(universe[f"one_organ:{cancer}"]), label="gene")
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
    cancer = _draw_cancer(data, universe, "acting")
    gene = data.draw(st.sampled_from(universe[f"acting:{cancer}"]), label="gene")
    base = simulate(model, cancer=cancer)
    knocked = simulate(model, cancer=cancer, genes=[gene], knockouts=[gene])
    assert [o.risk for o in knocked.organs] == [o.risk for o in base.organs]
    over = simulate(model, cancer=cancer, genes=[gene], overexpress=[gene])
    (report,) = [r for r in over.genes if r.role == "overexpression"]
    assert report.level == model.parameters.number("states.overexpression_level")
