"""Verified reference identifiers: what reference_ids.tsv brings, where each was seen, and
every way a source can contradict an identifier (an error that changes nothing)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from graph.vocab import MKG_TERMS
from ingest.pipeline import assemble, plan_sources
from ingest.problems import Problems, ValidationFailed
from ingest.reference_ids import first_page, merge_identifiers
from ingest.references import (
    IDENTIFIER_SOURCE,
    CuratedReference,
    format_references_tsv,
    main,
    parse_reference_list,
    read_references_tsv,
    reference_node,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "ingest" / "data"
IDS = DATA / "reference_ids.tsv"
REFERENCES_TSV = DATA / "references.tsv"
SHARED_IDS = ROOT.parent / "shared" / "sources" / "reference-ids.tsv"
PAGE = ROOT.parent / "shared" / "sources" / "nrc2622-review-page.txt"
NAMES = ("doi", "pmid", "pmcid")


def _rows(path: Path) -> list[dict[str, str]]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    return list(csv.DictReader(lines, delimiter="\t"))


def _need(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"{path} is not available (../shared/sources absent)")
    return path


@pytest.fixture(scope="module")
def table() -> dict[int, CuratedReference]:
    problems = Problems()
    refs = list(read_references_tsv(REFERENCES_TSV, problems))
    assert list(problems) == []
    return {ref.number: ref for ref in refs}


def test_counts_follow_the_verified_rows(table: dict[int, CuratedReference]) -> None:
    rows = _rows(IDS)
    with_pmid_or_doi = {int(r["number"]) for r in rows if r["pmid"] or r["doi"]}
    carrying = {n for n, ref in table.items() if ref.pmid or ref.doi}
    assert carrying == with_pmid_or_doi
    # Before the research notes of reference-ids.tsv came in, 28 of the 119 carried one.
    assert len(carrying) >= 79
    assert {n for n, ref in table.items() if ref.pmcid} == {
        int(r["number"]) for r in rows if r["pmcid"]
    }


def test_every_shared_identifier_is_in_the_table(table: dict[int, CuratedReference]) -> None:
    shared = _rows(_need(SHARED_IDS))
    assert len(shared) == 78
    for row in shared:
        ref = table[int(row["ref"])]
        for name in NAMES:
            if row[name]:
                assert getattr(ref, name) == row[name], (ref.number, name)


def test_every_identifier_says_where_it_was_seen(table: dict[int, CuratedReference]) -> None:
    for ref in table.values():
        carried = [name for name in NAMES if getattr(ref, name)]
        if not carried:
            assert ref.identifier_source == ""
            continue
        named = {
            name.strip()
            for part in ref.identifier_source.split(" | ")
            for name in part.split(":", 1)[0].split(",")
        }
        assert set(carried) <= named, ref.number
    assert "https://synapse.mskcc.org/synapse/works/27381" in table[2].identifier_source


def test_the_node_carries_the_identifier_source(table: dict[int, CuratedReference]) -> None:
    node = reference_node(table[62])
    assert node.xrefs == ("PMID:17914389", "doi:10.1038/nature06188")
    if IDENTIFIER_SOURCE not in MKG_TERMS:
        assert node.prop(IDENTIFIER_SOURCE) is None
        pytest.skip("graph/vocab.py does not register mkg:identifierSource yet")
    assert node.prop(IDENTIFIER_SOURCE) == table[62].identifier_source
    assert "scicrunch.org" in str(node.prop(IDENTIFIER_SOURCE))


def test_the_committed_table_round_trips(table: dict[int, CuratedReference]) -> None:
    text = REFERENCES_TSV.read_text(encoding="utf-8")
    comments = [line[2:] for line in text.splitlines() if line.startswith("# ")]
    assert format_references_tsv(table.values(), comments=comments) == text


# --- contradictions ----------------------------------------------------------------------


def _page_refs() -> list[CuratedReference]:
    page = _need(PAGE)
    problems = Problems()
    refs = parse_reference_list(page.read_text(encoding="utf-8"), file="p", problems=problems)
    assert list(problems) == []
    return refs  # type: ignore[return-value]


def _ids_with(tmp_path: Path, *extra: str) -> Path:
    path = tmp_path / "reference_ids.tsv"
    path.write_text(IDS.read_text(encoding="utf-8") + "".join(f"{r}\n" for r in extra))
    return path


def _row(number: int, **cells: str) -> str:
    header = IDS.read_text(encoding="utf-8").splitlines()
    columns = next(line for line in header if not line.startswith("#")).split("\t")
    values = {"number": str(number), "retracted": "no", "source": "https://example.org/p"}
    values.update(cells)
    return "\t".join(values.get(name, "") for name in columns)


def _codes(problems: Problems) -> list[tuple[int, str, str]]:
    for problem in problems:
        assert "expected" in problem.message or "check" in problem.message, problem.message
    return [(p.line, p.field, p.code) for p in problems]


def _last_line(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_two_sources_with_different_pmids_are_an_error(tmp_path: Path) -> None:
    path = _ids_with(tmp_path, _row(66, pmid="17420469"))
    problems = Problems()
    merged = {r.number: r for r in merge_identifiers(_page_refs(), path, problems)}
    assert _codes(problems) == [(_last_line(path), "pmid", "conflicting-identifier")]
    message = next(iter(problems)).message
    assert "17420468" in message and "17420469" in message
    assert merged[66].pmid == "17420468"


def test_one_identifier_for_two_references_is_an_error(tmp_path: Path) -> None:
    path = _ids_with(tmp_path, _row(1, doi="10.1038/NATURE06487"))
    problems = Problems()
    merge_identifiers(_page_refs(), path, problems)
    assert _codes(problems) == [(_last_line(path), "doi", "shared-identifier")]


def test_a_source_showing_another_citation_is_an_error(tmp_path: Path) -> None:
    # Reference 12 is Hess et al. Cancer 106, 1624-1633 (2006).
    path = _ids_with(tmp_path, _row(12, pmid="99999999", volume="106", first_page="1625"))
    problems = Problems()
    merge_identifiers(_page_refs(), path, problems)
    assert _codes(problems) == [(_last_line(path), "first_page", "citation-mismatch")]
    assert first_page("1624–1633") == "1624" and first_page("e12") == "e12"


def test_a_contradiction_writes_nothing(tmp_path: Path) -> None:
    path = _ids_with(tmp_path, _row(30, doi="10.1038/nature06488"))
    out = tmp_path / "references.tsv"
    out.write_text("before\n", encoding="utf-8")
    assert main([str(_need(PAGE)), "--ids", str(path), "-o", str(out)]) == 1
    assert out.read_text(encoding="utf-8") == "before\n"


def _data_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    return copy


def test_a_contradicting_source_fails_the_build(tmp_path: Path) -> None:
    copy = _data_copy(tmp_path)
    ids = copy / "reference_ids.tsv"
    ids.write_text(ids.read_text(encoding="utf-8") + _row(109, pmid="18820690") + "\n")
    with pytest.raises(ValidationFailed) as failed:
        assemble(plan_sources([copy], curated=False))
    found = [(p.file, p.line, p.field, p.code) for p in failed.value.problems]
    assert (str(ids), _last_line(ids), "pmid", "conflicting-identifier") in found


def test_a_table_that_disagrees_with_the_verified_ids_fails_the_build(tmp_path: Path) -> None:
    copy = _data_copy(tmp_path)
    table = copy / "references.tsv"
    text = table.read_text(encoding="utf-8")
    assert text.count("\t17420468\t") == 1
    table.write_text(text.replace("\t17420468\t", "\t17420467\t"), encoding="utf-8")
    with pytest.raises(ValidationFailed) as failed:
        assemble(plan_sources([copy], curated=False))
    stale = [p for p in failed.value.problems if p.code == "stale-references"]
    assert [(p.field, p.file) for p in stale] == [("pmid", str(table))]
    assert "metakg references" in stale[0].message
