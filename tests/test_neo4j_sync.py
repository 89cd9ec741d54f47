"""`metakg neo4j push`: the statement builders (tables, no database), the push into a real
FalkorDB (idempotent, every property read back, pruning), the error translation, and the
command line (admin-import files and command, clear errors without a server).

The same statements on a real Neo4j: tests/test_neo4j_live.py.
"""

from __future__ import annotations

import json
import re
import shlex
import socket
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner

from graph.cypher import (
    ALLOWED_LABELS,
    NODE_BODIES,
    NODE_LABELS,
    RELATIONSHIP_BODIES,
    RELATIONSHIP_TYPES,
    SCHEMA,
    SUBCLASS_TYPE,
    Engine,
    UnknownLabel,
    cypher_name,
    node_statement,
    plan,
    relationship_statement,
    relationship_type,
)
from graph.neo4j_sync import (
    Counts,
    FalkorDBExecutor,
    Neo4jExecutor,
    Neo4jFailure,
    Neo4jRefused,
    Neo4jUnavailable,
    graph_batches,
    push,
)
from graph.records import edges_of, hierarchy_of, nodes_of
from graph.vocab import Category, Predicate
from queries.named import registry
from server.cli import main
from tests.falkordb_server import falkordb_fixture

falkordb_graph = falkordb_fixture()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the statement tables ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "labels"),
    [
        (Category.GENE, "`biolink:Gene`"),
        (Category.MICRORNA, "`biolink:MicroRNA`"),
        (Category.CASCADE_STEP, "`biolink:BiologicalProcess`:`mkg:CascadeStep`"),
        (Category.GENE_CLASS, "`mkg:GeneClass`"),
        (Category.CANCER_TYPE, "`biolink:Disease`"),
        (Category.PUBLICATION, "`biolink:JournalArticle`"),
    ],
)
def test_node_statement_table(category: Category, labels: str) -> None:
    assert node_statement(NODE_LABELS[category]) == (
        "UNWIND $rows AS row\n"
        "MERGE (n:`biolink:NamedThing` {id: row.id})\n"
        "SET n = row.properties\n"
        f"SET n:{labels}"
    )


@pytest.mark.parametrize(
    ("predicate", "rel_type"),
    [
        (Predicate.HAS_CLASS, "`biolink:member_of`"),
        (Predicate.MEDIATES_METASTASIS_TO, "`mkg:mediates_metastasis_to`"),
        (Predicate.INTERACTS_WITH, "`biolink:physically_interacts_with`"),
        (None, "`biolink:subclass_of`"),
    ],
)
def test_relationship_statement_table(predicate: Predicate | None, rel_type: str) -> None:
    key = rel_type.strip("`")
    assert key == (relationship_type(predicate) if predicate else SUBCLASS_TYPE)
    assert relationship_statement(key) == (
        "UNWIND $rows AS row\n"
        "MATCH (s:`biolink:NamedThing` {id: row.start})\n"
        "MATCH (o:`biolink:NamedThing` {id: row.end})\n"
        f"MERGE (s)-[r:{rel_type} {{id: row.id}}]->(o)\n"
        "SET r = row.properties"
    )


@pytest.mark.parametrize(
    "labels",
    [
        ("biolink:NamedThing", "biolink:Gene`) DETACH DELETE n //"),
        ("biolink:NamedThing", "Gene"),
        ("biolink:NamedThing",),  # allowed labels, but no category has only these
        ("biolink:NamedThing", "biolink:Gene", "biolink:Disease"),
        (),
    ],
)
def test_a_label_outside_the_allowlist_is_refused(labels: tuple[str, ...]) -> None:
    with pytest.raises(UnknownLabel) as caught:
        node_statement(labels)
    assert "the label sets are: biolink:NamedThing:biolink:Gene;" in str(caught.value)
    assert caught.value.status == 400


@pytest.mark.parametrize(
    "rel_type",
    ["biolink:related_to", "has_class", "x]->() DETACH DELETE s //", "biolink:member_of "],
)
def test_a_type_outside_the_allowlist_is_refused(rel_type: str) -> None:
    with pytest.raises(UnknownLabel, match=r"is not in the vocabulary .*biolink:member_of"):
        relationship_statement(rel_type)


