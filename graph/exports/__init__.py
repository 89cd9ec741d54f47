"""Exports: every format is a sink (``graph/sinks.py``) registered under one format enum.

An exporter is built with an :class:`Output` (where its file or files go) and a
:class:`DatasetInfo` (what the export describes), receives records through the sink protocol
(``write_node``, ``write_edge``, ``write_subclass``, ``finalize``) and writes in ``finalize``.
Adding a format is one new module that calls :func:`register_exporter` and one member of
:class:`ExportFormat`.

This package is IO-free apart from writing to the :class:`Output` it is given.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import networkx as nx

from graph.errors import MetakgError
from graph.exports.formats import ExportFormat
from graph.exports.output import DatasetInfo, DirectoryOutput, Output, StreamOutput, ZipOutput
from graph.records import edges_of, hierarchy_of, nodes_of
from graph.sinks import Sink, write_all

__all__ = [
    "DatasetInfo",
    "DirectoryOutput",
    "ExportFormat",
    "Output",
    "StreamOutput",
    "UnknownFormat",
    "ZipOutput",
    "create_exporter",
    "export_graph",
    "register_exporter",
]

ExporterFactory = Callable[..., Sink]
_EXPORTERS: dict[ExportFormat, ExporterFactory] = {}

#: Modules holding the built-in exporters; each registers its formats when imported.
_BUILTINS = (
    "graph.exports.rdf",
    "graph.exports.networkx_formats",
    "graph.exports.cytoscape",
    "graph.exports.dot",
    "graph.exports.kgx",
    "graph.exports.neo4j",
    "graph.exports.html",
)


class UnknownFormat(MetakgError):
    """An export format name that no exporter is registered for."""

    status = 400
    title = "Unknown export format"


def register_exporter(fmt: ExportFormat, factory: ExporterFactory) -> None:
    """Register ``factory(output, *, info)`` as the exporter of ``fmt``."""
    if fmt in _EXPORTERS:
        raise ValueError(f"an exporter for {fmt.key!r} is already registered")
    _EXPORTERS[fmt] = factory


def _load_builtins() -> None:
    for module in _BUILTINS:
        importlib.import_module(module)


def available_formats() -> list[ExportFormat]:
    _load_builtins()
    return [f for f in ExportFormat if f in _EXPORTERS]


def create_exporter(fmt: ExportFormat | str, output: Output, *, info: DatasetInfo) -> Sink:
    _load_builtins()
    if isinstance(fmt, str):
        fmt = ExportFormat.parse(fmt)
    try:
        factory = _EXPORTERS[fmt]
    except KeyError:
        raise UnknownFormat(
            f"no exporter is registered for {fmt.key!r}; available: "
            + ", ".join(f.key for f in available_formats())
        ) from None
    return factory(output, info=info)


def export_graph(
    graph: nx.MultiDiGraph, fmt: ExportFormat | str, output: Output, *, info: DatasetInfo
) -> Sink:
    """Write ``graph`` (a stored property graph or a subgraph of one) in ``fmt`` to ``output``."""
    sink = create_exporter(fmt, output, info=info)
    return write_all(sink, nodes_of(graph), edges_of(graph), hierarchy_of(graph))


def describe_formats() -> list[dict[str, Any]]:
    """Name, media type, extension and description of each available format."""
    return [f.describe() for f in available_formats()]
