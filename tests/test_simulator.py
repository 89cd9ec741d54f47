"""The cascade simulator: the review's own facts, explanations that cite the graph, inputs that
are never silently dropped, user evidence that changes results, and reproducible cells mode."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from graph.store import KnowledgeStore, write_store
from ingest.pipeline import assemble, plan_sources
from queries.simulator import (
    PARAMETERS_FILE,
    Model,
    ParameterError,
    SimulationInputError,
    SimulationResult,
    build_model,
    explain_model,
    load_parameters,
    rank_targets,
    render_text,
    simulate,
)

LUNG_GENES = ["EREG", "PTGS2", "MMP1", "ANGPTL4"]
BONE_GENES = ["PTHLH", "IL11", "CCN2", "CSF2"]
DOCS = Path(__file__).resolve().parents[1] / "docs" / "simulator.md"


def first(result: SimulationResult) -> str:
    return result.organs[0].organ.label


def suppressors(model: Model) -> list[str]:
    return sorted(
        model.genes[g].label
        for g, classes in model.gene_classes.items()
        if any(c.id.endswith("/metastasis_suppressor") for c, _, _ in classes)
    )


# --- the review's facts --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cancer", "organ"),
    [
        ("pancreatic cancer", "Liver"),
        ("prostate cancer", "Bone"),
        ("colorectal cancer", "Liver"),
        ("uveal melanoma", "Liver"),
        ("ovarian cancer", "Peritoneal cavity"),
    ],
)
def test_without_a_profile_the_recorded_main_site_ranks_first(
    model: Model, cancer: str, organ: str
) -> None:
    result = simulate(model, cancer=cancer)
    assert first(result) == organ
    assert all(o.change == 0.0 for o in result.organs)
    assert all(o.rank == o.baseline_rank for o in result.organs)


def test_lung_metastasis_mediators_rank_lung_first_in_breast_cancer(model: Model) -> None:
    result = simulate(model, cancer="breast cancer", genes=LUNG_GENES)
    assert first(result) == "Lung"
    lung = result.organ("lung")
    # the lung gains the most (since 2.1.0 it also ranks first without a profile: first
    # capillary bed and a high-confidence site record, its barrier replaced by the record)
    assert lung.change > 0
    assert all(lung.risk / lung.baseline_risk >= o.risk / o.baseline_risk for o in result.organs)


def test_bone_colonization_genes_rank_bone_first_in_breast_cancer(model: Model) -> None:
    result = simulate(model, cancer="breast cancer", genes=BONE_GENES)
    assert first(result) == "Bone"
    # bone-specific genes: bone rises, organs they do not act on stay where they were
    assert result.organ("bone").change > 0
    assert result.organ("brain").change == 0.0


def test_knocking_out_ptgs2_lowers_lung_risk(model: Model) -> None:
    before = simulate(model, cancer="breast cancer", genes=LUNG_GENES)
    after = simulate(model, cancer="breast cancer", genes=LUNG_GENES, knockouts=["PTGS2"])
    assert after.organ("lung").risk < before.organ("lung").risk
    assert all(a.risk <= before.organ(a.organ.id).risk for a in after.organs)


def test_overexpressing_a_promoter_raises_and_a_suppressor_lowers(model: Model) -> None:
    base = simulate(model, cancer="breast cancer", genes=["EREG"])
    up = simulate(model, cancer="breast cancer", genes=["EREG"], overexpress=["EREG"])
    assert up.organ("lung").risk > base.organ("lung").risk
    # miR-335 acts through SOX4 and TNC (ref 30): it lowers risk where they are expressed
    with_targets = simulate(model, cancer="breast cancer", genes=["EREG", "SOX4", "TNC"])
    mir = simulate(
        model, cancer="breast cancer", genes=["EREG", "SOX4", "TNC"], overexpress=["MIR335"]
    )
    assert mir.organ("lung").risk < with_targets.organ("lung").risk


def test_down_regulation_lowers_a_promoters_organ(model: Model) -> None:
    down = simulate(model, cancer="breast cancer", genes={"PTHLH": -1.0})
    assert down.organ("bone").change < 0
    (report,) = down.genes
    assert report.level == -1.0 and "down" in report.message


@pytest.mark.parametrize("cancer", ["breast cancer", "prostate cancer", "melanoma"])
def test_adding_a_suppressor_never_raises_a_risk(model: Model, cancer: str) -> None:
    profile = LUNG_GENES + BONE_GENES
    before = simulate(model, cancer=cancer, genes=profile)
    for gene in suppressors(model):
        after = simulate(model, cancer=cancer, genes=[*profile, gene])
        for organ in after.organs:
            assert organ.risk <= before.organ(organ.organ.id).risk + 1e-15, (gene, organ)


def test_a_gene_absent_from_every_path_changes_nothing(model: Model) -> None:
    before = simulate(model, cancer="breast cancer", genes=LUNG_GENES)
    # KISS1R: only a class assertion; TFF1: 'associated' (marker) assertions only
    after = simulate(model, cancer="breast cancer", genes=[*LUNG_GENES, "KISS1R", "TFF1"])
    assert [(o.organ.id, o.risk) for o in after.organs] == [
        (o.organ.id, o.risk) for o in before.organs
    ]
    statuses = {r.input: r.status for r in after.genes}
    assert statuses["KISS1R"] == statuses["TFF1"] == "no_cascade_role"


def test_risks_stay_in_bounds_and_ranks_are_a_permutation(model: Model) -> None:
    for cancer_id in model.cancers:
        result = simulate(model, cancer=cancer_id, genes=LUNG_GENES, knockouts=["MIR335"])
        for spread, mask in (("distant", model.distant_mask), ("regional", model.lymphatic_mask)):
            ranks = sorted(o.rank for o in result.organs if o.spread == spread)
            assert ranks == list(range(1, int(mask.sum()) + 1))  # ranked within each spread
        for organ in result.organs:
            assert 0.0 <= organ.risk <= 1.0 and 0.0 <= organ.baseline_risk <= 1.0
            assert organ.direct_risk <= organ.risk + 1e-15
            for path in organ.paths:
                assert 0.0 <= path.probability <= organ.risk + 1e-15
        for spread in ("distant", "regional"):
            risks = [o.risk for o in result.organs if o.spread == spread]
            assert risks == sorted(risks, reverse=True)
        spreads = [o.spread for o in result.organs]
        assert spreads == sorted(spreads)  # distant organs first, then the lymph nodes
        assert 0.0 <= result.distant_risk <= 1.0


def test_subtypes_inherit_unless_they_have_their_own_facts(model: Model) -> None:
    basal = simulate(model, cancer="breast cancer", subtype="basal")
    assert basal.cancer.label == "Basal-like breast cancer"
    assert first(basal) == "Lung"
    # organ by organ: its own records (lung, brain) and breast cancer's for the other organs
    parent = simulate(model, cancer="breast cancer")
    sites = {f.edge.object.label: f for f in basal.sites}
    assert set(sites) == {f.edge.object.label for f in parent.sites}
    assert all(f.inherited_from is not None for k, f in sites.items() if k not in ("Lung", "Brain"))
    luminal = simulate(model, cancer="luminal breast cancer")
    # luminal breast cancer records bone only; it keeps breast cancer's lung, liver and brain
    assert {"Bone", "Lung", "Liver", "Brain"} <= {f.edge.object.label for f in luminal.sites}
    assert luminal.organ("lung").rank <= 4 and luminal.organ("bone").rank <= 4
    assert luminal.latency_class is not None and luminal.latency_class.edge.object.label == "Long"
    # a parent's gene assertions apply to its subtypes
    assert (
        simulate(model, cancer="breast cancer", subtype="basal", genes=LUNG_GENES)
        .organ("lung")
        .change
        > 0
    )
    nsclc = simulate(model, cancer="lung adenocarcinoma")
    assert nsclc.lineage[0].label == "Non-small cell lung cancer"


def test_a_recorded_site_stands_in_for_its_barrier(model: Model, graph: nx.MultiDiGraph) -> None:
    """A site record is an outcome in patients: the brain's blood-brain barrier is not counted
    again where the cancer type records the brain, and still is where it does not."""
    for cancer in ("non-small cell lung cancer", "breast cancer", "melanoma"):
        result = simulate(model, cancer=cancer)
        assert "Brain" in {f.edge.object.label for f in result.sites}
        assert result.organ("brain").rank <= 4, cancer
        hop = next(
            h
            for h in result.organ("brain").paths[0].hops
            if h.step and h.step.key == ("arrest_extravasation")
        )
        walls = [f for f in hop.facts if "barrier" in f.kind]
        assert walls and {f.kind for f in walls} == {"barrier_replaced_by_site"}
        assert all(f.value == 0.0 for f in walls)
    # no brain record: the barrier acts, and the brain ranks last
    colorectal = simulate(model, cancer="colorectal cancer")
    assert "Brain" not in {f.edge.object.label for f in colorectal.sites}
    assert colorectal.organ("brain").rank == len(model.distant_organs)
    # the 'add' rule (version 2.0.0) counts the barrier on top of the record
    add = build_model(graph, model.parameters.with_values({"sites.barrier_rule": "add"}))
    before = simulate(add, cancer="non-small cell lung cancer").organ("brain")
    after = simulate(model, cancer="non-small cell lung cancer").organ("brain")
    assert before.risk < after.risk and before.rank > after.rank
    # a gene effect at the barrier step still acts on a recorded organ
    cox2 = simulate(model, cancer="breast cancer", genes=["PTGS2"]).organ("lung")
    assert cox2.change > 0


def test_portal_and_systemic_drainage_set_the_first_capillary_bed(model: Model) -> None:
    colorectal = simulate(model, cancer="CRC")
    assert colorectal.venous_drainage == "portal"
    assert [f.edge.object.label for f in colorectal.first_capillary_beds] == ["Liver"]
    lung_cancer = simulate(model, cancer="lung cancer")
    assert lung_cancer.first_capillary_beds == ()
    assert any("arterial" in note for note in lung_cancer.notes)


def test_alternative_routes_combine_without_double_counting(model: Model) -> None:
    result = simulate(model, cancer="breast cancer", genes=LUNG_GENES, top_paths=5)
    bone = result.organ("bone")
    routes = {p.route: p.probability for p in bone.paths}
    assert set(routes) == {"direct", "via"}
    # the primary-side steps are shared by both routes and counted once:
    # risk = primary * (1 - (1 - direct/primary) * (1 - via/primary))
    direct = next(p for p in bone.paths if p.route == "direct")
    primary = math.prod(h.probability for h in direct.hops[: model.barrier_step])
    expected = primary * (1 - (1 - routes["direct"] / primary) * (1 - routes["via"] / primary))
    assert bone.risk == pytest.approx(expected, rel=1e-12)
    assert bone.routes_included == ("direct", "via Lung")
    assert bone.risk < routes["direct"] + routes["via"]
    (via,) = [p for p in bone.paths if p.route == "via"]
    assert via.relay is not None and via.relay.label == "Lung"
    assert [h.kind for h in via.hops[:2]] == ["relay", "reseeding"]


def test_expected_latency_class_moves_with_the_profile(model: Model) -> None:
    base = simulate(model, cancer="luminal breast cancer")
    assert {o.latency.latency_class.label for o in base.organs} == {"Long"}  # type: ignore[union-attr]
    fast = simulate(model, cancer="luminal breast cancer", genes=BONE_GENES)
    bone = fast.organ("bone").latency
    assert bone.shift < 0 and bone.latency_class is not None
    assert bone.latency_class.label != "Long"
    without = [c for c in model.cancers if model.context(c).latency_class is None]
    for cancer_id in without:
        assert simulate(model, cancer=cancer_id).organs[0].latency.latency_class is None


# --- explanations cite the graph -----------------------------------------------------------


def _check_edge(graph: nx.MultiDiGraph, edge: object) -> None:
    u, v, key = edge.subject.id, edge.object.id, edge.id  # type: ignore[attr-defined]
    assert graph.has_edge(u, v, key), key
    data = graph.edges[u, v, key]
    assert data["predicate"] == edge.predicate  # type: ignore[attr-defined]
    assert data["confidence"] == edge.confidence  # type: ignore[attr-defined]
    assert edge.references, key  # type: ignore[attr-defined]
    assert [r.id for r in edge.references] == data["references"]  # type: ignore[attr-defined]
    for reference in edge.references:  # type: ignore[attr-defined]
        assert reference.citation
        assert graph.nodes[reference.id]["category"] == "publication"


STEP_PREDICATES = {"acts_at_step", "mediates_metastasis_to", "contributes_to"}
FACT_PREDICATES = {
    "first_capillary_bed": "first_capillary_bed",
    "barrier": "has_barrier",
    "barrier_replaced_by_site": "has_barrier",
    "site": "metastasizes_to",
    "latency_class": "has_latency_class",
}


@pytest.mark.parametrize(
    ("cancer", "genes", "knockouts"),
    [
        ("breast cancer", LUNG_GENES + BONE_GENES, ["MIR335"]),
        ("prostate cancer", ["CD82", "TNFSF11", "EZH2"], []),
        ("colorectal cancer", ["MACC1", "MET", "MIR126"], ["HGF"]),
        ("melanoma", ["RHOC", "GP1BA", "KISS1"], []),
        ("head and neck squamous cell carcinoma", ["MAPK1", "MAPK14", "PLAUR"], []),
    ],
)
def test_every_hop_uses_existing_edges_that_cite_references(
    model: Model, graph: nx.MultiDiGraph, cancer: str, genes: list[str], knockouts: list[str]
) -> None:
    result = simulate(model, cancer=cancer, genes=genes, knockouts=knockouts, top_paths=20)
    hops = 0
    for organ in result.organs:
        assert organ.paths
        for path in organ.paths:
            product = math.prod(h.probability for h in path.hops)
            assert product == pytest.approx(path.probability, rel=1e-9)
            for hop in path.hops:
                hops += 1
                for fact in hop.facts:
                    if fact.edge is not None:
                        _check_edge(graph, fact.edge)
                        assert fact.edge.predicate == FACT_PREDICATES[fact.kind]
                for effect in hop.effects:
                    _check_edge(graph, effect.assertion)
                    assert effect.assertion.predicate in STEP_PREDICATES
                    assert effect.assertion.subject.id == effect.gene.id
                    for other in effect.supporting:
                        _check_edge(graph, other)
                    assert effect.direction == ("raises" if effect.shift > 0 else "lowers")
                cited = bool(hop.effects) or any(f.edge for f in hop.facts)
                assert hop.evidence == ("graph" if cited else "parameters only")
                # nothing moves a hop away from its parameter baseline without a cited edge
                if hop.gene_shift != 0.0:
                    assert hop.effects
                if hop.kind == "step" and hop.step is not None:
                    for name in hop.parameters:
                        assert name in model.parameters
    assert hops > 50


def test_gene_effects_name_direction_size_and_references(model: Model) -> None:
    result = simulate(model, cancer="breast cancer", genes=LUNG_GENES, knockouts=["PTGS2"])
    lung = result.organ("lung").paths[0]
    assert lung.route == "direct"
    barrier = next(h for h in lung.hops if h.step and h.step.key == "arrest_extravasation")
    effects = {e.gene.label: e for e in barrier.effects}
    # the knocked-out PTGS2 no longer acts (its level is 0); the others still do
    assert set(effects) == set(LUNG_GENES) - {"PTGS2"}
    assert effects["EREG"].direction == "raises" and effects["EREG"].shift > 0
    numbers = {r.number for r in effects["ANGPTL4"].assertion.references}
    assert 63 in numbers
    kinds = {f.kind for f in barrier.facts}
    # breast cancer records the lung: its barrier is listed, replaced by the site record
    assert {"first_capillary_bed", "barrier_replaced_by_site"} <= kinds
    assert barrier.arrival is not None and 0 < barrier.arrival < 1


def test_the_retracted_paper_moves_nothing(model: Model) -> None:
    result = simulate(model, cancer="breast cancer", genes=["LOX"])
    for organ in result.organs:
        for path in organ.paths:
            for hop in path.hops:
                for effect in hop.effects:
                    assert not effect.assertion.rests_only_on_retracted
    ptk2 = simulate(model, cancer="breast cancer", genes=["PTK2"]).genes[0]
    assert ptk2.status == "no_cascade_role" and "retracted" in ptk2.message


# --- input is never silently dropped -------------------------------------------------------


def test_every_input_name_is_reported(model: Model) -> None:
    result = simulate(
        model,
        cancer="breast cancer",
        genes=["COX2", "EREG", "NOTAGENE1", "lung", "KISS1R", "PTGS2"],
        knockouts=["MMP1"],
        overexpress=["miR-335", ""],
    )
    by_input = {(r.input, r.role): r for r in result.genes}
    assert len(result.genes) == 9
    cox2 = by_input[("COX2", "profile")]
    assert cox2.status == "recognised" and cox2.gene and cox2.gene.label == "PTGS2"
    assert "resolved to PTGS2" in cox2.message and cox2.level == 1.0
    assert by_input[("NOTAGENE1", "profile")].status == "unknown"
    lung = by_input[("lung", "profile")]
    assert lung.status == "not_a_gene" and "organ" in lung.message
    assert by_input[("KISS1R", "profile")].status == "no_cascade_role"
    duplicate = by_input[("PTGS2", "profile")]
    assert duplicate.level is None and "same gene as 'COX2'" in duplicate.message
    assert by_input[("MMP1", "knockout")].level == 0.0  # not in the profile: nothing to remove
    assert by_input[("", "overexpression")].status == "unknown"


def test_a_gene_both_profiled_and_knocked_out_is_knocked_out(model: Model) -> None:
    result = simulate(model, cancer="breast cancer", genes=["PTGS2"], knockouts=["COX2"])
    profile, knockout = result.genes
    assert profile.level is None and "knockout" in profile.message
    assert knockout.level == 0.0  # the knockout removes the profile's expression
    assert result.organ("lung").change == 0.0  # back to the baseline, not below it


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"cancer": "no such cancer"}, "no cancer type is named"),
        ({"cancer": "lung"}, "is an organ"),
        ({"cancer": "breast cancer", "subtype": "triple"}, "its subtypes are"),
        ({"cancer": "prostate cancer", "subtype": "basal"}, "has no subtypes"),
        ({"cancer": "breast cancer", "mode": "agents"}, "expected one of: paths, cells"),
        ({"cancer": "breast cancer", "cells": 0}, "cells: expected"),
        ({"cancer": "breast cancer", "seed": -1}, "seed: expected"),
        ({"cancer": "breast cancer", "genes": {"EREG": float("nan")}}, "not finite"),
        ({"cancer": "breast cancer", "top_paths": 0}, "top_paths"),
    ],
)
def test_bad_input_is_one_error_listing_each_problem(
    model: Model, kwargs: dict[str, object], fragment: str
) -> None:
    with pytest.raises(SimulationInputError) as caught:
        simulate(model, **kwargs)  # type: ignore[arg-type]
    assert caught.value.status == 400
    assert any(fragment in p for p in caught.value.problems), caught.value.problems


def test_cancer_types_resolve_by_alias_and_curie(model: Model) -> None:
    assert simulate(model, cancer="DOID:1793").cancer.label == "Pancreatic cancer"
    assert simulate(model, cancer="pancreas cancer").cancer.id == "DOID:1793"
    assert simulate(model, cancer="breast cancer", subtype="luminal").cancer.label == (
        "Luminal breast cancer"
    )


# --- user evidence changes results without code changes ------------------------------------


def test_a_users_assertions_file_changes_the_result(model: Model, tmp_path: Path) -> None:
    mine = tmp_path / "mine.tsv"
    mine.write_text(
        "subject\tpredicate\tobject\tcancer_type\tstep\treferences\tconfidence\t"
        "evidence_type\tnote\n"
        "COX2\tmediates_metastasis_to\tbrain\tbreast cancer\tarrest_extravasation\t"
        "PMID:19421193\thigh\txenograft;knockdown_or_overexpression\t"
        "COX2 helped breast cancer cells cross the blood-brain barrier.\n"
        "skin\thas_barrier\tblood_brain_barrier\t\t\t12\tlow\tanatomy\t"
        "A deliberately odd barrier, to show that a user's barrier changes the baseline.\n",
        encoding="utf-8",
    )
    kb = assemble(plan_sources([mine]))
    path = tmp_path / "store"
    write_store(path, kb.nodes, kb.edges, kb.hierarchy, sources=[], version="test")
    extended = build_model(KnowledgeStore(path).graph)
    before = simulate(model, cancer="breast cancer", genes=["PTGS2"])
    after = simulate(extended, cancer="breast cancer", genes=["PTGS2"])
    assert after.organ("brain").risk > before.organ("brain").risk
    assert after.organ("skin").baseline_risk < before.organ("skin").baseline_risk
    brain = after.organ("brain").paths[0]
    cited = {e.assertion.id for h in brain.hops for e in h.effects}
    assert any(
        e.assertion.predicate == "mediates_metastasis_to"
        for h in brain.hops
        for e in h.effects
        if e.assertion.object.label == "Brain"
    ), cited


# --- determinism and cells mode ------------------------------------------------------------


def test_paths_mode_is_deterministic(model: Model, graph: nx.MultiDiGraph) -> None:
    one = simulate(model, cancer="breast cancer", genes=LUNG_GENES).to_dict()
    two = simulate(build_model(graph), cancer="breast cancer", genes=LUNG_GENES).to_dict()
    assert one == two
    assert json.loads(json.dumps(one)) == one


def test_to_dict_is_json_ready_with_each_assertion_in_full_once(model: Model) -> None:
    document = simulate(
        model, cancer="breast cancer", genes=LUNG_GENES, mode="cells", cells=1000, seed=3
    ).to_dict()
    text = json.dumps(document)
    cited = set(re.findall(r'"id": "(metakg:assoc/[0-9a-f]+)"', text))
    assert cited == set(document["assertions"])
    for full in document["assertions"].values():
        assert full["references"] and "note" in full
    effect = next(
        e for o in document["organs"] for p in o["paths"] for h in p["hops"] for e in h["effects"]
    )
    assert {"number", "citation"} <= set(effect["assertion"]["references"][0])
    assert document["cells"]["cells"] == 1000


def test_cells_mode_is_reproducible_with_a_seed(model: Model) -> None:
    def run(seed: int) -> dict[str, object]:
        result = simulate(
            model, cancer="breast cancer", genes=LUNG_GENES, mode="cells", cells=20_000, seed=seed
        )
        assert result.seed == seed and result.cells is not None
        return result.to_dict()["cells"]

    assert run(7) == run(7)
    assert run(7) != run(8)
    unseeded = simulate(model, cancer="breast cancer", mode="cells", cells=100)
    assert isinstance(unseeded.seed, int)
    again = simulate(model, cancer="breast cancer", mode="cells", cells=100, seed=unseeded.seed)
    assert again.to_dict()["cells"] == unseeded.to_dict()["cells"]


def test_cells_stages_are_consistent_and_agree_with_the_paths_mode(model: Model) -> None:
    n = 400_000
    result = simulate(
        model, cancer="breast cancer", genes=LUNG_GENES, mode="cells", cells=n, seed=11
    )
    cells = result.cells
    assert cells is not None and cells.cells == n
    arrived = 0
    for organ in cells.organs:
        assert organ.arrested.count >= organ.extravasated.count
        assert organ.extravasated.count == (
            organ.dormant.count + organ.micrometastasis.count + organ.macrometastasis.count
        )
        assert organ.involved.count == organ.macrometastasis.count + organ.secondary.count
        for count in (organ.arrested, organ.dormant, organ.macrometastasis, organ.involved):
            assert count.low <= count.fraction <= count.high
        # the expected share lies within a (widened) interval of the simulated one
        width = organ.involved.high - organ.involved.low
        assert abs(organ.involved.fraction - organ.expected_involved) < 2 * width + 1e-4
        arrived += organ.arrested.count
    assert arrived + sum(loss.lost.count for loss in cells.lost) == n
    ranked = [o.organ.label for o in cells.organs[:2]]
    assert ranked[0] == first(result) == "Lung"


# --- targets -------------------------------------------------------------------------------


def test_rank_targets_orders_profile_genes_by_the_drop_they_cause(model: Model) -> None:
    ranking = rank_targets(model, cancer="breast cancer", genes=LUNG_GENES, organ="lung")
    assert ranking.scope == "profile" and ranking.metric == "organ"
    assert {t.gene.label for t in ranking.targets} == set(LUNG_GENES)
    changes = [t.change for t in ranking.targets]
    assert changes == sorted(changes) and all(c < 0 for c in changes)
    ptgs2 = next(t for t in ranking.targets if t.gene.label == "PTGS2")
    direct = simulate(model, cancer="breast cancer", genes=LUNG_GENES, knockouts=["PTGS2"])
    assert ptgs2.risk_after == pytest.approx(direct.organ("lung").risk, rel=1e-12)
    assert [t.rank for t in ranking.targets] == [1, 2, 3, 4]


def test_rank_targets_over_the_graph_for_any_distant_organ(model: Model) -> None:
    ranking = rank_targets(model, cancer="breast cancer", genes=LUNG_GENES + ["MIR335"])
    assert ranking.scope == "profile"
    profile = LUNG_GENES + ["MIR335", "SOX4", "TNC"]
    whole = rank_targets(model, cancer="breast cancer", genes=profile, scope="graph")
    assert whole.metric == "distant" and len(whole.targets) == len(model.genes)
    assert "Lymph node" not in {o.label for o in whole.distant_organs}
    by_gene = {t.gene.label: t for t in whole.targets}
    assert by_gene["KISS1R"].change == 0.0 and not by_gene["KISS1R"].acts
    assert by_gene["MIR335"].change > 0  # knocking out a suppressor raises the risk
    assert by_gene["KISS1"].change == 0.0  # not expressed: its knockout changes nothing
    assert whole.targets[0].change < 0
    document = whole.to_dict()
    assert json.loads(json.dumps(document)) == document


# --- model, parameters, docs ---------------------------------------------------------------


def test_the_model_is_derived_from_the_graph_and_cached(
    model: Model, graph: nx.MultiDiGraph
) -> None:
    assert build_model(graph) is model
    steps = sorted(
        (d["order"], n)
        for n, d in graph.nodes(data=True)
        if d["category"] == "cascade_step" and "order" in d
    )
    assert [s.id for s in model.steps] == [n for _, n in steps]
    assert {o.id for o in model.organs} == {
        n for n, d in graph.nodes(data=True) if d["category"] == "organ"
    }
    # the only notes: organs whose barrier the graph does not state (they take the prior)
    unknown = [o.id for o in model.organs if not o.barrier_known]
    assert len(model.notes) == len(unknown)
    assert all("has no has_barrier assertion" in n for n in model.notes)
    changed = build_model(graph, model.parameters.with_values({"barriers.default.logit": 1.0}))
    assert changed is not model and changed.parameters.version == model.parameters.version


def test_parameter_file_gives_value_unit_and_reason_for_every_parameter() -> None:
    parameters = load_parameters()
    assert parameters.version
    assert PARAMETERS_FILE.name == "parameters.toml"
    assert len(parameters.items) > 60
    for parameter in parameters.items.values():
        assert parameter.unit and parameter.reason, parameter.name
    numeric = parameters.numeric()
    assert numeric["effects.unit_shift"] == 1.0
    with pytest.raises(ParameterError):
        parameters.with_values({"effects.unit_shift": "big"})
    with pytest.raises(ParameterError):
        parameters.number("no.such.parameter")


def test_a_malformed_parameter_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "p.toml"
    bad.write_text('[model]\nversion = "x"\n[effects.unit_shift]\nvalue = 1.0\n', "utf-8")
    with pytest.raises(ParameterError, match="unit"):
        load_parameters(bad)


def test_explain_model_gives_every_parameter_and_the_graph_facts(model: Model) -> None:
    explanation = explain_model(model)
    assert explanation["version"] == model.parameters.version
    names = {p["name"] for p in explanation["parameters"]}
    assert names == set(model.parameters.items)
    text = explanation["text"]
    for name in names:
        assert name in text
    assert [s["key"] for s in explanation["steps"]][:2] == ["local_invasion", "intravasation"]
    pancreatic = next(c for c in explanation["cancer_types"] if c["label"] == "Pancreatic cancer")
    assert pancreatic["first_capillary_beds"][0]["edge"]["object"]["label"] == "Liver"
    assert json.loads(json.dumps(explanation)) == explanation


def test_the_docs_worked_example_is_real_output(model: Model) -> None:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(
        r"<!-- example:start -->\n```text\n(.*?)```\n<!-- example:end -->", text, re.S
    )
    assert match, "docs/simulator.md has no generated example block"
    expected = docs_example(model)
    assert match.group(1).rstrip("\n") == expected, (
        "docs/simulator.md is stale: regenerate its example with docs_example() in "
        "tests/test_simulator.py"
    )


def docs_example(model: Model) -> str:
    """The worked example of docs/simulator.md (paste between the example markers)."""
    result = simulate(model, cancer="breast cancer", genes=["EREG", "COX2", "MMP1", "ANGPTL4"])
    return render_text(result, paths=1, organs=2)


def test_evaluation_arrays_are_consistent(model: Model) -> None:
    from queries.simulator import evaluate

    ctx = model.context(model.index.resolve("breast cancer").node_id)  # type: ignore[arg-type]
    shift = np.zeros((3,) + ctx.base.shape)
    batch = evaluate(model, ctx, shift)
    assert batch.risk.shape == (3, len(model.organs))
    assert np.all(batch.risk == batch.risk[0])


# --- regulation, knockout semantics and evidence (issue 9, points 2, 4 and 5) ---------------


def _distant(model: Model, **kwargs: object) -> float:
    return simulate(model, cancer="breast cancer", **kwargs).distant_risk  # type: ignore[arg-type]


def test_mir200_acts_through_zeb1_and_zeb2_and_has_no_effect_once_they_are_knocked_out(
    model: Model,
) -> None:
    """Gregory 2008 (ref 79): the miR-200 family suppresses EMT by repressing ZEB1 and ZEB2.
    The graph gives miR-200c no other route, so with both targets gone it changes nothing."""
    zeb = ["ZEB1", "ZEB2"]
    expressed = _distant(model, genes=zeb)
    assert _distant(model, genes=zeb, overexpress=["MIR200C"]) < expressed
    knocked = _distant(model, genes=zeb, knockouts=zeb)
    assert _distant(model, genes=zeb, knockouts=zeb, overexpress=["MIR200C"]) == knocked
    # the effect is explained: the path names the regulator behind ZEB1's lower level
    result = simulate(model, cancer="breast cancer", genes=zeb, overexpress=["MIR200C"])
    hop = result.organs[0].paths[0].hops[0]
    zeb1 = next(e for e in hop.effects if e.gene.label == "ZEB1")
    assert zeb1.level < 1.0
    assert [r.regulator.label for r in zeb1.regulated_by] == ["MIR200C"]
    assert zeb1.regulated_by[0].change < 0


def test_cdh1_loss_adds_on_top_of_zeb1_but_less_than_on_its_own(
    model: Model, tmp_path: Path
) -> None:
    """ZEB1 represses E-cadherin (ref 79), and losing E-cadherin promotes invasion (ref 26).
    With ZEB1 overexpressed, CDH1 is already partly repressed, so knocking it out still adds
    (the repression is partial) but less than it adds where ZEB1 is not raised: epistasis.
    The curated graph records CDH1 as an 'associated' marker, which moves nothing; this
    test states CDH1's role as a user would, in an assertions file."""
    mine = tmp_path / "cdh1.tsv"
    mine.write_text(
        "subject\tpredicate\tobject\tdirection\tcancer_type\tstep\treferences\tconfidence\t"
        "evidence_type\tnote\n"
        "CDH1\tacts_at_step\tlocal_invasion\tsuppresses\tbreast cancer\t\t26\tmedium\t"
        "review_synthesis\tLoss of E-cadherin lets carcinoma cells detach and invade.\n"
        "CDH1\thas_class\tmetastasis_suppressor\tsuppresses\tbreast cancer\t\t26\tmedium\t"
        "review_synthesis\tE-cadherin restrains invasion.\n",
        encoding="utf-8",
    )
    kb = assemble(plan_sources([mine]))
    path = tmp_path / "store"
    write_store(path, kb.nodes, kb.edges, kb.hierarchy, sources=[], version="test")
    extended = build_model(KnowledgeStore(path).graph)
    assert "suppresses" in {
        e.edge.direction
        for e in extended.gene_edges[extended.gene_pos[extended.index.resolve("CDH1").node_id]]  # type: ignore[index]
    }

    def risk(**kwargs: object) -> float:
        return simulate(extended, cancer="breast cancer", **kwargs).distant_risk  # type: ignore[arg-type]

    plain = risk(genes=["CDH1"])
    zeb1 = risk(genes=["CDH1"], overexpress=["ZEB1"])
    assert zeb1 > plain
    on_top = risk(genes=["CDH1"], overexpress=["ZEB1"], knockouts=["CDH1"]) - zeb1
    alone = risk(genes=["CDH1"], knockouts=["CDH1"]) - plain
    assert on_top > 0
    assert on_top < alone * (zeb1 / plain)  # less than additive, after ZEB1's own scaling
    # on the curated graph, where CDH1 is only a marker, its knockout adds nothing
    curated = _distant(model, genes=["CDH1"], overexpress=["ZEB1"])
    assert _distant(model, genes=["CDH1"], overexpress=["ZEB1"], knockouts=["CDH1"]) == curated


