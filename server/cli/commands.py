"""The ``metakg`` command line: build, validate, stats, show, and the group every command hangs on.

Start-up is kept short (``metakg --help`` in well under 0.3 s): this module imports only click
and the settings table at import time; each command imports what it needs (pyoxigraph, the
ingestors, the HTTP app, the simulator) when it runs. The commands that live in modules of
their own (``LAZY_COMMANDS``) are imported only when they are run or their own help is asked
for; ``metakg --help`` lists them with the one-line help recorded here (a test checks that it
is the command's own). tests/test_cli_startup.py keeps the heavy packages out of the help.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from server.settings import (
    SettingError,
    describe_settings,
    load_settings,
    release_date,
    settings_with,
)

if TYPE_CHECKING:
    from graph.backend import Knowledge
    from ingest.pipeline import KnowledgeBase
    from ingest.problems import ValidationFailed


def _progress(message: str) -> None:
    click.echo(message, err=True)


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"metakg: error: {message}", err=True)
    sys.exit(code)


def _store_path(option: Path | None) -> Path:
    if option is not None:
        return option
    try:
        return load_settings()["store"]
    except SettingError as exc:
        _fail(str(exc), 2)
        raise  # unreachable


def _knowledge(option: Path | None) -> Knowledge:
    """The release to read: the store given by ``--store``, else the remote SPARQL store when
    METAKG_SPARQL_ENDPOINT is set, else METAKG_STORE (or the default store)."""
    try:
        settings = load_settings()
    except SettingError as exc:
        _fail(str(exc), 2)
        raise  # unreachable
    from graph.backend import open_backend

    return open_backend(settings, option).current()


def _where(knowledge: Knowledge) -> str:
    rdf = knowledge.rdf
    return str(knowledge.path) if knowledge.path is not None else getattr(rdf, "query_url", "")


def _load(paths: Sequence[Path]) -> KnowledgeBase:
    """Plan and assemble: the curated sources plus ``paths`` (the curated directory once)."""
    from ingest.curated import default_data_dir
    from ingest.pipeline import assemble, plan_sources

    data = default_data_dir().resolve()
    extra = [p for p in paths if Path(p).resolve() != data]
    curated = len(extra) == len(paths) or any(Path(p).resolve() == data for p in paths)
    sources = plan_sources(extra, curated=curated)
    _progress("reading " + ", ".join(s.display for s in sources) + " ...")
    return assemble(sources)


def _report_problems(error: ValidationFailed) -> None:
    errors = [p for p in error.problems if p.level.value == "error"]
    for problem in error.problems:
        click.echo(str(problem), err=True)
    click.echo(f"{len(errors)} error(s) found.", err=True)


@dataclass(frozen=True)
class LazyCommand:
    """A command defined in a module of its own, imported when it is first needed."""

    module: str
    attribute: str
    short_help: str  # what `metakg --help` lists: the command's own short help

    def placeholder(self) -> click.Command:
        """A stand-in with the recorded help, to list the command without importing it."""
        return click.Command(self.attribute, help=self.short_help)


LAZY_COMMANDS: Mapping[str, LazyCommand] = {
    "diff": LazyCommand(
        "server.cli.diff",
        "diff",
        "Compare two built stores: counts by category, predicate and source, inputs, and the "
        "nodes and assertions added, removed or changed from OLD to NEW.",
    ),
    "export": LazyCommand(
        "server.cli.export",
        "export",
        "Export the graph, or a part of it, for Cytoscape, Gephi, Neo4j, RDF tools or a "
        "browser.",
    ),
    "load": LazyCommand(
        "server.cli.load",
        "load",
        "Load big RDF or KGX FILES into named graphs of the store, streaming.",
    ),
    "neo4j": LazyCommand(
        "server.cli.neo4j",
        "neo4j_group",
        "Push the graph into Neo4j, or run a named query's Cypher twin there.",
    ),
    "push": LazyCommand(
        "server.cli.push",
        "push",
        "Publish the built store to a remote SPARQL 1.1 store (e.g. `oxigraph serve`).",
    ),
    "releases": LazyCommand(
        "server.cli.releases",
        "releases",
        "List the releases kept beside a store, or roll back to one of them.",
    ),
    "simulate": LazyCommand(
        "server.cli.simulate",
        "simulate",
        "Simulate the metastatic cascade for a cancer type and a gene profile.",
    ),
}


class LazyGroup(click.Group):
    """A click group whose commands in ``LAZY_COMMANDS`` are imported on first use (the
    "lazily loading subcommands" pattern of click's documentation). Listing them in the help
    uses the recorded short help, so ``metakg --help`` imports none of them."""

    def __init__(self, *args: Any, lazy: Mapping[str, LazyCommand], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(self.lazy))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = self.commands.get(cmd_name)
        if found is not None or cmd_name not in self.lazy:
            return found
        entry = self.lazy[cmd_name]
        command = getattr(importlib.import_module(entry.module), entry.attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{entry.module}.{entry.attribute} is not a click command")
        self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            command = self.commands.get(name)
            if command is None:
                text = self.lazy[name].placeholder().get_short_help_str(limit)
            elif command.hidden:
                continue
            else:
                text = command.get_short_help_str(limit)
            rows.append((name, text))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from server import version

    click.echo(f"metakg, version {version()}")
    ctx.exit()


@click.group(
    cls=LazyGroup,
    lazy=LAZY_COMMANDS,
    epilog="Settings come from environment variables:\n\n" + describe_settings(),
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
def main() -> None:
    """metakg: a metastasis knowledge graph (Nguyen, Bos & Massagué 2009 and its references)."""


@main.command()
@click.option(
    "--store",
    type=click.Path(path_type=Path),
    help="Store directory (default: METAKG_STORE or the per-user data directory).",
)
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Extra source file or directory; repeat for several.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def build(store: Path | None, sources: tuple[Path, ...], as_json: bool) -> None:
    """Rebuild the store from the curated sources plus any --source files.

    The build is atomic: on any problem nothing is written and the previous store stays as it
    was; every problem is listed with file, line and field.
    """
    target = _store_path(store)
    started = time.perf_counter()
    with writing(target):
        _recover(target)
        summary = _build(target, sources)
    elapsed = time.perf_counter() - started
    if as_json:
        click.echo(json.dumps({"store": str(target), **summary}, indent=2))
        return
    click.echo(f"Built {target} in {elapsed:.1f} s\n")
    click.echo(render_summary(summary))


@contextmanager
def writing(target: Path, *, create: bool = True) -> Iterator[None]:
    """Hold the single-writer lock of the store at ``target`` for the whole of a writing
    command, taken before anything is read: a second writer fails at once with a message
    naming the lock, and the writer that started first wins. ``create``: make the directory
    the store (and its lock file) goes in; without it, a missing directory is left to the
    command to report (no store can be there, so there is nothing to lock)."""
    from graph.store import StoreLocked

    try:
        with _writer_lock(target, create=create):
            yield
    except StoreLocked as exc:
        _fail(f"{exc}; nothing was changed")


@contextmanager
def _writer_lock(target: Path, *, create: bool = True) -> Iterator[None]:
    """graph.store.writer_lock, after creating the directory the lock file lives in."""
    from graph.store import writer_lock

    if not create and not target.parent.is_dir():
        yield
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _fail(f"cannot create the directory of the store {target}: {exc}")
    with writer_lock(target):
        yield


def _recover(target: Path) -> None:
    """Clean up what killed builds left beside ``target`` (under the writer lock), saying
    what was done on standard error."""
    from graph.store import recover

    for message in recover(target):
        _progress(message)


def _build(target: Path, sources: Sequence[Path]) -> dict[str, Any]:
    """Assemble and write the store; on any problem print them all and exit 1."""
    from graph.store import write_store
    from ingest.problems import MetakgError, ValidationFailed
    from server import version

    try:
        kb = _load(sources)
        for warning in kb.warnings:
            click.echo(str(warning), err=True)
        _progress(
            f"read {len(kb.nodes)} nodes and {len(kb.edges)} associations; "
            "writing and validating (SHACL, projection parity) ..."
        )
        report = write_store(
            target,
            kb.nodes,
            kb.edges,
            kb.hierarchy,
            sources=[
                {"name": s.display, "ingestor": s.ingestor.name, "sha256": s.digest()}
                for s in kb.sources
            ],
            version=version(),
            date=release_date(),
        )
    except ValidationFailed as exc:
        _report_problems(exc)
        _fail(f"build failed; the store at {target} was not changed")
    except MetakgError as exc:
        _fail(f"{exc}; the store at {target} was not changed")
    return report.summary


@main.command()
@click.option("--store", type=click.Path(path_type=Path), help="Store directory.")
@click.option("--host", help="Address to listen on (METAKG_HOST, default 127.0.0.1).")
@click.option("--port", type=int, help="Port (METAKG_PORT, default 8000).")
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes (METAKG_WORKERS).")
@click.option("--threads", type=click.IntRange(min=1), help="Threads per worker (METAKG_THREADS).")
def serve(
    store: Path | None,
    host: str | None,
    port: int | None,
    workers: int | None,
    threads: int | None,
) -> None:
    """Serve the HTTP API and the SPARQL endpoint with Granian (building the curated store
    first if none was ever built at the store path; failing if one went missing). With
    METAKG_SPARQL_ENDPOINT set (and no --store), serve that remote SPARQL store instead: the
    processes keep no state, so several can serve one store."""
    from server.http.wsgi import serve as run_server

    overrides = {
        name: value
        for name, value in (
            ("store", store),
            ("host", host),
            ("port", port),
            ("workers", workers),
            ("threads", threads),
        )
        if value is not None
    }
    try:
        settings = settings_with(overrides)
    except SettingError as exc:
        _fail(str(exc), 2)
    if store is not None:
        settings["sparql_endpoint"] = ""  # an explicit --store is served, not the remote
    if settings["sparql_endpoint"]:
        source = f"the remote SPARQL store {settings['sparql_endpoint']}"
    else:
        source = str(settings["store"])
        _prepare_store(settings["store"])
    _progress(
        f"serving {source} on http://{settings['host']}:{settings['port']}/ "
        f"({settings['workers']} workers x {settings['threads']} threads; "
        f"query deadline {settings['query_timeout']:g} s)"
    )
    run_server(settings)


def _prepare_store(target: Path) -> None:
    """Before serving: clean up after killed builds, and build the store if none was ever
    built. When another process is writing the store (a build in progress), leave the
    leftovers to it and serve the current release."""
    from graph.store import StoreLocked, is_store

    try:
        with _writer_lock(target):
            _recover(target)
            _serve_or_build(target)
    except StoreLocked as exc:
        if not is_store(target):
            _fail(f"{exc}; there is no store to serve until it is done")
        _progress(f"{exc}; serving the release there now")


def _serve_or_build(target: Path) -> None:
    """Make sure there is a store to serve at ``target``: build the curated sources only when
    no store was ever built there; fail when one was and went missing (rebuilding then would
    silently drop the --source files it was built from)."""
    from graph.store import is_store, was_built

    if is_store(target):
        return
    if was_built(target):
        _fail(
            f"the store at {target} went missing (a store was built there before); nothing "
            "was rebuilt, since that would drop any --source files it was built from. Rebuild "
            f"it with `metakg build --store {target} --source ...` (the same --source files "
            f"as before), or go back to a kept release with `metakg releases list --store "
            f"{target}` and `metakg releases rollback --store {target}`"
        )
    _progress(
        f"no knowledge base at {target}, and none was ever built there: building the "
        "curated sources only (no --source files; run `metakg build --source FILE` to add "
        "yours) ..."
    )
    _build(target, ())


@main.command(name="stats")
@click.option("--store", type=click.Path(path_type=Path), help="Store directory.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def stats_command(store: Path | None, as_json: bool) -> None:
    """Counts of the built store: nodes, edges by predicate, assertions by confidence."""
    from graph import stats
    from graph.store import StoreError

    try:
        knowledge = _knowledge(store)
        summary = stats.from_rdf(knowledge.rdf)
    except StoreError as exc:
        _fail(str(exc))
    where = {"store": _where(knowledge), "release": knowledge.release}
    if as_json:
        click.echo(json.dumps({**where, **summary}, indent=2))
    else:
        click.echo(f"Store: {where['store']}\nRelease: {where['release']}\n")
        click.echo(render_summary(summary))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check source files (with the curated sources they refer to) without building.

    Runs every ingestor check, resolves every name, and validates the resulting RDF against
    the SHACL shapes.
    """
    from graph import shacl
    from graph.rdf import OxigraphSink
    from graph.sinks import write_all
    from ingest.problems import ValidationFailed

    try:
        kb = _load(paths)
    except ValidationFailed as exc:
        _report_problems(exc)
        _fail("validation failed")
    for warning in kb.warnings:
        click.echo(str(warning), err=True)
    sink = write_all(OxigraphSink(), kb.nodes, kb.edges, kb.hierarchy)
    violations = shacl.check(sink.store)  # type: ignore[attr-defined]
    for violation in violations:
        click.echo(f"SHACL: {violation}", err=True)
    if violations:
        _fail(f"{len(violations)} SHACL violation(s)")
    click.echo(
        f"OK: {len(kb.nodes)} nodes, {len(kb.edges)} associations, "
        f"{len(kb.hierarchy)} hierarchy edges; SHACL conforms."
    )


@main.command()
@click.argument("name")
@click.option("--store", type=click.Path(path_type=Path), help="Store directory.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show(name: str, store: Path | None, as_json: bool) -> None:
    """Show an entity (symbol, alias, CURIE or label) and every assertion about it."""
    from graph.store import StoreError
    from queries import lookup

    try:
        graph = _knowledge(store).graph
    except StoreError as exc:
        _fail(str(exc))
    index = lookup.name_index(graph)
    found = index.resolve(name)
    if found.node_id is None:
        if found.ambiguous:
            choices = ", ".join(f"{c} ({graph.nodes[c]['label']})" for c in found.candidates)
            _fail(f"'{name}' is ambiguous: it could be {choices}; use one of these identifiers")
        hint = index.suggest(name)
        _fail(
            f"nothing is called '{name}'" + (f"; did you mean {', '.join(hint)}?" if hint else "")
        )
    entity = lookup.describe(graph, found.node_id)  # type: ignore[arg-type]
    if as_json:
        click.echo(json.dumps(entity, indent=2, ensure_ascii=False))
    else:
        click.echo(lookup.render_text(entity))


@main.command()
@click.argument("page", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--ids",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Verified identifiers to merge (reference_ids.tsv).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here instead of standard output.",
)
def references(page: Path, ids: Path | None, output: Path | None) -> None:
    """Parse a numbered, Nature-style reference list into the references.tsv format."""
    from ingest.problems import Problems
    from ingest.references import generate_references_tsv

    problems = Problems()
    text = generate_references_tsv(page, ids, problems)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems.errors:
        _fail(f"{len(problems.errors)} problem(s); nothing written")
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        _progress(f"wrote {output}")


def _rows_out(columns: Sequence[str], rows: list[dict[str, str]], fmt: str) -> str:
    """Rows as an aligned table, JSON, CSV or TSV."""
    import csv
    import io

    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False)
    if fmt in ("csv", "tsv"):
        out = io.StringIO()
        writer = csv.writer(out, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[row.get(c, "") for c in columns] for row in rows])
        return out.getvalue().rstrip("\n")
    widths = {c: min(40, max([len(c)] + [len(row.get(c, "")) for row in rows])) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines.append("  ".join("-" * widths[c] for c in columns))
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c, "")
            cells.append((value if len(value) <= 40 else value[:37] + "...").ljust(widths[c]))
        lines.append("  ".join(cells).rstrip())
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "tsv"]),
    default="table",
    show_default=True,
    help="Output format.",
)


