"""The one small protocol every store and export implements, and their registry.

A sink receives nodes, association edges and hierarchy edges, then ``finalize()``. What a
sink can do beyond that is a capability flag, not an ``isinstance`` check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol, runtime_checkable

from graph.model import EdgeRecord, NodeRecord, SubclassRecord


@runtime_checkable
class Sink(Protocol):
    #: True when the sink keeps reified associations (evidence as data), not just edges.
    keeps_evidence: bool
    #: True when the sink's result lives on disk.
    persistent: bool

    def write_node(self, node: NodeRecord) -> None: ...

    def write_edge(self, edge: EdgeRecord) -> None: ...

    def write_subclass(self, edge: SubclassRecord) -> None: ...

    def finalize(self) -> None: ...


class NullSink:
    """Counts what it is given and keeps nothing: for dry runs (`metakg validate`)."""

    keeps_evidence = False
    persistent = False

    def __init__(self) -> None:
        self.nodes = 0
        self.edges = 0
        self.subclass_edges = 0

    def write_node(self, node: NodeRecord) -> None:
        self.nodes += 1

    def write_edge(self, edge: EdgeRecord) -> None:
        self.edges += 1

    def write_subclass(self, edge: SubclassRecord) -> None:
        self.subclass_edges += 1

    def finalize(self) -> None:
        return None


def write_all(
    sink: Sink,
    nodes: Iterable[NodeRecord],
    edges: Iterable[EdgeRecord],
    hierarchy: Iterable[SubclassRecord] = (),
) -> Sink:
    """Feed everything to ``sink`` in the given order, then finalize it."""
    for node in nodes:
        sink.write_node(node)
    for edge in edges:
        sink.write_edge(edge)
    for link in hierarchy:
        sink.write_subclass(link)
    sink.finalize()
    return sink


SinkFactory = Callable[..., Sink]
_SINKS: dict[str, SinkFactory] = {}


def register_sink(name: str, factory: SinkFactory) -> None:
    if name in _SINKS:
        raise ValueError(f"a sink named {name!r} is already registered")
    _SINKS[name] = factory


def create_sink(name: str, **options: Any) -> Sink:
    _load_builtins()
    try:
        factory = _SINKS[name]
    except KeyError:
        raise KeyError(
            f"unknown sink {name!r}; registered sinks: {', '.join(sorted(_SINKS))}"
        ) from None
    return factory(**options)


def sink_names() -> list[str]:
    _load_builtins()
    return sorted(_SINKS)


def _load_builtins() -> None:
    from graph import property_graph, rdf  # noqa: F401  (modules register themselves)


register_sink("null", NullSink)
