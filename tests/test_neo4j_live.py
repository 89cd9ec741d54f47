"""`metakg neo4j push` and `metakg neo4j query` on a real Neo4j 5 server.

Runs only when ``METAKG_NEO4J_URI`` names a server (with ``METAKG_NEO4J_USER``,
``METAKG_NEO4J_PASSWORD`` and ``METAKG_NEO4J_DATABASE`` as needed), for example one started
with ``docker run -p 7687:7687 -e NEO4J_AUTH=neo4j/testpassword neo4j:5``. The database must
be empty: the tests push the curated graph into it and delete everything, the constraint and
the indexes at the end. Without the variable every test is skipped, saying so.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from graph.cypher import CATEGORY_LABELS, CONSTRAINT_NAME, SCHEMA, Engine
from graph.names import NameIndex
from graph.neo4j_sync import Neo4jExecutor, Neo4jRefused, connect_neo4j, push
from graph.store import KnowledgeStore
from queries.lookup import name_index
from queries.named import bind, get, registry, run_cypher, run_sparql
from server.cli import main
from tests.test_named_queries import sweep

URI = os.environ.get("METAKG_NEO4J_URI", "")
USER = os.environ.get("METAKG_NEO4J_USER", "neo4j")
PASSWORD = os.environ.get("METAKG_NEO4J_PASSWORD", "")
DATABASE = os.environ.get("METAKG_NEO4J_DATABASE", "neo4j")

pytestmark = pytest.mark.skipif(
    not URI,
    reason="no Neo4j server: set METAKG_NEO4J_URI (and METAKG_NEO4J_USER, "
    "METAKG_NEO4J_PASSWORD, METAKG_NEO4J_DATABASE) to an empty Neo4j 5 database to run "
    "the live push and query tests",
)


def _clear(executor: Neo4jExecutor) -> None:
    executor.write("MATCH (n) DETACH DELETE n", {})
    executor.write(f"DROP CONSTRAINT {CONSTRAINT_NAME} IF EXISTS", {})
    for text in SCHEMA[Engine.NEO4J][1:]:
        name = text.split()[2]  # CREATE INDEX <name> IF NOT EXISTS ...
        executor.write(f"DROP INDEX {name} IF EXISTS", {})


@pytest.fixture(scope="module")
def neo4j() -> Iterator[Neo4jExecutor]:
    executor = connect_neo4j(URI, user=USER, password=PASSWORD, database=DATABASE)
    try:
        (row,) = executor.read("MATCH (n) RETURN count(n) AS count", {})
        if row["count"]:
            pytest.skip(f"database {DATABASE!r} at {URI} is not empty; these tests need one")
        yield executor
        _clear(executor)
    finally:
        executor.driver.close()


@pytest.fixture(scope="module")
def pushed(neo4j: Neo4jExecutor, store_path: Path, graph: nx.MultiDiGraph) -> Neo4jExecutor:
    """The graph pushed twice through the command line; the second push creates nothing."""
    argv = ["neo4j", "push", "--store", str(store_path), "--json", "--batch-size", "100"]
    env = {"METAKG_NEO4J_URI": URI, "METAKG_NEO4J_USER": USER,
           "METAKG_NEO4J_PASSWORD": PASSWORD, "METAKG_NEO4J_DATABASE": DATABASE}
    summaries = []
    for _ in range(2):
        result = CliRunner().invoke(main, argv, env=env)
        assert result.exit_code == 0, result.output
        summaries.append(json.loads(result.stdout))
    first, second = summaries
    nodes, edges = graph.number_of_nodes(), graph.number_of_edges()
    assert first["nodes"]["created"] == nodes and first["relationships"]["created"] == edges
    assert second["nodes"] == {"pushed": nodes, "created": 0, "matched": nodes, "deleted": 0}
    assert second["relationships"]["created"] == 0
    assert second["relationships"]["matched"] == edges
    assert first["database"] == second["database"] == {"nodes": nodes, "relationships": edges}
    return neo4j


@pytest.fixture(scope="module")
def index(graph: nx.MultiDiGraph) -> NameIndex:
    return name_index(graph)


def test_push_is_idempotent_and_complete(
    pushed: Neo4jExecutor, graph: nx.MultiDiGraph
) -> None:
    def count(text: str) -> int:
        return int(pushed.read(text, {})[0]["count"])

    assert count("MATCH (n) RETURN count(n) AS count") == graph.number_of_nodes()
    assert count("MATCH ()-[r]->() RETURN count(r) AS count") == graph.number_of_edges()
    assert count("MATCH (n:`biolink:Gene`) RETURN count(n) AS count") == sum(
        1 for _, d in graph.nodes(data=True) if d["category"] == "gene"
    )
    shown = pushed.read("SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names", {})
    assert CONSTRAINT_NAME in shown[0]["names"]
    indexes = pushed.read("SHOW INDEXES YIELD labelsOrTypes RETURN labelsOrTypes", {})
    labelled = {label for row in indexes for label in (row["labelsOrTypes"] or [])}
    assert set(CATEGORY_LABELS) <= labelled
    again = push(pushed, graph)
    assert again.counts.nodes_created == again.counts.relationships_created == 0


def test_every_query_gives_the_sparql_rows(
    pushed: Neo4jExecutor, store: KnowledgeStore, index: NameIndex
) -> None:
    for query in registry().values():
        for raw in [query.example, *sweep(query, store.graph)]:
            bound = bind(query, raw, index=index)
            assert run_cypher(bound, pushed.read) == run_sparql(bound, store.rdf), (
                query.name, raw
            )


def test_query_command_prints_the_rows(
    pushed: Neo4jExecutor, store_path: Path, store: KnowledgeStore, index: NameIndex
) -> None:
    query = get("genes_for_cancer_organ")
    params = [a for k, v in query.example.items() for a in ("--param", f"{k}={v}")]
    result = CliRunner().invoke(main, [
        "neo4j", "query", query.name, *params, "--store", str(store_path), "--json",
        "--uri", URI, "--user", USER, "--password", PASSWORD, "--database", DATABASE,
    ])
    assert result.exit_code == 0, result.output
    expected = run_sparql(bind(query, query.example, index=index), store.rdf)
    assert json.loads(result.stdout) == expected and expected


def test_wrong_password_and_database_are_clear_errors(pushed: Neo4jExecutor) -> None:
    with pytest.raises(Neo4jRefused, match="refused the user name or password"):
        connect_neo4j(URI, user=USER, password=PASSWORD + "-wrong", database=DATABASE)
    executor = connect_neo4j(URI, user=USER, password=PASSWORD, database="no-such-database")
    try:
        with pytest.raises(Neo4jRefused, match="check --database"):
            executor.read("RETURN 1 AS one", {})
    finally:
        executor.driver.close()
