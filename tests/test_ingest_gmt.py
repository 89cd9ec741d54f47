"""Gene sets in GMT: the ingestor, a real outside file, and gene sets as simulator profiles.

Two kinds of file: small ones written here (ours, labelled as such in their first line), and
the Enrichr library ``KEGG_2021_Human`` shipped inside the PyPI package ``blitzgsea``
(tests/outside_files.py downloads it; skipped with a reason when PyPI is out of reach).
"""

from __future__ import annotations

import gzip
import json
import re
import shlex
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from graph.model import EdgeRecord, NodeRecord, Record
from graph.store import KnowledgeStore
from graph.vocab import Category, Confidence, Direction, EvidenceType, Predicate
from ingest import registry
from ingest.gmt import ingest_gmt, node_id
from ingest.gmt_format import member_name, references_in, slug, split_line
from ingest.pipeline import assemble, plan_sources
from ingest.problems import Level, Problems
from queries.lookup import name_index
from server.cli.commands import main
from tests.outside_files import KEGG_2021_HUMAN, outside_file

OURS = "# Hand-made for metakg's tests (not a published gene set file).\n"
#: Gupta et al. 2007 (the review's ref 61, doi:10.1038/nature05760) showed that EREG, COX2
#: (PTGS2), MMP1 and MMP2 together mediate breast cancer metastasis to the lung.
LUNG_SET = "GUPTA_2007_LUNG_METASTASIS"
LUNG_LINE = (
    f"{LUNG_SET}\tLung metastasis mediators, doi:10.1038/nature05760\tEREG\tCOX2\tMMP1\tMMP2"
)
LUNG_GENES = ("EREG", "COX2", "MMP1", "MMP2")
#: KEGG: Kanehisa & Goto 2000, Nucleic Acids Res. 28:27-30 (DOI as the journal's citation
#: page gives it).
KEGG_DOI = "doi:10.1093/nar/28.1.27"
#: KEGG sets whose every member the shipped 2016 gene table resolves (checked in a test).
KEGG_CLEAN = ("VEGF signaling pathway", "ECM-receptor interaction", "Non-small cell lung cancer")
#: KEGG sets with symbols newer than the gene table (TGF-beta: one; p53: one ambiguous).
KEGG_STALE = ("TGF-beta signaling pathway", "p53 signaling pathway")


def write(path: Path, text: str) -> Path:
    path.write_text(OURS + text, encoding="utf-8")
    return path


def ingest(path: Path) -> tuple[list[Record], Problems]:
    problems = Problems()
    return list(ingest_gmt(path, problems)), problems


def codes(problems: Any) -> list[tuple[str, int, Level]]:
    return [(p.code, p.line, p.level) for p in problems]


# --- pure helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("http://www.gsea-msigdb.org/gsea/msigdb/cards/HALLMARK_HYPOXIA", ()),
        ("", ()),
        ("Minn 2007 PMID:17420468", ("PMID:17420468",)),
        ("pmid 17420468.", ("PMID:17420468",)),
        ("https://pubmed.ncbi.nlm.nih.gov/17420468/", ("PMID:17420468",)),
        ("see PMCID: pmc1871856", ("PMCID:PMC1871856",)),
        ("https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1871856/", ("PMCID:PMC1871856",)),
        ("(doi:10.1038/NATURE05760)", ("doi:10.1038/nature05760",)),
        ("https://doi.org/10.1093/nar/28.1.27.", ("doi:10.1093/nar/28.1.27",)),
        ("PMID:1; doi:10.1/x; PMID:1", ("PMID:1",)),  # 10.1 is not a DOI prefix
        ("doi:10.1038/a, PMID:2", ("doi:10.1038/a", "PMID:2")),
        ("GO:0001525 angiogenesis", ()),
    ],
)
def test_references_in_a_description(description: str, expected: tuple[str, ...]) -> None:
    assert references_in(description) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("EREG", "EREG"),
        (" COX2 ", "COX2"),
        ("2069", "NCBIGene:2069"),
        ("TP53,1.0", "TP53"),
        ("TP53,0.25", "TP53"),
        ("NCBIGene:2069", "NCBIGene:2069"),
        ("HLA-A", "HLA-A"),
        ("A,B", "A,B"),  # not a weight: kept as written, resolution reports it
    ],
)
def test_member_names(cell: str, expected: str) -> None:
    assert member_name(cell) == expected


