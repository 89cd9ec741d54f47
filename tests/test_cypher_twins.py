"""The Cypher twins of the named queries run, and give the SPARQL's rows.

The curated graph is loaded into a real FalkorDB with the statements of `metakg neo4j push`
(graph.cypher, through graph.neo4j_sync.push); then every named query runs with every value
each parameter takes (every entity of its categories, every choice, reference numbers
1-124, an omitted optional parameter, lists), as tests/test_named_queries.py does for
networkx, and the Cypher rows must equal the SPARQL rows on the store. Every query's example
must give rows, so a twin that matches nothing cannot pass by agreeing on nothing.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import pytest

from graph.names import NameIndex
from graph.neo4j_sync import FalkorDBExecutor, push
from graph.store import KnowledgeStore
from queries.lookup import name_index
from queries.named import NamedQuery, bind, get, registry, run_cypher, run_sparql
from tests.falkordb_server import falkordb_fixture
from tests.test_named_queries import sweep

QUERY_NAMES = list(registry())
#: Members per list in the sweep of an ``entities`` parameter (at most 50 are allowed).
LIST_CHUNK = 25

falkordb_graph = falkordb_fixture(scope="module")


@pytest.fixture(scope="module")
def cypher(falkordb_graph: Any, graph: nx.MultiDiGraph) -> FalkorDBExecutor:
    executor = FalkorDBExecutor(falkordb_graph)
    summary = push(executor, graph, batch_size=97)
    assert summary.database_nodes == graph.number_of_nodes()
    assert summary.database_relationships == graph.number_of_edges()
    return executor


@pytest.fixture(scope="module")
def index(graph: nx.MultiDiGraph) -> NameIndex:
    return name_index(graph)


def _compare(
    query: NamedQuery, raw: dict[str, str], store: KnowledgeStore, index: NameIndex,
    cypher: FalkorDBExecutor,
) -> list[dict[str, str]]:
    bound = bind(query, raw, index=index)
    expected = run_sparql(bound, store.rdf)
    assert run_cypher(bound, cypher.read) == expected, (query.name, raw)
    return expected


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_example_gives_the_sparql_rows(
    name: str, store: KnowledgeStore, index: NameIndex, cypher: FalkorDBExecutor
) -> None:
    query = get(name)
    rows = _compare(query, query.example, store, index, cypher)
    assert rows, f"{name}: the example gives no rows, so agreement would prove nothing"


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_every_parameter_value_gives_the_sparql_rows(
    name: str, store: KnowledgeStore, index: NameIndex, cypher: FalkorDBExecutor
) -> None:
    query = get(name)
    sets = sweep(query, store.graph, LIST_CHUNK)
    nonempty = sum(bool(_compare(query, raw, store, index, cypher)) for raw in sets)
    assert nonempty or not sets


def test_assertion_references_over_every_assertion(
    store: KnowledgeStore, index: NameIndex, cypher: FalkorDBExecutor
) -> None:
    """The one query whose entity parameters take any category: every (subject, predicate,
    object) of an association, plus combinations that name no assertion."""
    query = get("assertion_references")
    seen = set()
    for u, v, data in store.graph.edges(data=True):
        if data["kind"] != "association" or (u, data["predicate"], v) in seen:
            continue
        seen.add((u, data["predicate"], v))
        raw = {"subject": u, "predicate": data["predicate"], "object": v}
        rows = _compare(query, raw, store, index, cypher)
        assert len(rows) >= len(data["references"]), raw
        assert not _compare(query, {**raw, "subject": v, "object": u}, store, index, cypher)
    assert len(seen) > 100


def test_self_regulation_gives_both_rows(falkordb_graph: Any, graph: nx.MultiDiGraph) -> None:
    """A gene that regulates itself is its own target and its own regulator, as in the
    SPARQL's UNION (an undirected Cypher pattern would return the loop once)."""
    gene = next(n for n, d in graph.nodes(data=True) if d.get("symbol") == "ZEB1")
    edge = next(d for *_, d in graph.edges(data=True) if d.get("predicate") == "regulates")
    small = nx.MultiDiGraph(graph.subgraph([gene, *edge["references"]]))
    small.add_edge(gene, gene, key="metakg:assoc/self", **edge)
    executor = FalkorDBExecutor(type(falkordb_graph)(falkordb_graph.client, "selfloop"))
    push(executor, small)
    bound = bind(get("gene_regulation"), {"gene": gene}, index=name_index(small))
    rows = run_cypher(bound, executor.read)
    assert {(r["relation"], r["partner"]) for r in rows} == {
        ("target", gene), ("regulator", gene)
    }
