"""Ontologies in OBO: the ingestor on small files of ours, on real files from outside (the
test data of the PyPI package ``obonet``), and the Disease Ontology read from OBO against the
same terms read from its TSV report (``../shared/data/HumanDO.tsv``)."""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from graph.curie import expand
from graph.model import NodeRecord, Record, SubclassRecord
from graph.store import KnowledgeStore
from graph.vocab import Category
from ingest import registry
from ingest.disease_ontology import ingest_disease_ontology
from ingest.obo import XREF_ALIASES, XREF_FORMS, ingest_obo, xref_curie
from ingest.pipeline import assemble, plan_sources
from ingest.problems import Level, Problems, ValidationFailed
from server.cli.commands import main
from tests.conftest import HUMAN_DO, need
from tests.outside_files import BRENDA_SUBSET, TAXRANK, outside_file

#: Ours, to exercise the reader. Ids, names and is_a of the DOID terms are those of the DO
#: report in ../shared/data; kidney and pancreas carry the UBERON ids of the research notes.
#: The synonyms, xrefs and definitions are made up for the test, not facts.
SMALL = """\
format-version: 1.4
ontology: metakg-test
remark: Hand-made for metakg's tests.

[Term]
id: DOID:1324
name: lung cancer
def: "A test definition." [metakg:test]
synonym: "cancer of the lung (test)" EXACT []
synonym: "lung neoplasm (test)" RELATED []
xref: NCI:C0000001
xref: UMLS_CUI:C0000001
xref: ICD10CM:C34
xref: MESH:D000001
xref: http://example.org/lung
is_a: DOID:0050615 ! respiratory system cancer, not in this file

[Term]
id: DOID:3910
name: lung adenocarcinoma
is_a: DOID:3908 ! lung non-small cell carcinoma
is_a: CL:0000000 ! another ontology

[Term]
id: DOID:3908
name: lung non-small cell carcinoma

[Term]
id: DOID:0000000
name: an obsolete test term
is_obsolete: true

[Term]
id: UBERON:0002113
name: kidney

[Term]
id: UBERON:0001264
name: pancreas

[Term]
id: CL:0000000
name: cell

[Typedef]
id: part_of
name: part of
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def ingest(path: Path) -> tuple[list[Record], Problems]:
    problems = Problems()
    return list(ingest_obo(path, problems)), problems


def stanza_line(text: str, term: str) -> int:
    """The line number of the ``[Term]`` header of ``term`` in ``text``."""
    lines = text.splitlines()
    return lines.index(f"id: {term}")  # the header is the line before: 1-based, the same


def nodes_of(records: list[Record]) -> dict[str, NodeRecord]:
    return {r.id: r for r in records if isinstance(r, NodeRecord)}


def parents_of(records: list[Record]) -> dict[str, set[str]]:
    parents: dict[str, set[str]] = defaultdict(set)
    for r in records:
        if isinstance(r, SubclassRecord):
            parents[r.child].add(r.parent)
    return dict(parents)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NCI:C2926", "NCIT:C2926"),
        ("NCIT:C2926", "NCIT:C2926"),
        ("UMLS_CUI:C0007131", "UMLS:C0007131"),
        ("MESH:D008175", "MESH:D008175"),
        ("UBERON:0002048", "UBERON:0002048"),
        ("FMA:7195", "FMA:7195"),
        ("UBERON:2048", None),
        ("NCBITaxon:phylum", None),
        ("ICD10CM:C34", None),
        ("SNOMEDCT_US_2023_03_01:93880001", None),
        ("http://rs.tdwg.org/ontology/voc/TaxonRank#Phylum", None),
        ("Wikipedia:Lung", None),
        ("MESH:", None),
    ],
)
def test_only_checked_xref_forms_are_kept(text: str, expected: str | None) -> None:
    assert xref_curie(text) == expected


def test_every_kept_xref_prefix_expands_to_an_iri() -> None:
    for prefix in (*XREF_FORMS, *XREF_ALIASES.values()):
        assert expand(f"{prefix}:1").endswith("1")


def test_registered_as_a_dictionary_and_sniffed(tmp_path: Path) -> None:
    spec = registry.get("obo")
    assert spec.role == "dictionary"
    for name in ("doid.obo", "UBERON.OBO", "uberon.obo.gz"):
        path = tmp_path / name
        path.write_bytes(b"")
        assert registry.detect(path) is spec


def test_terms_map_by_prefix_with_what_the_reader_keeps(tmp_path: Path) -> None:
    records, problems = ingest(write(tmp_path / "small.obo", SMALL))
    nodes = nodes_of(records)
    assert set(nodes) == {
        "DOID:1324",
        "DOID:3910",
        "DOID:3908",
        "UBERON:0002113",
        "UBERON:0001264",
    }
    lung = nodes["DOID:1324"]
    assert (lung.category, lung.label, lung.description) == (
        Category.CANCER_TYPE,
        "lung cancer",
        "A test definition.",
    )
    assert lung.source.line == stanza_line(SMALL, "DOID:1324") == 5
    assert lung.synonyms == ("cancer of the lung (test)",)  # EXACT only
    assert lung.xrefs == ("NCIT:C0000001", "UMLS:C0000001", "MESH:D000001")
    assert nodes["UBERON:0002113"].category is Category.ORGAN
    assert parents_of(records) == {"DOID:3910": {"DOID:3908"}}  # 3908 is defined below it
    assert all(r.origin == "obo" for r in records if isinstance(r, SubclassRecord))
    found = {(p.code, p.line, p.level) for p in problems}
    assert found == {
        ("obsolete-term", stanza_line(SMALL, "DOID:0000000"), Level.WARNING),
        ("unmapped-term", stanza_line(SMALL, "CL:0000000"), Level.WARNING),
        ("xref-not-kept", 0, Level.WARNING),
        ("other-ontology-parent", 0, Level.WARNING),
        ("unknown-parent", stanza_line(SMALL, "DOID:1324"), Level.WARNING),
    }
    unmapped = next(p for p in problems if p.code == "unmapped-term")
    assert "CL:0000000" in unmapped.message and "CL" in unmapped.message
    assert "DOID:0000000" in next(p for p in problems if p.code == "obsolete-term").message
    missing = next(p for p in problems if p.code == "unknown-parent").message
    assert "DOID:1324 -> DOID:0050615" in missing
    xrefs = next(p for p in problems if p.code == "xref-not-kept").message
    assert "kept 3" in xrefs and "ICD10CM x1" in xrefs


@pytest.mark.parametrize(
    ("body", "code", "line"),
    [
        ("[Term]\nid: DOID:1\nname: a\n\n[Term]\nid: DOID:2\nis_a DOID:1\n", "bad-obo", 7),
        ("[Term]\nid: DOID:1\n", "missing-value", 1),
        ("[Term]\nid: DOID:one\nname: a\n", "bad-curie", 1),
        ("[Term]\nid: DOID:1\nname: a\n\n[Term]\nid: DOID:1\nname: b\n", "duplicate-key", 5),
    ],
)
def test_bad_terms_are_errors_with_their_line(
    tmp_path: Path, body: str, code: str, line: int
) -> None:
    _, problems = ingest(write(tmp_path / "bad.obo", body))
    assert [(p.code, p.line, p.level) for p in problems] == [(code, line, Level.ERROR)]


def test_compressed_and_undecodable_files(tmp_path: Path) -> None:
    path = tmp_path / "small.obo.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(SMALL)
    records, _ = ingest(path)
    assert len(nodes_of(records)) == 5
    bad = tmp_path / "bad.obo"
    bad.write_bytes(b"format-version: 1.4\n\n[Term]\nid: DOID:1\nname: \xff\n")
    _, problems = ingest(bad)
    assert [(p.code, p.line, p.level) for p in problems] == [("bad-encoding", 5, Level.ERROR)]


# --- files from outside: obonet's test data ---------------------------------------------------


def test_a_real_ontology_of_another_prefix_is_reported_not_mapped(tmp_path: Path) -> None:
    path = outside_file(TAXRANK, tmp_path / "taxrank.obo")
    records, problems = ingest(path)
    assert records == []
    lines = path.read_text(encoding="utf-8").splitlines()
    terms = [n for n, text in enumerate(lines, start=1) if text.strip() == "[Term]"]
    assert len(terms) == 61
    listed = [p for p in problems if p.code == "unmapped-term"]
    for problem, line in zip(listed[:5], terms[:5], strict=True):
        assert problem.line == line and lines[line].removeprefix("id: ") in problem.message
    assert "56 more TAXRANK term(s)" in listed[5].message
    assert any(p.code == "nothing-mapped" for p in problems)
    assert not problems.errors


def test_a_real_file_with_an_obsolete_term_and_typedefs(tmp_path: Path) -> None:
    path = outside_file(BRENDA_SUBSET, tmp_path / "brenda-subset.obo")
    records, problems = ingest(path)
    assert records == [] and not problems.errors
    unmapped = [p.message.split(": ")[0] for p in problems if p.code == "unmapped-term"]
    assert unmapped == ["BTO:0000000", "BTO:0000311"]


def test_a_real_unmapped_ontology_builds_and_changes_nothing(
    tmp_path: Path, runner: CliRunner, graph: nx.MultiDiGraph
) -> None:
    path = outside_file(TAXRANK, tmp_path / "taxrank.obo")
    store = tmp_path / "store"
    result = runner.invoke(main, ["build", "--store", str(store), "--source", str(path)])
    assert result.exit_code == 0, result.output
    assert "unmapped-term" in result.output and "TAXRANK:0000000" in result.output
    built = KnowledgeStore(store).graph
    assert (built.number_of_nodes(), built.number_of_edges()) == (
        graph.number_of_nodes(),
        graph.number_of_edges(),
    )


# --- the Disease Ontology: OBO against the TSV report -----------------------------------------


def _obo_from_report(report: Path, target: Path) -> tuple[list[Record], Problems]:
    """Write the DO report's terms and parents as OBO stanzas (ours: generated here)."""
    problems = Problems()
    records = list(ingest_disease_ontology(report, problems))
    parents = parents_of(records)
    with target.open("w", encoding="utf-8") as out:
        out.write("format-version: 1.4\nremark: Generated by metakg's tests from HumanDO.tsv.\n")
        for node in (r for r in records if isinstance(r, NodeRecord)):
            name = node.label.replace("\\", "\\\\")
            out.write(f"\n[Term]\nid: {node.id}\nname: {name}\n")
            for parent in sorted(parents.get(node.id, ())):
                out.write(f"is_a: {parent}\n")
    return records, problems


