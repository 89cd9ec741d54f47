"""Benchmark: the /sparql endpoint against `oxigraph serve`, and named queries in process
against rdflib, on the same data, in one run.

1. Builds the curated store (or uses --store) and starts three servers on 127.0.0.1: `metakg
   serve` (Granian, default settings), `oxigraph serve` (PyPI package `oxigraph`; in memory,
   loaded with the store's quads) and `oxigraph serve-read-only` over the store's RocksDB
   directory; checks they hold the same number of triples; then drives each with the same
   client: N threads, each with its own keep-alive connection, sending one query shape for a
   fixed time, in interleaved rounds. Prints throughput and p50/p95 latency per shape at 1
   and 4 concurrent clients, and the metakg/oxigraph ratios (target: metakg >= 0.5x).
2. Runs every named query (with its example parameters bound) in process three ways on the
   same triples: pyoxigraph SPARQL, the networkx traversal, and rdflib running the same
   SPARQL; prints the time per query and the ratios (target: >= 50x rdflib).

All traffic stays on loopback; every loop is bounded in time.
Usage: python bench/sparql_http.py [--seconds 3] [--store DIR]
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX biolink: <https://w3id.org/biolink/vocab/>
PREFIX mkg: <https://w3id.org/metakg/vocab/>
"""
EREG = "<http://identifiers.org/ncbigene/2069>"
TWIST1 = "<http://identifiers.org/ncbigene/7291>"
LUNG = "<http://purl.obolibrary.org/obo/UBERON_0002048>"

