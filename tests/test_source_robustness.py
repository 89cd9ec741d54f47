"""Source tables that spreadsheets and careless edits produce: long cells, quoted line breaks,
broken quotes, control characters, other line ends. Each is read correctly or refused with a
problem naming the file, the line where the record starts, the field and the fix."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.store import write_store
from ingest import tabular
from ingest.pipeline import assemble, plan_sources
from ingest.problems import Problem, Problems, ValidationFailed
from server.cli.commands import main
from tests.canary import counting_server

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


# --------------------------------------------------------------------------- nothing is fetched


@pytest.fixture
def canary() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on 127.0.0.1 (a free port) counting every request it gets."""
    with counting_server() as (base, requests):
        yield base, requests


GENE_JSONLD = {
    "@id": "http://identifiers.org/hgnc/3443",
    "@type": "https://w3id.org/biolink/vocab/Gene",
    "label": "EREG",
}


def _json_ld_contexts(base: str) -> dict[str, object]:
    """Every place a JSON-LD 1.1 document can name a context to load."""
    url = base + "/context.jsonld"
    return {
        "plain": url,
        "array": [url, {"symbol": "https://w3id.org/biolink/vocab/symbol"}],
        "import": {"@import": url, "label": "http://www.w3.org/2000/01/rdf-schema#label"},
        "scoped": {
            "label": "http://www.w3.org/2000/01/rdf-schema#label",
            "note": {"@id": "https://w3id.org/metakg/vocab#note", "@context": url},
        },
        "type-scoped": {
            "label": "http://www.w3.org/2000/01/rdf-schema#label",
            "Gene": {"@id": "https://w3id.org/biolink/vocab/Gene", "@context": url},
        },
    }


@pytest.mark.parametrize("kind", ["plain", "array", "import", "scoped", "type-scoped"])
def test_no_json_ld_context_is_fetched(
    tmp_path: Path, canary: tuple[str, list[str]], kind: str
) -> None:
    base, requests = canary
    document = {"@context": _json_ld_contexts(base)[kind], **GENE_JSONLD}
    if kind == "scoped":
        document["note"] = {"label": "uses the scoped context"}
    if kind == "type-scoped":
        document["@type"] = "Gene"
    path = write(tmp_path, f"{kind}.jsonld", json.dumps(document, indent=1))
    with pytest.raises(ValidationFailed) as caught:
        assemble(plan_sources([path], curated=False))
    codes = {p.code for p in caught.value.problems if p.level.value == "error"}
    assert codes == {"remote-context"}, caught.value
    (problem,) = caught.value.problems
    assert (problem.file, problem.field) == (str(path), "@context")
    assert base in problem.message and "never fetches" in problem.message
    assert requests == []


def test_rdf_xml_external_entities_are_not_fetched(
    tmp_path: Path, canary: tuple[str, list[str]]
) -> None:
    base, requests = canary
    text = (
        '<?xml version="1.0"?>\n'
        "<!DOCTYPE rdf:RDF [\n"
        f'  <!ENTITY remote SYSTEM "{base}/entity.txt">\n'
        f'  <!ENTITY % parameter SYSTEM "{base}/parameter.dtd">\n'
        "  %parameter;\n"
        "]>\n"
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"\n'
        '         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">\n'
        '  <rdf:Description rdf:about="http://identifiers.org/hgnc/3443">\n'
        '    <rdf:type rdf:resource="https://w3id.org/biolink/vocab/Gene"/>\n'
        "    <rdfs:label>EREG &remote;</rdfs:label>\n"
        "  </rdf:Description>\n"
        "</rdf:RDF>\n"
    )
    path = write(tmp_path, "entities.rdf", text)
    try:
        kb = assemble(plan_sources([path], curated=False))
    except ValidationFailed as failed:
        assert all(p.file == str(path) for p in failed.problems), failed
    else:
        assert all("@context" not in n.label for n in kb.nodes)
    assert requests == []


def test_turtle_base_prefixes_and_owl_imports_are_not_fetched(
    tmp_path: Path, canary: tuple[str, list[str]]
) -> None:
    base, requests = canary
    text = (
        f"@base <{base}/base/> .\n"
        f"@prefix remote: <{base}/vocab#> .\n"
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix biolink: <https://w3id.org/biolink/vocab/> .\n"
        f"<> owl:imports <{base}/ontology.ttl> .\n"
        "<http://identifiers.org/hgnc/3443> a biolink:Gene ; biolink:symbol \"EREG\" ;\n"
        '    remote:seeAlso <relative> ; <http://www.w3.org/2000/01/rdf-schema#label> "EREG" .\n'
    )
    path = write(tmp_path, "imports.ttl", text)
    kb = assemble(plan_sources([path], curated=False))
    assert [n.id for n in kb.nodes] == ["HGNC:3443"]
    # The whole build, SHACL included (pySHACL is not asked to follow owl:imports).
    write_store(tmp_path / "store", kb.nodes, kb.edges, kb.hierarchy, sources=[], version="t")
    assert requests == []


# --------------------------------------------------------------------------- found by fuzzing


def test_an_obo_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.obo"
    path.write_bytes(b"format-version: 1.4\n\n[Term]\nid: DOID:1324\nname: lung \xffcancer\n")
    with pytest.raises(ValidationFailed) as caught:
        assemble(plan_sources([path], curated=False))
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.code) == (str(path), 5, "bad-encoding")
    assert "byte 0xff at column 12 of line 5" in problem.message


def test_n_triples_with_cr_line_ends_keep_their_line_numbers(tmp_path: Path) -> None:
    gene = "<http://identifiers.org/hgnc/3443>"
    text = (
        f"{gene} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://w3id.org/biolink/vocab/Gene> .\r# comment\r\r"
        f'{gene} <https://w3id.org/biolink/vocab/symbol> "EREG" .\r'
        f"{gene} <http://example.org/unmapped> <http://example.org/x> .\r"
    )
    kb = assemble(plan_sources([write(tmp_path, "cr.nt", text)], curated=False))
    assert [(n.id, n.symbol, n.source.line) for n in kb.nodes] == [("HGNC:3443", "EREG", 1)]
    (warning,) = kb.warnings
    assert warning.line == 5