@pytest.fixture(scope="module")
def doid_obo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Record]]:
    target = tmp_path_factory.mktemp("doid") / "doid.obo"
    records, _ = _obo_from_report(need(HUMAN_DO), target)
    return target, records


def test_do_terms_agree_between_the_obo_and_the_tsv_report(
    doid_obo: tuple[Path, list[Record]],
) -> None:
    path, from_tsv = doid_obo
    from_obo, problems = ingest(path)
    assert not problems.errors
    tsv_nodes, obo_nodes = nodes_of(from_tsv), nodes_of(from_obo)
    assert len(obo_nodes) == len(tsv_nodes) > 10_000
    for term, node in tsv_nodes.items():
        other = obo_nodes[term]
        assert (other.category, other.label) == (node.category, node.label), term
    assert parents_of(from_obo) == parents_of(from_tsv)
    assert {type(r) for r in from_obo} == {type(r) for r in from_tsv}


def test_a_do_term_from_obo_comes_in_with_its_ancestors(
    doid_obo: tuple[Path, list[Record]], tmp_path: Path, runner: CliRunner
) -> None:
    path, _ = doid_obo
    mine = tmp_path / "mine.tsv"
    mine.write_text(
        "subject\tpredicate\tobject\treferences\tconfidence\tnote\n"
        "EREG\tcontributes_to\tlung large cell carcinoma\t100\tlow\tA test row about a DO term "
        "the curated tables do not list.\n",
        encoding="utf-8",
    )
    store = tmp_path / "store"
    result = runner.invoke(
        main, ["build", "--store", str(store), "--source", str(mine), "--source", str(path)]
    )
    assert result.exit_code == 0, result.output
    query = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT ?parent WHERE { ?term rdfs:label 'lung large cell carcinoma' ; "
        "rdfs:subClassOf ?parent }"
    )
    answer = runner.invoke(main, ["sparql", query, "--store", str(store), "--format", "json"])
    assert answer.exit_code == 0, answer.output
    rows = json.loads(answer.stdout)["results"]["bindings"]
    report = [
        [cell.strip('"') for cell in line.split("\t")]
        for line in need(HUMAN_DO).read_text(encoding="utf-8").splitlines()[1:]
    ]
    ids = {label: term for term, label, _ in report}
    expected = {ids[parent] for _, label, parent in report if label == "lung large cell carcinoma"}
    assert {row["parent"]["value"] for row in rows} == {expand(term) for term in expected}


def test_an_organ_from_uberon_obo_resolves_an_assertion(tmp_path: Path) -> None:
    obo = write(tmp_path / "uberon.obo", SMALL)
    mine = tmp_path / "mine.tsv"
    mine.write_text(
        "subject\tpredicate\tobject\treferences\tconfidence\tnote\n"
        "EREG\tmediates_metastasis_to\tkidney\t61\tlow\tA test row naming an organ that "
        "only the ontology knows.\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as failed:
        assemble(plan_sources([mine]))
    assert [p.code for p in failed.value.problems] == ["unknown-organ"]
    kb = assemble(plan_sources([mine, obo]))
    (edge,) = [e for e in kb.edges if e.origin == "file:mine.tsv"]
    assert edge.object == "UBERON:0002113"
    assert {n.id: n for n in kb.nodes}["UBERON:0002113"].category is Category.ORGAN
    assert "UBERON:0001264" not in {n.id for n in kb.nodes}  # a dictionary, not added whole
