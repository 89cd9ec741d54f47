"""Fuzzing the ingestors: malformed, random and huge rows and raw bytes.

Hypothesis feeds every file ingestor (assertions tables in TSV and CSV, the Disease Ontology
report, KGX TSV and JSON Lines, GMT, OBO, and RDF as N-Triples, Turtle, JSON-LD and RDF/XML)
with mutated copies of a small valid file (bytes inserted, deleted or replaced: invalid UTF-8,
byte-order marks, NULs and other control characters, CR-only line ends, very long lines,
quotes everywhere), with rows of random cells, and with random bytes. The property: reading
the file through the real pipeline (:func:`plan_sources`, :func:`assemble`) either succeeds or
raises :class:`MetakgError` (:class:`ValidationFailed` with its problems), and every problem
names the file, a line inside it (or 0 for a problem about the whole file) and a field (or is
one of the whole-row problems listed below). Any other exception fails the test.

A few examples also go through the real write path (:func:`write_store`) into a store built
before from a tiny valid file: after a failure the store's files are byte-for-byte unchanged.

Profiles: by default (CI) each test runs a few dozen examples and the file takes well under
30 s; ``METAKG_FUZZ=long`` runs many more (see ``EXAMPLES``).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from graph.errors import MetakgError
from graph.store import StoreInvalid, is_store, write_store
from ingest.pipeline import assemble, plan_sources
from ingest.problems import Problem, ValidationFailed
from tests.conftest import tree_digest

LONG = os.environ.get("METAKG_FUZZ", "") == "long"
#: Examples per test: (CI profile, long profile).
EXAMPLES = (600, 40) if LONG else (25, 4)
FUZZ = settings(
    max_examples=EXAMPLES[0],
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=not LONG,
)
WRITES = settings(FUZZ, max_examples=EXAMPLES[1])

#: Problems about a whole row or a whole file: they name no single field.
WHOLE_ROW_CODES = frozenset(
    {
        "bad-encoding",
        "bad-row",
        "too-many-cells",
        "empty-file",
        "missing-source",
        "unknown-source",
        "bad-rdf",
        "bad-obo",
        "unreadable-file",
        "nothing-mapped",
        "bad-json",
        "no-mappable-triple",
        "no-mappable-edge",
        "not-an-object",
        "syntax",
    }
)

# --------------------------------------------------------------------------- valid samples

#: Names that resolve without the curated tables (genes through the shipped gene table,
#: publications by CURIE), so that reading a sample costs milliseconds.
ASSERTION_HEADER = "subject\tpredicate\tobject\treferences\tconfidence\tnote\tdirection\n"
SAMPLES: dict[str, bytes] = {
    "evidence.tsv": (
        ASSERTION_HEADER
        + "# a comment\n"
        + "TWIST1\tregulates\tMIR10B\tPMID:17898714\thigh\tTWIST, miR-10b.\tpromotes\n"
        + "EREG\tinteracts_with\tEGFR\tPMID:19421193\tmedium\tligand \"and\" receptor\t\n"
    ).encode(),
    "evidence.csv": (
        ASSERTION_HEADER.replace("\t", ",")
        + "TWIST1,regulates,MIR10B,PMID:17898714,high,\"TWIST,\nmiR-10b.\",promotes\n"
        + "EREG,interacts_with,EGFR,PMID:19421193,medium,\"ligand \"\"and\"\" receptor\",\n"
    ).encode(),
    "HumanDO.tsv": (
        b'"id"\t"label"\t"subClassOf"\n'
        b'"DOID:1324"\t"lung cancer"\t"respiratory system cancer"\n'
        b'"DOID:0050615"\t"respiratory system cancer"\t""\n'
        b'"DOID:3908"\t"lung non-small cell carcinoma"\t"lung cancer"\n'
    ),
    "mine_edges.tsv": (
        b"id\tsubject\tpredicate\tobject\tpublications\n"
        b"e1\tHGNC:3443\tbiolink:regulates\tHGNC:3236\tPMID:1\n"
    ),
    "mine_edges.jsonl": (
        b'{"id": "e1", "subject": "HGNC:3443", "predicate": '
        b'"biolink:regulates", "object": "HGNC:3236", '
        b'"publications": ["PMID:1"]}\n'
    ),
    "sets.gmt": (
        b"# a comment\n"
        b"LUNG_SET\tLung metastasis mediators, doi:10.1038/nature05760\tEREG\tCOX2\tMMP1\n"
        b"#metakg references: doi:10.1093/nar/28.1.27\n"
        b"OTHER\thttp://example.org\tMMP2\n"
    ),
    "small.obo": (
        b"format-version: 1.4\nontology: test\n\n[Term]\nid: DOID:1324\nname: lung cancer\n"
        b'synonym: "cancer of the lung" EXACT []\nis_a: DOID:3908 ! lung nsclc\n\n'
        b"[Term]\nid: DOID:3908\nname: lung non-small cell carcinoma\n"
    ),
    "triples.nt": (
        b"<http://identifiers.org/hgnc/3443> "
        b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        b"<https://w3id.org/biolink/vocab/Gene> .\n"
        b"<http://identifiers.org/hgnc/3443> "
        b'<http://www.w3.org/2000/01/rdf-schema#label> "EREG" .\n'
    ),
    "triples.ttl": (
        b"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        b"@prefix biolink: <https://w3id.org/biolink/vocab/> .\n"
        b'<http://identifiers.org/hgnc/3443> a biolink:Gene ; rdfs:label "EREG" .\n'
    ),
    "triples.jsonld": (
        b'{"@context": {"label": "http://www.w3.org/2000/01/rdf-schema#label"},\n'
        b' "@id": "http://identifiers.org/hgnc/3443",\n'
        b' "@type": "https://w3id.org/biolink/vocab/Gene", "label": "EREG"}\n'
    ),
    "triples.rdf": (
        b'<?xml version="1.0"?>\n'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"\n'
        b'         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">\n'
        b'  <rdf:Description rdf:about="http://identifiers.org/hgnc/3443">\n'
        b'    <rdf:type rdf:resource="https://w3id.org/biolink/vocab/Gene"/>\n'
        b"    <rdfs:label>EREG</rdfs:label>\n"
        b"  </rdf:Description>\n"
        b"</rdf:RDF>\n"
    ),
}
#: The other file of a KGX pair, written beside the fuzzed one.
COMPANIONS = {
    "mine_edges.tsv": (
        "mine_nodes.tsv",
        b"id\tcategory\tname\nHGNC:3443\tbiolink:Gene\tEREG\nHGNC:3236\tbiolink:Gene\tEGFR\n",
    ),
    "mine_edges.jsonl": (
        "mine_nodes.jsonl",
        b'{"id": "HGNC:3443", "category": ["biolink:Gene"], "name": "EREG"}\n'
        b'{"id": "HGNC:3236", "category": ["biolink:Gene"], "name": "EGFR"}\n',
    ),
}
TABLES = ("evidence.tsv", "evidence.csv", "HumanDO.tsv", "mine_edges.tsv", "sets.gmt")

# --------------------------------------------------------------------------- strategies

CHUNKS = [
    b"\x00",
    b"\xef\xbb\xbf",
    b"\r",
    b"\r\n",
    b"\n",
    b'"',
    b'""',
    b'"\n"',
    b"\t",
    b",",
    b"|",
    b";",
    b"#",
    b"\xff",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\x1b",
    b"\x0c",
    b"\x0b",
    "\u2028".encode(),
    "\ufeff".encode(),
    "\uffff".encode(),
    b"\\u0000",
    b"{",
    b"}",
    b"<",
    b"&x;",
    b"[Term]\n",
    b"x" * 300_000,
    b'"' * 5_000,
    b"\t" * 1_000,
]


@st.composite
def mutated(draw: st.DrawFn, name: str) -> bytes:
    """The sample ``name`` with a few bytes inserted, deleted or replaced."""
    data = bytearray(SAMPLES[name])
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(data)))
        operation = draw(st.sampled_from(["insert", "insert", "delete", "replace", "cr"]))
        if operation == "insert":
            chunk = draw(st.one_of(st.sampled_from(CHUNKS), st.binary(min_size=1, max_size=8)))
            data[position:position] = chunk
        elif operation == "delete":
            del data[position : position + draw(st.integers(1, 20))]
        elif operation == "replace" and position < len(data):
            data[position] = draw(st.integers(0, 255))
        elif operation == "cr":
            data = bytearray(bytes(data).replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    return bytes(data)


CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", '"', '""', '"a"b', "a\tb", "a\nb", "\x00", "x" * 140_000, "PMID:1"]),
)


@st.composite
def table_rows(draw: st.DrawFn, name: str) -> bytes:
    """The sample's header, then rows of random cells with random line ends."""
    header = SAMPLES[name].split(b"\n", 1)[0].decode()
    separator = "," if name.endswith(".csv") else "\t"
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    rows = draw(st.lists(st.lists(CELL, min_size=1, max_size=9), min_size=1, max_size=5))
    lines = [header] + [separator.join(row) for row in rows]
    return (end.join(lines) + end).encode("utf-8", errors="surrogatepass")


