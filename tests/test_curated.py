"""The curated knowledge base: coverage, provenance, and identifiers that agree with ../shared."""

from __future__ import annotations

import csv
import gzip
from collections import Counter

import pytest

from graph import stats
from graph.store import KnowledgeStore
from graph.vocab import Category, Predicate
from ingest.pipeline import KnowledgeBase
from tests.conftest import GENE_INFO, HUMAN_DO, need


def test_coverage_meets_the_floor(store: KnowledgeStore) -> None:
    summary = stats.from_rdf(store.rdf)
    assert summary["genes_and_mirnas"] >= 90
    assert summary["ordered_cascade_steps"] == 6
    assert summary["nodes"]["organ"] >= 8
    assert summary["nodes"]["cancer_type"] >= 10
    assert summary["nodes"]["pathway"] >= 20
    assert summary["review_references"] == 119
    assert summary["associations"] >= 300
    assert summary["associations_without_reference"] == 0


def test_every_kind_of_assertion_is_present(kb: KnowledgeBase) -> None:
    counts = Counter(edge.predicate for edge in kb.edges)
    for predicate in Predicate:
        assert counts[predicate] > 0, f"no {predicate.key} assertion in the curated data"


def test_every_assertion_has_evidence_fields(kb: KnowledgeBase) -> None:
    for edge in kb.edges:
        assert edge.references, edge.source
        assert len(edge.note) >= 20, f"{edge.source}: the note is too short to explain anything"
        assert all(
            r.startswith(("metakg:ref/", "PMID:", "doi:", "PMCID:")) for r in edge.references
        )


def test_steps_are_ordered_one_to_six(kb: KnowledgeBase) -> None:
    steps = {
        n.id.rsplit("/", 1)[1]: n.prop("order")
        for n in kb.nodes
        if n.category is Category.CASCADE_STEP and n.prop("order")
    }
    assert steps == {
        "local_invasion": 1,
        "intravasation": 2,
        "circulation_survival": 3,
        "arrest_extravasation": 4,
        "latency_dormancy": 5,
        "colonization": 6,
    }


def test_review_classes_are_kept_apart_from_graph_roles(kb: KnowledgeBase) -> None:
    schemes = {n.id: n.prop("scheme") for n in kb.nodes if n.category is Category.GENE_CLASS}
    review = {k.rsplit("/", 1)[1] for k, v in schemes.items() if v == "review"}
    assert review == {
        "metastasis_initiation",
        "metastasis_progression",
        "metastasis_virulence",
        "metastasis_suppressor",
    }
    assert {"niche_mediator", "transformation_driver", "marker"} <= {
        k.rsplit("/", 1)[1] for k, v in schemes.items() if v == "graph_role"
    }


def test_assertions_resting_on_the_retracted_paper_say_so(kb: KnowledgeBase) -> None:
    retracted = "metakg:ref/106"
    nodes = {n.id: n for n in kb.nodes}
    assert nodes[retracted].prop("retracted") is True
    for edge in kb.edges:
        only_106 = edge.references == (retracted,)
        assert edge.rests_only_on_retracted == only_106, edge.source
    assert any(edge.rests_only_on_retracted for edge in kb.edges)


def test_gene_identifiers_agree_with_ncbi_gene_info(kb: KnowledgeBase) -> None:
    path = need(GENE_INFO)
    rows: dict[str, tuple[str, str]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            cells = line.rstrip("\n").split("\t")
            hgnc = next(
                (x.removeprefix("HGNC:") for x in cells[5].split("|") if x.startswith("HGNC:")),
                "",
            )
            rows[f"NCBIGene:{cells[1]}"] = (cells[2], hgnc)
    checked = 0
    for node in kb.nodes:
        if node.category not in (Category.GENE, Category.MICRORNA) or not node.id.startswith(
            "NCBIGene:"
        ):
            continue
        assert node.id in rows, f"{node.symbol}: {node.id} is not in NCBI gene_info"
        symbol, hgnc = rows[node.id]
        ours = [x for x in node.xrefs if x.startswith("HGNC:")]
        assert ours == [hgnc], f"{node.symbol}: {ours} but gene_info says {hgnc}"
        # A renamed symbol (CTGF -> CCN2) must keep the old one as an alias.
        assert symbol == node.symbol or symbol in node.synonyms, (node.symbol, symbol)
        checked += 1
    assert checked >= 90


def test_disease_identifiers_agree_with_the_disease_ontology(kb: KnowledgeBase) -> None:
    path = need(HUMAN_DO)
    with path.open(encoding="utf-8") as handle:
        labels = {row["id"]: row["label"] for row in csv.DictReader(handle, delimiter="\t")}
    doids = [n for n in kb.nodes if n.category is Category.CANCER_TYPE and n.id.startswith("DOID:")]
    assert len(doids) >= 10
    for node in doids:
        assert node.id in labels, f"{node.id} is not in HumanDO.tsv"
        assert labels[node.id].casefold() in {
            node.label.casefold(),
            *(s.casefold() for s in node.synonyms),
        }, (node.id, node.label, labels[node.id])


@pytest.mark.parametrize(
    ("uberon", "label"),
    [
        ("UBERON:0002048", "lung"),
        ("UBERON:0002107", "liver"),
        ("UBERON:0000955", "brain"),
        ("UBERON:0002371", "bone marrow"),
    ],
)
def test_organ_identifiers_are_the_verified_ones(
    kb: KnowledgeBase, uberon: str, label: str
) -> None:
    nodes = {n.id: n for n in kb.nodes}
    assert uberon in nodes
    assert nodes[uberon].label.casefold() == label
