"""Bulk loading into a remote SPARQL store (``metakg load --remote``), all or nothing.

Each source is uploaded as N-Triples into a temporary graph of its own
(``<https://w3id.org/metakg/id/loading/ID/N>``) in chunks, so neither the file nor its records
are held in memory: N-Triples files are sent as they are read, other RDF formats are parsed
and re-serialised batch by batch, KGX rows are mapped as the ``kgx`` ingestor maps them. The
vocabulary of each temporary graph is then checked with the same SPARQL aggregates as an
embedded load (:func:`ingest.bulk.check_vocabulary`), and one update MOVEs every temporary
graph onto its source graph (replacing it). On any error the temporary graphs are dropped
and the remote store holds what it held before.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

import pyoxigraph as ox

from graph.errors import MetakgError
from graph.remote import RemoteStore
from graph.vocab import METAKG
from ingest.bulk import (
    QUAD_FORMATS,
    LoadReport,
    Notify,
    OnBytes,
    check_vocabulary,
    flattened,
    removal,
)
from ingest.bulk_files import BulkSource, HashingReader, KgxLoad, file_sha256, kgx_triples
from ingest.problems import Level, Problems, ValidationFailed
from ingest.rdf_formats import parse_problem

#: Bytes per request body chunk, and triples per re-serialised batch.
CHUNK = 1 << 20
BATCH = 50_000


def load_into_remote(
    remote: RemoteStore,
    sources: Sequence[BulkSource],
    *,
    strict: bool = False,
    on_bytes: OnBytes | None = None,
    notify: Notify | None = None,
) -> LoadReport:
    """Load ``sources`` into ``remote``'s source graphs: all of them, or nothing."""
    started = time.perf_counter()
    say = notify or (lambda _: None)
    staging = f"{METAKG}loading/{uuid.uuid4().hex}/"
    problems = Problems()
    moves: list[tuple[str, str]] = []
    entries: list[dict[str, Any]] = []
    try:
        for index, source in enumerate(sources):
            temporary = f"{staging}{index}"
            moves.append((temporary, source.graph))
            entries.append(_upload(remote, temporary, source, problems, strict, on_bytes, say))
        problems.raise_if_errors()
        say("moving the new graphs into place ...")
        remote.move_graphs(moves)
    except BaseException:
        for temporary, _ in moves:
            try:
                remote.drop_graph(temporary)
            except MetakgError:
                pass
        raise
    return LoadReport(
        remote.query_url,
        tuple(entries),
        tuple(p for p in problems if p.level is Level.WARNING),
        time.perf_counter() - started,
    )


def _upload(
    remote: RemoteStore,
    temporary: str,
    source: BulkSource,
    problems: Problems,
    strict: bool,
    on_bytes: OnBytes | None,
    say: Notify,
) -> dict[str, Any]:
    files: list[dict[str, Any]] = []
    for path, fmt in source.rdf:
        say(f"uploading {path} for <{source.graph}> ...")
        reader = HashingReader(path, on_bytes)
        try:
            if fmt == ox.RdfFormat.N_TRIPLES:
                remote.post_graph(temporary, _chunks(reader))
            else:
                parsed = ox.parse(reader, format=fmt)
                triples = flattened(parsed) if fmt in QUAD_FORMATS else parsed
                remote.post_graph(temporary, _ntriples(triples))
        except SyntaxError as exc:
            parse_problem(path, exc, problems)
            raise ValidationFailed(problems) from None
        finally:
            reader.close()
        files.append({"path": str(path), "format": fmt.name, "sha256": reader.sha256.hexdigest()})
    summary = KgxLoad()
    for pair in source.kgx:
        say(f"uploading {', '.join(map(str, pair.files))} for <{source.graph}> ...")
        before = len(problems.errors)
        remote.post_graph(
            temporary, _ntriples(kgx_triples(pair, problems, summary, on_bytes=on_bytes))
        )
        if len(problems.errors) > before:
            raise ValidationFailed(problems)
        files += [{"path": str(p), "format": "KGX", "sha256": file_sha256(p)} for p in pair.files]
    say(f"checking the vocabulary of {source.name} ...")
    graph = ox.NamedNode(temporary)
    triples, removed = check_vocabulary(
        remote,
        graph,
        source,
        problems,
        strict=strict,
        remove=lambda kind, term: remote.update(removal(kind, term, temporary)),
    )
    entry: dict[str, Any] = {"name": source.name, "graph": source.graph, "files": files}
    entry["triples"] = triples
    if removed:
        entry["left_out_triples"] = removed
    if source.kgx:
        entry["kgx"] = {"nodes": summary.nodes, "edges": summary.edges}
    return entry


def _chunks(reader: HashingReader) -> Iterator[bytes]:
    while chunk := reader.read(CHUNK):
        yield chunk


def _ntriples(triples: Iterable[ox.Triple]) -> Iterator[bytes]:
    iterator = iter(triples)
    while batch := list(islice(iterator, BATCH)):
        yield ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES)
