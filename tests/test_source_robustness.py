"""Source tables that spreadsheets and careless edits produce: long cells, quoted line breaks,
broken quotes, control characters, other line ends. Each is read correctly or refused with a
problem naming the file, the line where the record starts, the field and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest import tabular
from ingest.pipeline import assemble, plan_sources
from ingest.problems import Problem, Problems, ValidationFailed
from server.cli.commands import main

COLUMNS = ("subject", "predicate", "object", "references", "confidence", "note")
CELLS = ("PTGS2", "mediates_metastasis_to", "brain", "PMID:19421193", "medium")


def csv_row(note: str) -> str:
    return ",".join(CELLS) + "," + note


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def notes_of(path: Path) -> list[tuple[int, str]]:
    kb = assemble(plan_sources([path]))
    return sorted((e.source.line, e.note) for e in kb.edges if e.source.file == str(path))


def errors_of(path: Path) -> list[Problem]:
    with pytest.raises(ValidationFailed) as caught:
        assemble(plan_sources([path]))
    return [p for p in caught.value.problems if p.level.value == "error"]


def test_a_cell_over_128_kib_is_read_whole(tmp_path: Path) -> None:
    note = "metastasis " * 30_000  # 330,000 characters, over the csv module's default limit
    path = write(tmp_path, "long.csv", ",".join(COLUMNS) + "\n" + csv_row(f'"{note}"') + "\n")
    assert notes_of(path) == [(2, note.strip())]


@pytest.mark.slow
def test_validate_reads_a_long_cell_without_a_traceback(tmp_path: Path) -> None:
    note = "x" * (200 * 1024)
    path = write(tmp_path, "long.csv", ",".join(COLUMNS) + "\n" + csv_row(note) + "\n")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "SHACL conforms" in result.output


def test_a_quoted_multi_line_cell_is_one_cell_and_lines_stay_physical(tmp_path: Path) -> None:
    text = (
        ",".join(COLUMNS) + "\n"
        + csv_row('"first line\n# not a comment, inside quotes\n\nlast, with a comma"') + "\n"
        + "# a real comment\n"
        + "PTGS2,mediates_metastasis_to,lung,PMID:19421193,medium,\"she said \"\"no\"\"\"\n"
    )
    path = write(tmp_path, "multi.csv", text)
    assert notes_of(path) == [
        (2, "first line\n# not a comment, inside quotes\n\nlast, with a comma"),
        (7, 'she said "no"'),
    ]


def test_a_row_after_a_multi_line_cell_is_reported_at_its_own_line(tmp_path: Path) -> None:
    text = (
        ",".join(COLUMNS) + "\n"
        + csv_row('"one\ntwo\nthree"') + "\n"
        + "PTGS2,mediates_metastasis_to,lung,PMID:19421193,sure,note\n"
    )
    (problem,) = errors_of(write(tmp_path, "after.csv", text))
    assert (problem.line, problem.field, problem.code) == (5, "confidence", "bad-confidence")


def test_an_unterminated_quote_is_an_error_at_the_line_and_field_it_opens(
    tmp_path: Path,
) -> None:
    text = (
        ",".join(COLUMNS) + "\n"
        + csv_row("fine") + "\n"
        + "PTGS2,mediates_metastasis_to,lung,PMID:19421193,medium,\"never closed\n"
        + "PTGS2,mediates_metastasis_to,liver,PMID:19421193,medium,swallowed\n"
    )
    path = write(tmp_path, "open.csv", text)
    (problem,) = errors_of(path)
    assert (problem.file, problem.line, problem.field, problem.code) == (
        str(path), 3, "note", "unterminated-quote"
    )
    assert "column 56 of line 3 is never closed" in problem.message
    assert 'add the closing double quote' in problem.message


def test_text_after_a_closing_quote_is_an_error_and_later_rows_are_still_read(
    tmp_path: Path,
) -> None:
    text = (
        "\t".join(COLUMNS) + "\n"
        + "\t".join(CELLS[:3]) + '\t"PMID:19421193" extra\tmedium\tnote\n'
        + "\t".join((*CELLS[:4], "sure", "note")) + "\n"
    )
    path = write(tmp_path, "stray.tsv", text)
    found = {(p.line, p.field, p.code) for p in errors_of(path)}
    assert found == {(2, "references", "stray-quote"), (3, "confidence", "bad-confidence")}


def test_a_quote_inside_an_unquoted_cell_is_text(tmp_path: Path) -> None:
    text = "\t".join(COLUMNS) + "\n" + "\t".join(CELLS) + '\tthe "seed and soil" idea\n'
    assert notes_of(write(tmp_path, "inner.tsv", text)) == [(2, 'the "seed and soil" idea')]


@pytest.mark.parametrize(
    ("char", "name"),
    [
        ("\x00", "U+0000 (NUL)"),
        ("\x0b", "U+000B (VERTICAL TAB)"),
        ("\x1b", "U+001B (ESCAPE)"),
        ("\uffff", "U+FFFF (a non-character)"),
    ],
)
def test_a_control_character_is_refused_with_its_position(
    tmp_path: Path, char: str, name: str
) -> None:
    text = "\t".join(COLUMNS) + "\n" + "\t".join(CELLS) + f"\tab{char}c\n"
    path = write(tmp_path, "control.tsv", text)
    (problem,) = errors_of(path)
    assert (problem.file, problem.line, problem.field, problem.code) == (
        str(path), 2, "note", "control-character"
    )
    # The note starts after five cells and five tabs: 'a' is column 57, the character 59.
    assert f"{name}" in problem.message
    assert "character 3 of the cell, column 59 of the line" in problem.message
    assert "delete it" in problem.message


def test_a_control_character_in_a_multi_line_cell_names_its_physical_line(
    tmp_path: Path,
) -> None:
    text = ",".join(COLUMNS) + "\n" + csv_row('"one\ntwo\nth\x00ree"') + "\n"
    (problem,) = errors_of(write(tmp_path, "deep.csv", text))
    assert (problem.line, problem.field, problem.code) == (4, "note", "control-character")
    assert "character 11 of the cell" in problem.message


def test_tab_cr_and_lf_inside_quoted_cells_are_kept(tmp_path: Path) -> None:
    text = ",".join(COLUMNS) + "\n" + csv_row('"a\tb\r\nc"') + "\n"
    assert notes_of(write(tmp_path, "ok.csv", text)) == [(2, "a\tb\r\nc")]


def test_cr_only_line_ends_and_a_byte_order_mark(tmp_path: Path) -> None:
    text = "\ufeff" + "\t".join(COLUMNS) + "\r# comment\r\r" + "\t".join(CELLS) + "\tnote\r"
    assert notes_of(write(tmp_path, "mac.tsv", text)) == [(4, "note")]


def test_a_cell_over_the_maximum_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tabular, "MAX_CELL", 1000)
    text = "\t".join(COLUMNS) + "\n" + "\t".join(CELLS) + "\t" + "y" * 1001 + "\n"
    path = write(tmp_path, "huge.tsv", text)
    (problem,) = errors_of(path)
    assert (problem.line, problem.field, problem.code) == (2, "note", "cell-too-large")
    assert "1,001 characters; the most a cell may hold is 1,000" in problem.message


def test_a_problem_in_the_header_stops_the_file(tmp_path: Path) -> None:
    text = "subject\tpre\x07dicate\n" + "\t".join(CELLS) + "\tnote\x00\n"
    problems = Problems()
    rows = list(tabular.read_table(write(tmp_path, "head.tsv", text), problems, required=COLUMNS))
    assert rows == []
    assert [(p.line, p.field, p.code) for p in problems] == [
        (1, "column 2", "control-character")
    ]


def test_spreadsheet_quoting_in_a_tsv_file(tmp_path: Path) -> None:
    """What LibreOffice and Excel write for a tab-separated cell holding quotes and a tab."""
    note = '"He said ""grow"";\tthen it spread"'
    text = "\t".join(COLUMNS) + "\n" + "\t".join(CELLS) + "\t" + note + "\n"
    assert notes_of(write(tmp_path, "sheet.tsv", text)) == [
        (2, 'He said "grow";\tthen it spread')
    ]


def test_a_record_spanning_lines_with_too_many_cells_points_at_the_quote(
    tmp_path: Path,
) -> None:
    text = (
        ",".join(COLUMNS) + "\n"
        + csv_row('"opened by mistake') + "\n"
        + csv_row('closed by mistake",extra') + "\n"
    )
    (problem,) = errors_of(write(tmp_path, "span.csv", text))
    assert (problem.line, problem.code) == (2, "too-many-cells")
    assert "span lines 2-3" in problem.message


def test_a_control_character_from_any_ingestor_is_refused(tmp_path: Path) -> None:
    """KGX, GMT, OBO and RDF records are checked by the pipeline, whatever read them."""
    (tmp_path / "mine_nodes.tsv").write_text(
        "id\tcategory\tname\n"
        "HGNC:99999\tbiolink:Gene\tgood\n"
        "HGNC:99998\tbiolink:Gene\tfoo\x1bbar\n",
        encoding="utf-8",
    )
    edges = tmp_path / "mine_edges.tsv"
    edges.write_text("id\tsubject\tpredicate\tobject\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        assemble(plan_sources([edges], curated=False))
    (problem,) = [p for p in caught.value.problems if p.level.value == "error"]
    assert (problem.file, problem.line, problem.field, problem.code) == (
        str(tmp_path / "mine_nodes.tsv"), 3, "label", "control-character"
    )
    assert "U+001B (ESCAPE) at character 4 of the value" in problem.message
