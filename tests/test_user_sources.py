"""Users' own sources on top of the curated base: assertions, gene_info, Disease Ontology."""

from __future__ import annotations

from pathlib import Path

from graph.store import KnowledgeStore, write_store
from graph.vocab import Category
from ingest.pipeline import assemble, plan_sources
from queries import lookup
from tests.conftest import GENE_INFO, HUMAN_DO, need

HEADER = (
    "subject\tpredicate\tobject\tcancer_type\torgan\treferences\tconfidence\tevidence_type\tnote\n"
)


def _write(tmp_path: Path, name: str, rows: str) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_evidence_from_another_paper_becomes_a_publication_node(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "mine.tsv",
        "COX2\tmediates_metastasis_to\tbrain\tbreast cancer\t\tPMID:19421193;61\tmedium\t"
        "xenograft\tCOX2 also helped breast cancer cells cross the blood-brain barrier.\n",
    )
    kb = assemble(plan_sources([path]))
    mine = [e for e in kb.edges if e.origin == "file:mine.tsv"]
    assert len(mine) == 1
    edge = mine[0]
    assert (edge.subject, edge.object) == ("NCBIGene:5743", "UBERON:0000955")
    assert edge.references == ("PMID:19421193", "metakg:ref/61")
    assert edge.cancer_type == "DOID:1612"
    publication = {n.id: n for n in kb.nodes}["PMID:19421193"]
    assert publication.category is Category.PUBLICATION


def test_a_pmid_of_a_review_reference_resolves_to_that_reference(tmp_path: Path) -> None:
    # Ref 66 (Minn 2007) carries PMID 17420468 in references.tsv.
    path = _write(
        tmp_path,
        "mine.tsv",
        "EREG\tmediates_metastasis_to\tlung\t\t\tPMID:17420468\thigh\t\t"
        "Same paper, cited by PMID.\n",
    )
    kb = assemble(plan_sources([path]))
    (edge,) = [e for e in kb.edges if e.origin == "file:mine.tsv"]
    assert edge.references == ("metakg:ref/66",)


def test_gene_info_resolves_genes_outside_the_curated_set(tmp_path: Path) -> None:
    need(GENE_INFO)
    path = _write(
        tmp_path,
        "mine.tsv",
        "BRCA1\tcontributes_to\tbreast cancer\t\t\t13\tlow\t\tA test row naming a gene that is "
        "only in NCBI's table.\n",
    )
    kb = assemble(plan_sources([path, GENE_INFO]))
    nodes = {n.id: n for n in kb.nodes}
    assert nodes["NCBIGene:672"].symbol == "BRCA1"
    assert "HGNC:1100" in nodes["NCBIGene:672"].xrefs
    # Curated genes gain NCBI's synonyms as low-priority names; curated aliases still win.
    ptgs2 = nodes["NCBIGene:5743"]
    assert "PGHS-2" in ptgs2.weak_synonyms
    ccn2 = nodes["NCBIGene:1490"]
    assert "CTGF" in ccn2.synonyms or "CTGF" in ccn2.weak_synonyms
    # Only the genes that are used come in: not all 56,000.
    assert sum(1 for n in kb.nodes if n.category is Category.GENE) < 150


def test_disease_ontology_places_cancer_types_in_its_hierarchy(tmp_path: Path) -> None:
    need(HUMAN_DO)
    path = _write(
        tmp_path,
        "mine.tsv",
        "EREG\tcontributes_to\tlung large cell carcinoma\t\t\t100\tlow\t\tA row about a DO term "
        "that the curated tables do not list.\n",
    )
    kb = assemble(plan_sources([path, HUMAN_DO]))
    store_path = tmp_path / "store"
    write_store(store_path, kb.nodes, kb.edges, kb.hierarchy, sources=[], version="test")
    graph = KnowledgeStore(store_path).graph
    lung_cancer = lookup.find(graph, "lung cancer").node_id
    assert lung_cancer == "DOID:1324"
    below = lookup.subtypes(graph, lung_cancer)
    large_cell = lookup.find(graph, "lung large cell carcinoma").node_id
    assert large_cell is not None and large_cell in below
    assert "DOID:3910" in below  # lung adenocarcinoma, a curated type
    # The ancestors come along up to the root term.
    assert "DOID:162" in {p for _, p, d in graph.out_edges("DOID:1612", data=True)} | set(
        n for n in graph if n == "DOID:162"
    )