def test_allowlists_come_from_the_vocabulary() -> None:
    assert set(NODE_LABELS) == set(Category)
    assert len(set(NODE_LABELS.values())) == len(Category)  # each category its own label set
    assert len(RELATIONSHIP_TYPES) == len(Predicate) + 1
    for text in [*NODE_BODIES.values(), *RELATIONSHIP_BODIES.values()]:
        names = set(re.findall(r"`([^`]+)`", text))
        assert names <= ALLOWED_LABELS | set(RELATIONSHIP_TYPES)
        assert "'" not in text and '"' not in text  # no literal values at all


def test_the_twins_use_only_allowed_labels_and_types() -> None:
    for query in registry().values():
        names = set(re.findall(r"`([^`]+)`", query.cypher))
        assert names and names <= ALLOWED_LABELS | set(RELATIONSHIP_TYPES), query.name


@pytest.mark.parametrize(
    ("name", "quoted"),
    [("Gene", "Gene"), ("biolink:Gene", "`biolink:Gene`"), ("a`b", "`a``b`"), ("1x", "`1x`")],
)
def test_cypher_name(name: str, quoted: str) -> None:
    assert cypher_name(name) == quoted


def test_schema_per_engine() -> None:
    neo4j, falkordb = SCHEMA[Engine.NEO4J], SCHEMA[Engine.FALKORDB]
    assert re.fullmatch(
        r"CREATE CONSTRAINT metakg_id IF NOT EXISTS\nFOR \(n:`biolink:NamedThing`\) "
        r"REQUIRE n\.id IS UNIQUE",
        neo4j[0],
    )
    assert all("IF NOT EXISTS" in s for s in neo4j)
    assert len(neo4j) == len(falkordb) == 1 + len(Category)
    assert all(re.fullmatch(r"CREATE INDEX FOR \(n:`[^`]+`\) ON \(n\.id\)", s) for s in falkordb)


def test_batches_hold_values_only_in_parameters(graph: nx.MultiDiGraph) -> None:
    batches = graph_batches(graph, batch_size=40)
    kinds = [b.kind for b in batches]
    assert kinds == sorted(kinds, key=lambda k: k != "nodes")  # nodes before relationships
    nodes = [row for b in batches if b.kind == "nodes" for row in b.rows]
    rels = [row for b in batches if b.kind == "relationships" for row in b.rows]
    assert sorted(r["id"] for r in nodes) == sorted(graph.nodes)
    assert sorted(r["id"] for r in rels) == sorted(k for *_, k in graph.edges(keys=True))
    texts = set(NODE_BODIES.values()) | set(RELATIONSHIP_BODIES.values())
    for batch in batches:
        assert 1 <= len(batch.rows) <= 40
        assert batch.statement.startswith("UNWIND $rows AS row\n")
        assert batch.statement.removeprefix("UNWIND $rows AS row\n") in texts
        assert batch.params == {"rows": list(batch.rows)}
        for row in batch.rows:
            assert row["id"] not in batch.statement
            assert row["properties"]["id"] == row["id"]
            assert all(v is not None and v != "" and v != [] for v in row["properties"].values())
    with pytest.raises(ValueError, match="at least 1"):
        plan(nodes_of(graph), edges_of(graph), hierarchy_of(graph), batch_size=0)


def test_counts_read_engine_summaries() -> None:
    class FalkorLike:  # a FalkorDB QueryResult counts in floats
        nodes_created = 3.0
        relationships_created = 2.0
        properties_set = 7.0

    counts = Counts.read(FalkorLike())
    assert counts == Counts(nodes_created=3, relationships_created=2, properties_set=7)
    counts.add(Counts(nodes_created=1, labels_added=4))
    assert (counts.nodes_created, counts.labels_added) == (4, 4)


# --- push into FalkorDB ----------------------------------------------------------------------


def test_push_twice_changes_nothing(falkordb_graph: Any, graph: nx.MultiDiGraph) -> None:
    executor = FalkorDBExecutor(falkordb_graph)
    seen: list[str] = []
    first = push(executor, graph, batch_size=64, progress=seen.append)
    assert first.counts.nodes_created == first.nodes == graph.number_of_nodes()
    assert first.counts.relationships_created == first.relationships == graph.number_of_edges()
    assert (first.database_nodes, first.database_relationships) == (
        graph.number_of_nodes(), graph.number_of_edges()
    )
    assert len(seen) == first.batches and seen[-1].startswith(f"batch {first.batches}/")
    second = push(executor, graph, batch_size=500)
    assert second.counts.nodes_created == second.counts.relationships_created == 0
    assert (second.nodes_matched, second.relationships_matched) == (
        graph.number_of_nodes(), graph.number_of_edges()
    )
    assert second.counts.labels_added == 0
    assert (second.database_nodes, second.database_relationships) == (
        first.database_nodes, first.database_relationships
    )
    summary = second.to_dict()
    assert summary["nodes"] == {"pushed": len(graph), "created": 0, "matched": len(graph),
                                "deleted": 0}


