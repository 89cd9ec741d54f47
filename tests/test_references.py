"""The references ingestor: the review's numbered list, the curated table, publication nodes."""

from __future__ import annotations

import dataclasses
import io
import shutil
from pathlib import Path

import pytest

from graph.model import Reference, SourceLocation
from graph.vocab import MKG_TERMS, Category
from ingest.problems import Problems
from ingest.reference_ids import merge_identifiers
from ingest.references import (
    COLUMNS,
    CuratedReference,
    citation,
    generate_references_tsv,
    main,
    parse_reference_list,
    read_reference_list,
    read_references_tsv,
    reference_node,
    sniff_reference_list,
    write_references_tsv,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "ingest" / "data"
IDS = DATA / "reference_ids.tsv"
REFERENCES_TSV = DATA / "references.tsv"
SHARED = Path(__file__).resolve().parents[2] / "shared"
PAGE = SHARED / "sources" / "nrc2622-review-page.txt"

ANNOTATION_FRAGMENTS = (
    "This paper shows",
    "This paper showed",
    "This study",
    "A study that",
    "A recent clinical study",
    "References 62 and 63",
    "References 106 and 107",
    "Using phage-display",
)


def _needs_page() -> Path:
    if not PAGE.is_file():
        pytest.skip(f"the review page is not available at {PAGE} (../shared/sources absent)")
    return PAGE


@pytest.fixture(scope="module")
def parsed() -> dict[int, Reference]:
    page = _needs_page()
    problems = Problems()
    refs = parse_reference_list(page.read_text(encoding="utf-8"), file=str(page), problems=problems)
    assert list(problems) == []
    return {ref.number: ref for ref in refs}


@pytest.fixture(scope="module")
def merged(parsed: dict[int, Reference]) -> dict[int, Reference]:
    problems = Problems()
    refs = merge_identifiers(parsed.values(), IDS, problems)
    assert list(problems) == []
    return {ref.number: ref for ref in refs}


def _parse(text: str) -> tuple[list[Reference], Problems]:
    problems = Problems()
    return parse_reference_list(text, file="list.txt", problems=problems), problems


def _codes(problems: Problems) -> list[tuple[int, str, str]]:
    """(line, field, code) of each problem; every message must say what was expected."""
    for problem in problems:
        assert "expected" in problem.message, problem.message
    return [(p.line, p.field, p.code) for p in problems]


# --- the real review page -------------------------------------------------------------------


def test_all_119_references_numbered_in_order(parsed: dict[int, Reference]) -> None:
    assert sorted(parsed) == list(range(1, 120))


def test_hess_2006(parsed: dict[int, Reference]) -> None:
    ref = parsed[12]
    assert ref.authors == ("Hess, K. R.",)
    assert ref.et_al is True
    assert ref.title == "Metastatic patterns in adenocarcinoma"
    assert (ref.journal, ref.volume, ref.pages, ref.year) == ("Cancer", "106", "1624–1633", 2006)
    assert ref.source.line == 88


def test_paget_reprint_keeps_1889_in_the_title(parsed: dict[int, Reference]) -> None:
    ref = parsed[5]
    assert ref.authors == ("Paget, S.",)
    assert ref.et_al is False
    assert ref.title == "The distribution of secondary growths in cancer of the breast. 1889"
    assert (ref.journal, ref.volume, ref.pages, ref.year) == (
        "Cancer Metastasis Rev.",
        "8",
        "98–101",
        1989,
    )


def test_pnas_journal_with_periods(parsed: dict[int, Reference]) -> None:
    ref = parsed[14]
    assert ref.authors == ("Schmidt-Kittler, O.",)
    assert ref.title.startswith("From latent disseminated cells to overt metastasis: genetic")
    assert ref.title.endswith("systemic breast cancer progression")
    assert (ref.journal, ref.volume, ref.pages, ref.year) == (
        "Proc. Natl Acad. Sci. USA",
        "100",
        "7737–7742",
        2003,
    )


def test_last_reference(parsed: dict[int, Reference]) -> None:
    ref = parsed[119]
    assert ref.authors == ("Weigelt, B.",) and ref.et_al
    assert ref.title == (
        "Gene expression profiles of primary breast tumors maintained in distant metastases"
    )
    assert (ref.journal, ref.volume, ref.pages, ref.year) == (
        "Proc. Natl Acad. Sci. USA",
        "100",
        "15901–15905",
        2003,
    )


def test_author_lists(parsed: dict[int, Reference]) -> None:
    assert parsed[2].authors == ("Gupta, G. P.", "Massague, J.")
    assert parsed[24].authors == ("Chiang, A. C.", "Massagué, J.")
    assert parsed[42].authors == (
        "Kedrin, D.",
        "van Rheenen, J.",
        "Hernandez, L.",
        "Condeelis, J.",
        "Segall, J. E.",
    )
    assert parsed[68].authors[1] == "Putnam, J. B. Jr"
    assert parsed[71].authors == ("Briele, H. A.", "Das Gupta, T. K.")
    assert parsed[90].authors[1] == "O'Reilly, M. S."
    assert parsed[69].authors == ("Ries, L. A. G.",) and parsed[69].et_al


def test_tricky_titles_and_journals(parsed: dict[int, Reference]) -> None:
    assert parsed[34].title == "Metastatic pancreatic cancer 2008: is the glass less empty?"
    assert parsed[34].journal == "Oncologist"
    assert parsed[15].journal == "J. Natl Cancer Inst."
    assert parsed[4].journal == "Nature Rev. Cancer"
    assert parsed[17].title == "Lung cancer" and parsed[17].journal == "Lancet"
    assert parsed[38].pages == "554"
    assert parsed[85].title.endswith("dormancy; regulation by p38SAPK")


def test_web_resource_without_volume(parsed: dict[int, Reference]) -> None:
    ref = parsed[69]
    assert ref.title == "SEER Cancer Statistics Review, 1975–2005 National Cancer Institute"
    assert ref.journal == "[online] http://seer.cancer.gov/csr/1975_2005/index.html"
    assert (ref.volume, ref.pages, ref.year) == ("", "", 2008)


def test_annotations_are_dropped(parsed: dict[int, Reference]) -> None:
    assert parsed[7].title.endswith("primary tumors")
    assert parsed[7].journal == "J. Clin. Invest."
    for ref in parsed.values():
        for value in (ref.title, ref.journal, ref.volume, ref.pages, *ref.authors):
            for fragment in ANNOTATION_FRAGMENTS:
                assert fragment not in value, (ref.number, value)


def test_source_lines_point_at_the_entries(parsed: dict[int, Reference]) -> None:
    lines = PAGE.read_text(encoding="utf-8").splitlines()
    for ref in parsed.values():
        assert lines[ref.source.line - 1].lstrip().startswith(f"{ref.number}. ")


def test_retraction_and_identifiers_after_merge(merged: dict[int, Reference]) -> None:
    erler = merged[106]
    assert erler.retracted is True
    assert "2020" in erler.retraction_note
    assert erler.doi == "10.1038/nature04695"
    assert merged[107].retracted is False
    assert (merged[30].pmid, merged[30].pmcid, merged[30].doi) == (
        "18185580",
        "PMC2782491",
        "10.1038/nature06487",
    )
    assert sum(ref.retracted for ref in merged.values()) == 1


def test_committed_table_equals_a_fresh_regeneration() -> None:
    page = _needs_page()
    problems = Problems()
    fresh = generate_references_tsv(page, IDS, problems)
    assert list(problems) == []
    assert REFERENCES_TSV.read_text(encoding="utf-8") == fresh


def test_committed_table_reads_back(merged: dict[int, Reference]) -> None:
    problems = Problems()
    rows = list(read_references_tsv(REFERENCES_TSV, problems))
    assert list(problems) == []
    assert [ref.number for ref in rows] == list(range(1, 120))
    blank = SourceLocation("")
    for ref in rows:
        expected = dataclasses.replace(merged[ref.number], source=blank)
        assert dataclasses.replace(ref, source=blank) == expected


def test_committed_table_starts_with_a_comment() -> None:
    first = REFERENCES_TSV.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# Generated by")


# --- publication nodes ----------------------------------------------------------------------


def test_reference_node(merged: dict[int, Reference]) -> None:
    node = reference_node(merged[106])
    assert node.id == "metakg:ref/106"
    assert node.category is Category.PUBLICATION
    assert node.label == "Lysyl oxidase is essential for hypoxia-induced metastasis"
    assert node.xrefs == ("PMID:16642001", "doi:10.1038/nature04695")
    assert node.prop("retracted") is True
    assert "2020" in str(node.prop("retractionNote"))
    assert node.prop("authors") == "Erler, J. T. et al."
    assert node.prop("referenceNumber") == 106
    assert node.prop("year") == 2006
    names = [name for name, _ in node.properties]
    assert names == sorted(names)
    assert set(names) <= MKG_TERMS


def test_reference_node_without_retraction(merged: dict[int, Reference]) -> None:
    node = reference_node(merged[30])
    assert node.xrefs == ("PMID:18185580", "doi:10.1038/nature06487", "PMCID:PMC2782491")
    assert node.prop("retracted") is False
    assert node.prop("retractionNote") is None
    assert node.prop("authors") == "Tavazoie, S. F. et al."
    two = reference_node(merged[2])
    assert two.prop("authors") == "Gupta, G. P.; Massague, J."


def test_citation_strings(parsed: dict[int, Reference]) -> None:
    assert citation(parsed[12]) == "Hess, K. R. et al. Cancer 106, 1624–1633 (2006)"
    assert citation(parsed[2]) == "Gupta, G. P. & Massague, J. Cell 127, 679–695 (2006)"
    assert citation(parsed[10]) == (
        "Edlund, M., Sung, S. Y. & Chung, L. W. J. Cell. Biochem. 91, 686–705 (2004)"
    )
    assert reference_node(parsed[12]).description == citation(parsed[12])


# --- the ingestor, its sniffer and the command line -----------------------------------------


def test_ingestor_yields_one_node_per_reference(tmp_path: Path) -> None:
    page = tmp_path / "review.txt"
    shutil.copyfile(_needs_page(), page)
    problems = Problems()
    nodes = list(read_reference_list(page, problems))
    assert list(problems) == []
    assert len(nodes) == 119
    assert {node.id for node in nodes} == {f"metakg:ref/{n}" for n in range(1, 120)}
    assert nodes[0].source == SourceLocation(str(page), 44)


def test_sniffer(tmp_path: Path) -> None:
    page = tmp_path / "review.txt"
    shutil.copyfile(_needs_page(), page)
    assert sniff_reference_list(page)
    as_tsv = tmp_path / "review.tsv"
    shutil.copyfile(page, as_tsv)
    assert not sniff_reference_list(as_tsv)
    notes = tmp_path / "notes.txt"
    notes.write_text("1. Buy milk\n2. Read Hess, K. R. et al.\n", encoding="utf-8")
    assert not sniff_reference_list(notes)
    only_list = tmp_path / "list.txt"
    only_list.write_text("1. Smith, J. A title. Nature 1, 2–3 (2000).\n", encoding="utf-8")
    assert sniff_reference_list(only_list)
    assert not sniff_reference_list(tmp_path)


def test_main_writes_the_table(tmp_path: Path) -> None:
    out = tmp_path / "references.tsv"
    assert main([str(_needs_page()), "--ids", str(IDS), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == REFERENCES_TSV.read_text(encoding="utf-8")
    stream = io.StringIO()
    assert main([str(PAGE)], stdout=stream) == 0
    assert stream.getvalue().count("\n") == 119 + 3


def test_main_reports_problems_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "bad.txt"
    page.write_text(
        "References\n\n1. Smith, J. A title. Nature 1, 2–3 (2000).\n"
        "3. Jones, K. Another. Cell 4, 5–6 (2001).\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.tsv"
    assert main([str(page), "-o", str(out)]) == 1
    assert not out.exists()
    assert "reference-numbering" in capsys.readouterr().err


# --- a list on its own, and malformed lists --------------------------------------------------

GOOD_LIST = (
    "1. Smith, J. A. & Jones, K. Title one. Nature 1, 10–20 (2000).\n"
    "2. Brown, L. et al. Title two: with a colon? Cancer Res. 2, 30–40 (2001). A note.\n"
)


def test_list_without_heading() -> None:
    refs, problems = _parse(GOOD_LIST)
    assert list(problems) == []
    assert [ref.number for ref in refs] == [1, 2]
    assert refs[0].authors == ("Smith, J. A.", "Jones, K.")
    assert refs[1].title == "Title two: with a colon?"
    assert refs[1].journal == "Cancer Res."
    assert refs[1].source == SourceLocation("list.txt", 2)


def test_entry_continued_on_the_next_line() -> None:
    refs, problems = _parse("1. Smith, J. A long title that\n   wraps. Nature 1, 2–3 (2000).\n")
    assert list(problems) == []
    assert refs[0].title == "A long title that wraps"


def test_duplicate_number() -> None:
    text = GOOD_LIST + "2. Green, M. Title three. Cell 3, 1–2 (2002).\n"
    refs, problems = _parse(text)
    assert _codes(problems) == [(3, "number", "reference-numbering")]
    assert "used twice" in next(iter(problems)).message
    assert [ref.number for ref in refs] == [1, 2]


def test_skipped_number() -> None:
    text = GOOD_LIST + "4. Green, M. Title three. Cell 3, 1–2 (2002).\n"
    refs, problems = _parse(text)
    assert _codes(problems) == [(3, "number", "reference-numbering")]
    message = next(iter(problems)).message
    assert "number 3 is missing" in message
    assert [ref.number for ref in refs] == [1, 2, 4]


def test_out_of_sequence_number() -> None:
    text = (
        "1. Smith, J. One. Nature 1, 2–3 (2000).\n"
        "3. Smith, J. Three. Nature 1, 2–3 (2000).\n"
        "2. Smith, J. Two. Nature 1, 2–3 (2000).\n"
    )
    _, problems = _parse(text)
    assert _codes(problems) == [
        (2, "number", "reference-numbering"),
        (3, "number", "reference-numbering"),
    ]
    assert all("out of sequence" in p.message for p in problems)


def test_entry_without_year() -> None:
    text = GOOD_LIST + "3. Green, M. Title three. Cell 3, 1–2.\n"
    refs, problems = _parse(text)
    assert _codes(problems) == [(3, "year", "bad-reference")]
    assert "no year" in next(iter(problems)).message
    assert len(refs) == 2


def test_entry_without_volume_and_pages() -> None:
    _, problems = _parse("1. Green, M. Title three. Cell (2002).\n")
    assert _codes(problems) == [(1, "volume", "bad-reference")]


def test_unparseable_entry() -> None:
    text = "References\n\n" + GOOD_LIST + "3. something that is not a citation at all\n"
    _, problems = _parse(text)
    assert _codes(problems) == [(5, "authors", "bad-reference")]
    assert "no authors found" in next(iter(problems)).message


def test_entry_whose_journal_cannot_be_found() -> None:
    _, problems = _parse("1. Green, M. a title without a journal 3, 1–2 (2002).\n")
    assert _codes(problems) == [(1, "journal", "bad-reference")]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("", 0),
        ("\n\n", 0),
        ("Just some prose.\nNo list here.\n", 0),
        ("Intro\nReferences\n\nDone\n", 2),
    ],
)
def test_no_reference_list(text: str, line: int) -> None:
    refs, problems = _parse(text)
    assert refs == []
    assert _codes(problems) == [(line, "", "no-references")]


def test_empty_file_through_the_ingestor(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    problems = Problems()
    assert list(read_reference_list(empty, problems)) == []
    assert [(p.file, p.line, p.code) for p in problems] == [(str(empty), 0, "no-references")]


# --- the curated table ----------------------------------------------------------------------

HEADER = "\t".join(COLUMNS)
GOOD_ROW = "\t".join(
    (
        "1",
        "Smith, J.; Jones, K.",
        "no",
        "A title",
        "Nature",
        "1",
        "2–3",
        "2000",
        "10.1038/x1",
        "123",
        "PMC45",
        "doi, pmid, pmcid: https://example.org/record/1",
        "no",
        "",
    )
)


def _table(tmp_path: Path, *rows: str) -> tuple[list[Reference], Problems]:
    path = tmp_path / "references.tsv"
    path.write_text("# a comment\n" + "\n".join((HEADER, GOOD_ROW, *rows)) + "\n", encoding="utf-8")
    problems = Problems()
    return list(read_references_tsv(path, problems)), problems


def _row(**changes: str) -> str:
    cells = dict(zip(COLUMNS, GOOD_ROW.split("\t"), strict=True))
    cells["number"] = "2"
    cells.update(changes)
    return "\t".join(cells[name] for name in COLUMNS)


def test_good_table(tmp_path: Path) -> None:
    refs, problems = _table(tmp_path)
    assert list(problems) == []
    assert refs[0].authors == ("Smith, J.", "Jones, K.")
    assert (refs[0].doi, refs[0].pmid, refs[0].pmcid) == ("10.1038/x1", "123", "PMC45")
    assert refs[0].source.line == 3


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"doi": "doi:10.1038/x1"}, "doi", "bad-doi"),
        ({"doi": "https://doi.org/10.1038/x1"}, "doi", "bad-doi"),
        ({"pmid": "PMID:123"}, "pmid", "bad-pmid"),
        ({"pmcid": "12345"}, "pmcid", "bad-pmcid"),
        ({"year": "06"}, "year", "bad-year"),
        ({"et_al": "true"}, "et_al", "bad-boolean"),
        ({"retracted": "Y"}, "retracted", "bad-boolean"),
        ({"number": "1"}, "number", "duplicate-key"),
        ({"number": "0"}, "number", "bad-number"),
        ({"number": "x"}, "number", "bad-number"),
        ({"title": ""}, "title", "missing-value"),
    ],
)
def test_bad_table_cells(tmp_path: Path, changes: dict[str, str], field: str, code: str) -> None:
    _, problems = _table(tmp_path, _row(**changes))
    assert _codes(problems) == [(4, field, code)]
    message = next(iter(problems)).message
    assert "expected" in message