# --------------------------------------------------------------------------- the property


def _lines(path: Path) -> int:
    try:
        data = path.read_bytes()
    except OSError:
        return 0
    return data.count(b"\n") + data.count(b"\r") + 1


def check_problem(problem: Problem, folder: Path) -> None:
    where = Path(problem.file)
    assert where.parent == folder, problem
    assert re.fullmatch(r"[a-z][a-z0-9-]*", problem.code), problem
    assert problem.message.strip(), problem
    assert isinstance(problem.line, int) and 0 <= problem.line <= _lines(where), problem
    assert problem.field or problem.code in WHOLE_ROW_CODES, problem
    assert str(problem).startswith(problem.file), problem


def ingest(folder: Path, name: str, content: bytes) -> tuple[ValidationFailed | None, object]:
    """Write ``content`` as ``name`` in ``folder`` and read it through the pipeline."""
    (folder / name).write_bytes(content)
    if name in COMPANIONS:
        companion, text = COMPANIONS[name]
        (folder / companion).write_bytes(text)
    try:
        return None, assemble(plan_sources([folder / name], curated=False))
    except ValidationFailed as failed:
        for problem in failed.problems:
            check_problem(problem, folder)
        return failed, None
    except MetakgError as error:
        assert str(folder / name) in str(error) or name in str(error), error
        return None, None


