"""`metakg neo4j push` and `metakg neo4j query`: the graph in a running Neo4j database, and
the named queries' Cypher twins run there.

``push`` writes the built store's graph with the statements of :mod:`graph.cypher`
(batched ``UNWIND $rows ... MERGE``, one managed transaction per batch; running it twice
changes nothing); ``push --admin-import DIR`` writes the neo4j-admin import files instead and
prints the command that loads them. ``query`` binds the parameters against the local store
(names, aliases, CURIEs) and runs the query's Cypher twin on the database. The connection
comes from the options or the settings ``METAKG_NEO4J_URI``, ``METAKG_NEO4J_USER``,
``METAKG_NEO4J_PASSWORD`` and ``METAKG_NEO4J_DATABASE``.
"""

from __future__ import annotations

import csv
import json
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from graph.cypher import BATCH_SIZE, SCHEMA, Engine
from graph.errors import MetakgError
from graph.store import KnowledgeStore
from server import version
from server.cli.commands import FORMAT_OPTION, _fail, _progress, _rows_out, _store_path
from server.settings import SettingError, load_settings


def _connection(function: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--uri", help="Bolt address, e.g. neo4j://localhost:7687 (METAKG_NEO4J_URI)."),
        click.option("--user", help="User name (METAKG_NEO4J_USER, default neo4j)."),
        click.option("--password", help="Password (METAKG_NEO4J_PASSWORD)."),
        click.option("--database", help="Database name (METAKG_NEO4J_DATABASE, default neo4j)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _settings(**given: str | None) -> dict[str, str]:
    """The connection: each option, or else its setting."""
    try:
        settings = load_settings()
    except SettingError as exc:
        _fail(str(exc), 2)
        raise  # unreachable
    return {k: v if v is not None else str(settings[f"neo4j_{k}"]) for k, v in given.items()}


def _connect(conn: dict[str, str]) -> Any:
    """A checked connection; the driver's own log lines stay quiet (the error says it all)."""
    import logging

    from graph.neo4j_sync import connect_neo4j

    logging.getLogger("neo4j").addHandler(logging.NullHandler())
    return connect_neo4j(
        conn["uri"], user=conn["user"], password=conn["password"], database=conn["database"]
    )


def _open(store: Path | None) -> KnowledgeStore:
    try:
        return KnowledgeStore(_store_path(store))
    except MetakgError as exc:
        _fail(str(exc))
        raise  # unreachable


@click.group(name="neo4j")
def neo4j_group() -> None:
    """Push the graph into Neo4j, or run a named query's Cypher twin there."""


@neo4j_group.command()
@click.option("--store", type=click.Path(path_type=Path), help="Store directory.")
@_connection
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=BATCH_SIZE,
              show_default=True, help="Rows per statement (one transaction each).")
@click.option("--prune", is_flag=True,
              help="Afterwards delete the nodes and relationships (labelled "
                   "biolink:NamedThing) that the graph no longer has.")
@click.option("--admin-import", "admin_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write the neo4j-admin import files into this folder and print the "
                   "import command, instead of connecting.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def push(
    store: Path | None, uri: str | None, user: str | None, password: str | None,
    database: str | None, batch_size: int, prune: bool, admin_dir: Path | None,
    as_json: bool,
) -> None:
    """Write the store's graph into a Neo4j database (MERGE on id: a second run changes
    nothing)."""
    from graph.neo4j_sync import push as push_graph

    knowledge = _open(store)
    conn = _settings(uri=uri, user=user, password=password, database=database)
    if admin_dir is not None:
        _admin_import(knowledge, admin_dir, conn["database"])
        return
    try:
        executor = _connect(conn)
        try:
            _progress(f"pushing to {conn['uri']}, database {conn['database']} ...")
            summary = push_graph(
                executor, knowledge.graph, batch_size=batch_size, prune=prune, progress=_progress
            )
        finally:
            executor.driver.close()
    except MetakgError as exc:
        _fail(str(exc))
        raise  # unreachable
    if as_json:
        click.echo(json.dumps(summary.to_dict(), indent=2))
        return
    c = summary.counts
    click.echo(
        f"nodes: {summary.nodes} pushed, {c.nodes_created} created, "
        f"{summary.nodes_matched} already there"
        + (f", {c.nodes_deleted} pruned" if prune else "")
    )
    click.echo(
        f"relationships: {summary.relationships} pushed, {c.relationships_created} created, "
        f"{summary.relationships_matched} already there"
        + (f", {c.relationships_deleted} pruned" if prune else "")
    )
    click.echo(
        f"database {conn['database']} now holds {summary.database_nodes} nodes and "
        f"{summary.database_relationships} relationships between them (label "
        "biolink:NamedThing)"
    )


def _admin_import(knowledge: KnowledgeStore, directory: Path, database: str) -> None:
    from graph.exports import ExportFormat
    from graph.exports.neo4j import NODES_FILE, RELATIONSHIPS_FILE, import_arguments
    from server.exporting import dataset_info, write_to_directory

    info = dataset_info(knowledge.manifest, "whole graph", version())
    try:
        names = write_to_directory(knowledge.graph, ExportFormat.NEO4J, directory, info=info)
    except (MetakgError, ValueError, OSError) as exc:
        _fail(f"cannot write the import files into {directory}: {exc}")
    _progress(f"wrote {', '.join(names)} to {directory}")
    folder = directory.resolve()
    argv = import_arguments(
        database, str(folder / NODES_FILE), str(folder / RELATIONSHIPS_FILE),
        multiline=_has_line_break(folder / NODES_FILE, folder / RELATIONSHIPS_FILE),
    )
    _progress("Stop the database, then import (this replaces its contents):")
    click.echo(shlex.join(argv))
    _progress(
        "Then start it and create the constraint and indexes (cypher-shell -d "
        f"{database}):\n  " + ";\n  ".join(s.replace("\n", " ") for s in SCHEMA[Engine.NEO4J])
        + ";"
    )


def _has_line_break(*paths: Path) -> bool:
    for path in paths:
        with path.open(newline="", encoding="utf-8") as handle:
            if any("\n" in cell or "\r" in cell for row in csv.reader(handle) for cell in row):
                return True
    return False


@neo4j_group.command(name="query")
@click.argument("name")
@click.option("--param", "params", multiple=True, metavar="K=V", help="A parameter; repeat.")
@click.option("--store", type=click.Path(path_type=Path),
              help="Store whose names resolve the parameters.")
@_connection
@FORMAT_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON (same as --format json).")
def query_command(
    name: str, params: tuple[str, ...], store: Path | None, uri: str | None,
    user: str | None, password: str | None, database: str | None, fmt: str, as_json: bool,
) -> None:
    """Run a named query's Cypher twin on Neo4j (see `metakg queries`)."""
    from queries import lookup, named
    from server.exporting import parse_params

    conn = _settings(uri=uri, user=user, password=password, database=database)
    try:
        chosen = named.get(name)
        raw = dict(parse_params(params))
        knowledge = KnowledgeStore(_store_path(store))
        bound = named.bind(chosen, raw, index=lookup.name_index(knowledge.graph))
        executor = _connect(conn)
        try:
            rows = named.run_cypher(bound, executor.read)
        finally:
            executor.driver.close()
    except MetakgError as exc:
        _fail(str(exc))
        raise  # unreachable
    click.echo(_rows_out(chosen.columns, rows, "json" if as_json else fmt))