def test_duplicate_number_keeps_the_first_row(tmp_path: Path) -> None:
    refs, problems = _table(tmp_path, _row(number="1", title="Other"))
    assert [ref.title for ref in refs] == ["A title"]
    assert "line 3" in next(iter(problems)).message


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    ref = CuratedReference(
        number=7,
        authors=("Smith, J.",),
        title="T",
        journal="Cell",
        volume="1",
        pages="2",
        year=1999,
        et_al=True,
        doi="10.1000/abc",
        retracted=True,
        retraction_note="gone",
        identifier_source="doi: https://example.org/abc",
    )
    path = tmp_path / "out.tsv"
    write_references_tsv([ref], path, comments=("made in a test",))
    assert path.read_text(encoding="utf-8").startswith("# made in a test\n")
    problems = Problems()
    (back,) = read_references_tsv(path, problems)
    assert list(problems) == []
    assert dataclasses.replace(back, source=ref.source) == ref


def test_write_refuses_a_tab_in_a_value(tmp_path: Path) -> None:
    ref = Reference(
        number=1, authors=("A, B.",), title="x\ty", journal="J", volume="1", pages="2", year=2000
    )
    with pytest.raises(ValueError, match="tab or line break"):
        write_references_tsv([ref], tmp_path / "out.tsv")


