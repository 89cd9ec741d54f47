"""The NCBI gene_info dictionary ingestor, on the real file and on small broken ones."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest

from graph.model import NodeRecord, Record
from graph.vocab import Category
from ingest import registry
from ingest.gene_info import (
    ingest_gene_info,
    is_microrna,
    parse_dbxrefs,
    parse_header,
    sniff_gene_info,
    split_synonyms,
)
from ingest.problems import Level, Problem, Problems
from tests.conftest import GENE_INFO

OLD_HEADER = (
    "#Format: tax_id GeneID Symbol LocusTag Synonyms dbXrefs chromosome map_location "
    "description type_of_gene Symbol_from_nomenclature_authority "
    "Full_name_from_nomenclature_authority Nomenclature_status Other_designations "
    "Modification_date (tab is used as a separator, pound sign - start of a comment)"
)
NEW_COLUMNS = (
    "tax_id GeneID Symbol LocusTag Synonyms dbXrefs chromosome map_location description "
    "type_of_gene Symbol_from_nomenclature_authority Full_name_from_nomenclature_authority "
    "Nomenclature_status Other_designations Modification_date Feature_type"
).split()
NEW_HEADER = "#" + "\t".join(NEW_COLUMNS)

CTGF = (
    "9606\t1490\tCTGF\t-\tCCN2|HCS24|IGFBP8|NOV2\t"
    "MIM:121009|HGNC:HGNC:2500|Ensembl:ENSG00000118523\t6\t6q23.1\t"
    "connective tissue growth factor\tprotein-coding\tCTGF\tconnective tissue growth factor\t"
    "O\tCCN family member 2\t20150528"
)
MIR10B = (
    "9606\t406903\tMIR10B\t-\tMIRN10B|mir-10b\tHGNC:HGNC:31498|miRBase:MI0000267\t2\t2q31.1\t"
    "microRNA 10b\tncRNA\tMIR10B\tmicroRNA 10b\tO\t-\t20150521"
)
PTGS2 = (
    "9606\t5743\tPTGS2\t-\tCOX-2|COX2\tHGNC:HGNC:9605\t1\t1q25.2-q25.3\t"
    "prostaglandin-endoperoxide synthase 2\tprotein-coding\tPTGS2\t"
    "prostaglandin-endoperoxide synthase 2\tO\t-\t20150531"
)


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def ingest(path: Path) -> tuple[list[Record], Problems]:
    problems = Problems()
    return list(ingest_gene_info(path, problems)), problems


def only_problem(problems: Problems) -> Problem:
    items = list(problems)
    if len(items) != 1:
        pytest.fail(f"expected exactly one problem, got: {[str(p) for p in items]}")
    return items[0]


# --------------------------------------------------------------------------- the real file


@pytest.fixture(scope="module")
def real() -> tuple[dict[str, NodeRecord], Problems]:
    if not GENE_INFO.is_file():
        pytest.skip(f"{GENE_INFO} is absent (the shared data directory is not checked out)")
    records, problems = ingest(GENE_INFO)
    nodes = {r.id: r for r in records if isinstance(r, NodeRecord)}
    if len(nodes) != len(records):
        pytest.fail("gene_info yielded something other than nodes")
    return nodes, problems


def test_real_file_counts(real: tuple[dict[str, NodeRecord], Problems]) -> None:
    nodes, problems = real
    # The human file also lists archaic-human mitochondrial genes: skipped with one warning.
    assert [(p.code, p.level.value) for p in problems] == [("other-taxon", "warning")]
    assert "37 row(s) of NCBITaxon:63221" in problems.warnings[0].message
    assert len(nodes) == 56425 - 73
    assert {node.taxon for node in nodes.values()} == {"NCBITaxon:9606"}
    categories = Counter(node.category for node in nodes.values())
    assert categories[Category.MICRORNA] > 1800


def test_real_ctgf(real: tuple[dict[str, NodeRecord], Problems]) -> None:
    ctgf = real[0]["NCBIGene:1490"]
    assert ctgf.category is Category.GENE
    assert (ctgf.symbol, ctgf.label) == ("CTGF", "CTGF")
    assert ctgf.description == "connective tissue growth factor"
    assert "HGNC:2500" in ctgf.xrefs
    assert "ENSEMBL:ENSG00000118523" in ctgf.xrefs
    assert "CCN2" in ctgf.weak_synonyms
    assert ctgf.taxon == "NCBITaxon:9606"
    assert ctgf.source.file == str(GENE_INFO)
    assert ctgf.source.line == 1227


def test_real_ptgs2_and_mir10b(real: tuple[dict[str, NodeRecord], Problems]) -> None:
    nodes = real[0]
    assert nodes["NCBIGene:5743"].symbol == "PTGS2"
    assert "COX2" in nodes["NCBIGene:5743"].weak_synonyms
    mir10b = nodes["NCBIGene:406903"]
    assert mir10b.symbol == "MIR10B"
    assert mir10b.category is Category.MICRORNA
    assert "HGNC:31498" in mir10b.xrefs


def test_real_file_is_sniffed(real: tuple[dict[str, NodeRecord], Problems]) -> None:
    assert sniff_gene_info(GENE_INFO)


# --------------------------------------------------------------------------- pure helpers


def test_parse_dbxrefs() -> None:
    cell = "MIM:121009|HGNC:HGNC:2500|Ensembl:ENSG00000118523|Ensembl:ENSG00000999999"
    assert parse_dbxrefs(cell) == {
        "MIM": "121009",
        "HGNC": "2500",
        "Ensembl": "ENSG00000118523",
    }
    assert parse_dbxrefs("-") == {}
    assert parse_dbxrefs("") == {}
    assert parse_dbxrefs("junk|IMGT/GENE-DB:TRAV1") == {"IMGT/GENE-DB": "TRAV1"}


def test_split_synonyms_and_microrna_rule() -> None:
    assert split_synonyms("-") == ()
    assert split_synonyms("A|B|A") == ("A", "B")
    assert is_microrna("MIR10B", "ncRNA")
    assert not is_microrna("MIR10B", "protein-coding")
    assert is_microrna("MIRLET7A1", "ncRNA")
    assert not is_microrna("MIR17HG", "ncRNA")  # a host gene, not a microRNA
    assert not is_microrna("MITF", "ncRNA")


def test_parse_header_both_styles() -> None:
    assert parse_header(OLD_HEADER)[:3] == ["tax_id", "GeneID", "Symbol"]
    assert parse_header(OLD_HEADER)[-1] == "Modification_date"
    assert parse_header(NEW_HEADER) == NEW_COLUMNS
    assert parse_header(CTGF) is None


def test_sniffer(tmp_path: Path) -> None:
    assert sniff_gene_info(write(tmp_path / "Mus_musculus.gene_info", [OLD_HEADER]))
    assert sniff_gene_info(write(tmp_path / "genes.txt", [OLD_HEADER, CTGF]))
    assert sniff_gene_info(write(tmp_path / "genes2.txt", [NEW_HEADER]))
    assert not sniff_gene_info(write(tmp_path / "other.tsv", ["id\tlabel", "a\tb"]))
    assert not sniff_gene_info(tmp_path)
    assert not sniff_gene_info(tmp_path / "missing.txt")


def test_registered_as_dictionary() -> None:
    spec = registry.get("ncbi_gene_info")
    assert spec.role == "dictionary"
    assert spec.func is ingest_gene_info
    assert spec.sniff is sniff_gene_info


# --------------------------------------------------------------------------- small files


def test_tiny_gzip_file(tmp_path: Path) -> None:
    path = tmp_path / "tiny.gene_info.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join([OLD_HEADER, CTGF, MIR10B, PTGS2]) + "\n")
    records, problems = ingest(path)
    assert list(problems) == []
    assert [r.id for r in records] == ["NCBIGene:1490", "NCBIGene:406903", "NCBIGene:5743"]
    assert [r.source.line for r in records] == [2, 3, 4]
    assert records[1].category is Category.MICRORNA
    assert records[1].weak_synonyms == ("MIRN10B", "mir-10b")
    assert sniff_gene_info(path)


def test_new_tab_header_with_extra_column(tmp_path: Path) -> None:
    path = write(tmp_path / "new.gene_info", [NEW_HEADER, CTGF + "\tprotein"])
    records, problems = ingest(path)
    assert list(problems) == []
    assert [r.id for r in records] == ["NCBIGene:1490"]


def test_authority_symbol_is_a_weak_synonym_and_description_fallback(tmp_path: Path) -> None:
    cells = CTGF.split("\t")
    cells[10] = "CCN2"  # Symbol_from_nomenclature_authority differs from Symbol
    cells[11] = "-"  # no official full name: fall back to description
    cells[8] = "the NCBI description"
    records, problems = ingest(write(tmp_path / "x.gene_info", [OLD_HEADER, "\t".join(cells)]))
    assert list(problems) == []
    node = records[0]
    assert node.weak_synonyms == ("CCN2", "HCS24", "IGFBP8", "NOV2")
    assert node.description == "the NCBI description"


def test_short_row(tmp_path: Path) -> None:
    short = "\t".join(CTGF.split("\t")[:10])
    records, problems = ingest(write(tmp_path / "x.gene_info", [OLD_HEADER, MIR10B, short]))
    problem = only_problem(problems)
    assert (problem.code, problem.field, problem.line) == ("bad-row", "", 3)
    assert problem.level is Level.ERROR
    assert [r.id for r in records] == ["NCBIGene:406903"]


def test_non_numeric_gene_id(tmp_path: Path) -> None:
    bad = CTGF.replace("\t1490\t", "\tG1490\t", 1)
    records, problems = ingest(write(tmp_path / "x.gene_info", [OLD_HEADER, bad, MIR10B]))
    problem = only_problem(problems)
    assert (problem.code, problem.field, problem.line) == ("bad-id", "GeneID", 2)
    assert [r.id for r in records] == ["NCBIGene:406903"]


def test_duplicate_gene_id(tmp_path: Path) -> None:
    lines = [OLD_HEADER, CTGF, MIR10B, CTGF.replace("\tCTGF\t", "\tCCN2\t", 1)]
    records, problems = ingest(write(tmp_path / "x.gene_info", lines))
    problem = only_problem(problems)
    assert (problem.code, problem.field, problem.line) == ("duplicate-key", "GeneID", 4)
    assert "line 2" in problem.message
    assert [r.symbol for r in records] == ["CTGF", "MIR10B"]


def test_header_missing_a_column(tmp_path: Path) -> None:
    header = OLD_HEADER.replace(" GeneID ", " Gene_ID ")
    records, problems = ingest(write(tmp_path / "x.gene_info", [header, CTGF]))
    problem = only_problem(problems)
    assert (problem.code, problem.field, problem.line) == ("missing-column", "GeneID", 1)
    assert records == []


def test_no_header_at_all(tmp_path: Path) -> None:
    records, problems = ingest(write(tmp_path / "x.gene_info", [CTGF, MIR10B]))
    problem = only_problem(problems)
    assert (problem.code, problem.field, problem.line) == ("missing-column", "", 1)
    assert records == []


def test_bad_utf8_byte(tmp_path: Path) -> None:
    path = tmp_path / "x.gene_info"
    text = "\n".join([OLD_HEADER, CTGF, MIR10B, PTGS2]) + "\n"
    path.write_bytes(text.encode("utf-8").replace(b"microRNA 10b", b"micro\xffRNA 10b", 1))
    records, problems = ingest(path)
    problem = only_problem(problems)
    assert (problem.code, problem.field, problem.line) == ("bad-encoding", "", 3)
    assert "0xff" in problem.message
    assert [r.id for r in records] == ["NCBIGene:1490", "NCBIGene:5743"]


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "x.gene_info"
    path.write_bytes(b"")
    records, problems = ingest(path)
    assert records == []
    assert only_problem(problems).code == "empty-file"


def test_empty_gzip_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.gene_info.gz"
    path.write_bytes(gzip.compress(b""))
    records, problems = ingest(path)
    assert records == []
    assert only_problem(problems).code == "empty-file"


def test_truncated_gzip(tmp_path: Path) -> None:
    path = tmp_path / "cut.gene_info.gz"
    data = gzip.compress(("\n".join([OLD_HEADER] + [CTGF] * 3) + "\n").encode())
    path.write_bytes(data[: len(data) // 2])
    records, problems = ingest(path)
    assert [p.code for p in problems] == ["unreadable-file"]


def test_rows_carry_ncbi_gene_type(tmp_path: Path) -> None:
    from ingest.gene_info import iter_gene_rows

    path = write(tmp_path / "x.gene_info", [OLD_HEADER, CTGF, MIR10B])
    problems = Problems()
    rows = list(iter_gene_rows(path, problems))
    assert list(problems) == []
    assert [(r.node.symbol, r.type_of_gene) for r in rows] == [
        ("CTGF", "protein-coding"),
        ("MIR10B", "ncRNA"),
    ]
