"""The shipped human gene table: its contents and date, its regeneration, and how a user's
file that names a gene outside the curated set resolves through it."""

from __future__ import annotations

import gzip
from collections import defaultdict
from pathlib import Path

import pytest

from graph.names import fold
from graph.vocab import GENE_LIKE, Category
from ingest.gene_table import COLUMNS, TABLE, build_table, main, read_table, resolve
from ingest.pipeline import assemble, plan_sources
from ingest.problems import Problems, ValidationFailed

GENE_INFO = Path(__file__).resolve().parents[2] / "shared" / "data" / "Homo_sapiens.gene_info.gz"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not available (the project's ../shared folder is absent)")
    return path


HEADER = (
    "subject\tpredicate\tobject\tcancer_type\torgan\treferences\tconfidence\tevidence_type\tnote\n"
)


def _rows() -> list[dict[str, str]]:
    with gzip.open(TABLE, "rt", encoding="utf-8") as handle:
        lines = [line.rstrip("\n") for line in handle if not line.startswith("#")]
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]


def _write(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "mine.tsv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def _curated_genes() -> dict[str, object]:
    kb = assemble(plan_sources([]))
    return {n.id: n for n in kb.nodes if n.category in GENE_LIKE}


# --- the file ------------------------------------------------------------------------------


def test_the_table_is_small_and_says_where_it_comes_from() -> None:
    assert TABLE.stat().st_size < 1_500_000
    table = read_table()
    header = " ".join(table.header)
    assert "Homo_sapiens.gene_info.gz" in header and "sha256" in header
    assert "newest Modification_date in the file is 2015-06-07" in header
    assert "python -m ingest.gene_table" in header
    rows = _rows()
    assert f"({len(rows)} rows)" in header
    assert len(table) == len(rows) > 20_000
    assert all(r["hgnc"].startswith("HGNC:") and r["gene_id"].isdigit() for r in rows)
    assert {r["kind"] for r in rows} == {"gene", "mirna"}
    assert len({r["gene_id"] for r in rows}) == len(rows)


def test_regenerating_from_gene_info_gives_the_same_bytes(tmp_path: Path) -> None:
    out = tmp_path / "genes.tsv.gz"
    assert main([str(need(GENE_INFO)), str(out)]) == 0
    assert out.read_bytes() == TABLE.read_bytes()


def test_a_broken_gene_info_writes_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "Homo_sapiens.gene_info"
    broken.write_text("not a header\n", encoding="utf-8")
    out = tmp_path / "genes.tsv.gz"
    assert main([str(broken), str(out)]) == 1
    assert not out.exists()
    problems = Problems()
    build_table(broken, problems)
    assert [p.code for p in problems.errors] == ["missing-column"]


def test_curated_identifiers_agree_with_the_table() -> None:
    by_id = {f"NCBIGene:{r['gene_id']}": r["hgnc"] for r in _rows()}
    checked = 0
    for node in _curated_genes().values():
        hgnc = next((x for x in node.xrefs if x.startswith("HGNC:")), None)  # type: ignore[attr-defined]
        if node.id in by_id and hgnc:  # type: ignore[attr-defined]
            assert by_id[node.id] == hgnc, node.id  # type: ignore[attr-defined]
            checked += 1
    assert checked > 80


# --- resolving names -----------------------------------------------------------------------


def test_a_symbol_beats_another_genes_synonym() -> None:
    rows = _rows()
    symbols = {fold(r["symbol"]): r for r in rows}
    clash = next(
        (r, symbols[fold(s)])
        for r in rows
        for s in r["synonyms"].split("|")
        if s and fold(s) in symbols and symbols[fold(s)] is not r
    )
    other, owner = clash
    found, new = resolve(owner["symbol"], (Category.GENE, Category.MICRORNA), {})
    assert found.node_id == f"NCBIGene:{owner['gene_id']}" != f"NCBIGene:{other['gene_id']}"
    assert new is not None and new.id == found.node_id


def test_a_2016_symbol_of_a_curated_gene_resolves_to_the_curated_node() -> None:
    # CTGF was renamed CCN2 after 2016; the table knows the old symbol, genes.tsv the new one.
    curated = _curated_genes()
    found, new = resolve("CTGF", (Category.GENE,), curated)  # type: ignore[arg-type]
    assert new is None
    assert found.node_id == "NCBIGene:1490"
    assert curated["NCBIGene:1490"].symbol == "CCN2"  # type: ignore[attr-defined]


def test_a_gene_outside_the_curated_set_resolves_without_gene_info(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "BRCA1\tcontributes_to\tbreast cancer\t\t\t13\tlow\t\tA row naming a gene outside "
        "the curated set.\n"
        "COX2\tcontributes_to\tbreast cancer\t\t\t13\tlow\t\tA curated alias.\n"
        "PGHS-2\tcontributes_to\tlung cancer\t\t\t13\tlow\t\tAn NCBI synonym of PTGS2.\n",
    )
    kb = assemble(plan_sources([path]))
    mine = sorted(e.subject for e in kb.edges if e.origin == "file:mine.tsv")
    assert mine == ["NCBIGene:5743", "NCBIGene:5743", "NCBIGene:672"]
    nodes = {n.id: n for n in kb.nodes}
    brca1 = nodes["NCBIGene:672"]
    assert (brca1.symbol, brca1.xrefs, brca1.taxon) == ("BRCA1", ("HGNC:1100",), "NCBITaxon:9606")
    assert brca1.source.file == "ingest/data/human_genes.tsv.gz"
    # Only the named gene comes in, and the curated PTGS2 is not duplicated.
    curated = _curated_genes()
    genes = {n.id for n in kb.nodes if n.category in GENE_LIKE}
    assert genes - set(curated) == {"NCBIGene:672"}


def test_the_user_sets_the_class_of_a_new_gene_in_the_same_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "BRCA1\thas_class\tmetastasis_suppressor\t\t\t13\tlow\t\tA test row giving the new "
        "gene a class.\n",
    )
    kb = assemble(plan_sources([path]))
    (edge,) = [e for e in kb.edges if e.origin == "file:mine.tsv"]
    assert (edge.subject, edge.predicate.key) == ("NCBIGene:672", "has_class")
    assert edge.object == "metakg:class/metastasis_suppressor"