SHAPES = {
    "point lookup": f"SELECT ?label WHERE {{ {EREG} rdfs:label ?label }}",
    "1-hop": f"SELECT ?p ?o WHERE {{ {EREG} ?p ?o }}",
    "2-hop join": (
        f"SELECT ?gene ?pathway WHERE {{ ?gene mkg:mediates_metastasis_to {LUNG} . "
        "?gene biolink:participates_in ?pathway }"
    ),
    "aggregate": (
        "SELECT ?p (COUNT(?a) AS ?n) WHERE { ?a a rdf:Statement ; rdf:predicate ?p } "
        "GROUP BY ?p ORDER BY DESC(?n)"
    ),
    "bounded path": f"SELECT ?x WHERE {{ {TWIST1} biolink:regulates/biolink:regulates? ?x }}",
    "text filter": (
        'SELECT ?g ?s WHERE { ?g biolink:symbol ?s FILTER(CONTAINS(LCASE(?s), "mir")) }'
    ),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(port: int, path: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited early")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not start")


def drive(port: int, query: str, clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` threads send ``query`` for ``seconds``; returns the latencies, the time
    taken and the number of errors (see :func:`merge`). A negative port is an oxigraph
    server."""
    path = "/query" if port < 0 else "/sparql"
    url = path + "?" + urllib.parse.urlencode({"query": PREFIXES + query})
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(target_path: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", abs(port), timeout=30)
        mine: list[float] = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            conn.request("GET", target_path, headers={"Accept": "application/sparql-results+json"})
            response = response_of(conn)
            mine.append(time.perf_counter() - started)
            if response != 200:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(url,)) for _ in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    return {"latencies": latencies, "elapsed": elapsed, "errors": errors[0]}


def response_of(conn: http.client.HTTPConnection) -> int:
    response = conn.getresponse()
    response.read()
    return response.status


def build_store(directory: Path) -> Path:
    store = directory / "store"
    env = {**os.environ, "METAKG_STORE": str(store)}
    subprocess.run(
        [sys.executable, "-m", "server.cli", "build"], env=env, check=True, capture_output=True
    )
    return store


def start_metakg(store: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "METAKG_STORE": str(store),
        "METAKG_PORT": str(port),
        "METAKG_RATE_LIMIT": "off",
        # The defaults of `metakg serve` unless BENCH_WORKERS / BENCH_THREADS say otherwise.
        **{
            f"METAKG_{name}": os.environ[f"BENCH_{name}"]
            for name in ("WORKERS", "THREADS")
            if f"BENCH_{name}" in os.environ
        },
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_up(port, "/", process)
    return process


def oxigraph_exe() -> str:
    beside = Path(sys.executable).parent / "oxigraph"
    exe = str(beside) if beside.exists() else shutil.which("oxigraph")
    if exe is None:
        raise SystemExit("the oxigraph CLI is not installed (pip install oxigraph)")
    return exe


def start_oxigraph(store: Path, port: int, *, in_memory: bool) -> subprocess.Popen:
    """``oxigraph serve-read-only`` over the store's RocksDB directory, or ``oxigraph serve``
    in memory loaded with the store's quads.

    Neither gets ``--timeout-s``: with it, oxigraph 0.5.13 starts a thread per query that
    lives until the timeout, and at thousands of queries per second the machine runs out of
    threads within seconds (seen here). So the baselines run without a deadline, while
    metakg enforces its default 10 s one."""
    if in_memory:
        command = ["serve"]
    else:
        command = ["serve-read-only", "--location", str(store / "oxigraph")]
    process = subprocess.Popen(
        [oxigraph_exe(), *command, "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_up(port, "/query?query=ASK%7B%7D", process)
    if in_memory:
        import pyoxigraph as ox

        source = ox.Store.read_only(str(store / "oxigraph"))
        body = ox.serialize(source.quads_for_pattern(None, None, None), format=ox.RdfFormat.N_QUADS)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", "/store", body=body, headers={"Content-Type": "application/n-quads"})
        status = response_of(conn)
        conn.close()
        if status >= 300:
            raise SystemExit(f"loading the in-memory oxigraph server failed ({status})")
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def count_quads(port: int) -> int:
    """How many triples the server holds (checks the servers hold the same data)."""
    query = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    path = ("/query" if port < 0 else "/sparql") + "?" + urllib.parse.urlencode({"query": query})
    conn = http.client.HTTPConnection("127.0.0.1", abs(port), timeout=30)
    conn.request("GET", path, headers={"Accept": "text/tab-separated-values"})
    response = conn.getresponse()
    body = response.read().decode()
    conn.close()
    return int(body.splitlines()[1].split("^^")[0].strip('"'))


#: The servers compared, in the order each round visits them.
BASELINES = ("oxigraph serve (memory)", "oxigraph serve-read-only (disk)")


def http_part(store: Path, seconds: float, rounds: int = 3) -> dict[str, list[float]]:
    """Throughput of metakg and both oxigraph servers, shape by shape, at 1 and 4 clients.

    Each cell runs ``rounds`` rounds that visit the three servers in turn, ``seconds /
    rounds`` each, so that drift in the machine's speed (other load, frequency) falls on
    all three alike; requests and latencies are pooled over the rounds. Returns, per
    baseline, the metakg/baseline throughput ratios.
    """
    ports = {"metakg": free_port(), BASELINES[0]: free_port(), BASELINES[1]: free_port()}
    servers = {"metakg": start_metakg(store, ports["metakg"])}
    try:
        servers[BASELINES[0]] = start_oxigraph(store, ports[BASELINES[0]], in_memory=True)
        servers[BASELINES[1]] = start_oxigraph(store, ports[BASELINES[1]], in_memory=False)
        # A negative port means an oxigraph server (its endpoint is /query).
        targets = {name: (port if name == "metakg" else -port) for name, port in ports.items()}
        counts = {name: count_quads(target) for name, target in targets.items()}
        print("triples served: " + ", ".join(f"{name} {n}" for name, n in counts.items()))
        if len(set(counts.values())) != 1:
            raise SystemExit("the servers do not hold the same data")
        return _compare(targets, seconds, rounds)
    finally:
        for process in servers.values():
            stop(process)


def _compare(targets: dict[str, int], seconds: float, rounds: int) -> dict[str, list[float]]:
    short = {"metakg": "metakg", BASELINES[0]: "ox memory", BASELINES[1]: "ox disk"}
    print(
        f"\nrequests per second and p50/p95 latency (ms); {rounds} interleaved rounds of "
        f"{seconds / rounds:.2f} s per server and cell"
    )
    header = (
        f"{'shape':<14}{'clients':>8}"
        + "".join(f"{short[name]:>22}" for name in targets)
        + "".join(f"{'/' + short[name]:>12}" for name in BASELINES)
    )
    print(header)
    print("-" * len(header))
    ratios: dict[str, list[float]] = {name: [] for name in BASELINES}
    # Every server worker and its query processes answer before anything is timed.
    for target in targets.values():
        drive(target, "ASK {}", 8, 2.0)
    for shape, query in SHAPES.items():
        for clients in (1, 4):
            for target in targets.values():
                drive(target, query, clients, 0.3)  # warm up
            pooled: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
            for _ in range(rounds):
                for name, target in targets.items():
                    pooled[name].append(drive(target, query, clients, seconds / rounds))
            cells = {name: merge(runs) for name, runs in pooled.items()}
            line = f"{shape:<14}{clients:>8}"
            for name in targets:
                cell = cells[name]
                errors = f" E{cell['errors']}" if cell["errors"] else ""
                line += f"{cell['rps']:>8.0f} {cell['p50']:>5.2f} {cell['p95']:>6.2f}{errors}"
            for name in BASELINES:
                ratio = cells["metakg"]["rps"] / cells[name]["rps"]
                ratios[name].append(ratio)
                line += f"{ratio:>11.2f}x"
            print(line)
    print()
    for name in BASELINES:
        values = ratios[name]
        print(
            f"HTTP throughput metakg / {name}: geometric mean "
            f"{statistics.geometric_mean(values):.2f}x, min {min(values):.2f}x (target >= 0.5x)"
        )
    return ratios


def merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    latencies = sorted(x for run in runs for x in run["latencies"])
    elapsed = sum(run["elapsed"] for run in runs)
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
        "errors": sum(run["errors"] for run in runs),
    }


def in_process_part(store: Path, repeat: int) -> list[float] | None:
    """Every named query with its example parameters, in process, on the same triples.

    Four timings per query: pyoxigraph runs the SPARQL text on the store the server's query
    processes use (``server.sparql.query_worker.open_store`` with the default settings: an
    in-memory copy of a store this size) and on the store on disk; networkx runs the
    traversal (``named.run_graph``); rdflib runs the same SPARQL text on an ``rdflib.Graph``
    parsed from the store's triples, with the parameters given as ``initBindings``. Each
    timing is the best of ``repeat`` batches after one warm-up run, a batch repeating the
    query until it lasts 20 ms. Prints the ratios rdflib/pyoxigraph (as served, and on disk)
    and rdflib/networkx with their geometric means and minima (target: rdflib/pyoxigraph >=
    50x) and checks that rdflib returns the rows pyoxigraph returns. Returns the
    rdflib/pyoxigraph ratios as served.
    """
    try:
        from queries import named
    except ImportError:
        print("\n(named queries not available: queries/named.py missing)")
        return None
    import textwrap
    from collections.abc import Callable

    import pyoxigraph as ox
    import rdflib

    from graph.curie import compress
    from graph.rdf import canonical_ntriples
    from graph.store import KnowledgeStore
    from queries.lookup import name_index
    from server.settings import load_settings
    from server.sparql.query_worker import memory_copy

    target = 50.0
    xsd_string = "http://www.w3.org/2001/XMLSchema#string"

    def rdflib_term(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> rdflib.term.Identifier:
        if isinstance(term, ox.NamedNode):
            return rdflib.URIRef(term.value)
        if isinstance(term, ox.Literal):
            if term.language:
                return rdflib.Literal(term.value, lang=term.language)
            datatype = term.datatype.value
            # N-Triples writes xsd:string literals plain, and rdflib parses them without one
            return rdflib.Literal(term.value, datatype=None if datatype == xsd_string else datatype)
        return rdflib.BNode(term.value)

    def cell(term: object) -> str:
        if term is None:
            return ""
        return compress(str(term)) if isinstance(term, rdflib.URIRef) else str(term)

    def best(run: Callable[[], object]) -> float:
        """Seconds per run of ``run``: the best of ``repeat`` batches of at least 20 ms."""
        run()
        number = 1
        while True:
            started = time.perf_counter()
            for _ in range(number):
                run()
            elapsed = time.perf_counter() - started
            if elapsed >= 0.02 or number >= 4096:
                break
            number *= 2
        times = [elapsed / number]
        for _ in range(repeat - 1):
            started = time.perf_counter()
            for _ in range(number):
                run()
            times.append((time.perf_counter() - started) / number)
        return min(times)

    kstore = KnowledgeStore(store)
    disk, nxgraph = kstore.rdf, kstore.graph
    copy = memory_copy(disk, load_settings({})["query_memory"])
    oxstore = disk if copy is None else copy
    index = name_index(nxgraph)
    graph = rdflib.Graph().parse(data=canonical_ntriples(disk), format="nt")
    print(
        f"\nnamed queries in process, same {len(graph)} triples, ms per query "
        f"(best of {max(repeat, 1)} batches); pyoxigraph as the query processes run it "
        f"({'on disk' if copy is None else 'in memory'}) and on disk"
    )
    header = (
        f"{'query':<32}{'pyoxigraph':>11}{'ox disk':>9}{'networkx':>10}{'rdflib':>9}"
        f"{'rdflib/ox':>11}{'/ox disk':>10}{'rdflib/nx':>11}{'rows':>6}"
    )
    print(header)
    print("-" * len(header))
    ox_ratios: dict[str, float] = {}
    disk_ratios: dict[str, float] = {}
    nx_ratios: dict[str, float] = {}
    differing = []
    for query in named.registry().values():
        bound = named.bind(query, query.example, index=index)
        bindings = [
            {rdflib.Variable(v.value): rdflib_term(t) for v, t in subs.items()}
            for subs in bound.substitutions
        ]

        def run_ox(query=query, bound=bound, on=oxstore) -> None:
            for subs in bound.substitutions:
                list(on.query(query.sparql, substitutions=subs))

        def run_rdflib(query=query, bindings=bindings) -> None:
            for initial in bindings:
                list(graph.query(query.sparql, initBindings=initial))

        ox_time = best(run_ox)
        disk_time = best(lambda run_ox=run_ox: run_ox(on=disk))
        nx_time = best(lambda bound=bound: named.run_graph(bound, nxgraph))
        rd_time = best(run_rdflib)
        ox_ratios[query.name] = rd_time / ox_time
        disk_ratios[query.name] = rd_time / disk_time
        nx_ratios[query.name] = rd_time / nx_time

        rows = [tuple(row.values()) for row in named.run_sparql(bound, oxstore)]
        rd_rows = set()
        for initial in bindings:
            for result in graph.query(query.sparql, initBindings=initial):
                values = result.asdict()
                rd_rows.add(
                    tuple(
                        named.normalise_list(cell(values.get(c)))
                        if c in query.list_columns
                        else cell(values.get(c))
                        for c in query.columns
                    )
                )
        if sorted(rd_rows) != rows:
            differing.append(query.name)
        print(
            f"{query.name:<32}{ox_time * 1000:>11.3f}{disk_time * 1000:>9.3f}"
            f"{nx_time * 1000:>10.3f}{rd_time * 1000:>9.1f}{ox_ratios[query.name]:>10.0f}x"
            f"{disk_ratios[query.name]:>9.0f}x{nx_ratios[query.name]:>10.0f}x{len(rows):>6}"
        )
    print("-" * len(header))
    for label, summary in (("geometric mean", statistics.geometric_mean), ("minimum", min)):
        print(
            f"{label:<71}{summary(ox_ratios.values()):>10.0f}x"
            f"{summary(disk_ratios.values()):>9.0f}x{summary(nx_ratios.values()):>10.0f}x"
        )
    mean, low = statistics.geometric_mean(ox_ratios.values()), min(ox_ratios.values())
    below = [name for name, ratio in ox_ratios.items() if ratio < target]
    verdict = (
        f"target rdflib/pyoxigraph >= {target:.0f}x: geometric mean {mean:.0f}x "
        f"({'met' if mean >= target else 'not met'}), minimum {low:.0f}x "
        f"({'met' if low >= target else 'not met'})"
    )
    if below:
        verdict += f"; below {target:.0f}x: {', '.join(below)}"
    print(textwrap.fill(verdict, width=100, subsequent_indent="  "))
    if differing:
        print(
            textwrap.fill(
                f"rdflib rows differ from pyoxigraph's for: {', '.join(differing)}",
                width=100,
                subsequent_indent="  ",
            )
        )
    return list(ox_ratios.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=3.0, help="per server, shape and concurrency"
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per cell")
    parser.add_argument("--repeat", type=int, default=3, help="in-process runs per query")
    parser.add_argument("--store", type=Path, help="an existing store (default: build one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or build_store(Path(tmp))
        print(f"store: {store}\n")
        http_part(store, args.seconds, args.rounds)
        in_process_part(store, args.repeat)


if __name__ == "__main__":
    main()
