"""The validation benchmark's pure measures (bench/fidelity_measures.py) on hand-made inputs,
the NCI table of the real ``clinical-sites.md``, and the benchmark's gene names on the real
model."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

from queries.simulator import Model, simulate
from tests.conftest import SHARED, need

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import fidelity  # noqa: E402
from fidelity_measures import (  # noqa: E402
    CancerType,
    SitesFileError,
    best_fixed_order,
    cancer_matches,
    count_order,
    fixed_scores,
    parse_sites,
    precision_at_k,
    site_of,
    site_rows,
    spearman,
    tied_ranks,
)

SITES = SHARED / "sources" / "clinical-sites.md"


def test_precision_at_k_counts_hits_and_shares_ties() -> None:
    assert precision_at_k({"a": 3, "b": 2, "c": 1}, {"a", "c"}, 2) == 0.5
    assert precision_at_k({"a": 3, "b": 2, "c": 1}, {"a", "b"}, 2) == 1.0
    # a and b tie for the one slot: a is relevant half of the time
    assert precision_at_k({"a": 1, "b": 1, "c": 0}, {"a"}, 1) == 0.5
    # three tie for two slots, two of them relevant: 2 * 2/3 hits in 2
    assert precision_at_k({"a": 1, "b": 1, "c": 1}, {"a", "b"}, 2) == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        precision_at_k({"a": 1}, {"a"}, 0)


def test_tied_ranks_give_ranges() -> None:
    ranks = tied_ranks({"a": 2, "b": 1, "c": 1, "d": 0})
    assert ranks == {"a": (1, 1), "b": (2, 3), "c": (2, 3), "d": (4, 4)}


def test_spearman_by_hand() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    # average ranks x = 1, 2.5, 2.5, 4; y = 1, 3, 2, 4: 4.5 / sqrt(4.5 * 5)
    assert spearman([1, 2, 2, 3], [1, 3, 2, 4]) == pytest.approx(4.5 / math.sqrt(22.5))
    assert spearman([1, 2], [1, 2]) is None
    assert spearman([1, 1, 1], [1, 2, 3]) is None


def test_fixed_rankings() -> None:
    sets = [{"a", "b"}, {"a", "c"}, {"c"}]
    assert count_order(sets) == ["a", "c", "b"]
    # by hand: c > a > b scores 1/2 + 1 + 1 = 2.5 over the three sets, the best of the 6 orders
    assert best_fixed_order(["a", "b", "c", "d"], sets) == ["c", "a", "b"]
    scores = fixed_scores(["c", "a"], ["a", "b", "c"])
    assert scores["c"] > scores["a"] > scores["b"] == 0.0


def test_the_nci_table_parses() -> None:
    table = parse_sites(need(SITES).read_text(encoding="utf-8"))
    assert len(table) == 13
    assert table["breast"] == ("bone", "brain", "liver", "lung")
    assert "other lung" in table["lung"]
    assert "peritoneum" in table["ovary"]


def test_a_bad_row_names_file_and_line() -> None:
    text = "# x\n\n## 1. NCI\n\n| primary | main distant sites |\n|---|---|\n| breast |\n"
    with pytest.raises(SitesFileError, match=r"sites\.md:7: row"):
        parse_sites(text, "sites.md")
    with pytest.raises(SitesFileError, match="no section"):
        parse_sites("| primary | main distant sites |\n", "sites.md")


def test_name_mapping() -> None:
    assert site_of("Pleura", ["lung"]) == "lung"
    assert site_of("Bone marrow", ["bone"]) == "bone"
    assert site_of("Peritoneal cavity", ["peritoneum"]) == "peritoneum"
    assert cancer_matches("colon", ["Colorectal cancer"]) == "match"
    assert cancer_matches("melanoma", ["Uveal melanoma"]) not in (None, "match")
    assert cancer_matches("thyroid", ["Breast cancer"]) is None


def test_site_rows_on_hand_made_risks() -> None:
    types = [CancerType("X:1", "Breast cancer", ("Breast cancer",), ())]
    risks = {
        "Breast cancer": {
            "Bone": 0.4,
            "Pleura": 0.35,
            "Lung": 0.3,
            "Liver": 0.2,
            "Brain": 0.1,
            "Skin": 0.05,
        }
    }
    rows, notes = site_rows(types, risks, {"breast": ("bone", "brain", "liver", "lung")})
    by = {r.granularity: r for r in rows}
    # site: lung takes the pleura's 0.35, so bone, lung, liver, brain fill the top 4
    assert by["site"].precision == 1.0 and by["site"].ranks["brain"] == "4"
    # organ: the pleura takes a slot and brain (5th) falls out
    assert by["organ"].precision == 0.75 and by["organ"].ranks["brain"] == "5"
    assert by["site"].k == 4 and by["site"].representative


def test_compare_marks_changes() -> None:
    lines = fidelity.compare({"x": 0.5, "y": "PASS"}, {"x": 0.75, "y": "PASS", "z": 1})
    assert any(ln.startswith("  x: 0.500 -> 0.750") and ln.endswith("*") for ln in lines)
    assert any(ln.startswith("  y: PASS -> PASS") and not ln.endswith("*") for ln in lines)
    assert any(ln.startswith("  z: (absent) -> 1") for ln in lines)


def test_the_named_sets_resolve(model: Model) -> None:
    """Every gene of the issue's organ sets is a gene of the graph (CTGF under CCN2)."""
    for _, cancer, organ, genes in fidelity.NAMED_SETS:
        result = simulate(model, cancer=cancer, genes=list(genes))
        assert [g.status for g in result.genes] == ["recognised"] * len(genes), genes
        result.organ(organ)
