"""Documented non-review sources (``sources.tsv``, cited as ``source:ID``), the review-support
rule of the confidence rubric, and the organs' spread route."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.model import EdgeRecord
from graph.store import KnowledgeStore
from graph.vocab import MKG, Category, Confidence
from ingest.curated import default_data_dir
from ingest.pipeline import KnowledgeBase, assemble, plan_sources
from ingest.problems import Problem, ValidationFailed
from server.cli import main
from tests.test_confidence_rubric import DOCS, curated_rows

NCI = "metakg:source/nci-metastatic-cancer"
HEADER = "subject\tpredicate\tobject\treferences\tconfidence\tnote\n"
#: The words a note must contain when its row cites no reference of the review.
NO_REVIEW_SUPPORT = "no review reference"


def _problems(*paths: Path, curated: bool = True) -> list[Problem]:
    with pytest.raises(ValidationFailed) as caught:
        assemble(plan_sources(list(paths), curated=curated))
    return [p for p in caught.value.problems if p.level.value == "error"]


def _assertions(tmp_path: Path, references: str) -> Path:
    path = tmp_path / "mine.tsv"
    path.write_text(
        HEADER + f"kidney cancer\tmetastasizes_to\tbone\t{references}\tmedium\tA test row.\n",
        encoding="utf-8",
    )
    return path


def _curated_copy(tmp_path: Path) -> Path:
    """A copy of ingest/data to break one table in (the curated files stay untouched)."""
    copy = tmp_path / "data"
    shutil.copytree(default_data_dir(), copy)
    return copy


# --- the sources table and its nodes ---------------------------------------------------------


def test_each_documented_source_is_a_publication_without_a_reference_number(
    kb: KnowledgeBase,
) -> None:
    table = (default_data_dir() / "sources.tsv").read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in table if line and not line.startswith("#")]
    header, body = rows[0], rows[1:]
    assert body
    nodes = {n.id: n for n in kb.nodes}
    for cells in body:
        row = dict(zip(header, cells, strict=True))
        node = nodes[f"metakg:source/{row['id']}"]
        assert node.category is Category.PUBLICATION
        assert node.label == row["title"]
        assert node.prop("referenceNumber") is None
        assert node.prop("seen") == row["seen"]
        assert node.prop("publisher", "") == row["publisher"]
        assert node.prop("url", "") == row["url"]
        assert node.description == row["note"]


def test_source_nodes_reach_the_store_with_their_properties(store: KnowledgeStore) -> None:
    rows = store.rdf.query(
        f"SELECT ?title ?publisher ?seen WHERE {{ <https://w3id.org/metakg/id/source/"
        f"nci-metastatic-cancer> <http://www.w3.org/2000/01/rdf-schema#label> ?title ; "
        f"<{MKG}publisher> ?publisher ; <{MKG}seen> ?seen }}"
    )
    rows = list(rows)
    assert len(rows) == 1
    assert "National Cancer Institute" in str(rows[0]["publisher"].value)


def test_the_nci_rows_cite_the_fact_sheet_and_keep_their_review_numbers(
    kb: KnowledgeBase,
) -> None:
    citing = [e for e in kb.edges if NCI in e.references]
    assert len(citing) >= 30
    with_review = [e for e in citing if any(r.startswith("metakg:ref/") for r in e.references)]
    without = {e.subject for e in citing} - {e.subject for e in with_review}
    # Only kidney cancer and its subtype have no reference of the review at all.
    names = {n.id: n.label for n in kb.nodes}
    assert {names[s] for s in without} == {"Kidney cancer", "Renal cell carcinoma"}


def test_a_user_file_can_cite_a_curated_source(tmp_path: Path) -> None:
    kb = assemble(plan_sources([_assertions(tmp_path, "source:nci-metastatic-cancer;12")]))
    (edge,) = [e for e in kb.edges if e.origin == "file:mine.tsv"]
    assert edge.references == (NCI, "metakg:ref/12")


def test_an_unknown_source_is_an_error_listing_the_known_ids(tmp_path: Path) -> None:
    path = _assertions(tmp_path, "12;source:nci-fact-sheet")
    (problem,) = _problems(path)
    assert (problem.file, problem.line, problem.field, problem.code) == (
        str(path),
        2,
        "references",
        "unknown-source",
    )
    assert "'source:nci-fact-sheet' is not a documented source" in problem.message
    assert "nci-metastatic-cancer" in problem.message
    assert "friberg-nystrom-late-recurrences" in problem.message


def test_a_malformed_source_reference_is_reported_with_its_form(tmp_path: Path) -> None:
    path = _assertions(tmp_path, "source:NCI fact sheet")
    (problem,) = _problems(path)
    assert (problem.line, problem.field, problem.code) == (2, "references", "bad-reference")
    assert "expected source:ID" in problem.message


@pytest.mark.parametrize(
    ("cells", "field", "code"),
    [
        ("Bad Id\tA title\t\tPublisher\t\tseen here\tnote", "id", "bad-id"),
        ("fine-id\tA title\t\tPublisher\tftp://x\tseen here\tnote", "url", "bad-url"),
        ("fine-id\tA title\t\tPublisher\t\t\tnote", "seen", "missing-value"),
        ("nci-metastatic-cancer\tAgain\t\t\t\tseen\tnote", "id", "duplicate-key"),
    ],
)
def test_a_bad_sources_row_is_reported(tmp_path: Path, cells: str, field: str, code: str) -> None:
    data = _curated_copy(tmp_path)
    table = data / "sources.tsv"
    table.write_text(table.read_text(encoding="utf-8") + cells + "\n", encoding="utf-8")
    line = len(table.read_text(encoding="utf-8").splitlines())
    problems = _problems(data, curated=False)
    assert (line, field, code) in {(p.line, p.field, p.code) for p in problems}, problems
    assert all(p.file.endswith("sources.tsv") for p in problems)


# --- the review-support rule of the rubric -----------------------------------------------------


def _cites_the_review(row: EdgeRecord) -> bool:
    return any(ref.isdigit() for ref in row.references)


def test_a_row_without_review_support_says_so_and_is_not_high() -> None:
    rows = curated_rows()
    unsupported = [r for r in rows if not _cites_the_review(r)]
    assert unsupported, "the kidney rows cite no reference of the review"
    for row in unsupported:
        where = f"{Path(row.source.file).name}:{row.source.line}"
        assert NO_REVIEW_SUPPORT in row.note, f"{where}: say '{NO_REVIEW_SUPPORT}' in the note"
        assert row.confidence is not Confidence.HIGH, f"{where}: cap it at medium"
    # The phrase means what it says: a row that cites the review never claims it has none.
    for row in rows:
        if _cites_the_review(row):
            assert NO_REVIEW_SUPPORT not in row.note, row.source


def test_a_row_resting_only_on_documented_sources_is_not_high() -> None:
    for row in curated_rows():
        if row.references and all(r.startswith("source:") for r in row.references):
            assert row.confidence is not Confidence.HIGH, row.source


def test_the_rule_is_written_in_the_docs() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert f"`{NO_REVIEW_SUPPORT}`" in text
    assert "`source:ID`" in text and "sources.tsv" in text


# --- spread routes -----------------------------------------------------------------------------


def test_an_unknown_route_is_an_error(tmp_path: Path) -> None:
    data = _curated_copy(tmp_path)
    table = data / "organs.tsv"
    lines = table.read_text(encoding="utf-8").splitlines()
    number = next(i for i, x in enumerate(lines, 1) if x.startswith("lymph_node\t"))
    lines[number - 1] = lines[number - 1].replace("\tlymphatic\t", "\tlymph\t", 1)
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # The organ is left out, so rows naming it fail too; the cause is reported on its line.
    (problem,) = [p for p in _problems(data, curated=False) if p.file.endswith("organs.tsv")]
    assert (problem.line, problem.field, problem.code) == (number, "route", "bad-value")
    assert "haematogenous, lymphatic, transcoelomic" in problem.message


def test_show_gives_the_route_and_the_source(store_path: Path) -> None:
    runner = CliRunner()
    node = runner.invoke(main, ["show", "lymph node", "--json", "--store", str(store_path)])
    assert node.exit_code == 0, node.output
    assert json.loads(node.stdout)["spreadRoute"] == "lymphatic"
    sheet = runner.invoke(main, ["show", NCI, "--json", "--store", str(store_path)])
    assert sheet.exit_code == 0, sheet.output
    entity = json.loads(sheet.stdout)
    assert entity["category"] == "publication" and "referenceNumber" not in entity
