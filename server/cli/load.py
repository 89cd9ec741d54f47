"""``metakg load``: stream big RDF or KGX files into named graphs of the store, all or nothing.

The work is done by :mod:`ingest.bulk` (embedded store) and :mod:`ingest.bulk_remote`
(``--remote``); this module parses options, draws the progress bar on a terminal and prints
the problems and a one-line summary.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from graph.errors import MetakgError
from ingest.bulk_files import CHUNK_BYTES, FORMAT_NAMES, BulkSource, plan
from ingest.problems import Problems, ValidationFailed
from server.cli.commands import _fail, _recover, _report_problems, _store_path, writing
from server.settings import SettingError, load_settings

if TYPE_CHECKING:
    from ingest.bulk import LoadReport


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--store", type=click.Path(path_type=Path), help="Store directory (default: METAKG_STORE)."
)
@click.option(
    "--remote",
    is_flag=True,
    help="Load into the remote SPARQL store of METAKG_SPARQL_ENDPOINT / _UPDATE_ENDPOINT "
    "(and _STORE_ENDPOINT for streaming uploads) instead of the store directory.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_NAMES),
    help="The files' format (default: from the extension, or KGX by its header).",
)
@click.option(
    "--graph",
    "graph",
    metavar="NAME",
    help="Load every file into the one graph <https://w3id.org/metakg/id/source/NAME> "
    "(default: one graph per file or KGX pair, named after it).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse the load if any class or predicate is outside metakg's vocabulary "
    "(default: leave those triples out, with a warning per term).",
)
@click.option(
    "--chunk-mb",
    type=click.IntRange(min=0),
    default=CHUNK_BYTES >> 20,
    show_default=True,
    help="N-Triples per pyoxigraph bulk_load call, in MiB: peak memory stays flat (about "
    "0.8 GB); 0 loads the whole file in one call, faster but growing to about 1.8 GB for ten "
    "million triples.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def load(
    files: tuple[Path, ...],
    store: Path | None,
    remote: bool,
    fmt: str | None,
    graph: str | None,
    strict: bool,
    chunk_mb: int,
    as_json: bool,
) -> None:
    """Load big RDF or KGX FILES into named graphs of the store, streaming.

    RDF (.nt .nq .ttl .trig .rdf .owl .jsonld) goes in as it is; KGX nodes/edges files (TSV
    or JSON Lines) are mapped as `metakg build --source` maps them. Each source lands in the
    named graph <https://w3id.org/metakg/id/source/NAME>, replacing a graph of that name;
    query it with GRAPH or FROM in SPARQL. The load is atomic: on any problem nothing changes.
    The REST lookups and the simulator see only what `metakg build` wrote; use
    `build --source` for small files that should be part of the graph itself.
    """
    # The store's writer lock is taken before any file is read: a second writer fails at once.
    target = None if remote else _store_path(store)
    with nullcontext() if target is None else writing(target, create=False):
        if target is not None:
            _recover(target)  # what killed writes left, said on standard error
        report = _load(files, target, remote, fmt, graph, strict, chunk_mb, as_json)
    for warning in report.warnings:
        click.echo(str(warning), err=True)
    if as_json:
        document = {
            "store": report.store,
            "seconds": round(report.seconds, 3),
            "sources": list(report.sources),
            "warnings": [w.as_dict() for w in report.warnings],
        }
        click.echo(json.dumps(document, indent=2))
        return
    click.echo(summary_line(report))


def _load(
    files: tuple[Path, ...],
    target: Path | None,
    remote: bool,
    fmt: str | None,
    graph: str | None,
    strict: bool,
    chunk_mb: int,
    as_json: bool,
) -> LoadReport:
    problems = Problems()
    sources = plan(files, problems, fmt=fmt, graph=graph)
    where = "the remote store" if remote else "the store"
    if problems.errors:
        _report_problems(ValidationFailed(problems))
        _fail(f"load refused; {where} was not changed")
    terminal = sys.stderr.isatty() and not as_json
    try:
        with _progress_bar(sources, terminal) as (on_bytes, notify):
            return _run(sources, target, remote, strict, chunk_mb << 20, on_bytes, notify)
    except ValidationFailed as exc:
        _report_problems(exc)
        _fail(f"load failed; {where} was not changed")
    except MetakgError as exc:
        _fail(f"{exc}; {where} was not changed")
    raise AssertionError("unreachable")  # _fail exits


def _run(
    sources: Sequence[BulkSource],
    store: Path | None,
    remote: bool,
    strict: bool,
    chunk_bytes: int,
    on_bytes: Callable[[int], None] | None,
    notify: Callable[[str], None] | None,
) -> LoadReport:
    if not remote:
        from ingest.bulk import load_into_store

        return load_into_store(
            _store_path(store),
            sources,
            strict=strict,
            chunk_bytes=chunk_bytes,
            on_bytes=on_bytes,
            notify=notify,
        )
    from graph.remote import RemoteStore
    from ingest.bulk_remote import load_into_remote

    try:
        settings = load_settings()
    except SettingError as exc:
        _fail(str(exc), 2)
    if not settings["sparql_endpoint"] or not settings["sparql_update_endpoint"]:
        _fail(
            "--remote needs METAKG_SPARQL_ENDPOINT and METAKG_SPARQL_UPDATE_ENDPOINT, e.g. "
            "http://localhost:7878/query and http://localhost:7878/update for `oxigraph serve`",
            2,
        )
    client = RemoteStore(
        settings["sparql_endpoint"],
        settings["sparql_update_endpoint"],
        settings["sparql_store_endpoint"],
        timeout=max(float(settings["query_timeout"]), 300.0),
    )
    return load_into_remote(client, sources, strict=strict, on_bytes=on_bytes, notify=notify)


@contextmanager
def _progress_bar(
    sources: Sequence[BulkSource], terminal: bool
) -> Iterator[tuple[Callable[[int], None] | None, Callable[[str], None] | None]]:
    """A bytes-read bar on a terminal; nothing otherwise (the summary line says it all)."""
    if not terminal:
        yield None, None
        return
    total = sum(s.size() for s in sources)
    with click.progressbar(
        length=total, label="loading", file=sys.stderr, show_pos=False, show_percent=True
    ) as bar:

        def notify(message: str) -> None:
            bar.label = message.rstrip(" .")
            bar.render_progress()

        yield bar.update, notify


def summary_line(report: LoadReport) -> str:
    """``Loaded 2 graphs (16,556 triples) into STORE in 2.2 s: a (15,705), b (851)``."""
    total = sum(int(e["triples"]) for e in report.sources)
    parts = ", ".join(f"{e['name']} ({int(e['triples']):,})" for e in report.sources)
    warnings = f"; {len(report.warnings)} warning(s)" if report.warnings else ""
    return (
        f"Loaded {len(report.sources)} graph(s) ({total:,} triples) into {report.store} in "
        f"{report.seconds:.1f} s{warnings}: {parts}"
    )


def bulk_sources_text(manifest: dict[str, Any]) -> str:
    """Lines for `metakg stats`: the bulk-loaded graphs a store's manifest lists."""
    entries = manifest.get("bulk_sources", [])
    if not entries:
        return ""
    lines = ["Bulk-loaded graphs (query with GRAPH or FROM):"]
    lines += [f"  {e['name']:<24}{int(e['triples']):>12,}  <{e['graph']}>" for e in entries]
    return "\n".join(lines)