def test_every_property_and_label_reads_back(falkordb_graph: Any, graph: nx.MultiDiGraph) -> None:
    executor = FalkorDBExecutor(falkordb_graph)
    push(executor, graph)
    batches = graph_batches(graph)
    stored = {
        row["id"]: row
        for row in executor.read(
            "MATCH (n) RETURN n.id AS id, labels(n) AS labels, properties(n) AS properties", {}
        )
    }
    for batch in (b for b in batches if b.kind == "nodes"):
        for row in batch.rows:
            assert dict(stored[row["id"]]["properties"]) == row["properties"], row["id"]
            category = Category.from_key(row["properties"]["metakg_category"])
            assert set(stored[row["id"]]["labels"]) == set(NODE_LABELS[category])
    rels = {
        row["id"]: row
        for row in executor.read(
            "MATCH (s)-[r]->(o) RETURN r.id AS id, type(r) AS type, s.id AS start, "
            "o.id AS end, properties(r) AS properties", {}
        )
    }
    assert len(rels) == graph.number_of_edges()
    for batch in (b for b in batches if b.kind == "relationships"):
        for row in batch.rows:
            found = rels[row["id"]]
            assert (found["type"], found["start"], found["end"]) == (
                batch.key, row["start"], row["end"]
            )
            assert dict(found["properties"]) == row["properties"], row["id"]


def test_prune_removes_what_the_graph_no_longer_has(
    falkordb_graph: Any, graph: nx.MultiDiGraph
) -> None:
    executor = FalkorDBExecutor(falkordb_graph)
    bigger = nx.MultiDiGraph(graph)
    gene = next(n for n, d in graph.nodes(data=True) if d.get("symbol") == "PTGS2")
    bigger.add_node("NCBIGene:0", **{**graph.nodes[gene], "symbol": "GONE", "label": "gone"})
    _, target, data = next(iter(graph.out_edges(gene, data=True)))
    bigger.add_edge("NCBIGene:0", target, key="gone", **data)
    bigger.add_edge(gene, target, key="old", **{**data, "origin": "an earlier source"})
    push(executor, bigger)
    kept = push(executor, graph)  # without prune, the extra node and edges stay
    assert kept.database_nodes == graph.number_of_nodes() + 1
    assert kept.database_relationships == graph.number_of_edges() + 2
    pruned = push(executor, graph, prune=True)
    assert pruned.counts.nodes_deleted == 1
    assert pruned.counts.relationships_deleted == 2
    assert (pruned.database_nodes, pruned.database_relationships) == (
        graph.number_of_nodes(), graph.number_of_edges()
    )


# --- errors ----------------------------------------------------------------------------------


def _translated(error: Exception) -> Neo4jFailure:
    executor = Neo4jExecutor(None, database="nodb", uri="neo4j://db:7687", user="reader")
    with pytest.raises(Neo4jFailure) as caught, executor._errors():
        raise error
    return caught.value


def test_driver_errors_become_clear_messages() -> None:
    from neo4j import exceptions as e

    # the driver builds a server's failure with _hydrate_neo4j (code and message)
    auth = e.Neo4jError._hydrate_neo4j(
        code="Neo.ClientError.Security.Unauthorized", message="authentication failure"
    )
    failure = _translated(auth)
    assert isinstance(failure, Neo4jRefused)
    assert "refused the user name or password (user 'reader')" in str(failure)
    assert "METAKG_NEO4J_PASSWORD" in str(failure)
    missing = e.Neo4jError._hydrate_neo4j(
        code="Neo.ClientError.Database.DatabaseNotFound", message="Database does not exist."
    )
    failure = _translated(missing)
    assert isinstance(failure, Neo4jRefused) and "check --database" in str(failure)
    assert "'nodb'" in str(failure)
    failure = _translated(e.ServiceUnavailable("Unable to retrieve routing information"))
    assert isinstance(failure, Neo4jUnavailable) and failure.status == 503
    assert str(failure).startswith("cannot reach Neo4j at neo4j://db:7687: Unable to retrieve")