def test_slugs_and_lines() -> None:
    assert slug("HALLMARK_HYPOXIA") == "hallmark_hypoxia"
    assert slug("AGE-RAGE signaling pathway (KEGG)") == "age_rage_signaling_pathway_kegg"
    assert node_id("ABC transporters") == "metakg:geneset/abc_transporters"
    found = split_line(3, "S\t\tA\tB\t\t")  # Enrichr ends lines with a tab
    assert not isinstance(found, str)
    assert (found.line, found.name, found.description, found.members) == (3, "S", "", ("A", "B"))
    assert "has no genes" in str(split_line(1, "S\tdescription only"))
    assert "no set name" in str(split_line(1, "\tdesc\tA"))


def test_registered_and_sniffed(tmp_path: Path) -> None:
    spec = registry.get("gmt")
    assert spec.role == "content"
    for name in ("sets.gmt", "sets.GMT", "sets.gmt.gz"):
        path = tmp_path / name
        path.write_bytes(b"")
        assert registry.detect(path) is spec
    other = tmp_path / "sets.tsv"
    other.write_text("a\tb\tc\n")
    assert registry.detect(other) is not spec


# --- the ingestor -------------------------------------------------------------------------------


def test_a_gene_set_becomes_a_class_node_and_member_assertions(tmp_path: Path) -> None:
    records, problems = ingest(write(tmp_path / "lung.gmt", LUNG_LINE + "\n"))
    assert not list(problems)
    node, *edges = records
    assert isinstance(node, NodeRecord)
    assert (node.id, node.category, node.label) == (
        "metakg:geneset/gupta_2007_lung_metastasis",
        Category.GENE_CLASS,
        LUNG_SET,
    )
    assert node.prop("scheme") == "gene_set" and node.source.line == 2
    assert [e.subject for e in edges if isinstance(e, EdgeRecord)] == list(LUNG_GENES)
    edge = edges[1]
    assert isinstance(edge, EdgeRecord)
    assert edge.predicate is Predicate.HAS_CLASS and edge.object == node.id
    assert edge.references == ("doi:10.1038/nature05760",)
    assert edge.confidence is Confidence.MEDIUM and edge.direction is Direction.ASSOCIATED
    assert "lung.gmt, line 2" in edge.note and LUNG_SET in edge.note
    assert edge.origin == "file:lung.gmt"


def test_directives_give_evidence_to_the_sets_below_them(tmp_path: Path) -> None:
    path = write(
        tmp_path / "sets.gmt",
        "S1\thttp://example.org/s1\tEREG\n"
        "#metakg references: PMID:17420468; 66\n"
        "#metakg confidence: high\n"
        "#metakg evidence_type: expression_signature\n"
        "#metakg note: Read from the paper's supplementary table.\n"
        "# an ordinary comment: ignored\n"
        "S2\thttp://example.org/s2\tMMP1\n"
        "#metakg confidence: low\n"
        "S3\tPMID:19421193\tMMP2\n",
    )
    records, problems = ingest(path)
    edges = {r.object.rsplit("/", 1)[1]: r for r in records if isinstance(r, EdgeRecord)}
    assert set(edges) == {"s2", "s3"}  # S1 has no reference
    assert codes(problems) == [("missing-reference", 2, Level.ERROR)]
    assert edges["s2"].references == ("PMID:17420468", "66")
    assert edges["s2"].confidence is Confidence.HIGH
    assert edges["s2"].evidence_types == (EvidenceType.EXPRESSION_SIGNATURE,)
    assert edges["s2"].note.endswith("Read from the paper's supplementary table.")
    assert edges["s3"].references == ("PMID:19421193", "PMID:17420468", "66")
    assert edges["s3"].confidence is Confidence.LOW
    s1 = next(r for r in records if isinstance(r, NodeRecord) and r.label == "S1")
    assert s1.prop("url") == "http://example.org/s1"


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("#metakg references: PMID:abc", "bad-references"),
        ("#metakg references:", "bad-references"),
        ("#metakg confidence: certain", "bad-confidence"),
        ("#metakg evidence_type: hunch", "bad-evidence-type"),
        ("#metakg agent_type: robot", "bad-agent-type"),
        ("#metakg colour: blue", "bad-directive"),
        ("#metakg references PMID:1", "bad-directive"),
    ],
)
def test_a_bad_directive_is_an_error_on_its_line(tmp_path: Path, line: str, code: str) -> None:
    _, problems = ingest(write(tmp_path / "s.gmt", f"{line}\n{LUNG_LINE}\n"))
    assert codes(problems) == [(code, 2, Level.ERROR)]


