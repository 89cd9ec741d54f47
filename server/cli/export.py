"""`metakg export`: the graph, or a part of it, in any export format; `--all DIR` a release."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from graph.backend import Knowledge
from graph.errors import MetakgError
from graph.exports import ExportFormat

_FORMATS = [f.key for f in ExportFormat]


def construct_runner(knowledge: Knowledge):  # type: ignore[no-untyped-def]
    """Runs a CONSTRUCT on the store directly, behind the same guard as the endpoint."""
    import pyoxigraph as ox

    from queries.guard import refusals
    from queries.subgraph import SelectionError, term_triples

    def run(text: str) -> Iterable[tuple[str, str, str]]:
        reasons = refusals(text, local_graphs={g.value for g in knowledge.rdf.named_graphs()})
        if reasons:
            raise SelectionError("; ".join(reasons))
        try:
            result = knowledge.rdf.query(text)
        except SyntaxError as exc:
            raise SelectionError(f"SPARQL syntax error: {exc}") from None
        if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
            raise SelectionError("construct needs a CONSTRUCT or DESCRIBE query")
        return term_triples(result)

    return run


def _read_text(value: str, what: str) -> str:
    if not value.startswith("@"):
        return value
    try:
        return Path(value[1:]).read_text(encoding="utf-8")
    except OSError as exc:
        raise click.UsageError(f"cannot read the {what} file {value[1:]!r}: {exc}") from None


def _simulation(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise click.UsageError(f"cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise click.UsageError(
            f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}); expected a "
            'simulation request such as {"cancer": "breast cancer", "genes": ["EREG"]}'
        ) from None
    if not isinstance(data, dict):
        raise click.UsageError(f"{path}: expected a JSON object (a simulation request)")
    return data


@click.command(name="export")
@click.option("--format", "-f", "fmt", metavar="FORMAT",
              help="Export format: " + ", ".join(_FORMATS) + " (see --list).")
@click.option("--output", "-o", "output_name", type=click.Path(),
              help="File to write (a directory for the files of kgx-tsv, kgx-jsonl, neo4j; "
                   "otherwise those come as a zip). Default: standard output.")
@click.option("--around", multiple=True, metavar="NAME",
              help="Export the neighbourhood of this entity (symbol, alias, label or CURIE); "
                   "repeat for several.")
@click.option("--hops", type=int, default=1, show_default=True,
              help="Neighbourhood radius (with --around).")
@click.option("--category", "categories", multiple=True,
              help="Keep only neighbours of this category (with --around); repeat.")
@click.option("--min-confidence", type=click.Choice(["low", "medium", "high"]),
              help="Keep only assertions at least this confident (with --around).")
@click.option("--predicate", "predicates", multiple=True,
              help="Keep only assertions with this predicate (with --around); repeat.")
@click.option("--query", "query_name", metavar="NAME",
              help="Export what a named query's result names (see `metakg queries`).")
@click.option("--param", "params", multiple=True, metavar="K=V",
              help="A parameter of --query; repeat.")
@click.option("--simulation", type=click.Path(path_type=Path, dir_okay=False),
              help="Export the paths of a simulation: a JSON request file as for "
                   "POST /api/v1/simulate.")
@click.option("--construct", metavar="QUERY|@FILE",
              help="Export what a SPARQL CONSTRUCT result names.")
@click.option("--all", "release", type=click.Path(path_type=Path, file_okay=False),
              metavar="DIR",
              help="Write a release: every format, dataset.json and SHA256SUMS.")
@click.option("--list", "list_formats", is_flag=True, help="List the formats and exit.")
@click.option("--store", type=click.Path(path_type=Path), help="Store directory.")
def export(
    fmt: str | None,
    output_name: str | None,
    around: tuple[str, ...],
    hops: int,
    categories: tuple[str, ...],
    min_confidence: str | None,
    predicates: tuple[str, ...],
    query_name: str | None,
    params: tuple[str, ...],
    simulation: Path | None,
    construct: str | None,
    release: Path | None,
    list_formats: bool,
    store: Path | None,
) -> None:
    """Export the graph, or a part of it, for Cytoscape, Gephi, Neo4j, RDF tools or a browser.

    \b
    Examples:
      metakg export --format turtle -o metakg.ttl
      metakg export --format graphml --around PTGS2 --hops 2 -o ptgs2.graphml
      metakg export --format cyjs --query genes_for_cancer_organ \\
          --param cancer="breast cancer" --param organ=bone -o bone.cyjs
      metakg export --format kgx-tsv -o kgx/          # nodes and edges files in kgx/
      metakg export --all release/                    # every format, checksums
    """
    from graph.exports import available_formats
    from queries import lookup
    from server import version
    from server.cli.commands import _fail, _knowledge
    from server.exporting import (
        ExportRequest,
        dataset_info,
        parse_params,
        select,
        write_export,
        write_release,
        write_to_directory,
    )

    output = Path(output_name) if output_name else None
    as_directory = bool(output_name) and (output_name.endswith(("/", "\\")) or output.is_dir())
    if list_formats:
        for item in available_formats():
            click.echo(f"{item.key:<10} {item.extension:<15} {item.media_type:<26} "
                       f"{item.description}")
        return
    try:
        knowledge = _knowledge(store)
        graph = knowledge.graph
        if release is not None:
            if fmt or output:
                raise click.UsageError("--all writes every format; leave out --format/--output")
            write_release(graph, release, manifest=knowledge.manifest, version=version(),
                          progress=lambda line: click.echo(line, err=True))
            return
        if fmt is None:
            raise click.UsageError("give --format (see --list), or --all DIR for a release")
        chosen_format = ExportFormat.parse(fmt)
        request = ExportRequest(
            fmt=chosen_format,
            around=around,
            hops=hops,
            categories=categories,
            min_confidence=min_confidence,
            predicates=predicates,
            query=query_name,
            params=parse_params(params),
            simulation=_simulation(simulation) if simulation is not None else None,
            construct=_read_text(construct, "query") if construct is not None else None,
        )
        chosen, selection = select(
            graph, request, index=lookup.name_index(graph),
            construct=construct_runner(knowledge),
        )
        info = dataset_info(knowledge.manifest, selection, version())
        counts = f"{chosen.number_of_nodes()} nodes, {chosen.number_of_edges()} edges"
        if output is None:
            if chosen_format.multi_file and sys.stdout.isatty():
                raise click.UsageError(
                    f"{chosen_format.key} is several files: give -o DIR (files) or "
                    f"-o FILE{chosen_format.extension} (a zip archive)"
                )
            write_export(chosen, chosen_format, sys.stdout.buffer, info=info)
            sys.stdout.buffer.flush()
        elif chosen_format.multi_file and as_directory:
            names = write_to_directory(chosen, chosen_format, output, info=info)
            click.echo(f"wrote {', '.join(names)} to {output} ({selection}; {counts})", err=True)
        else:
            if output.parent and not output.parent.exists():
                raise click.UsageError(f"the folder {output.parent} does not exist")
            staging = output.with_name(output.name + ".part")
            try:
                with staging.open("wb") as handle:
                    write_export(chosen, chosen_format, handle, info=info)
                staging.replace(output)
            finally:
                staging.unlink(missing_ok=True)
            click.echo(f"wrote {output} ({selection}; {counts})", err=True)
    except MetakgError as exc:
        _fail(str(exc))
