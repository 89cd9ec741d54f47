"""Benchmark: `metakg load` against raw pyoxigraph `bulk_load` of the same file, same run.

For each ``--triples`` size a deterministic generator (seeded) writes a synthetic graph in
metakg's vocabulary, built with metakg's own record-to-RDF functions (``graph/rdf.py``):
genes, cancer types, organs and publications, and reified associations with their evidence.
It is written twice: as N-Triples, and as a KGX nodes/edges TSV pair of about the same number
of triples once mapped. Each measurement runs in a child process of its own, so its peak
memory (``ru_maxrss``) is its own:

* ``metakg load (N-Triples)``: :func:`ingest.bulk.load_into_store` into a copy of a built
  (empty) store: staging copy, load into the source's named graph, vocabulary check,
  manifest, swap;
* ``raw bulk_load``: ``pyoxigraph.Store(fresh).bulk_load(path=file)`` into the default graph,
  the baseline the issue names;
* ``raw bulk_load to_graph``: the same into a named graph, which is what ``metakg load`` writes
  (a named graph has six indexes to the default graph's three, so this is the like-for-like
  baseline);
* ``metakg load, whole file``: the same with the file in one ``bulk_load`` call instead of
  64 MiB chunks (faster, but pyoxigraph's loader then grows to about 1.8 GB);
* ``metakg load (KGX)``: the KGX pair, mapped row by row in Python.

Times are wall-clock; CPU seconds (user and system, all threads) are printed too, as they
vary less on a shared machine.

Targets: ours/raw at least 0.8, and peak memory flat in the input size.

Usage: python bench/ingest.py [--triples 1000000 ...] [--seed 7] [--json] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from graph.exports.kgx import EDGE_COLUMNS, EDGE_EXTRA_COLUMNS, NODE_COLUMNS, edge_row, node_row
from graph.model import EdgeRecord, NodeRecord, SourceLocation
from graph.rdf import edge_triples, node_triples
from graph.vocab import Category, Confidence, Direction, EvidenceType, Organism, Predicate

HERE = Path(__file__).resolve().parents[1]
GENE_PREDICATES = [p for p in Predicate if p.value.domain[0] is Category.GENE]
#: Triples per association written by graph.rdf.edge_triples, on average, for sizing KGX.
_TRIPLES_PER_EDGE = 19


def _records(target: int, seed: int) -> Iterator[NodeRecord | EdgeRecord]:
    """Nodes, then associations, until about ``target`` triples (deterministic in ``seed``)."""
    rng = random.Random(seed)
    where = SourceLocation("synthetic.tsv", 0)
    edges = max(1, target // _TRIPLES_PER_EDGE)
    genes = max(10, edges // 25)
    pools: dict[Category, list[str]] = {
        Category.GENE: [f"NCBIGene:{900000 + i}" for i in range(genes)],
        Category.CANCER_TYPE: [f"DOID:{50000 + i}" for i in range(max(5, genes // 50))],
        Category.ORGAN: [f"UBERON:{i:07d}" for i in range(2000000, 2000040)],
        Category.PATHWAY: [f"metakg:pathway/p{i}" for i in range(max(5, genes // 20))],
        Category.CASCADE_STEP: [f"metakg:step/s{i}" for i in range(9)],
        Category.GENE_CLASS: [f"metakg:class/c{i}" for i in range(10)],
        Category.PUBLICATION: [f"PMID:{10000000 + i}" for i in range(max(10, genes // 4))],
    }
    for category, ids in pools.items():
        for number, node_id in enumerate(ids):
            symbol = f"SYN{number}" if category is Category.GENE else None
            yield NodeRecord(node_id, category, f"{category.key} {number}", where, symbol=symbol)
    for number in range(edges):
        predicate = rng.choice(GENE_PREDICATES)
        target_pool = pools.get(predicate.value.range[0], pools[Category.GENE])
        yield EdgeRecord(
            subject=rng.choice(pools[Category.GENE]),
            predicate=predicate,
            object=rng.choice(target_pool),
            source=SourceLocation("synthetic.tsv", number + 2),
            references=tuple(rng.sample(pools[Category.PUBLICATION], rng.randint(1, 3))),
            confidence=rng.choice(list(Confidence)),
            note=f"Synthetic association {number} for the ingest benchmark.",
            direction=rng.choice(list(Direction)),
            evidence_types=(rng.choice(list(EvidenceType)),),
            organism=rng.choice(list(Organism)),
            cancer_type=rng.choice(pools[Category.CANCER_TYPE]) if rng.random() < 0.5 else None,
            origin=f"bench-{number}",
        )


def write_ntriples(path: Path, target: int, seed: int) -> int:
    count = 0
    with path.open("wb") as handle:
        batch: list[ox.Triple] = []
        for record in _records(target, seed):
            triples = (
                node_triples(record) if isinstance(record, NodeRecord) else edge_triples(record)
            )
            batch.extend(triples)
            if len(batch) >= 100_000:
                ox.serialize(batch, handle, ox.RdfFormat.N_TRIPLES)
                count += len(batch)
                batch = []
        ox.serialize(batch, handle, ox.RdfFormat.N_TRIPLES)
        count += len(batch)
    return count


def write_kgx(directory: Path, target: int, seed: int) -> Path:
    with (
        (directory / "bench_nodes.tsv").open("w") as nodes,
        (directory / "bench_edges.tsv").open("w") as edges,
    ):
        node_columns = [*NODE_COLUMNS, "weak_synonym", "source_file", "source_line"]
        edge_columns = [*EDGE_COLUMNS, *EDGE_EXTRA_COLUMNS]
        for handle, columns in ((nodes, node_columns), (edges, edge_columns)):
            handle.write("\t".join(columns) + "\n")
        for record in _records(target, seed):
            if isinstance(record, NodeRecord):
                _row(nodes, node_columns, node_row(record))
            else:
                _row(edges, edge_columns, edge_row(record))
    return directory / "bench_edges.tsv"


def _row(handle: IO[str], columns: list[str], row: dict[str, Any]) -> None:
    def cell(value: Any) -> str:
        if isinstance(value, list):
            return "|".join(map(str, value))
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else str(value)

    handle.write("\t".join(cell(row.get(c)) for c in columns) + "\n")


OURS = r"""
import json, resource, sys, time
from pathlib import Path
from graph.store import write_store
from ingest.bulk import load_into_store
from ingest.bulk_files import plan
from ingest.problems import Problems
store = Path(sys.argv[1])
options = {"chunk_bytes": int(sys.argv[3])} if len(sys.argv) > 3 else {}
write_store(store, [], [], [], sources=[], version="bench")
problems = Problems()
sources = plan([Path(sys.argv[2])], problems)
before = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.perf_counter()
report = load_into_store(store, sources, **options)
seconds = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
print(json.dumps({"seconds": seconds, "stored_triples": report.sources[0]["triples"],
    "cpu_s": cpu, "peak_rss_mb": usage.ru_maxrss / 1024}))