def test_bad_lines_are_reported_with_their_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.gmt",
        f"{LUNG_LINE}\n"
        "NO_GENES\tPMID:1\n"
        "\tPMID:1\tEREG\n"
        "!!!\tPMID:1\tEREG\n"
        f"{LUNG_SET.lower()}\tPMID:1\tEREG\n"
        "DUP\tPMID:1\tEREG\tereg\tEREG,1.0\n",
    )
    records, problems = ingest(path)
    assert codes(problems) == [
        ("bad-row", 3, Level.ERROR),
        ("bad-row", 4, Level.ERROR),
        ("bad-id", 5, Level.ERROR),
        ("duplicate-key", 6, Level.ERROR),
        ("duplicate-member", 7, Level.WARNING),
        ("duplicate-member", 7, Level.WARNING),
        ("weights-ignored", 0, Level.WARNING),
    ]
    assert "defined on line 2" in next(p.message for p in problems if p.line == 6)
    dup = [r for r in records if isinstance(r, EdgeRecord) and r.object.endswith("/dup")]
    assert [e.subject for e in dup] == ["EREG"]


def test_missing_references_are_listed_then_counted(tmp_path: Path) -> None:
    lines = "".join(f"SET_{i}\thttp://example.org/{i}\tEREG\n" for i in range(8))
    records, problems = ingest(write(tmp_path / "s.gmt", lines))
    assert not [r for r in records if isinstance(r, EdgeRecord)]
    assert [p.line for p in problems] == [2, 3, 4, 5, 6, 7]
    assert (
        "SET_0" in list(problems)[0].message and "#metakg references" in list(problems)[0].message
    )
    assert "3 more gene set(s)" in list(problems)[-1].message


def test_bare_ncbi_ids_gzip_and_encoding(tmp_path: Path) -> None:
    path = tmp_path / "ids.gmt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(OURS + "IDS\tPMID:1\t2069\t5743\n")
    records, problems = ingest(path)
    assert not list(problems)
    assert [r.subject for r in records if isinstance(r, EdgeRecord)] == [
        "NCBIGene:2069",
        "NCBIGene:5743",
    ]
    bad = tmp_path / "bad.gmt"
    bad.write_bytes(b"S\tPMID:1\tEREG\nT\tPMID:1\t\xff\xfe\n")
    records, problems = ingest(bad)
    assert codes(problems) == [("bad-encoding", 2, Level.ERROR)]
    empty = tmp_path / "empty.gmt"
    empty.write_text("# nothing\n")
    assert codes(ingest(empty)[1]) == [("empty-file", 0, Level.ERROR)]


# --- through the pipeline ------------------------------------------------------------------------


def test_members_resolve_through_aliases_and_unknown_ones_are_named(tmp_path: Path) -> None:
    path = write(tmp_path / "lung.gmt", LUNG_LINE + "\tNOT_A_GENE_XYZ\tPTGS2\n")
    # An outside library names genes the gene table lacks: each such member is skipped with
    # a warning naming file, line and term; the set loads with the members that resolve.
    partial = assemble(plan_sources([path]))
    warnings = {(p.code, p.line, p.field, p.level) for p in partial.warnings}
    assert ("unknown-gene", 2, "subject", Level.WARNING) in warnings
    (unknown,) = [p for p in partial.warnings if p.code == "unknown-gene"]
    assert unknown.file == str(path) and "'NOT_A_GENE_XYZ'" in unknown.message
    assert "skipped" in unknown.message
    # COX2 and PTGS2 are one gene: kept once, with a warning.
    assert any(p.code == "duplicate-member" for p in partial.warnings)
    kept = {e.subject for e in partial.edges if e.origin == "file:lung.gmt"}
    kb = assemble(plan_sources([write(tmp_path / "ok.gmt", LUNG_LINE + "\n")]))
    members = {e.subject for e in kb.edges if e.origin == "file:ok.gmt"}
    assert kept == members
    assert members == {"NCBIGene:2069", "NCBIGene:5743", "NCBIGene:4312", "NCBIGene:4313"}
    assert "NCBIGene:5743" in members  # COX2, an alias of PTGS2
    publication = {n.id: n for n in kb.nodes}["metakg:ref/61"]
    assert all(e.references == (publication.id,) for e in kb.edges if e.origin == "file:ok.gmt")


