"""Push the graph into a running Cypher database and read from it, through one small
executor interface that Neo4j (the official driver) and FalkorDB (its Python client) both
implement.

An executor has an ``engine`` (:class:`graph.cypher.Engine`) and three methods:
``write(text, params) -> Counts`` (one write transaction), ``read(text, params)`` (rows as
dicts by column) and ``schema(text)`` (a schema statement; one that exists already is not an
error). :func:`push` runs the statements of :func:`graph.cypher.plan` through it, so the same
texts load Neo4j and FalkorDB; only the schema step differs by engine.

:class:`Neo4jExecutor` runs each statement in a managed transaction
(``session.execute_write``, retried by the driver on transient errors) and turns the driver's
errors into :class:`Neo4jUnavailable` (cannot connect) or :class:`Neo4jRefused` (the server
said no: authentication, an unknown database, a rejected statement), with what to check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Any, Protocol

import networkx as nx

from graph.cypher import (
    BATCH_SIZE,
    COUNT_NODES,
    COUNT_RELATIONSHIPS,
    PRUNE_NODES,
    PRUNE_RELATIONSHIPS,
    SCHEMA,
    Batch,
    Engine,
    plan,
)
from graph.errors import MetakgError
from graph.records import edges_of, hierarchy_of, nodes_of


class Neo4jFailure(MetakgError):
    status = 502
    title = "Neo4j failed"


class Neo4jUnavailable(Neo4jFailure):
    """The server cannot be reached."""

    status = 503
    title = "Neo4j unavailable"


class Neo4jRefused(Neo4jFailure):
    """The server answered with an error (authentication, database, statement)."""

    title = "Neo4j refused the request"


@dataclass
class Counts:
    """What a write changed, as the engine counts it."""

    nodes_created: int = 0
    nodes_deleted: int = 0
    relationships_created: int = 0
    relationships_deleted: int = 0
    properties_set: int = 0
    labels_added: int = 0

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @classmethod
    def read(cls, source: object) -> Counts:
        """From anything with these attributes (Neo4j ``SummaryCounters``, a FalkorDB
        ``QueryResult``, whose counts are floats)."""
        return cls(**{f.name: int(getattr(source, f.name, 0) or 0) for f in fields(cls)})


class CypherExecutor(Protocol):
    engine: Engine

    def write(self, text: str, params: Mapping[str, Any]) -> Counts: ...

    def read(self, text: str, params: Mapping[str, Any]) -> list[dict[str, Any]]: ...

    def schema(self, text: str) -> None: ...


@dataclass(frozen=True)
class PushSummary:
    nodes: int
    relationships: int
    batches: int
    counts: Counts
    database_nodes: int
    database_relationships: int

    @property
    def nodes_matched(self) -> int:
        return self.nodes - self.counts.nodes_created

    @property
    def relationships_matched(self) -> int:
        return self.relationships - self.counts.relationships_created

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": {"pushed": self.nodes, "created": self.counts.nodes_created,
                      "matched": self.nodes_matched, "deleted": self.counts.nodes_deleted},
            "relationships": {
                "pushed": self.relationships,
                "created": self.counts.relationships_created,
                "matched": self.relationships_matched,
                "deleted": self.counts.relationships_deleted,
            },
            "properties_set": self.counts.properties_set,
            "labels_added": self.counts.labels_added,
            "batches": self.batches,
            "database": {"nodes": self.database_nodes,
                         "relationships": self.database_relationships},
        }


def graph_batches(graph: nx.MultiDiGraph, *, batch_size: int = BATCH_SIZE) -> list[Batch]:
    """The batches that write ``graph`` (a store's networkx projection)."""
    return plan(nodes_of(graph), edges_of(graph), hierarchy_of(graph), batch_size=batch_size)


def push(
    executor: CypherExecutor,
    graph: nx.MultiDiGraph,
    *,
    batch_size: int = BATCH_SIZE,
    prune: bool = False,
    progress: Callable[[str], None] = lambda _: None,
) -> PushSummary:
    """Write ``graph``: the schema step, then one transaction per batch; with ``prune``,
    then delete the nodes and relationships (of our labels) that ``graph`` does not have."""
    batches = graph_batches(graph, batch_size=batch_size)
    for text in SCHEMA[executor.engine]:
        executor.schema(text)
    totals = Counts()
    done: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for batch in batches:
        sizes[batch.key] = sizes.get(batch.key, 0) + len(batch.rows)
    for number, batch in enumerate(batches, start=1):
        totals.add(executor.write(batch.statement, batch.params))
        done[batch.key] = done.get(batch.key, 0) + len(batch.rows)
        progress(
            f"batch {number}/{len(batches)}: {batch.kind} {batch.key} "
            f"{done[batch.key]}/{sizes[batch.key]}"
        )
    node_ids = [row["id"] for b in batches if b.kind == "nodes" for row in b.rows]
    rel_ids = [row["id"] for b in batches if b.kind == "relationships" for row in b.rows]
    if prune:
        totals.add(executor.write(PRUNE_RELATIONSHIPS, {"ids": rel_ids}))
        totals.add(executor.write(PRUNE_NODES, {"ids": node_ids}))
        progress("pruned what the graph no longer has")
    return PushSummary(
        nodes=len(node_ids),
        relationships=len(rel_ids),
        batches=len(batches),
        counts=totals,
        database_nodes=_count(executor, COUNT_NODES),
        database_relationships=_count(executor, COUNT_RELATIONSHIPS),
    )


def _count(executor: CypherExecutor, text: str) -> int:
    (row,) = executor.read(text, {})
    return int(row["count"])


# --- FalkorDB --------------------------------------------------------------------------------


class FalkorDBExecutor:
    """A FalkorDB graph (``falkordb.FalkorDB(...).select_graph(name)``): each query is atomic."""

    engine = Engine.FALKORDB

    def __init__(self, graph: Any) -> None:
        self.graph = graph

    def write(self, text: str, params: Mapping[str, Any]) -> Counts:
        return Counts.read(self.graph.query(text, dict(params)))

    def read(self, text: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        result = self.graph.query(text, dict(params))
        columns = [_column_name(h) for h in result.header]
        return [dict(zip(columns, row, strict=True)) for row in result.result_set]

    def schema(self, text: str) -> None:
        try:
            self.graph.query(text)
        except Exception as exc:  # the client raises redis' ResponseError
            if "already indexed" not in str(exc):
                raise


def _column_name(header: Any) -> str:
    name = header[1] if isinstance(header, list | tuple) else header
    return name.decode() if isinstance(name, bytes) else str(name)


# --- Neo4j -----------------------------------------------------------------------------------


class Neo4jExecutor:
    """A Neo4j database through the official driver; one managed transaction per call."""

    engine = Engine.NEO4J

    def __init__(self, driver: Any, *, database: str, uri: str = "", user: str = "") -> None:
        self.driver = driver
        self.database = database
        self.uri = uri
        self.user = user

    def write(self, text: str, params: Mapping[str, Any]) -> Counts:
        def work(tx: Any) -> Counts:
            return Counts.read(tx.run(text, dict(params)).consume().counters)

        with self._errors(), self.driver.session(database=self.database) as session:
            return session.execute_write(work)

    def read(self, text: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        def work(tx: Any) -> list[dict[str, Any]]:
            result = tx.run(text, dict(params))
            keys = list(result.keys())
            return [dict(zip(keys, record.values(), strict=True)) for record in result]

        with self._errors(), self.driver.session(database=self.database) as session:
            return session.execute_read(work)

    def schema(self, text: str) -> None:
        self.write(text, {})

    def verify(self) -> None:
        """Connect and authenticate now, so that a wrong address or password fails early."""
        with self._errors():
            self.driver.verify_connectivity()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        from neo4j import exceptions as e

        where = f"Neo4j at {self.uri or 'the given address'}"
        try:
            yield
        except e.AuthError as exc:
            raise Neo4jRefused(
                f"{where} refused the user name or password (user {self.user!r}): "
                f"{_message(exc)}; check --user and --password (METAKG_NEO4J_USER, "
                "METAKG_NEO4J_PASSWORD)"
            ) from None
        except (e.ServiceUnavailable, e.SessionExpired, OSError) as exc:
            raise Neo4jUnavailable(
                f"cannot reach {where}: {_message(exc)}; check that the server runs and that "
                "--uri (METAKG_NEO4J_URI) names its Bolt address, e.g. neo4j://localhost:7687"
            ) from None
        except e.Neo4jError as exc:
            code = getattr(exc, "code", None) or "error"
            hint = ""
            if "DatabaseNotFound" in code:
                hint = f"; check --database (METAKG_NEO4J_DATABASE), now {self.database!r}"
            raise Neo4jRefused(f"{where} answered {code}: {_message(exc)}{hint}") from None
        except e.DriverError as exc:
            raise Neo4jFailure(f"the Neo4j driver failed with {where}: {_message(exc)}") from None


def _message(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())


#: URI schemes of the Bolt protocol (the driver's HTTP Query API is a preview: not used).
BOLT_SCHEMES = ("neo4j", "bolt", "neo4j+s", "neo4j+ssc", "bolt+s", "bolt+ssc")


def connect_neo4j(
    uri: str, *, user: str, password: str, database: str, timeout: float = 15.0
) -> Neo4jExecutor:
    """A driver for ``uri`` (``neo4j://``, ``bolt://`` and their ``+s`` forms), checked by
    connecting once; close it with ``executor.driver.close()``."""
    from neo4j import GraphDatabase
    from neo4j.exceptions import ConfigurationError

    if not uri:
        raise Neo4jRefused(
            "no Neo4j address: give --uri or set METAKG_NEO4J_URI (e.g. neo4j://localhost:7687)"
        )
    scheme = uri.partition("://")[0].lower() if "://" in uri else ""
    if scheme not in BOLT_SCHEMES:
        raise Neo4jRefused(
            f"{uri!r} is not a Bolt address; expected {' or '.join(BOLT_SCHEMES[:2])} "
            f"followed by ://HOST:PORT (or {', '.join(BOLT_SCHEMES[2:])} for TLS), "
            "e.g. neo4j://localhost:7687"
        )
    auth = (user, password) if password else None
    try:
        driver = GraphDatabase.driver(
            uri, auth=auth, connection_timeout=timeout, max_transaction_retry_time=timeout
        )
    except (ConfigurationError, ValueError) as exc:
        raise Neo4jRefused(
            f"{uri!r} is not a Neo4j address ({_message(exc)}); expected "
            "neo4j://HOST:PORT or bolt://HOST:PORT (+s or +ssc for TLS)"
        ) from None
    executor = Neo4jExecutor(driver, database=database, uri=uri, user=user)
    try:
        executor.verify()
    except Neo4jFailure:
        driver.close()
        raise
    return executor
