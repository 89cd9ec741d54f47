"""What a bulk load reads: sources (named graphs) made of RDF files and KGX pairs, streamed.

:func:`plan` turns the paths given to ``metakg load`` into :class:`BulkSource` values (one
named graph each). :class:`HashingReader` feeds a file to pyoxigraph while counting its bytes
for the progress bar and computing its SHA-256 for the manifest, so the file is read once.
:func:`kgx_triples` turns a KGX pair into metakg's RDF (``graph/rdf.py``) row by row, and
:func:`first_lines` finds where unknown terms first appear (only when there are some).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyoxigraph as ox

from graph.exports.rdf import source_graph
from graph.model import EdgeRecord, NodeRecord
from graph.rdf import edge_triples, node_triples, subclass_triples
from ingest.import_map import reference_node_id, slug
from ingest.kgx import KgxReader
from ingest.kgx_files import AmbiguousKgx, KgxFiles, find_files
from ingest.problems import Problems
from ingest.rdf_formats import RDF_FORMATS, rdf_format

#: ``--format`` values: the RDF extensions and ``kgx``.
FORMAT_NAMES = (*sorted(ext.lstrip(".") for ext in RDF_FORMATS), "kgx")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

OnBytes = Callable[[int], None]


@dataclass(frozen=True)
class BulkSource:
    """One named graph's worth of input: RDF files and KGX pairs."""

    name: str
    rdf: tuple[tuple[Path, ox.RdfFormat], ...] = ()
    kgx: tuple[KgxFiles, ...] = ()

    @property
    def graph(self) -> str:
        return source_graph(self.name)

    @property
    def files(self) -> tuple[Path, ...]:
        return (*(p for p, _ in self.rdf), *(f for pair in self.kgx for f in pair.files))

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.files)


def plan(
    paths: Sequence[Path], problems: Problems, *, fmt: str | None = None, graph: str | None = None
) -> list[BulkSource]:
    """The sources of ``paths``: one per file or KGX pair, or all in ``graph`` if given."""
    if graph is not None and not _NAME.match(graph):
        problems.add(
            "--graph",
            0,
            "graph",
            "bad-graph-name",
            f"'{graph}' is not a graph name: use lower-case letters, digits, '.', '-' and '_', "
            "starting with a letter or digit",
        )
        return []
    sources: list[BulkSource] = []
    seen: set[Path] = set()
    named: dict[str, Path] = {}
    for path in paths:
        source = _source(Path(path), problems, fmt)
        if source is None or any(f.resolve() in seen for f in source.files):
            continue
        seen.update(f.resolve() for f in source.files)
        if graph is None and source.name in named:
            problems.add(
                str(path),
                0,
                "graph",
                "duplicate-graph",
                f"{path} and {named[source.name]} would both load into the graph "
                f"'{source.name}'; rename one, or pass --graph NAME to load them into one graph",
            )
            continue
        named[source.name] = Path(path)
        sources.append(source)
    if graph is not None and sources:
        merged = BulkSource(
            graph,
            tuple(item for s in sources for item in s.rdf),
            tuple(pair for s in sources for pair in s.kgx),
        )
        return [merged]
    return sources


def _source(path: Path, problems: Problems, fmt: str | None) -> BulkSource | None:
    if not path.exists():
        problems.add(str(path), 0, "", "missing-source", f"'{path}' does not exist")
        return None
    if fmt not in (None, "kgx"):
        rdf = RDF_FORMATS.get("." + fmt)
        if rdf is None or path.is_dir():
            problems.add(str(path), 0, "", "bad-format", f"--format must be one of {FORMAT_NAMES}")
            return None
        return BulkSource(slug(path.stem), rdf=((path, rdf),))
    try:
        pair = find_files(path) if fmt in (None, "kgx") else None
    except AmbiguousKgx as exc:
        problems.add(str(path), 0, "", "ambiguous-kgx", str(exc))
        return None
    if pair is not None:
        return BulkSource(slug(pair.name), kgx=(pair,))
    rdf = rdf_format(path) if fmt is None else None
    if rdf is None:
        problems.add(
            str(path),
            0,
            "",
            "unknown-format",
            "not a file metakg can bulk-load: expected RDF (.nt, .nq, .ttl, .trig, .rdf, .owl, "
            ".jsonld) or a KGX nodes/edges file (TSV or JSON Lines); pass --format to say which",
        )
        return None
    return BulkSource(slug(path.stem), rdf=((path, rdf),))