def test_a_gmt_set_builds_into_a_store_and_is_queryable(lung_store: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "query",
            "genes_in_class",
            "--param",
            f"gene_class={LUNG_SET}",
            "--store",
            str(lung_store),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert sorted(r["symbol"] for r in rows) == ["EREG", "MMP1", "MMP2", "PTGS2"]
    assert {r["scheme"] for r in rows} == {"gene_set"}


# --- the outside file: KEGG_2021_Human from blitzgsea ------------------------------------------


@pytest.fixture(scope="module")
def kegg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return outside_file(KEGG_2021_HUMAN, tmp_path_factory.mktemp("kegg") / "KEGG_2021_Human.gmt")


def _kegg_subset(kegg: Path, target: Path, names: tuple[str, ...]) -> dict[str, list[str]]:
    """Copy the sets ``names`` of the KEGG file under a references line; their members."""
    kept: dict[str, list[str]] = {}
    lines = [f"#metakg references: {KEGG_DOI}\n"]
    for line in kegg.read_text(encoding="utf-8").splitlines():
        name = line.split("\t", 1)[0]
        if name in names:
            lines.append(line + "\n")
            kept[name] = [c for c in line.split("\t")[2:] if c.strip()]
    target.write_text("".join(lines), encoding="utf-8")
    return kept


def test_the_outside_file_as_it_is_says_every_set_needs_a_reference(kegg: Path) -> None:
    records, problems = ingest(kegg)
    nodes = [r for r in records if isinstance(r, NodeRecord)]
    assert len(nodes) == len(kegg.read_text(encoding="utf-8").splitlines()) == 320
    assert not [r for r in records if isinstance(r, EdgeRecord)]
    assert Counter(p.code for p in problems) == {"missing-reference": 6}
    assert "315 more gene set(s)" in list(problems)[-1].message


def test_outside_sets_load_with_a_reference_and_are_queryable(
    kegg: Path, tmp_path: Path, runner: CliRunner
) -> None:
    source = tmp_path / "kegg_subset.gmt"
    members = _kegg_subset(kegg, source, KEGG_CLEAN)
    assert set(members) == set(KEGG_CLEAN)
    store = tmp_path / "store"
    built = runner.invoke(main, ["build", "--store", str(store), "--source", str(source)])
    assert built.exit_code == 0, built.output
    graph = KnowledgeStore(store).graph
    index = name_index(graph)
    for name, symbols in members.items():
        result = runner.invoke(
            main,
            ["query", "genes_in_class", "--param", f"gene_class={name}", "--store", str(store)]
            + ["--format", "json"],
        )
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)
        expected = {index.resolve(s, [Category.GENE, Category.MICRORNA]).node_id for s in symbols}
        assert None not in expected
        assert {r["gene"] for r in rows} == expected
        assert {r["scheme"] for r in rows} == {"gene_set"}
    vegf = node_id("VEGF signaling pathway")
    assert graph.nodes[vegf]["label"] == "VEGF signaling pathway"