# --- merging identifiers ---------------------------------------------------------------------


def _ids(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "reference_ids.tsv"
    header = "number\tdoi\tpmid\tpmcid\tretracted\tretraction_note\tsource"
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


def _two_refs() -> list[Reference]:
    refs, problems = _parse(GOOD_LIST)
    assert list(problems) == []
    return refs


def test_merge_identifiers(tmp_path: Path) -> None:
    path = _ids(tmp_path, "2\t10.1038/abc\t42\t\tyes\tretracted in 2020\ta note")
    problems = Problems()
    refs = merge_identifiers(_two_refs(), path, problems)
    assert list(problems) == []
    assert refs[0].doi is None
    assert (refs[1].doi, refs[1].pmid, refs[1].retracted) == ("10.1038/abc", "42", True)
    assert refs[1].retraction_note == "retracted in 2020"


def test_merge_unknown_number(tmp_path: Path) -> None:
    path = _ids(tmp_path, "9\t10.1038/abc\t\t\tno\t\tx")
    problems = Problems()
    refs = merge_identifiers(_two_refs(), path, problems)
    assert _codes(problems) == [(2, "number", "unknown-reference")]
    assert "expected one of numbers 1 to 2" in next(iter(problems)).message
    assert all(ref.doi is None for ref in refs)


def test_merge_bad_rows_and_a_second_source(tmp_path: Path) -> None:
    # Two rows for one reference are two sources; they add up when they agree.
    path = _ids(tmp_path, "1\tnot-a-doi\t\t\tno\t\tx", "1\t\t42\t\tno\t\ty")
    problems = Problems()
    refs = merge_identifiers(_two_refs(), path, problems)
    assert _codes(problems) == [(2, "doi", "bad-doi")]
    assert (refs[0].doi, refs[0].pmid) == (None, "42")


def test_merge_conflicting_identifier(tmp_path: Path) -> None:
    refs = [dataclasses.replace(ref, pmid="1") for ref in _two_refs()]
    path = _ids(tmp_path, "1\t\t2\t\tno\t\tx")
    problems = Problems()
    merged = merge_identifiers(refs, path, problems)
    assert _codes(problems) == [(2, "pmid", "conflicting-identifier")]
    assert merged[0].pmid == "1"


def test_registered_as_a_content_ingestor() -> None:
    from ingest import registry

    spec = registry.get("nature_references")
    assert spec.func is read_reference_list
    assert spec.sniff is sniff_reference_list
    assert spec.role == "content"