def run(name: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as temp:
        ingest(Path(temp), name, content)


NAMES = sorted(SAMPLES)


@pytest.mark.parametrize("name", NAMES)
def test_the_valid_samples_read(name: str, tmp_path: Path) -> None:
    """The starting points are valid (so mutations start from a file that reads)."""
    failed, kb = ingest(tmp_path, name, SAMPLES[name])
    assert failed is None, failed
    assert kb is not None


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(data=st.data())
def test_mutated_files_fail_cleanly(name: str, data: st.DataObject) -> None:
    content = data.draw(mutated(name))
    assume(content != SAMPLES[name])
    run(name, content)


@pytest.mark.parametrize("name", TABLES)
@FUZZ
@given(data=st.data())
def test_random_rows_fail_cleanly(name: str, data: st.DataObject) -> None:
    run(name, data.draw(table_rows(name)))


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(content=st.binary(max_size=400))
def test_random_bytes_fail_cleanly(name: str, content: bytes) -> None:
    run(name, content)


# --------------------------------------------------------------------------- no partial write

TINY = SAMPLES["triples.nt"] + (
    b"<http://identifiers.org/hgnc/3443> <https://w3id.org/biolink/vocab/symbol> \"EREG\" .\n"
)


def _write(folder: Path, name: str, content: bytes, store: Path) -> None:
    """Read ``content`` and build it into ``store`` as `metakg build` does; raise on failure."""
    failed, kb = ingest(folder, name, content)
    if failed is not None:
        raise failed
    if kb is None:
        raise MetakgError("not read")
    write_store(
        store, kb.nodes, kb.edges, kb.hierarchy, sources=[], version="fuzz"  # type: ignore[attr-defined]
    )


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny")
    store = folder / "store"
    _write(folder, "tiny.nt", TINY, store)
    return store


HARMFUL = [b"\x00", b"\xff", b'"', b"<", b"\x1b", b"}", b"\t", b"\r"]


@st.composite
def damaged(draw: st.DrawFn, name: str) -> bytes:
    """:func:`mutated`, plus one byte that usually breaks the file somewhere."""
    data = bytearray(draw(mutated(name)))
    position = draw(st.integers(0, len(data)))
    data[position:position] = draw(st.sampled_from(HARMFUL))
    return bytes(data)


#: Reads (assemble succeeds) but fails SHACL in write_store: a gene with no symbol.
NO_SYMBOL = (
    b"@prefix biolink: <https://w3id.org/biolink/vocab/> .\n"
    b"<http://identifiers.org/hgnc/3443> a biolink:Gene .\n"
)


@pytest.mark.parametrize("name", ["evidence.tsv", "mine_edges.jsonl", "triples.ttl"])
@WRITES
@given(data=st.data())
def test_a_failed_build_leaves_the_previous_store_unchanged(
    name: str, data: st.DataObject, tiny_store: Path
) -> None:
    content = data.draw(damaged(name))
    before = tree_digest(tiny_store)
    with tempfile.TemporaryDirectory() as temp:
        try:
            _write(Path(temp), name, content, tiny_store)
        except MetakgError:
            event("build failed")
            assert tree_digest(tiny_store) == before
        else:
            event("build succeeded")
            assert is_store(tiny_store)  # the build went through: a store is there


def test_a_build_that_fails_while_writing_leaves_the_previous_store_unchanged(
    tiny_store: Path, tmp_path: Path
) -> None:
    """The failure the fuzzed files rarely reach: the file reads, then the SHACL check of the
    new store refuses it, after the staging store was written."""
    failed, kb = ingest(tmp_path, "no_symbol.ttl", NO_SYMBOL)
    assert failed is None and kb is not None
    before = tree_digest(tiny_store)
    with pytest.raises(StoreInvalid, match="a gene needs exactly one symbol"):
        _write(tmp_path, "no_symbol.ttl", NO_SYMBOL, tiny_store)
    assert tree_digest(tiny_store) == before
    assert [p.name for p in tiny_store.parent.iterdir() if ".new-" in p.name] == []
