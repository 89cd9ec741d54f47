"""The registry of ingestors: one place that names every kind of source metakg can read.

An ingestor is a function ``(path, problems) -> Iterator[Record]``: it reads one file (or a
directory), yields frozen records, and adds a :class:`~ingest.problems.Problem` for every bad
row instead of raising. It never touches a store.

``role`` says how the pipeline uses the records:

* ``content``: every record goes into the graph (curated files, assertions files);
* ``dictionary``: a reference table (NCBI gene_info, the Disease Ontology). Its nodes enrich
  nodes already in the graph and supply the nodes that other sources name, with their
  hierarchy; it does not add the whole table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from graph.model import Record
from ingest.problems import Problems

IngestFunc = Callable[[Path, Problems], Iterator[Record]]
SniffFunc = Callable[[Path], bool]


@dataclass(frozen=True)
class IngestorSpec:
    name: str
    func: IngestFunc
    sniff: SniffFunc
    role: str
    description: str
    fallback: bool = False
    #: An assertion whose subject or object names nothing known is skipped with a warning
    #: instead of failing the build (members of a gene set named by an outside library).
    skip_unresolved: bool = False


_REGISTRY: dict[str, IngestorSpec] = {}


def register(
    name: str,
    *,
    sniff: SniffFunc,
    role: str = "content",
    description: str = "",
    fallback: bool = False,
    skip_unresolved: bool = False,
) -> Callable[[IngestFunc], IngestFunc]:
    """Decorator: register an ingestor under ``name``. Built-ins register the same way.

    A ``fallback`` ingestor is tried only after every other sniffer has declined.
    """
    if role not in ("content", "dictionary"):
        raise ValueError(f"role must be 'content' or 'dictionary', not {role!r}")

    def decorate(func: IngestFunc) -> IngestFunc:
        if name in _REGISTRY:
            raise ValueError(f"an ingestor named {name!r} is already registered")
        _REGISTRY[name] = IngestorSpec(
            name, func, sniff, role, description or (func.__doc__ or ""), fallback,
            skip_unresolved,
        )
        return func

    return decorate


def get(name: str) -> IngestorSpec:
    _load_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(
            f"unknown ingestor {name!r}; registered ingestors: {', '.join(sorted(_REGISTRY))}"
        ) from None


def names() -> list[str]:
    _load_builtins()
    return sorted(_REGISTRY)


def detect(path: Path) -> IngestorSpec | None:
    """The first ingestor whose sniffer accepts ``path``: in registration order, fallbacks last."""
    _load_builtins()
    for spec in sorted(_REGISTRY.values(), key=lambda s: s.fallback):
        try:
            if spec.sniff(path):
                return spec
        except OSError:
            return None
    return None


def _load_builtins() -> None:
    # Importing the modules runs their @register decorators; the order sets sniffing priority.
    # KGX first: it takes a directory only when it holds a KGX pair, and the curated sniffer
    # would take any directory.
    from ingest import kgx  # noqa: F401, I001
    from ingest import (  # noqa: F401
        assertions,
        curated,
        disease_ontology,
        gene_info,
        gmt,
        obo,
        rdf_files,
        references,
    )