class HashingReader(io.RawIOBase):
    """A binary file that hashes and counts what is read from it."""

    def __init__(self, path: Path, on_bytes: OnBytes | None = None) -> None:
        super().__init__()
        self._handle = path.open("rb")
        self._on_bytes = on_bytes
        self.sha256 = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = self._handle.readinto(buffer)
        if count:
            view = memoryview(buffer)[:count]
            self.sha256.update(view)
            self.size += count
            if self._on_bytes is not None:
                self._on_bytes(count)
        return count or 0

    def close(self) -> None:
        self._handle.close()
        super().close()


#: Bytes of N-Triples per ``bulk_load`` call. pyoxigraph's bulk loader holds a session's work
#: in memory, up to about 1.8 GB for ten million triples; one call per 64 MiB keeps the peak
#: near 0.8 GB whatever the file's size, for about 60% more CPU time (bench/ingest.py measures
#: both). 0 hands the whole file to one call (``metakg load --chunk-mb 0``).
CHUNK_BYTES = 64 << 20


def line_chunks(reader: io.RawIOBase, size: int = CHUNK_BYTES) -> Iterator[tuple[int, bytes]]:
    """Whole lines of ``reader`` in chunks of about ``size`` bytes, each with the number of
    lines before it (to turn a parser's line in the chunk into a line in the file)."""
    buffered = io.BufferedReader(reader, buffer_size=1 << 20)
    before, rest = 0, b""
    while True:
        block = buffered.read(size)
        data = rest + block
        cut = data.rfind(b"\n") + 1 if block else len(data)
        if cut:
            chunk, rest = data[:cut], data[cut:]
            yield before, chunk
            before += chunk.count(b"\n")
        else:
            rest = data  # one line longer than a chunk: read on
        if not block:
            return


def salted(triples: Iterable[ox.Triple], salt: str) -> Iterator[ox.Triple]:
    """``triples`` with every blank node label prefixed by ``salt``: the blank nodes of one
    file keep their identity across chunks and never meet another file's."""
    for t in triples:
        subject, obj = t.subject, t.object
        if isinstance(subject, ox.BlankNode):
            subject = ox.BlankNode(salt + subject.value)
        if isinstance(obj, ox.BlankNode):
            obj = ox.BlankNode(salt + obj.value)
        yield ox.Triple(subject, t.predicate, obj)


def file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


@dataclass
class KgxLoad:
    """What a KGX pair gave: counts for the summary, problems in ``problems``."""

    nodes: int = 0
    edges: int = 0
    rows: dict[str, int] = field(default_factory=dict)


def kgx_triples(
    pair: KgxFiles, problems: Problems, summary: KgxLoad, *, on_bytes: OnBytes | None = None
) -> Iterator[ox.Triple]:
    """metakg's triples for every row of ``pair`` that maps, one row at a time."""
    reader = KgxReader(pair, problems, track=False, on_bytes=on_bytes)
    for record in reader.records():
        if isinstance(record, NodeRecord):
            summary.nodes += 1
            yield from node_triples(record)
        elif isinstance(record, EdgeRecord):
            summary.edges += 1
            refs = tuple(reference_node_id(r) for r in record.references)
            yield from edge_triples(replace(record, references=refs))
        else:
            summary.edges += 1
            yield from subclass_triples(record)
    summary.rows = {"nodes": reader.nodes.rows, "edges": reader.edges.rows}


def first_lines(paths: Sequence[Path], iris: Sequence[str]) -> dict[str, tuple[str, int]]:
    """Where each IRI first appears, as ``<iri>``, as a prefixed name declared in the file, or
    as a JSON-LD/RDF/XML string: a text scan, run only when the load found unknown terms."""
    found: dict[str, tuple[str, int]] = {}
    for path in paths:
        needles = {iri: [f"<{iri}>".encode(), f'"{iri}"'.encode()] for iri in iris}
        with path.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                for prefix, namespace in _declared_prefixes(line):
                    for iri in iris:
                        if iri.startswith(namespace) and len(iri) > len(namespace):
                            needles[iri].append(f"{prefix}:{iri[len(namespace) :]}".encode())
                for iri, forms in needles.items():
                    if iri not in found and any(form in line for form in forms):
                        found[iri] = (str(path), number)
                if len(found) == len(iris):
                    return found
    return found


_PREFIX = re.compile(rb"(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)


def _declared_prefixes(line: bytes) -> list[tuple[str, str]]:
    return [((m.group(1) or b"").decode(), m.group(2).decode()) for m in _PREFIX.finditer(line)]