"""

RAW = r"""
import json, resource, sys, time
import pyoxigraph as ox
graph = ox.NamedNode("https://w3id.org/metakg/id/source/raw") if sys.argv[3] == "named" else None
t0 = time.perf_counter()
store = ox.Store(sys.argv[1])
store.bulk_load(path=sys.argv[2], to_graph=graph)
store.flush()
del store
seconds = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": seconds, "cpu_s": usage.ru_utime + usage.ru_stime,
    "peak_rss_mb": usage.ru_maxrss / 1024}))
"""


def child(code: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=HERE, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(size: int, seed: int, work: Path) -> dict[str, Any]:
    data = work / f"data-{size}"
    data.mkdir()
    started = time.perf_counter()
    nt = data / "bench.nt"
    triples = write_ntriples(nt, size, seed)
    edges_file = write_kgx(data, size, seed)
    generated = time.perf_counter() - started
    runs: dict[str, dict[str, Any]] = {}
    for name, code, args in (
        ("raw bulk_load", RAW, (str(nt), "default")),
        ("raw bulk_load to_graph", RAW, (str(nt), "named")),
        ("metakg load (N-Triples)", OURS, (str(nt),)),
        ("metakg load, whole file", OURS, (str(nt), "0")),
        ("metakg load (KGX)", OURS, (str(edges_file),)),
    ):
        target = work / "store"
        runs[name] = child(code, str(target), *args)
        # rates over the triples of the file (the store keeps the distinct ones)
        runs[name]["rate"] = triples / runs[name]["seconds"]
        shutil.rmtree(target, ignore_errors=True)
        for leftover in work.glob(".store*"):
            shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink()
    shutil.rmtree(data)
    raw, named = runs["raw bulk_load"]["rate"], runs["raw bulk_load to_graph"]["rate"]
    ours = runs["metakg load (N-Triples)"]["rate"]
    whole = runs["metakg load, whole file"]["rate"]
    return {
        "triples": triples,
        "generate_s": generated,
        "runs": runs,
        "ratio_vs_raw": ours / raw,
        "ratio_vs_raw_to_graph": ours / named,
        "whole_file_ratio_vs_raw": whole / raw,
        "whole_file_ratio_vs_raw_to_graph": whole / named,
        "kgx_ratio_vs_raw": runs["metakg load (KGX)"]["rate"] / raw,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, action="append", help="size (repeatable)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--workdir", type=Path, help="where to write (default: a temp dir)")
    options = parser.parse_args()
    sizes = options.triples or [1_000_000]
    work = Path(tempfile.mkdtemp(prefix="metakg-bench-ingest-", dir=options.workdir))
    try:
        results = [measure(size, options.seed, work) for size in sizes]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if options.json:
        print(json.dumps(results, indent=2))
        return
    for result in results:
        print(f"\n{result['triples']:,} triples (generated in {result['generate_s']:.0f} s)")
        print(f"  {'run':<26}{'seconds':>9}{'CPU s':>8}{'triples/s':>12}{'peak RSS MB':>13}")
        for name, run in result["runs"].items():
            print(
                f"  {name:<26}{run['seconds']:>9.1f}{run['cpu_s']:>8.1f}{run['rate']:>12,.0f}"
                f"{run['peak_rss_mb']:>13,.0f}"
            )
        print(
            f"  ours / raw bulk_load: {result['ratio_vs_raw']:.2f} (whole file "
            f"{result['whole_file_ratio_vs_raw']:.2f})   ours / raw to_graph: "
            f"{result['ratio_vs_raw_to_graph']:.2f} (whole file "
            f"{result['whole_file_ratio_vs_raw_to_graph']:.2f})   KGX / raw: "
            f"{result['kgx_ratio_vs_raw']:.2f}   (target >= 0.8)"
        )
    if len(results) > 1:
        rss = [r["runs"]["metakg load (N-Triples)"]["peak_rss_mb"] for r in results]
        print(f"\npeak RSS of metakg load across sizes: {', '.join(f'{m:,.0f} MB' for m in rss)}")


if __name__ == "__main__":
    main()