def test_a_synonym_of_two_genes_is_ambiguous(tmp_path: Path) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    symbols = set()
    for r in _rows():
        symbols.add(fold(r["symbol"]))
        for s in r["synonyms"].split("|"):
            if s.isalnum():
                owners[fold(s)].add(r["gene_id"])
    curated_names = {fold(n.symbol or "") for n in _curated_genes().values()}  # type: ignore[attr-defined]
    name, ids = next(
        (s, ids)
        for s, ids in sorted(owners.items())
        if len(ids) > 1 and s not in symbols and s not in curated_names and s.isalpha()
    )
    path = _write(tmp_path, f"{name}\tcontributes_to\tbreast cancer\t\t\t13\tlow\t\tAmbiguous.\n")
    with pytest.raises(ValidationFailed) as failed:
        assemble(plan_sources([path]))
    (problem,) = failed.value.problems
    assert (problem.code, problem.field, problem.line) == ("ambiguous-name", "subject", 2)
    assert all(f"NCBIGene:{i}" in problem.message for i in ids)


def test_an_unknown_gene_says_what_was_searched(tmp_path: Path) -> None:
    path = _write(tmp_path, "NOTAGENE1\tcontributes_to\tbreast cancer\t\t\t13\tlow\t\tNo.\n")
    with pytest.raises(ValidationFailed) as failed:
        assemble(plan_sources([path]))
    (problem,) = failed.value.problems
    assert problem.code == "unknown-gene"
    assert "gene_info with --source" in problem.message


@pytest.mark.slow
def test_a_given_gene_info_takes_over_from_the_table(tmp_path: Path) -> None:
    path = _write(tmp_path, "BRCA1\tcontributes_to\tbreast cancer\t\t\t13\tlow\t\tGene info.\n")
    kb = assemble(plan_sources([path, need(GENE_INFO)]))
    brca1 = {n.id: n for n in kb.nodes}["NCBIGene:672"]
    assert brca1.source.file == str(GENE_INFO)


def test_columns() -> None:
    assert COLUMNS == ("gene_id", "symbol", "kind", "hgnc", "synonyms", "name")