@pytest.mark.slow
def test_the_whole_outside_library_loads_with_one_references_line(
    kegg: Path, tmp_path: Path, runner: CliRunner
) -> None:
    """All 320 KEGG sets, unmodified but for one ``#metakg references:`` line above them,
    build into a store: members the 2016 gene table cannot name are skipped with warnings,
    and every set is queryable."""
    source = tmp_path / "kegg.gmt"
    source.write_text(
        f"#metakg references: {KEGG_DOI}\n" + kegg.read_text(encoding="utf-8"), encoding="utf-8"
    )
    store = tmp_path / "store"
    built = runner.invoke(main, ["build", "--store", str(store), "--source", str(source)])
    assert built.exit_code == 0, built.output[-2000:]
    graph = KnowledgeStore(store).graph
    sets = [n for n, d in graph.nodes(data=True) if d.get("scheme") == "gene_set"]
    assert len(sets) == 320
    result = runner.invoke(
        main,
        ["query", "genes_in_class", "--param", "gene_class=Non-small cell lung cancer",
         "--store", str(store), "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    assert {"EGFR", "KRAS"} <= {row["symbol"] for row in json.loads(result.stdout)}


@pytest.mark.slow
def test_outside_symbols_the_gene_table_lacks_are_named_with_file_and_line(
    kegg: Path, tmp_path: Path, runner: CliRunner
) -> None:
    """Members the 2016 gene table cannot resolve are skipped, each named (file, line, term)
    in a warning; the rest of each set loads and is queryable."""
    source = tmp_path / "kegg_stale.gmt"
    members = _kegg_subset(kegg, source, KEGG_STALE)
    store = tmp_path / "store"
    built = runner.invoke(main, ["build", "--store", str(store), "--source", str(source)])
    assert built.exit_code == 0, built.output
    kb = assemble(plan_sources([source]))
    lines = {name: n for n, name in enumerate(members, start=2)}
    skipped = [p for p in kb.warnings if p.code in ("unknown-gene", "ambiguous-name")]
    assert {p.code for p in skipped} == {"unknown-gene", "ambiguous-name"}
    for problem in skipped:
        assert problem.file == str(source) and problem.field == "subject"
        term = problem.message.split("'")[1]
        set_name = next(n for n, symbols in members.items() if term in symbols)
        assert problem.line == lines[set_name]
        assert f"{problem.file}:{problem.line}" in built.output and term in built.output
    loaded = [e for e in kb.edges if e.origin == "file:kegg_stale.gmt"]
    assert len(loaded) == sum(len(set(v)) for v in members.values()) - len(skipped) - sum(
        1 for p in kb.warnings if p.code == "duplicate-member"
    )


# --- gene sets as simulator profiles -------------------------------------------------------------


@pytest.fixture(scope="module")
def lung_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lung")
    source = write(folder / "lung.gmt", LUNG_LINE + "\n")
    store = folder / "store"
    result = CliRunner().invoke(main, ["build", "--store", str(store), "--source", str(source)])
    assert result.exit_code == 0, result.output
    return store


def simulate_json(store: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        main,
        ["simulate", "--store", str(store), "--cancer", "breast cancer", *args]
        + ["--format", "json"],
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def organs(document: dict[str, Any]) -> list[Any]:
    return document["organs"]


def test_a_gmt_file_profile_equals_its_genes_listed_by_hand(
    lung_store: Path, tmp_path: Path
) -> None:
    source = write(tmp_path / "two.gmt", LUNG_LINE + "\nOTHER\t\tTWIST1\tSNAI1\n")
    by_file = simulate_json(lung_store, "--gmt", str(source), "--gene-set", LUNG_SET.lower())
    by_hand = simulate_json(lung_store, "--genes", ",".join(LUNG_GENES))
    assert by_file == by_hand
    assert organs(by_hand)[0]["organ"]["label"] == "Lung"


@pytest.mark.slow
def test_an_ingested_set_profile_equals_its_genes_listed_by_hand(lung_store: Path) -> None:
    by_set = simulate_json(lung_store, "--gene-set", LUNG_SET)
    by_hand = simulate_json(lung_store, "--genes", ",".join(LUNG_GENES))
    assert organs(by_set) == organs(by_hand)
    (gene_set,) = by_set["gene_sets"]
    assert gene_set["id"] == node_id(LUNG_SET)
    assert gene_set["members"] == ["EREG", "MMP1", "MMP2", "PTGS2"]
    assert sorted(g["gene"]["id"] for g in by_set["genes"]) == sorted(
        g["gene"]["id"] for g in by_hand["genes"]
    )
    # A gene named by hand keeps its own level; the set adds the rest at +1.
    mixed = simulate_json(lung_store, "--gene-set", node_id(LUNG_SET), "--genes", "COX2")
    assert [g["input"] for g in mixed["genes"]] == ["COX2", "EREG", "MMP1", "MMP2"]


def test_gene_set_mistakes_on_the_command_line(lung_store: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["simulate", "--store", str(lung_store), "--cancer", "breast cancer"]
    table = runner.invoke(main, [*base, "--gene-set", LUNG_SET])
    assert table.exit_code == 0, table.output
    assert f"{LUNG_SET} ({node_id(LUNG_SET)}): 4 gene(s): EREG, MMP1, MMP2, PTGS2" in table.stdout
    unknown = runner.invoke(main, [*base, "--gene-set", "NO_SUCH_SET"])
    assert unknown.exit_code == 1 and "no gene set or gene class" in unknown.output
    two = write(tmp_path / "two.gmt", LUNG_LINE + "\nOTHER\t\tTWIST1\n")
    open_choice = runner.invoke(main, [*base, "--gmt", str(two)])
    assert open_choice.exit_code == 1 and "choose with --gene-set" in open_choice.output
    missing = runner.invoke(main, [*base, "--gmt", str(two), "--gene-set", "NOPE"])
    assert missing.exit_code == 1 and "no gene set named 'NOPE'" in missing.output
    broken = write(tmp_path / "broken.gmt", "ONLY_A_NAME\n")
    bad = runner.invoke(main, [*base, "--gmt", str(broken)])
    assert bad.exit_code == 1 and f"{broken}:2" in bad.output


def test_over_http_a_gene_set_gives_the_same_simulation(lung_store: Path) -> None:
    from server.http.app import create_app

    app = create_app({"store": lung_store, "rate_limit": "off"})
    try:
        client = app.test_client()
        url = "/api/v1/simulate"
        by_set = client.post(url, json={"cancer": "breast cancer", "gene_sets": [LUNG_SET]})
        by_hand = client.post(url, json={"cancer": "breast cancer", "genes": list(LUNG_GENES)})
        assert by_set.status_code == by_hand.status_code == 200, by_set.get_data(as_text=True)
        assert organs(by_set.json) == organs(by_hand.json)
        assert by_set.json["gene_sets"][0]["members"] == ["EREG", "MMP1", "MMP2", "PTGS2"]
        cli = simulate_json(lung_store, "--gene-set", LUNG_SET)
        assert cli == by_set.json
        listed = client.get("/api/v1/gene-classes", query_string={"scheme": "gene_set"})
        assert listed.status_code == 200, listed.get_data(as_text=True)
        assert [i["label"] for i in listed.json["items"]] == [LUNG_SET]
        # A well-formed request naming no gene set is 422; one that breaks the schema is 400.
        for body, words, status in (
            ({"cancer": "breast cancer", "gene_sets": ["nope"]}, "no gene set", 422),
            ({"cancer": "breast cancer", "gene_sets": "x"}, "gene_sets", 400),
            ({"cancer": "breast cancer", "gene_sets": [1]}, "gene_sets", 400),
            ({"cancer": "breast cancer", "gene_sets": ["x"] * 51}, "gene_sets", 400),
        ):
            response = client.post(url, json=body)
            assert response.status_code == status, body
            assert response.mimetype == "application/problem+json"
            assert words in response.get_data(as_text=True)
    finally:
        app.extensions["metakg"].close()


@pytest.mark.slow
def test_loading_a_gene_set_changes_no_simulation(tmp_path: Path, store_path: Path) -> None:
    source = write(tmp_path / "drivers.gmt", "DRIVERS\tdoi:10.1038/nature05760\tERBB2\tKRAS\n")
    store = tmp_path / "store"
    built = CliRunner().invoke(main, ["build", "--store", str(store), "--source", str(source)])
    assert built.exit_code == 0, built.output
    with_set = simulate_json(store, "--genes", "ERBB2,KRAS")
    without = simulate_json(store_path, "--genes", "ERBB2,KRAS")
    assert organs(with_set) == organs(without)


# --- docs/formats-gmt-obo.md runs as written -----------------------------------------------------

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "formats-gmt-obo.md"


@pytest.mark.slow
def test_the_guide_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = GUIDE.read_text(encoding="utf-8")
    files = re.findall(r"<!-- file: (\S+) -->\n```text\n(.*?)```", text, re.S)
    assert {name for name, _ in files} == {"lung.gmt", "doid.obo", "mine.tsv"}
    for name, body in files:
        (tmp_path / name).write_text(body, encoding="utf-8")
    commands = [
        line[2:]
        for block in re.findall(r"```console\n(.*?)```", text, re.S)
        for line in block.splitlines()
        if line.startswith("$ metakg ")
    ]
    assert len(commands) == 7
    monkeypatch.chdir(tmp_path)
    outputs = []
    for command in commands:
        result = CliRunner().invoke(main, shlex.split(command)[1:])
        assert result.exit_code == 0, (command, result.output)
        outputs.append(result.stdout)
    assert "PTGS2" in outputs[1] and "gene_set" in outputs[1]
    assert outputs[2].replace("EREG, MMP1, MMP2, PTGS2", "") != outputs[2]
    assert "DOID_3908" in outputs[-1] or "DOID:3908" in outputs[-1]
