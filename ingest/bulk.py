"""Bulk loading into the embedded store: millions of triples in bounded memory, all or nothing.

``metakg load`` (``server/cli/load.py``) calls :func:`load_into_store`. Records are never held
in memory in bulk:

1. a staging copy of the store is made beside it (``Store.backup``: hard links to the
   immutable files, so it is cheap), with a copy of the manifest;
2. each source goes into its own named graph ``<https://w3id.org/metakg/id/source/NAME>``
   (replacing a graph of that name): RDF files by pyoxigraph's ``bulk_load`` (Rust), fed
   through a reader that counts bytes for the progress bar and computes the SHA-256; N-Quads
   and TriG have their graphs flattened into the source graph (the description graph of a
   metakg export is left out); KGX rows are mapped as the ``kgx`` ingestor maps them and
   written as metakg's RDF in batches;
3. the vocabulary is checked with SPARQL aggregates over the new graph: every predicate, every
   ``rdf:type`` class and every reified ``rdf:predicate`` must be metakg's
   (:data:`~ingest.import_map.KNOWN_PREDICATES`, :data:`~ingest.import_map.KNOWN_CLASSES`).
   Unknown terms are reported with the file and line where each first appears; with
   ``strict`` they are errors, otherwise warnings and their triples are removed. A source of
   which nothing is left is an error;
4. the manifest lists the source (``bulk_sources``: name, graph, files with SHA-256, triple
   count) and the staging directory is published as a new release of the store, under its
   writer lock, with the one-rename publication of builds (``graph.store.staged_release``).

On any error the staging copy is deleted and the store is exactly as it was. Bulk-loaded graphs
are queried with ``GRAPH`` or ``FROM`` (docs/ingest.md); the REST lookups and the simulator see
only what ``metakg build`` wrote.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph.exports.rdf import DESCRIPTION_GRAPH
from graph.store import MANIFEST_FILE, RDF_DIR, StoreMissing, is_store, staged_release
from graph.vocab import RDF, Predicate
from ingest.bulk_files import (
    CHUNK_BYTES,
    BulkSource,
    HashingReader,
    KgxLoad,
    file_sha256,
    first_lines,
    kgx_triples,
    line_chunks,
    salted,
)
from ingest.import_map import KNOWN_CLASSES, KNOWN_PREDICATES
from ingest.problems import Level, Problem, Problems, ValidationFailed
from ingest.rdf_formats import parse_problem

#: Quads per ``bulk_extend`` call on the Python paths (KGX, N-Quads): the memory bound.
BATCH = 100_000
QUAD_FORMATS = frozenset({ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG})
_REIFIED_PREDICATES = frozenset(p.iri for p in Predicate)

_PREDICATE_COUNTS = "SELECT ?t (COUNT(*) AS ?n) WHERE { ?s ?t ?o } GROUP BY ?t"
_CLASS_COUNTS = f"SELECT ?t (COUNT(*) AS ?n) WHERE {{ ?s <{RDF}type> ?t }} GROUP BY ?t"
_REIFIED_COUNTS = f"SELECT ?t (COUNT(*) AS ?n) WHERE {{ ?s <{RDF}predicate> ?t }} GROUP BY ?t"

Notify = Callable[[str], None]
OnBytes = Callable[[int], None]


@dataclass(frozen=True)
class LoadReport:
    """What a load did: the manifest entries it wrote and the warnings it gave."""

    store: str
    sources: tuple[dict[str, Any], ...]
    warnings: tuple[Problem, ...]
    seconds: float


def load_into_store(
    target: Path,
    sources: Sequence[BulkSource],
    *,
    strict: bool = False,
    chunk_bytes: int = CHUNK_BYTES,
    on_bytes: OnBytes | None = None,
    notify: Notify | None = None,
) -> LoadReport:
    """Load ``sources`` into the store at ``target``: all of them, or (on any error) nothing.

    N-Triples go to pyoxigraph ``chunk_bytes`` at a time (0: the whole file at once), see
    :data:`~ingest.bulk_files.CHUNK_BYTES`.
    """
    started = time.perf_counter()
    target = Path(target)
    if not is_store(target):
        raise StoreMissing(
            f"no metakg store at {target}; run `metakg build` first (a bulk load adds named "
            "graphs to a built store)"
        )
    say = notify or (lambda _: None)
    with staged_release(target) as staging:
        for message in staging.recovered:
            say(message)
        if staging.current is None:
            raise StoreMissing(f"the metakg store at {target} went missing before the load")
        store: ox.Store | None = None
        try:
            say(f"copying {target} to a staging store ...")
            _stage(staging.current, staging.directory)
            store = ox.Store(str(staging.directory / RDF_DIR))
            problems = Problems()
            entries = [
                _load_source(store, source, problems, strict, chunk_bytes, on_bytes, say)
                for source in sources
            ]
            problems.raise_if_errors()
            store.flush()
            store = None  # closed: RocksDB writes nothing more into the directory
            _write_manifest(staging.current, staging.directory, entries)
            say("publishing the new release ...")
        except BaseException as exc:
            # Close the staging store before staged_release deletes it: the traceback's frames
            # hold it.
            store = None
            traceback.clear_frames(exc.__traceback__)
            raise
    return LoadReport(
        str(target),
        tuple(entries),
        tuple(p for p in problems if p.level is Level.WARNING),
        time.perf_counter() - started,
    )


def _stage(target: Path, staging: Path) -> None:
    """A copy of the release directory ``target`` in the empty directory ``staging``: the RDF
    store by ``Store.backup`` (hard links to its immutable files), other files hard-linked (the
    store never writes a file in place) except the manifest, which the load rewrites."""
    ox.Store.read_only(str(target / RDF_DIR)).backup(str(staging / RDF_DIR))
    for child in target.iterdir():
        if child.name in (RDF_DIR, MANIFEST_FILE):
            continue
        if child.is_dir():
            shutil.copytree(child, staging / child.name)
            continue
        try:
            os.link(child, staging / child.name)
        except OSError:
            shutil.copy2(child, staging / child.name)
    shutil.copy2(target / MANIFEST_FILE, staging / MANIFEST_FILE)


def _write_manifest(target: Path, staging: Path, entries: list[dict[str, Any]]) -> None:
    manifest = json.loads((target / MANIFEST_FILE).read_text(encoding="utf-8"))
    names = {e["name"] for e in entries}
    kept = [e for e in manifest.get("bulk_sources", []) if e.get("name") not in names]
    manifest["bulk_sources"] = sorted([*kept, *entries], key=lambda e: e["name"])
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False)
    (staging / MANIFEST_FILE).write_text(text + "\n", encoding="utf-8")


def _load_source(
    store: ox.Store,
    source: BulkSource,
    problems: Problems,
    strict: bool,
    chunk_bytes: int,
    on_bytes: OnBytes | None,
    say: Notify,
) -> dict[str, Any]:
    graph = ox.NamedNode(source.graph)
    if store.contains_named_graph(graph):
        say(f"replacing the graph {source.name} ...")
        store.remove_graph(graph)
    files: list[dict[str, Any]] = []
    for path, fmt in source.rdf:
        say(f"loading {path} into <{source.graph}> ...")
        digest = _load_rdf(store, graph, path, fmt, problems, chunk_bytes, on_bytes)
        files.append({"path": str(path), "format": fmt.name, "sha256": digest})
    summary = KgxLoad()
    for pair in source.kgx:
        say(f"loading {', '.join(map(str, pair.files))} into <{source.graph}> ...")
        before = len(problems.errors)
        _extend(store, graph, kgx_triples(pair, problems, summary, on_bytes=on_bytes))
        if len(problems.errors) > before:
            raise ValidationFailed(problems)
        files += [{"path": str(p), "format": "KGX", "sha256": file_sha256(p)} for p in pair.files]
    say(f"checking the vocabulary of {source.name} ...")
    triples, removed = check_vocabulary(store, graph, source, problems, strict=strict)
    entry: dict[str, Any] = {
        "name": source.name,
        "graph": source.graph,
        "files": files,
        "triples": triples,
    }
    if removed:
        entry["left_out_triples"] = removed
    if source.kgx:
        entry["kgx"] = {"nodes": summary.nodes, "edges": summary.edges}
    return entry


def _load_rdf(
    store: ox.Store,
    graph: ox.NamedNode,
    path: Path,
    fmt: ox.RdfFormat,
    problems: Problems,
    chunk_bytes: int,
    on_bytes: OnBytes | None,
) -> str:
    reader = HashingReader(path, on_bytes)
    before = 0
    try:
        if fmt == ox.RdfFormat.N_TRIPLES and chunk_bytes > 0:
            salt = f"{uuid.uuid4().hex}-"
            for before, chunk in line_chunks(reader, chunk_bytes):  # noqa: B007  (read on error)
                if b"_:" in chunk:  # blank nodes: keep their labels across chunks
                    parsed = ox.parse(chunk, format=fmt)
                    _extend(store, graph, salted((q.triple for q in parsed), salt))
                else:
                    store.bulk_load(chunk, format=fmt, to_graph=graph)
        elif fmt in QUAD_FORMATS:
            _extend(store, graph, flattened(ox.parse(reader, format=fmt)))
        else:
            store.bulk_load(reader, format=fmt, to_graph=graph)
    except SyntaxError as exc:
        parse_problem(path, exc, problems, line_offset=before)
        raise ValidationFailed(problems) from None
    finally:
        reader.close()
    return reader.sha256.hexdigest()


def flattened(quads: Iterable[ox.Quad]) -> Iterator[ox.Triple]:
    for quad in quads:
        name = quad.graph_name
        if isinstance(name, ox.NamedNode) and name.value == DESCRIPTION_GRAPH:
            continue
        yield quad.triple


def _extend(store: ox.Store, graph: ox.NamedNode, triples: Iterable[ox.Triple]) -> None:
    iterator = iter(triples)
    while batch := [
        ox.Quad(t.subject, t.predicate, t.object, graph) for t in islice(iterator, BATCH)
    ]:
        store.bulk_extend(batch)


def check_vocabulary(
    store: Any,
    graph: ox.NamedNode,
    source: BulkSource,
    problems: Problems,
    *,
    strict: bool,
    remove: Callable[[str, str], None] | None = None,
) -> tuple[int, int]:
    """Check the terms of ``graph``; report unknown ones; return (triples kept, removed).

    ``store`` is a pyoxigraph store or a :class:`graph.remote.RemoteStore` (both answer
    ``query`` with ``default_graph``); ``remove(kind, iri)`` deletes the triples using an
    unknown term (by default with a SPARQL update on ``store``).
    """
    predicates = _counts(store, graph, _PREDICATE_COUNTS)
    classes = _counts(store, graph, _CLASS_COUNTS)
    reified = _counts(store, graph, _REIFIED_COUNTS)
    total = sum(predicates.values())
    unknown = [
        *(("predicate", t, n) for t, n in predicates.items() if t not in KNOWN_PREDICATES),
        *(("class", t, n) for t, n in classes.items() if t not in KNOWN_CLASSES),
        *(("reified predicate", t, n) for t, n in reified.items() if t not in _REIFIED_PREDICATES),
    ]
    if total == 0:
        problems.add(
            source.name, 0, "", "empty-source", f"no triple was read for the graph {source.name}"
        )
        return 0, 0
    if not unknown:
        return total, 0
    rdf_files = [p for p, _ in source.rdf]
    where = first_lines(rdf_files, [t for _, t, _ in unknown])
    for kind, term, count in sorted(unknown):
        file, line = where.get(term, (str(rdf_files[0]) if rdf_files else source.name, 0))
        advice = (
            "use metakg's terms (docs/ingest.md), or load without --strict to leave them out"
            if strict
            else "left out"
        )
        problems.add(
            file,
            line,
            kind,
            f"unmapped-{kind.replace(' ', '-')}",
            f"{kind} <{term}> is not in metakg's vocabulary ({count} triple(s)): {advice}",
            Level.ERROR if strict else Level.WARNING,
        )
    if strict:
        return total, 0
    for kind, term, _count in unknown:
        (remove or _remover(store, graph))(kind, term)
    kept = sum(_counts(store, graph, _PREDICATE_COUNTS).values())
    if kept == 0:
        problems.add(
            source.name,
            0,
            "",
            "no-mappable-triple",
            f"none of the {total} triples of {source.name} is in metakg's vocabulary (see the "
            "warnings); nothing would be loaded",
        )
    return kept, total - kept


def _counts(store: Any, graph: ox.NamedNode, text: str) -> dict[str, int]:
    rows = store.query(text, default_graph=[graph])
    return {row["t"].value: int(row["n"].value) for row in rows if row["t"] is not None}


def _remover(store: ox.Store, graph: ox.NamedNode) -> Callable[[str, str], None]:
    """Delete the triples that use an unknown term (a statement with an unknown predicate goes
    whole). The IRIs come from the parsed file and are written by pyoxigraph's serialiser: a
    validated IRI cannot break out of ``<...>``."""

    def remove(kind: str, term: str) -> None:
        store.update(removal(kind, term, graph.value))

    return remove


def removal(kind: str, term: str, graph: str) -> str:
    """The SPARQL update that deletes the triples of ``graph`` that use an unknown term."""
    iri = ox.NamedNode(term)
    pattern = {
        "predicate": f"?s {iri} ?o",
        "class": f"?s <{RDF}type> {iri}",
        "reified predicate": f"?s <{RDF}predicate> {iri} . ?s ?p ?o",
    }[kind]
    return f"DELETE WHERE {{ GRAPH {ox.NamedNode(graph)} {{ {pattern} }} }}"
