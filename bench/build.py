"""Benchmark: wall time and peak memory of a full `metakg build`.

Runs each scenario in a fresh child process (so peak RSS is that build's own) and prints:

* ``curated``: the curated sources only (what the README's first command builds);
* ``curated+ncbi+do``: plus NCBI gene_info (56k genes) and the Disease Ontology (12k terms)
  from ../shared/data, when present;
* baseline ``rdflib-load``: parsing the same store's triples into an in-memory rdflib Graph,
  the usual way to hold such a graph in Python, timed in the same run.

Usage: python bench/build.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from ingest.pipeline import assemble, plan_sources
from graph import store as store_module
from graph.store import write_store
shacl_time = [0.0]
_check = store_module.shacl.check
def timed_check(store):
    start = time.perf_counter()
    try:
        return _check(store)
    finally:
        shacl_time[0] += time.perf_counter() - start
store_module.shacl.check = timed_check
sources = [Path(p) for p in json.loads(sys.argv[2])]
kb = assemble(plan_sources(sources))
t1 = time.perf_counter()
report = write_store(
    Path(sys.argv[1]), kb.nodes, kb.edges, kb.hierarchy, sources=[], version="bench"
)
t2 = time.perf_counter()
print(json.dumps({
    "ingest_s": t1 - t0, "write_validate_s": t2 - t1, "shacl_s": shacl_time[0],
    "total_s": t2 - t0,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "nodes": len(kb.nodes), "associations": len(kb.edges),
}))
"""

BASELINE = r"""
import json, resource, sys, time
from pathlib import Path
import rdflib
from graph.store import KnowledgeStore
from graph.rdf import canonical_ntriples
data = canonical_ntriples(KnowledgeStore(Path(sys.argv[1])).rdf)
t0 = time.perf_counter()
graph = rdflib.Graph().parse(data=data, format="nt")
t1 = time.perf_counter()
print(json.dumps({"total_s": t1 - t0, "triples": len(graph),
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(code: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_of(results: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario (median shown)")
    args = parser.parse_args()
    scenarios = {"curated": []}
    extra = [SHARED / "Homo_sapiens.gene_info.gz", SHARED / "HumanDO.tsv"]
    if all(p.exists() for p in extra):
        scenarios["curated+ncbi+do"] = [str(p) for p in extra]
    else:
        print(f"(skipping curated+ncbi+do: {SHARED} not found)")
    print(f"metakg build benchmark, median of {args.repeat} run(s), each in a fresh process\n")
    header = (
        f"{'scenario':<18}{'nodes':>7}{'assoc':>7}{'ingest s':>10}{'write+validate s':>18}"
        f"{'of it SHACL s':>15}{'total s':>9}{'peak RSS MB':>13}"
    )
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for name, sources in scenarios.items():
            store = Path(tmp) / name
            results = [run(CHILD, str(store), json.dumps(sources)) for _ in range(args.repeat)]
            last = results[-1]
            print(
                f"{name:<18}{last['nodes']:>7}{last['associations']:>7}"
                f"{median_of(results, 'ingest_s'):>10.2f}"
                f"{median_of(results, 'write_validate_s'):>18.2f}"
                f"{median_of(results, 'shacl_s'):>15.2f}"
                f"{median_of(results, 'total_s'):>9.2f}{median_of(results, 'peak_rss_mb'):>13.0f}"
            )
            baseline = [run(BASELINE, str(store)) for _ in range(args.repeat)]
            base_s = median_of(baseline, "total_s")
            print(
                f"{'  baseline':<18}{'':>7}{'':>7}{'':>10}{'':>18}{'':>15}{base_s:>9.2f}"
                f"{median_of(baseline, 'peak_rss_mb'):>13.0f}"
                f"   rdflib-load of the same {baseline[-1]['triples']} triples"
            )
            ratio = median_of(results, "total_s") / base_s if base_s else float("inf")
            print(f"{'':<18}full build / rdflib-load = {ratio:.1f}x\n")
    print("ingest = read, merge, resolve; write+validate = RDF store, property graph, SHACL,")
    print("projection parity, atomic swap. The baseline only parses the finished triples into")
    print("rdflib: a floor for 'hold this graph in Python', not equivalent work.")


if __name__ == "__main__":
    main()