def test_twist1_zeb1_and_zeb2_knockouts_follow_their_evidence(model: Model) -> None:
    """TWIST1's invasion assertion rests on a knockdown and a xenograft (refs 80, 26); ZEB1's
    and ZEB2's on a knockdown in cultured cells (ref 79), identical for both."""
    profile = ["TWIST1", "ZEB1", "ZEB2"]
    before = _distant(model, genes=profile)
    drops = {g: before - _distant(model, genes=profile, knockouts=[g]) for g in profile}
    assert all(v > 0 for v in drops.values())
    assert drops["TWIST1"] > drops["ZEB1"]
    assert drops["ZEB1"] == drops["ZEB2"]  # the same evidence gives the same effect


def test_rank_targets_breaks_ties_by_evidence_and_says_so(model: Model) -> None:
    ranking = rank_targets(model, cancer="breast cancer", genes=LUNG_GENES, organ="lung")
    assert "strength of the gene's evidence" in ranking.order
    by_gene = {t.gene.label: t for t in ranking.targets}
    tied = [t for t in ranking.targets if t.tied_with]
    for target in tied:
        for other in target.tied_with:
            assert by_gene[other].change == pytest.approx(target.change, abs=1e-12)
    for a, b in zip(ranking.targets, ranking.targets[1:], strict=False):
        if b.gene.label in a.tied_with:  # a tie: the stronger evidence comes first
            key_a = tuple(a.evidence[k] for k in ("confidence", "references", "evidence_types"))
            key_b = tuple(b.evidence[k] for k in ("confidence", "references", "evidence_types"))
            assert key_a > key_b or (key_a == key_b and a.gene.label < b.gene.label)


