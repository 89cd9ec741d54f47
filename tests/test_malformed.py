"""Malformed sources: each is reported with file, line, field, code and its exact message,
and nothing is built."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import assemble, plan_sources
from ingest.problems import Problem, ValidationFailed
from tests.conftest import GENE_INFO, need

HEADER = (
    "subject\tpredicate\tobject\torgan\treferences\tconfidence\tnote\tdirection\t"
    "evidence_type\torganism\tfrequency"
)
GOOD = (
    "EREG\tmediates_metastasis_to\tlung\t\t61\thigh\tEpiregulin helps cells cross lung capillaries."
)


def _row(*cells: str) -> str:
    return HEADER + "\n" + "\t".join(cells) + "\n"


def problems_of(*paths: Path) -> list[Problem]:
    with pytest.raises(ValidationFailed) as caught:
        assemble(plan_sources(list(paths)))
    return list(caught.value.problems)


def _one(problems: list[Problem], path: Path) -> tuple[int, str, str, str]:
    errors = [p for p in problems if p.level.value == "error"]
    assert len(errors) == 1, errors
    (problem,) = errors
    assert problem.file == str(path)
    return problem.line, problem.field, problem.code, problem.message


ASSERTION_CASES = [
    (
        "unknown_reference",
        _row("EREG", "mediates_metastasis_to", "lung", "", "120", "high", "note text"),
        (
            2,
            "references",
            "unknown-reference",
            "reference 120 is not in the review's reference list (1-119); cite an existing number "
            "or a publication CURIE such as PMID:17420468",
        ),
    ),
    (
        "unknown_gene",
        _row("FOO1", "mediates_metastasis_to", "lung", "", "61", "high", "note text"),
        (
            2,
            "subject",
            "unknown-gene",
            "'FOO1' is not a known gene or miRNA; add it to genes.tsv, or pass NCBI's gene_info "
            "with --source to resolve it",
        ),
    ),
    (
        "bad_reference_curie",
        _row("EREG", "mediates_metastasis_to", "lung", "", "PMID:abc", "high", "note text"),
        (
            2,
            "references",
            "bad-reference",
            "'PMID:abc' is not a reference: expected a review reference number (1-119) or a "
            "publication CURIE (PMID:123, PMCID:PMC123, doi:10.1000/xyz) or a documented "
            "source (source:ID, a row of sources.tsv)",
        ),
    ),
    (
        "duplicate_key",
        HEADER + "\n" + GOOD + "\n" + GOOD + "\n",
        (
            3,
            "subject",
            "duplicate-key",
            "the same assertion (EREG mediates_metastasis_to lung, same qualifiers) is already on "
            "line 2; merge the two rows into one",
        ),
    ),
    (
        "bad_predicate",
        _row("EREG", "causes", "lung", "", "61", "high", "note text"),
        (
            2,
            "predicate",
            "bad-predicate",
            "unknown predicate 'causes'; expected one of: has_class, acts_at_step, "
            "mediates_metastasis_to, contributes_to, participates_in, regulates, interacts_with, "
            "metastasizes_to, first_capillary_bed, has_latency_class, has_barrier",
        ),
    ),
    (
        "bad_confidence",
        _row("EREG", "mediates_metastasis_to", "lung", "", "61", "certain", "note text"),
        (
            2,
            "confidence",
            "bad-confidence",
            "unknown confidence 'certain'; expected one of: high, medium, low",
        ),
    ),
    (
        "bad_direction",
        _row("EREG", "mediates_metastasis_to", "lung", "", "61", "high", "note text", "up"),
        (
            2,
            "direction",
            "bad-direction",
            "unknown direction 'up'; expected one of: promotes, suppresses, associated",
        ),
    ),
    (
        "bad_evidence",
        _row("EREG", "mediates_metastasis_to", "lung", "", "61", "high", "note", "", "anecdote"),
        (
            2,
            "evidence_type",
            "bad-evidence-type",
            "unknown evidence type 'anecdote'; expected one of: in_vivo_selection, xenograft, "
            "mouse_model, clinical_cohort, expression_signature, knockdown_or_overexpression, "
            "in_vitro, genomic_analysis, anatomy, review_synthesis",
        ),
    ),
    (
        "bad_organism",
        _row("EREG", "mediates_metastasis_to", "lung", "", "61", "high", "note", "", "", "yeast"),
        (
            2,
            "organism",
            "bad-organism",
            "unknown organism 'yeast'; expected one of: human, mouse, human_cells_in_mouse",
        ),
    ),
    (
        "bad_frequency",
        _row("EREG", "mediates_metastasis_to", "lung", "", "61", "high", "n", "", "", "", "85"),
        (2, "frequency", "bad-frequency", "'85' is not a share between 0 and 1; write 85% as 0.85"),
    ),
    (
        "empty_note",
        _row("EREG", "mediates_metastasis_to", "lung", "", "61", "high", ""),
        (2, "note", "missing-value", "'note' is empty; it is required"),
    ),
    (
        "empty_references",
        _row("EREG", "mediates_metastasis_to", "lung", "", "", "high", "note text"),
        (
            2,
            "references",
            "missing-value",
            "'references' is empty; cite at least one review reference number (1-119) or a "
            "publication CURIE such as PMID:17420468 (or source:ID for a documented source)",
        ),
    ),
    (
        "wrong_category",
        _row("EREG", "has_class", "lung", "", "61", "high", "note text"),
        (
            2,
            "object",
            "wrong-category",
            "'lung' is an organ (UBERON:0002048), but the object of has_class must be a gene class",
        ),
    ),
    (
        "unknown_organ",
        _row("EREG", "acts_at_step", "colonization", "moon", "61", "high", "note text"),
        (
            2,
            "organ",
            "unknown-organ",
            "'moon' is not a known organ; expected one of: Adrenal gland, Bone, Bone marrow, "
            "Brain, Liver, Lung, Lymph node, Peritoneal cavity, Pleura, Skin",
        ),
    ),
    (
        "too_many_cells",
        _row("EREG", "mediates_metastasis_to", "lung", "", "61", "high", "n", "", "", "", "", "x"),
        (
            2,
            "",
            "too-many-cells",
            "12 cells but the header has 11 columns; check for a stray tab in this row",
        ),
    ),
    (
        "empty_file",
        "# nothing but a comment\n",
        (
            0,
            "",
            "empty-file",
            "no header row; expected the columns: subject, predicate, object, references, "
            "confidence, note",
        ),
    ),
    (
        "missing_column",
        "subject\tpredicate\tobject\treferences\tconfidence\n"
        "EREG\tmediates_metastasis_to\tlung\t61\thigh\n",
        (
            1,
            "note",
            "missing-column",
            "the header has no column 'note'; required columns are: subject, predicate, object, "
            "references, confidence, note",
        ),
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "expected"), ASSERTION_CASES, ids=[c[0] for c in ASSERTION_CASES]
)
def test_malformed_assertion_rows(tmp_path: Path, name: str, text: str, expected: tuple) -> None:
    path = tmp_path / f"{name}.tsv"
    path.write_text(text, encoding="utf-8")
    assert _one(problems_of(path), path) == expected


def test_wrong_column_name_reports_both_sides(tmp_path: Path) -> None:
    path = tmp_path / "evidence.tsv"
    path.write_text(
        "subjekt\tpredicate\tobject\treferences\tconfidence\tnote\n"
        "EREG\tmediates_metastasis_to\tlung\t61\thigh\tx\n",
        encoding="utf-8",
    )
    found = {(p.line, p.field, p.code, p.message) for p in problems_of(path)}
    assert found == {
        (
            1,
            "subject",
            "missing-column",
            "the header has no column 'subject'; required columns are: subject, predicate, object, "
            "references, confidence, note",
        ),
        (
            1,
            "subjekt",
            "unknown-column",
            "unknown column 'subjekt'; allowed columns are: subject, predicate, object, "
            "references, confidence, note, direction, cancer_type, organ, step, evidence_type, "
            "organism, frequency, knowledge_level, agent_type",
        ),
    }


def test_bad_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin1.tsv"
    path.write_bytes(
        (HEADER + "\nEREG\tmediates_metastasis_to\tlung\t\t61\thigh\tcaf\xe9\n").encode("latin-1")
    )
    assert _one(problems_of(path), path) == (
        2,
        "",
        "bad-encoding",
        "byte 0xe9 at line 2 is not valid UTF-8; save the file as UTF-8 (in a spreadsheet: "
        "'CSV UTF-8' or 'Unicode text')",
    )


def test_csv_is_read_like_tsv(tmp_path: Path) -> None:
    path = tmp_path / "evidence.csv"
    path.write_text(
        "subject,predicate,object,references,confidence,note\n"
        'EREG,mediates_metastasis_to,lung,61,high,"Needed for lung extravasation, in mice."\n'
        "EREG,mediates_metastasis_to,lung,61,high,again\n",
        encoding="utf-8",
    )
    assert _one(problems_of(path), path)[:3] == (3, "subject", "duplicate-key")


def _directory(tmp_path: Path, **tables: str) -> Path:
    folder = tmp_path / "mydata"
    folder.mkdir()
    for name, text in tables.items():
        (folder / f"{name}.tsv").write_text(text, encoding="utf-8")
    return folder


GENES_HEADER = "symbol\tkind\tname\taliases\thgnc\tncbigene\ttaxon\tnote\n"


def test_bad_curie_in_a_gene_table(tmp_path: Path) -> None:
    folder = _directory(
        tmp_path, genes=GENES_HEADER + "BRCA1\tgene\tBRCA1 DNA repair\t\tHGNC-1100\t\thuman\tx\n"
    )
    assert _one(problems_of(folder), folder / "genes.tsv") == (
        2,
        "hgnc",
        "bad-curie",
        "'HGNC-1100' is not a valid HGNC CURIE; expected the form HGNC:3443 (leave the cell "
        "empty if the identifier is not verified)",
    )


def test_duplicate_symbol_in_a_gene_table(tmp_path: Path) -> None:
    row = "BRCA1\tgene\tBRCA1 DNA repair\t\t\t\thuman\tx\n"
    folder = _directory(tmp_path, genes=GENES_HEADER + row + row)
    assert _one(problems_of(folder), folder / "genes.tsv") == (
        3,
        "symbol",
        "duplicate-key",
        "'BRCA1' is already defined on line 2; each symbol must be unique",
    )


def test_gene_defined_twice_across_sources(tmp_path: Path) -> None:
    folder = _directory(
        tmp_path,
        genes=GENES_HEADER + "EREG\tgene\tepiregulin\t\tHGNC:3443\tNCBIGene:2069\thuman\tx\n",
    )
    (problem,) = problems_of(folder)
    assert (problem.file, problem.line, problem.code) == (
        str(folder / "genes.tsv"),
        2,
        "duplicate-node",
    )
    assert problem.message.startswith(
        "NCBIGene:2069 (EREG) is already defined at ingest/data/genes.tsv:"
    )


def test_unknown_parent_in_a_cancer_table(tmp_path: Path) -> None:
    folder = _directory(
        tmp_path,
        cancer_types="id\tlabel\tdoid\tparent\tvenous_drainage\taliases\tdescription\n"
        "thyroid_x\tThyroid cancer X\t\tthyroid_cancer\tsystemic\t\t\n",
    )
    assert _one(problems_of(folder), folder / "cancer_types.tsv") == (
        2,
        "parent",
        "unknown-parent",
        "parent 'thyroid_cancer' is not an id in this file; expected one of: thyroid_x",
    )


def test_ambiguous_alias(tmp_path: Path) -> None:
    folder = _directory(
        tmp_path,
        genes=GENES_HEADER
        + "NEWA\tgene\tnew gene a\tXYZ1\t\t\thuman\tx\n"
        + "NEWB\tgene\tnew gene b\tXYZ1\t\t\thuman\tx\n",
        evidence=HEADER + "\nXYZ1\tmediates_metastasis_to\tlung\t\t61\thigh\tnote text\n",
    )
    assert _one(problems_of(folder), folder / "evidence.tsv") == (
        2,
        "subject",
        "ambiguous-name",
        "'XYZ1' could be any of metakg:gene/NEWA, metakg:gene/NEWB; use one of these "
        "identifiers instead",
    )


def test_identifier_that_contradicts_gene_info(tmp_path: Path) -> None:
    need(GENE_INFO)
    folder = _directory(
        tmp_path, genes=GENES_HEADER + "BRCA1\tgene\tBRCA1\t\tHGNC:1101\tNCBIGene:672\thuman\tx\n"
    )
    found = [p for p in problems_of(folder, GENE_INFO) if p.level.value == "error"]
    assert [(p.line, p.field, p.code) for p in found] == [(2, "hgnc", "identifier-conflict")]
    assert found[0].message.startswith(
        "BRCA1 has HGNC:1101 here but NCBIGene:672 carries HGNC:1100 in "
    )


def test_missing_and_unrecognised_sources(tmp_path: Path) -> None:
    stray = tmp_path / "graph.json"
    stray.write_text("{}")
    with pytest.raises(ValidationFailed) as caught:
        plan_sources([tmp_path / "nope.tsv", stray])
    by_code = {p.code: p for p in caught.value.problems}
    assert set(by_code) == {"missing-source", "unknown-source"}
    assert by_code["missing-source"].file == str(tmp_path / "nope.tsv")
    assert by_code["unknown-source"].file == str(stray)
    assert (
        "Registered ingestors: assertions, curated_directory" in by_code["unknown-source"].message
    )


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "many.tsv"
    path.write_text(
        HEADER + "\n"
        "FOO1\tmediates_metastasis_to\tlung\t\t61\thigh\tnote\n"
        "EREG\tmediates_metastasis_to\tlung\t\t999\thigh\tnote\n"
        "EREG\tcauses\tlung\t\t61\thigh\tnote\n",
        encoding="utf-8",
    )
    assert [(p.line, p.code) for p in problems_of(path)] == [
        (2, "unknown-gene"),
        (3, "unknown-reference"),
        (4, "bad-predicate"),
    ]
