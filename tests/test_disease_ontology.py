"""The Disease Ontology dictionary ingestor, on the real report and on small broken ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.model import NodeRecord, Record, SubclassRecord
from graph.vocab import Category
from ingest import registry
from ingest.disease_ontology import (
    ancestors,
    ingest_disease_ontology,
    is_doid,
    sniff_disease_ontology,
    split_row,
    subclass_edges,
)
from ingest.problems import Level, Problem, Problems
from tests.conftest import HUMAN_DO

HEADER = "id\tlabel\tsubClassOf"


def row(*cells: str) -> str:
    return "\t".join(f'"{cell}"' for cell in cells)


SMALL = [
    HEADER,
    row("DOID:162", "cancer", "disease of cellular proliferation"),
    row("DOID:14566", "disease of cellular proliferation", "disease"),
    row("DOID:1324", "lung cancer", "cancer"),
    row("DOID:3910", "lung adenocarcinoma", "lung cancer"),
]


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def ingest(path: Path) -> tuple[list[Record], Problems]:
    problems = Problems()
    return list(ingest_disease_ontology(path, problems)), problems


def nodes_of(records: list[Record]) -> dict[str, NodeRecord]:
    return {r.id: r for r in records if isinstance(r, NodeRecord)}


def edges_of(records: list[Record]) -> list[tuple[str, str]]:
    return [(r.child, r.parent) for r in records if isinstance(r, SubclassRecord)]


def errors_and_warnings(problems: Problems) -> list[tuple[str, str, int, Level]]:
    return [(p.code, p.field, p.line, p.level) for p in problems]


def only_problem(problems: Problems) -> Problem:
    items = list(problems)
    if len(items) != 1:
        pytest.fail(f"expected exactly one problem, got: {[str(p) for p in items]}")
    return items[0]


# --------------------------------------------------------------------------- the real file


@pytest.fixture(scope="module")
def real() -> tuple[list[Record], Problems]:
    if not HUMAN_DO.is_file():
        pytest.skip(f"{HUMAN_DO} is absent (the shared data directory is not checked out)")
    return ingest(HUMAN_DO)


def test_real_counts(real: tuple[list[Record], Problems]) -> None:
    records, problems = real
    nodes = nodes_of(records)
    assert len(nodes) == 12246  # 12296 data rows: terms with several parents repeat
    assert sum(isinstance(r, NodeRecord) for r in records) == len(nodes)
    assert all(node.category is Category.CANCER_TYPE for node in nodes.values())
    assert len(edges_of(records)) == 12288
    assert problems.errors == []


def test_real_only_warning_is_the_unlisted_root(real: tuple[list[Record], Problems]) -> None:
    problem = only_problem(real[1])
    assert (problem.code, problem.field, problem.line) == ("unknown-parent", "subClassOf", 5257)
    assert problem.level is Level.WARNING
    assert "'disease'" in problem.message
    assert "8 subClassOf edge(s) skipped" in problem.message


def test_real_several_parents(real: tuple[list[Record], Problems]) -> None:
    records = real[0]
    behcet = nodes_of(records)["DOID:13241"]
    assert behcet.label == "Behcet's disease"
    assert behcet.source.line == 239
    parents = subclass_edges(records)["DOID:13241"]
    assert len(parents) == 2


def test_real_lung_cancer(real: tuple[list[Record], Problems]) -> None:
    records = real[0]
    nodes = nodes_of(records)
    assert nodes["DOID:1324"].label == "lung cancer"
    (parent,) = subclass_edges(records)["DOID:1324"]
    assert nodes[parent].label == "respiratory system cancer"
    assert parent.startswith("DOID:")


def test_real_ancestors(real: tuple[list[Record], Problems]) -> None:
    records = real[0]
    edges = subclass_edges(records)
    nodes = nodes_of(records)
    assert "DOID:1324" in ancestors(edges, "DOID:3910")
    assert nodes["DOID:162"].label == "cancer"
    assert "DOID:162" in ancestors(edges, "DOID:1612")
    assert "DOID:1612" not in ancestors(edges, "DOID:1612")


def test_real_file_is_sniffed(real: tuple[list[Record], Problems]) -> None:
    assert sniff_disease_ontology(HUMAN_DO)


# --------------------------------------------------------------------------- pure helpers


def test_ancestors_terminates_on_a_cycle() -> None:
    edges = {"A": {"B"}, "B": {"C"}, "C": {"A", "D"}}
    assert ancestors(edges, "A") == {"B", "C", "D"}
    assert ancestors({"A": {"A"}}, "A") == set()
    assert ancestors(edges, "D") == set()
    assert ancestors({}, "X") == set()


def test_is_doid_and_split_row() -> None:
    assert is_doid("DOID:1324")
    assert not is_doid("DOID_1324")
    assert not is_doid("doid:1324")
    assert not is_doid("DOID:")
    assert split_row('"DOID:1"\t"a ""quoted"" label"\t""', "\t") == [
        "DOID:1",
        'a "quoted" label',
        "",
    ]


def test_sniffer(tmp_path: Path) -> None:
    assert sniff_disease_ontology(write(tmp_path / "do.tsv", SMALL))
    quoted = write(tmp_path / "quoted.tsv", [row("id", "label", "subClassOf")])
    assert sniff_disease_ontology(quoted)
    assert sniff_disease_ontology(write(tmp_path / "do.csv", ["id,label,subClassOf"]))
    assert not sniff_disease_ontology(write(tmp_path / "do.txt", SMALL))
    assert not sniff_disease_ontology(write(tmp_path / "other.tsv", ["id\tlabel\tparent"]))
    assert not sniff_disease_ontology(tmp_path)


def test_registered_as_dictionary() -> None:
    spec = registry.get("disease_ontology")
    assert spec.role == "dictionary"
    assert spec.func is ingest_disease_ontology
    assert spec.sniff is sniff_disease_ontology


# --------------------------------------------------------------------------- small files


def test_small_file(tmp_path: Path) -> None:
    records, problems = ingest(write(tmp_path / "do.tsv", SMALL))
    assert errors_and_warnings(problems) == [("unknown-parent", "subClassOf", 3, Level.WARNING)]
    assert list(nodes_of(records)) == ["DOID:162", "DOID:14566", "DOID:1324", "DOID:3910"]
    assert edges_of(records) == [
        ("DOID:162", "DOID:14566"),
        ("DOID:1324", "DOID:162"),
        ("DOID:3910", "DOID:1324"),
    ]
    edge = next(r for r in records if isinstance(r, SubclassRecord))
    assert (edge.source.file, edge.source.line) == (str(tmp_path / "do.tsv"), 2)


def test_unquoted_csv_and_parent_given_by_id(tmp_path: Path) -> None:
    lines = ["id,label,subClassOf", "DOID:162,cancer,", "DOID:1324,lung cancer,DOID:162"]
    records, problems = ingest(write(tmp_path / "do.csv", lines))
    assert list(problems) == []
    assert edges_of(records) == [("DOID:1324", "DOID:162")]


def test_parent_label_matches_ignoring_case_and_spaces(tmp_path: Path) -> None:
    lines = [HEADER, row("DOID:162", "cancer", ""), row("DOID:1324", "lung cancer", " Cancer ")]
    records, problems = ingest(write(tmp_path / "do.tsv", lines))
    assert list(problems) == []
    assert edges_of(records) == [("DOID:1324", "DOID:162")]


def test_bad_id(tmp_path: Path) -> None:
    lines = [*SMALL, row("DOID_99", "bad", "cancer")]
    records, problems = ingest(write(tmp_path / "do.tsv", lines))
    bad = [p for p in problems if p.level is Level.ERROR]
    assert [(p.code, p.field, p.line) for p in bad] == [("bad-curie", "id", 6)]
    assert "DOID_99" not in nodes_of(records)


def test_empty_label(tmp_path: Path) -> None:
    lines = [*SMALL, row("DOID:99", "", "cancer")]
    records, problems = ingest(write(tmp_path / "do.tsv", lines))
    assert problems.errors[0].code == "missing-value"
    assert [(p.code, p.field, p.line) for p in problems.errors] == [("missing-value", "label", 6)]
    assert "DOID:99" not in nodes_of(records)


def test_unknown_parent_label_is_a_warning(tmp_path: Path) -> None:
    lines = [HEADER, row("DOID:162", "cancer", ""), row("DOID:1324", "lung cancer", "cancr")]
    records, problems = ingest(write(tmp_path / "do.tsv", lines))
    assert errors_and_warnings(problems) == [("unknown-parent", "subClassOf", 3, Level.WARNING)]
    assert "'cancr'" in only_problem(problems).message
    assert "DOID:1324" in nodes_of(records)
    assert edges_of(records) == []


def test_ambiguous_parent_label_is_a_warning(tmp_path: Path) -> None:
    lines = [
        HEADER,
        row("DOID:1", "sarcoma", ""),
        row("DOID:2", "sarcoma", ""),
        row("DOID:3", "bone sarcoma", "sarcoma"),
        row("DOID:4", "other sarcoma", "sarcoma"),
        row("DOID:4", "other sarcoma", "DOID:1"),
    ]
    records, problems = ingest(write(tmp_path / "do.tsv", lines))
    problem = only_problem(problems)
    assert (problem.code, problem.field, problem.line) == ("ambiguous-parent", "subClassOf", 4)
    assert problem.level is Level.WARNING
    assert "DOID:1, DOID:2" in problem.message
    assert "line(s) 5" in problem.message
    assert edges_of(records) == [("DOID:4", "DOID:1")]
    assert len(nodes_of(records)) == 4


def test_conflicting_label_for_one_id(tmp_path: Path) -> None:
    lines = [HEADER, row("DOID:162", "cancer", ""), row("DOID:162", "malignant neoplasm", "")]
    records, problems = ingest(write(tmp_path / "do.tsv", lines))
    problem = only_problem(problems)
    assert (problem.code, problem.field, problem.line) == ("conflicting-value", "label", 3)
    assert nodes_of(records)["DOID:162"].label == "cancer"


def test_duplicate_row_and_self_parent_are_warnings(tmp_path: Path) -> None:
    lines = [
        HEADER,
        row("DOID:162", "cancer", ""),
        row("DOID:1324", "lung cancer", "cancer"),
        row("DOID:1324", "lung cancer", "cancer"),
        row("DOID:3910", "lung adenocarcinoma", "lung adenocarcinoma"),
    ]
    records, problems = ingest(write(tmp_path / "do.tsv", lines))
    assert errors_and_warnings(problems) == [
        ("duplicate-row", "subClassOf", 4, Level.WARNING),
        ("self-parent", "subClassOf", 5, Level.WARNING),
    ]
    assert edges_of(records) == [("DOID:1324", "DOID:162")]


def test_bad_header(tmp_path: Path) -> None:
    lines = ["id\tname\tsubClassOf", *SMALL[1:]]
    records, problems = ingest(write(tmp_path / "do.tsv", lines))
    problem = only_problem(problems)
    assert (problem.code, problem.field, problem.line) == ("missing-column", "label", 1)
    assert records == []


def test_too_many_cells(tmp_path: Path) -> None:
    lines = [*SMALL, row("DOID:99", "x", "cancer", "extra")]
    _, problems = ingest(write(tmp_path / "do.tsv", lines))
    assert [(p.code, p.field, p.line) for p in problems.errors] == [("bad-row", "", 6)]


def test_bad_encoding(tmp_path: Path) -> None:
    path = tmp_path / "do.tsv"
    text = "\n".join(SMALL) + "\n"
    path.write_bytes(text.encode("utf-8").replace(b"lung cancer", b"lung c\xe4ncer", 1))
    records, problems = ingest(path)
    problem = only_problem(problems)
    assert (problem.code, problem.line) == ("bad-encoding", 4)
    assert records == []


def test_empty_file(tmp_path: Path) -> None:
    records, problems = ingest(write(tmp_path / "do.tsv", []))
    assert records == []
    assert only_problem(problems).code == "empty-file"