def test_an_unknown_barrier_gets_the_mean_of_the_known_ones(model: Model) -> None:
    known = [o.barrier_logit for o in model.organs if o.barrier_known]
    assert len(known) >= 5
    prior = sum(known) / len(known)
    for organ in model.organs:
        if not organ.barrier_known:
            assert organ.barrier_logit == pytest.approx(prior)
            assert organ.barrier_parameter == "barriers.unknown_prior"
    # no organ is favoured for lack of a stated barrier: the prior is no more permeable than
    # the mean, and the brain is penalised only by its own, stated barrier
    brain = next(o for o in model.organs if o.label == "Brain")
    assert brain.barrier_known and brain.barriers


def test_lymph_nodes_are_regional_and_left_out_of_the_distant_risk(model: Model) -> None:
    result = simulate(model, cancer="breast cancer", genes=LUNG_GENES)
    node = result.organ("lymph node")
    assert node.spread == "regional" and node.route == "lymphatic" and node.rank == 1
    assert node.routes_included == ("direct",)
    hops = [h.label for h in node.paths[0].hops]
    assert "Intravasation" not in hops and "Survival in the circulation" not in hops
    distant = [o for o in result.organs if o.spread == "distant"]
    combined = 1 - math.prod(1 - o.risk for o in distant)
    assert result.distant_risk <= combined + 1e-12  # shared steps counted once
    assert "Lymph node" not in {o.label for o in result.distant_organs}