def test_push_without_a_server_is_a_clear_error(store_path: Path) -> None:
    port = closed_port()
    for argv in (
        ["neo4j", "push", "--store", str(store_path), "--uri", f"bolt://127.0.0.1:{port}"],
        ["neo4j", "query", "genes_in_pathway", "--param", "pathway=tgfb_smad",
         "--store", str(store_path), "--uri", f"neo4j://127.0.0.1:{port}"],
    ):
        result = CliRunner().invoke(main, argv)
        assert result.exit_code == 1, result.output
        assert f"metakg: error: cannot reach Neo4j at {argv[-1]}" in result.output
        assert "Traceback" not in result.output and result.exception is not None
        assert isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--uri", "http://127.0.0.1:7474"], "is not a Bolt address; expected neo4j or bolt"),
        (["--uri", ""], "no Neo4j address: give --uri or set METAKG_NEO4J_URI"),
    ],
)
def test_bad_addresses(store_path: Path, options: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["neo4j", "push", "--store", str(store_path), *options])
    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output


def test_query_checks_its_parameters_before_connecting(store_path: Path) -> None:
    result = CliRunner().invoke(main, [
        "neo4j", "query", "genes_in_pathway", "--param", "pathway=no such pathway",
        "--store", str(store_path), "--uri", f"bolt://127.0.0.1:{closed_port()}",
    ])
    assert result.exit_code == 1
    assert "no pathway is named 'no such pathway'" in result.output
    assert "cannot reach" not in result.output
    result = CliRunner().invoke(main, ["neo4j", "query", "no_such_query", "--uri", "bolt://x"])
    assert result.exit_code == 1 and "no named query 'no_such_query'" in result.output


def test_settings_give_the_connection(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = closed_port()
    monkeypatch.setenv("METAKG_NEO4J_URI", f"neo4j://127.0.0.1:{port}")
    result = CliRunner().invoke(main, ["neo4j", "push", "--store", str(store_path)])
    assert result.exit_code == 1
    assert f"cannot reach Neo4j at neo4j://127.0.0.1:{port}" in result.output


def test_admin_import_writes_the_files_and_prints_the_command(
    store_path: Path, tmp_path: Path, graph: nx.MultiDiGraph
) -> None:
    target = tmp_path / "import"
    result = CliRunner().invoke(main, [
        "neo4j", "push", "--store", str(store_path), "--admin-import", str(target),
        "--database", "metakg", "--uri", "bolt://never.used:1",
    ])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.iterdir()) == [
        "import.sh", "load.cypher", "nodes.csv", "relationships.csv"
    ]
    command = next(line for line in result.stdout.splitlines() if line.startswith("neo4j-admin"))
    argv = shlex.split(command)
    assert argv[:5] == ["neo4j-admin", "database", "import", "full", "metakg"]
    assert "--array-delimiter=|" in argv and "--id-type=string" in argv
    files = dict(a.removeprefix("--").split("=", 1) for a in argv if a.startswith("--")
                 and a.split("=")[0] in ("--nodes", "--relationships"))
    assert Path(files["nodes"]) == (target / "nodes.csv").resolve()
    assert Path(files["relationships"]).is_file()
    lines = (target / "nodes.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == graph.number_of_nodes() + 1
    assert "CREATE CONSTRAINT metakg_id IF NOT EXISTS" in result.output


def test_json_summary_shape_from_the_cli_is_documented() -> None:
    """The keys `--json` prints, as docs/neo4j.md shows them."""
    docs = (Path(__file__).resolve().parents[1] / "docs" / "neo4j.md").read_text(
        encoding="utf-8"
    )
    block = re.search(r"```json\n(.*?)```", docs, re.S)
    assert block, "docs/neo4j.md shows the --json summary"
    shown = json.loads(block.group(1))
    from graph.neo4j_sync import PushSummary

    real = PushSummary(1, 2, 3, Counts(), 4, 5).to_dict()
    assert shown.keys() == real.keys()
    assert all(shown[k].keys() == real[k].keys() for k in real if isinstance(real[k], dict))


def test_docs_show_the_real_statements() -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "neo4j.md").read_text(
        encoding="utf-8"
    )
    shown = [
        "\n".join(line.strip() for line in block.strip().splitlines())
        for block in re.findall(r"```cypher\n(.*?)```", docs, re.S)
    ]
    assert shown[:2] == [
        node_statement(NODE_LABELS[Category.GENE]),
        relationship_statement(relationship_type(Predicate.MEDIATES_METASTASIS_TO)),
    ]
