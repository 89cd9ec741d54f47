"""Benchmark: what the SPARQL guard (queries/guard.py) costs per query.

Prints, per query, the median time of ``refusals()`` over --repeat calls for:

* ``old``: the lexical guard the project had before it decided on the parsed query (read
  from git history, commit OLD_GUARD) -- the named baseline, in the same run;
* ``new``: the guard as it is, with its LRU cache cleared before every call (the first time
  a server sees a text);
* ``cached``: the guard answering the same text again (the cache hit);
* ``parse``: rdflib's parse alone (``guard.examine`` uncached), which the guard runs only when
  the text holds "service", "from" or an update keyword -- the cost the fast path avoids.

Queries: the 15 named queries (queries/named.py), and a few long or keyword-laden ones
(VALUES with 2,000 strings, 5,000 PREFIX lines, a FROM of a local graph, a SERVICE, "from" in
a literal, a SPARQL 1.2 query rdflib cannot read). Usage: python bench/guard.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from queries import guard  # noqa: E402
from queries.named import registry  # noqa: E402

#: The last commit whose queries/guard.py was the lexical guard.
OLD_GUARD = "fec2aef"
LOCAL = frozenset({"https://w3id.org/metakg/id/dataset"})


def old_guard() -> Callable[..., list[str]] | None:
    try:
        source = subprocess.run(
            ["git", "show", f"{OLD_GUARD}:queries/guard.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"(no baseline: cannot read the old guard from git: {exc})")
        return None
    module = types.ModuleType("old_guard")
    exec(compile(source, f"{OLD_GUARD}:queries/guard.py", "exec"), module.__dict__)  # noqa: S102
    return module.refusals


def workload() -> dict[str, str]:
    queries = {f"named: {name}": query.sparql for name, query in registry().items()}
    names = " ".join(f'"name{i}"' for i in range(2000))
    prefixes = "".join(f"PREFIX p{i}: <http://example.org/{i}#>\n" for i in range(5000))
    queries.update(
        {
            "VALUES, 2,000 strings": f"SELECT ?g WHERE {{ VALUES ?n {{ {names} }} ?g ?p ?n }}",
            "5,000 PREFIX lines": prefixes + "ASK { ?s ?p ?o }",
            "FROM a local graph": "SELECT * FROM <https://w3id.org/metakg/id/dataset> "
            "WHERE { ?s ?p ?o } LIMIT 10",
            "SERVICE (refused)": "SELECT * { SERVICE <http://remote.example/sparql> { ?s ?p ?o } }",
            "'from' in a literal": 'SELECT * { ?s ?p ?o FILTER(CONTAINS(STR(?o), "from")) } '
            "LIMIT 10",
            "SPARQL 1.2, 'from' in a literal": 'SELECT * { BIND(<<( <urn:a> <urn:b> "from" )>> '
            "AS ?t) }",
        }
    )
    return queries


def median_us(call: Callable[[], object], repeat: int, before: Callable[[], None]) -> float:
    times = []
    for _ in range(repeat):
        before()
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    old = old_guard()
    clear = guard._examine_cached.cache_clear
    guard.examine("ASK {}")  # import rdflib's grammar once, outside the timings

    def nothing() -> None:
        pass

    rows = []
    for name, text in workload().items():
        new = median_us(lambda t=text: guard.refusals(t, local_graphs=LOCAL), args.repeat, clear)
        guard.refusals(text, local_graphs=LOCAL)
        cached = median_us(
            lambda t=text: guard.refusals(t, local_graphs=LOCAL), args.repeat, nothing
        )
        parse = median_us(lambda t=text: guard._examine(t, None), max(1, args.repeat // 2), nothing)
        base = (
            median_us(lambda t=text: old(t, local_graphs=LOCAL), args.repeat, nothing)
            if old
            else float("nan")
        )
        rows.append((name, len(text), base, new, cached, parse))
    width = max(len(r[0]) for r in rows)
    print(f"guard time per query, median of {args.repeat} (microseconds)")
    print(f"{'query':{width}} {'chars':>7} {'old':>9} {'new':>9} {'cached':>9} {'parse':>10}")
    for name, chars, base, new, cached, parse in rows:
        print(f"{name:{width}} {chars:7d} {base:9.1f} {new:9.1f} {cached:9.1f} {parse:10.1f}")
    named = [r for r in rows if r[0].startswith("named: ")]
    print(
        f"named queries, median: old {statistics.median(r[2] for r in named):.1f} us, "
        f"new {statistics.median(r[3] for r in named):.1f} us, "
        f"rdflib parse if forced {statistics.median(r[5] for r in named) / 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