@main.command(name="queries")
def list_queries() -> None:
    """List the named queries with their parameters."""
    from queries import named

    for query in named.registry().values():
        params = " ".join(
            f"{p.name}={'...' if p.required else '[' + (p.default or '') + ']'}"
            for p in query.params
        )
        click.echo(f"{query.name}  {params}".rstrip())
        click.echo(f"    {query.title}")
        example = " ".join(f"--param {k}={v!r}" for k, v in query.example.items())
        click.echo(f"    e.g. metakg query {query.name} {example}".rstrip())


@main.command()
@click.argument("name")
@click.option("--param", "params", multiple=True, metavar="K=V", help="A parameter; repeat.")
@click.option("--store", type=click.Path(path_type=Path), help="Store directory.")
@FORMAT_OPTION
def query(name: str, params: tuple[str, ...], store: Path | None, fmt: str) -> None:
    """Run a named query (see `metakg queries`)."""
    from graph.errors import MetakgError
    from queries import lookup, named

    raw: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            _fail(f"--param needs the form NAME=VALUE; got {item!r}", 2)
        raw[key.strip()] = value.strip()
    try:
        knowledge = _knowledge(store)
        chosen = named.get(name)
        bound = named.bind(chosen, raw, index=lookup.name_index(knowledge.graph))
        rows = named.run_sparql(bound, knowledge.rdf)
    except MetakgError as exc:
        _fail(str(exc))
    click.echo(_rows_out(chosen.columns, rows, fmt))


