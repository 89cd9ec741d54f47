"""Benchmark: the /sparql endpoint against `oxigraph serve-read-only`, and named queries
in process against rdflib, on the same data, in one run.

1. Builds the curated store (or uses --store), starts `metakg serve` (Granian, 4 workers) and
   `oxigraph serve-read-only` (PyPI package `oxigraph`) on 127.0.0.1 over the same RocksDB
   store (both read-only), and drives both with the same client: N threads, each with its
   own keep-alive connection, sending one query shape for a fixed time. Prints throughput
   and p50/p95 latency per shape at 1 and 4 concurrent clients, and metakg/oxigraph ratios
   (target: metakg >= 0.5x).
2. Runs every named query's SPARQL (with its example parameters bound) in process with
   pyoxigraph and with rdflib on the same triples; prints the time per query and the ratio
   (target: pyoxigraph >= 50x rdflib).

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


def drive(port: int, query: str, clients: int, seconds: float) -> dict[str, float]:
    """``clients`` threads send ``query`` for ``seconds``; returns throughput and latencies."""
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
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
        "errors": errors[0],
    }


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
        "METAKG_WORKERS": "4",
        "METAKG_THREADS": "1",
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


def start_oxigraph(store: Path, port: int) -> subprocess.Popen:
    beside = Path(sys.executable).parent / "oxigraph"
    exe = str(beside) if beside.exists() else shutil.which("oxigraph")
    if exe is None:
        raise SystemExit("the oxigraph CLI is not installed (pip install oxigraph)")
    process = subprocess.Popen(
        [exe, "serve-read-only", "--location", str(store / "oxigraph"),
         "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_up(port, "/query?query=ASK%7B%7D", process)
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def http_part(store: Path, seconds: float) -> list[float]:
    ours_port, ox_port = free_port(), free_port()
    ours = start_metakg(store, ours_port)
    oxi = start_oxigraph(store, ox_port)
    ratios = []
    try:
        header = (
            f"{'shape':<14}{'clients':>8}{'metakg req/s':>14}{'p50 ms':>8}{'p95 ms':>8}"
            f"{'oxigraph req/s':>16}{'p50 ms':>8}{'p95 ms':>8}{'ratio':>8}"
        )
        print(header)
        print("-" * len(header))
        for name, query in SHAPES.items():
            for clients in (1, 4):
                drive(ours_port, query, clients, 0.3)  # warm up
                drive(-ox_port, query, clients, 0.3)
                a = drive(ours_port, query, clients, seconds)
                b = drive(-ox_port, query, clients, seconds)
                ratio = a["rps"] / b["rps"]
                ratios.append(ratio)
                errors = "" if not (a["errors"] or b["errors"]) else (
                    f"  errors {a['errors']}/{b['errors']}"
                )
                print(
                    f"{name:<14}{clients:>8}{a['rps']:>14.0f}{a['p50']:>8.2f}{a['p95']:>8.2f}"
                    f"{b['rps']:>16.0f}{b['p50']:>8.2f}{b['p95']:>8.2f}{ratio:>7.2f}x{errors}"
                )
    finally:
        stop(ours)
        stop(oxi)
    print(
        f"\nHTTP throughput metakg/oxigraph: geometric mean {statistics.geometric_mean(ratios):.2f}x,"
        f" min {min(ratios):.2f}x (target >= 0.5x)"
    )
    return ratios


def in_process_part(store: Path, repeat: int) -> list[float] | None:
    try:
        from queries import named
    except ImportError:
        print("\n(named queries not available: queries/named.py missing)")
        return None
    import pyoxigraph as ox
    import rdflib

    from graph.rdf import canonical_ntriples
    from graph.store import KnowledgeStore
    from queries.lookup import name_index

    kstore = KnowledgeStore(store)
    index = name_index(kstore.graph)
    oxstore = kstore.rdf
    graph = rdflib.Graph().parse(data=canonical_ntriples(oxstore), format="nt")
    print(f"\nnamed queries in process, same {len(graph)} triples, best of {repeat}")
    header = f"{'query':<36}{'pyoxigraph ms':>15}{'rdflib ms':>12}{'ratio':>9}"
    print(header)
    print("-" * len(header))
    ratios = []
    for query in named.registry().values():
        bound = named.bind(query, query.example, index=index)
        ox_best = rd_best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            for subs in bound.substitutions:
                list(oxstore.query(query.sparql, substitutions=subs))
            ox_best = min(ox_best, time.perf_counter() - t0)
            t0 = time.perf_counter()
            for subs in bound.substitutions:
                bindings = {
                    rdflib.Variable(v.value): _to_rdflib(t) for v, t in subs.items()
                }
                list(graph.query(query.sparql, initBindings=bindings))
            rd_best = min(rd_best, time.perf_counter() - t0)
        ratio = rd_best / ox_best
        ratios.append(ratio)
        print(f"{query.name:<36}{ox_best * 1000:>15.2f}{rd_best * 1000:>12.1f}{ratio:>8.0f}x")
    print(
        f"\nin-process pyoxigraph/rdflib speed-up: geometric mean "
        f"{statistics.geometric_mean(ratios):.0f}x, min {min(ratios):.0f}x (target >= 50x)"
    )
    _ = ox
    return ratios


def _to_rdflib(term):  # type: ignore[no-untyped-def]
    import pyoxigraph as ox
    import rdflib

    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value if term.datatype else None
        return rdflib.Literal(term.value, lang=term.language, datatype=None if term.language else datatype)
    return rdflib.BNode(term.value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per shape and concurrency")
    parser.add_argument("--repeat", type=int, default=3, help="in-process runs per query")
    parser.add_argument("--store", type=Path, help="an existing store (default: build one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or build_store(Path(tmp))
        print(f"store: {store}\n")
        http_part(store, args.seconds)
        in_process_part(store, args.repeat)


if __name__ == "__main__":
    main()
