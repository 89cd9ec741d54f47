"""Benchmark: building with one huge cell must take time linear in the cell's size.

For each cell size (default 1, 2, 4, 8 and 20 MB) an assertions table with one row whose
``note`` holds that many characters is written, then built on top of the curated sources the
way ``metakg build`` does (assemble, then write_store: RDF, property graph, SHACL check,
atomic swap into a temporary store path). Printed per size, as the fastest of ``--repeat``
runs, the sizes taking turns with the baseline (the least disturbed by other work on the
machine):

* ``build s``: the whole build;
* ``extra s``: the build minus the baseline below, that is the cost of the big cell;
* ``extra s/MB``: that cost per megabyte. Linear time means this column stays flat.

Named baselines, measured in the same run:

* ``short cells``: the same table with a one-line note (the build's fixed cost);
* ``old SHACL path``: the way the SHACL check used to get the RDF into rdflib, serialising the
  store to N-Triples and parsing it back with rdflib (kept here as a function), against the
  current term-by-term copy (:func:`graph.shacl.to_rdflib`), at small sizes of its own
  (``--old-sizes``, default 0.25, 0.5 and 1 MB): it grows faster than the size, and takes
  minutes beyond that. Both are also timed with a short cell, and ``extra s/MB`` is the
  time over that, per megabyte.

Usage: python bench/source_cells.py [--sizes 1,2,4,8,20] [--repeat N] [--old-sizes 0.25,0.5,1]
       python bench/source_cells.py --small   # CI profile: cells of 1, 2, 4 MB and old path
                                              # at 0.125, 0.25 MB, one run each
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

import pyoxigraph as ox  # noqa: E402
import rdflib  # noqa: E402

from graph import shacl  # noqa: E402
from graph.rdf import OxigraphSink  # noqa: E402
from graph.sinks import write_all  # noqa: E402
from graph.store import write_store  # noqa: E402
from ingest.pipeline import assemble, plan_sources  # noqa: E402

MB = 1024 * 1024
HEADER = "subject\tpredicate\tobject\treferences\tconfidence\tnote\n"
ROW = "PTGS2\tmediates_metastasis_to\tbrain\tPMID:19421193\tmedium\t"


def write_table(folder: Path, note_chars: int) -> Path:
    path = folder / f"cell-{note_chars}.tsv"
    # A note of words, not one repeated letter, so nothing compresses or short-circuits it.
    words = "the seed and soil hypothesis of metastatic colonisation "
    note = (words * (note_chars // len(words) + 1))[:note_chars].strip() or "short note"
    path.write_text(HEADER + ROW + note + "\n", encoding="utf-8")
    return path


def build_seconds(table: Path, folder: Path) -> float:
    started = time.perf_counter()
    kb = assemble(plan_sources([table]))
    write_store(folder / "store", kb.nodes, kb.edges, kb.hierarchy, sources=[], version="bench")
    return time.perf_counter() - started


def old_shacl_input(store: ox.Store) -> rdflib.Graph:
    """The former path: the default graph as N-Triples, parsed back by rdflib."""
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    return rdflib.Graph().parse(data=data.decode("utf-8"), format="nt")


def conversion_seconds(table: Path) -> tuple[float, float]:
    """(old N-Triples path, current term-by-term copy) for the RDF of ``table``'s build."""
    kb = assemble(plan_sources([table]))
    sink = write_all(OxigraphSink(), kb.nodes, kb.edges, kb.hierarchy)
    store = sink.store  # type: ignore[attr-defined]
    started = time.perf_counter()
    old = old_shacl_input(store)
    middle = time.perf_counter()
    new = shacl.to_rdflib(store)
    done = time.perf_counter()
    assert len(old) == len(new), (len(old), len(new))
    return middle - started, done - middle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,2,4,8,20", help="cell sizes in MB")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--old-sizes", default="0.25,0.5,1", help="MB; empty skips it")
    parser.add_argument("--small", action="store_true", help="CI profile (see above)")
    args = parser.parse_args()
    sizes = [1.0, 2.0, 4.0] if args.small else [float(s) for s in args.sizes.split(",")]
    old_sizes = (
        [0.125, 0.25] if args.small else [float(s) for s in args.old_sizes.split(",") if s]
    )
    repeat = 1 if args.small else args.repeat

    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)

        # Rounds: the baseline and every size once per round, so that a busy spell of the
        # machine falls on all of them alike; each figure is the fastest of its runs.
        tables = {size: write_table(folder, int(size * MB)) for size in sizes}
        tables[0.0] = write_table(folder, 10)
        runs: dict[float, list[float]] = {size: [] for size in tables}
        for _ in range(repeat):
            for size, table in tables.items():
                runs[size].append(build_seconds(table, folder))
        baseline = min(runs.pop(0.0))
        print(f"baseline (short cells): build {baseline:.2f} s")
        print(f"{'cell MB':>8} {'build s':>9} {'extra s':>9} {'extra s/MB':>11}")
        for size in sizes:
            seconds = min(runs[size])
            extra = seconds - baseline
            print(f"{size:>8g} {seconds:>9.2f} {extra:>9.2f} {extra / size:>11.3f}")
        for table in tables.values():
            table.unlink()

        if old_sizes:

            def fastest(chars: int) -> tuple[float, float]:
                table = write_table(folder, chars)
                runs = [conversion_seconds(table) for _ in range(repeat)]
                return min(r[0] for r in runs), min(r[1] for r in runs)

            old_base, new_base = fastest(10)
            print("\nSHACL input, old N-Triples path vs term-by-term copy:")
            print(f"short cells: old {old_base:.2f} s, new {new_base:.2f} s")
            print(
                f"{'cell MB':>8} {'old s':>8} {'old extra s/MB':>15} {'new s':>8} "
                f"{'new extra s/MB':>15}"
            )
            for size in old_sizes:
                old, new = fastest(int(size * MB))
                print(
                    f"{size:>8g} {old:>8.2f} {(old - old_base) / size:>15.3f} {new:>8.2f} "
                    f"{(new - new_base) / size:>15.3f}"
                )

if __name__ == "__main__":
    main()
