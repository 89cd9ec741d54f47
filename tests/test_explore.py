"""The graph functions behind the REST API, called directly on the built store's graph (no app,
no request): the same code answers /api/v1/search, /api/v1/paths and the lists."""

from __future__ import annotations

import networkx as nx
import pytest

from queries.explore import (
    contains,
    evidence_paths,
    gene_items,
    match_score,
    reference_items,
    search,
)

EREG, LUNG, BONE = "NCBIGene:2069", "UBERON:0002048", "UBERON:0002481"


@pytest.mark.parametrize(
    ("needle", "name", "primary", "match"),
    [
        ("ereg", "EREG", True, ("exact", 1.0)),
        ("ereg", "EREG", False, ("exact", 0.95)),
        ("cox", "COX2", True, ("prefix", 0.875)),
        ("cox", "prostaglandin_cox2", True, ("substring", 0.617)),
        ("eregg", "EREG", True, ("fuzzy", None)),
        ("bone", "lung", True, None),
    ],
)
def test_match_score(
    needle: str, name: str, primary: bool, match: tuple[str, float | None] | None
) -> None:
    scored = match_score(needle, name, primary)
    if match is None:
        assert scored is None
        return
    assert scored is not None
    assert scored[1] == match[0]
    if match[1] is not None:
        assert round(scored[0], 3) == match[1]
    else:
        assert scored[0] < 0.5


def test_contains_folds_case_and_passes_without_needle() -> None:
    assert contains("ereg", None, 3, "Epiregulin EREG")
    assert not contains("ereg", "EGFR")
    assert contains(None, "anything") and contains("", "anything")


def test_search_ranks_the_exact_symbol_first_and_keeps_publications_apart(
    graph: nx.MultiDiGraph,
) -> None:
    hits = search(graph, "cox", limit=5)
    assert hits[0]["id"] == "NCBIGene:5743"
    assert (hits[0]["matched"], hits[0]["match"]) == ("COX2", "prefix")
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert all(h["category"] != "publication" for h in search(graph, "lung", limit=100))
    with_refs = search(graph, "lung", limit=1000, include_references=True)
    categories = [h["category"] == "publication" for h in with_refs]
    assert any(categories) and categories == sorted(categories)
    assert len(search(graph, "lung", limit=2)) == 2


def test_a_direct_assertion_is_a_one_hop_path(graph: nx.MultiDiGraph) -> None:
    length, examined, paths = evidence_paths(graph, EREG, LUNG, max_hops=3)
    assert (length, examined, len(paths)) == (1, 1, 1)
    (hop,) = paths[0]
    assert hop["from"]["id"] == EREG and hop["to"]["id"] == LUNG
    assert hop["predicate"] == "mediates_metastasis_to" and hop["reversed"] is False
    assert 61 in hop["references"]


def test_no_path_within_max_hops_or_with_the_predicates(graph: nx.MultiDiGraph) -> None:
    length, _, paths = evidence_paths(graph, EREG, BONE, max_hops=5)
    assert length is not None and length > 1 and paths
    assert all(len(p) == length for p in paths)
    assert evidence_paths(graph, EREG, BONE, max_hops=length - 1) == (None, 0, [])
    assert evidence_paths(graph, EREG, BONE, max_hops=2, predicates=frozenset({"regulates"})) == (
        None,
        0,
        [],
    )


def test_gene_items_filter_by_organ(graph: nx.MultiDiGraph) -> None:
    lung = gene_items(graph, {"organ": {LUNG}})
    assert EREG in {i["id"] for i in lung}
    symbols = [i["symbol"].casefold() for i in lung]
    assert symbols == sorted(symbols)
    assert len(lung) < len(gene_items(graph, {}))


def test_reference_items_are_in_review_order(graph: nx.MultiDiGraph) -> None:
    numbers = [i["number"] for i in reference_items(graph) if i["number"] is not None]
    assert numbers == sorted(numbers) and 61 in numbers
