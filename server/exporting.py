"""One export request, served the same way by `metakg export` and `GET /api/v1/export`.

The request names a format and at most one selector (the whole graph when none): the
neighbourhood of entities, the result of a named query, the paths of a simulation or a SPARQL
CONSTRUCT. :func:`select` turns it into a subgraph with :mod:`queries.subgraph`;
:func:`write_export` writes it with the exporter registered for the format;
:func:`write_release` writes every format, a dataset description and checksums.

How a CONSTRUCT runs differs (the command line queries the store directly, the server in a
query process with its deadline), so callers pass it in as ``construct``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import networkx as nx

from graph.exports import (
    DatasetInfo,
    DirectoryOutput,
    ExportFormat,
    StreamOutput,
    ZipOutput,
    available_formats,
    export_graph,
)
from graph.names import NameIndex
from graph.stats import from_graph
from queries import subgraph
from queries.subgraph import SelectionError

#: Runs a CONSTRUCT query and returns its triples as (subject, predicate, object) strings.
ConstructRunner = Callable[[str], Iterable[tuple[str, str, str]]]


@dataclass(frozen=True)
class ExportRequest:
    fmt: ExportFormat
    around: tuple[str, ...] = ()
    hops: int = 1
    categories: tuple[str, ...] = ()
    min_confidence: str | None = None
    predicates: tuple[str, ...] = ()
    query: str | None = None
    params: tuple[tuple[str, str], ...] = ()
    simulation: Mapping[str, Any] | None = field(default=None, hash=False)
    construct: str | None = None

    def selectors(self) -> list[str]:
        chosen = [
            name
            for name, given in (
                ("around", bool(self.around)),
                ("query", self.query is not None),
                ("simulation", self.simulation is not None),
                ("construct", self.construct is not None),
            )
            if given
        ]
        return chosen

    def check(self) -> None:
        chosen = self.selectors()
        if len(chosen) > 1:
            raise SelectionError(
                f"choose one selector, not {' and '.join(chosen)}: around (with hops and "
                "filters), query (with params), simulation or construct"
            )
        filters = self.categories or self.min_confidence or self.predicates or self.hops != 1
        if filters and chosen != ["around"]:
            raise SelectionError(
                "hops, category, min_confidence and predicate filter a neighbourhood; "
                "give around (an entity name) too"
            )
        if self.params and self.query is None:
            raise SelectionError("params are for a named query; give query too")


def parse_params(items: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """``["cancer=breast cancer"]`` -> ``(("cancer", "breast cancer"),)``."""
    pairs = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SelectionError(f"a query parameter needs the form NAME=VALUE; got {item!r}")
        pairs.append((key.strip(), value.strip()))
    return tuple(pairs)


def select(
    graph: nx.MultiDiGraph,
    request: ExportRequest,
    *,
    index: NameIndex,
    construct: ConstructRunner | None = None,
) -> tuple[nx.MultiDiGraph, str]:
    """The subgraph a request selects and a one-line description of the selection."""
    request.check()
    if request.around:
        options = subgraph.neighbourhood(
            hops=request.hops,
            categories=request.categories or None,
            min_confidence=request.min_confidence,
            predicates=request.predicates or None,
        )
        seeds = subgraph.resolve_names(index, request.around)
        chosen = subgraph.around(graph, seeds, options)
        return chosen, f"around {', '.join(seeds)} ({options.describe()})"
    if request.query is not None:
        from queries import named

        bound = named.bind(named.get(request.query), dict(request.params), index=index)
        rows = named.run_graph(bound, graph)
        shown = ", ".join(f"{k}={v}" for k, v in request.params)
        return subgraph.mentioned(graph, rows), f"named query {request.query}({shown})"
    if request.simulation is not None:
        from queries.simulator import build_model
        from server.http.api_simulate import answer, request_from

        result = answer(build_model(graph), request_from(request.simulation))
        return subgraph.mentioned(graph, result.to_dict()), "paths of a simulation"
    if request.construct is not None:
        if construct is None:  # pragma: no cover  (both interfaces pass one)
            raise SelectionError("CONSTRUCT queries are not available here")
        return subgraph.from_triples(graph, construct(request.construct)), "a CONSTRUCT query"
    return subgraph.whole(graph), "whole graph"


def dataset_info(manifest: Mapping[str, Any], selection: str, version: str) -> DatasetInfo:
    return DatasetInfo(
        version=version,
        created=str((manifest.get("release") or {}).get("date", ""))[:10]
        or dt.date.today().isoformat(),
        selection=selection,
    )


def write_export(chosen: nx.MultiDiGraph, fmt: ExportFormat, stream: IO[bytes], *,
                 info: DatasetInfo) -> None:
    """Write one export to a binary stream: the file itself, or a zip archive of the files
    of a multi-file format."""
    if fmt.multi_file:
        archive = ZipOutput(stream)
        export_graph(chosen, fmt, archive, info=info)
        archive.close()
    else:
        export_graph(chosen, fmt, StreamOutput(stream), info=info)


def export_bytes(chosen: nx.MultiDiGraph, fmt: ExportFormat, *, info: DatasetInfo) -> bytes:
    buffer = io.BytesIO()
    write_export(chosen, fmt, buffer, info=info)
    return buffer.getvalue()


def write_release(
    graph: nx.MultiDiGraph,
    directory: Path,
    *,
    manifest: Mapping[str, Any],
    version: str,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Every available format of the whole graph into ``directory``, with ``dataset.json``
    (version, date, counts per category and predicate, sources, licence, files) and
    ``SHA256SUMS`` (``sha256sum -c`` checks it). Returns the description."""
    directory.mkdir(parents=True, exist_ok=True)
    info = dataset_info(manifest, "whole graph", version)
    files = []
    for fmt in available_formats():
        name = fmt.filename()
        progress(f"writing {name}")
        with (directory / name).open("wb") as handle:
            write_export(graph, fmt, handle, info=info)
        files.append({"file": name, **fmt.describe(), "bytes": (directory / name).stat().st_size})
    summary = from_graph(graph)
    description = {
        "title": info.title,
        "version": version,
        "date": info.created,
        "licence": info.licence,
        "source": info.source,
        "homepage": info.homepage,
        "counts": {
            "nodes_by_category": summary["nodes"],
            "edges_by_predicate": summary["edges"],
            "associations": summary["associations"],
            "confidence": summary["confidence"],
        },
        "sources": list(manifest.get("sources", [])),
        "files": files,
    }
    (directory / "dataset.json").write_text(
        json.dumps(description, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    sums = []
    for name in sorted([f["file"] for f in files] + ["dataset.json"]):
        digest = hashlib.sha256((directory / name).read_bytes()).hexdigest()
        sums.append(f"{digest}  {name}\n")
    (directory / "SHA256SUMS").write_text("".join(sums), encoding="utf-8")
    progress(f"wrote {len(files)} exports, dataset.json and SHA256SUMS to {directory}")
    return description


def write_to_directory(chosen: nx.MultiDiGraph, fmt: ExportFormat, directory: Path, *,
                       info: DatasetInfo) -> list[str]:
    """The files of one export written into a directory (multi-file formats unpacked)."""
    output = DirectoryOutput(directory)
    export_graph(chosen, fmt, output, info=info)
    return output.names