@main.command()
@click.argument("text", metavar="QUERY|@FILE")
@click.option("--store", type=click.Path(path_type=Path), help="Store directory.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "tsv", "xml", "turtle", "ntriples"]),
    default="table",
    show_default=True,
    help="Output format (turtle/ntriples for CONSTRUCT and DESCRIBE).",
)
def sparql(text: str, store: Path | None, fmt: str) -> None:
    """Run a SPARQL query on the store (read-only; the same guard as the HTTP endpoint)."""
    import pyoxigraph as ox

    from graph.errors import MetakgError
    from queries.guard import refusals

    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot read the query file: {exc}", 2)
    try:
        knowledge = _knowledge(store)
        reasons = refusals(text, local_graphs={g.value for g in knowledge.rdf.named_graphs()})
        if reasons:
            _fail("; ".join(reasons))
        result = knowledge.rdf.query(text)
    except SyntaxError as exc:
        _fail(f"SPARQL syntax error: {exc}")
    except MetakgError as exc:
        _fail(str(exc))
    if isinstance(result, ox.QueryBoolean):
        click.echo("true" if bool(result) else "false")
        return
    if not isinstance(result, ox.QuerySolutions):  # CONSTRUCT or DESCRIBE triples
        rdf = {"ntriples": ox.RdfFormat.N_TRIPLES}.get(fmt, ox.RdfFormat.TURTLE)
        click.echo(ox.serialize(result, format=rdf).decode("utf-8"), nl=False)
        return
    formats = {
        "json": ox.QueryResultsFormat.JSON,
        "xml": ox.QueryResultsFormat.XML,
        "csv": ox.QueryResultsFormat.CSV,
        "tsv": ox.QueryResultsFormat.TSV,
    }
    if fmt in formats:
        click.echo(result.serialize(format=formats[fmt]).decode("utf-8"))
        return
    columns = [v.value for v in result.variables]
    rows = [{c: "" if s[c] is None else _term_text(s[c]) for c in columns} for s in result]
    click.echo(_rows_out(columns, rows, "table"))


def _term_text(term: object) -> str:
    from graph.curie import compress

    value = getattr(term, "value", str(term))
    return compress(value) if type(term).__name__ == "NamedNode" else value


def render_summary(summary: dict[str, Any]) -> str:
    lines = ["Nodes by category:"]
    lines += [f"  {k.replace('_', ' '):<22}{v:>6}" for k, v in summary["nodes"].items() if v]
    lines.append("Edges by predicate:")
    lines += [f"  {k:<26}{v:>6}" for k, v in summary["edges"].items() if v]
    lines.append(f"Associations: {summary['associations']}")
    lines.append(
        "Assertions by confidence: "
        + ", ".join(f"{k} {v}" for k, v in summary["confidence"].items())
    )
    retracted = summary["associations_resting_only_on_retracted"]
    if retracted:
        lines.append(f"Resting only on a retracted paper: {retracted}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    main()
