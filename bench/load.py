"""Benchmark: bounded mixed load on a real `metakg serve`, with and without runaway queries.

Starts the server `metakg serve` runs (Granian; the default workers and threads unless
--workers/--threads say otherwise) on 127.0.0.1 on a built store (built in a temporary
directory unless --store is given), then runs two phases of --seconds each with --clients
client threads sending, in turn, the cheap requests of everyday use:

* REST lookups (``/api/v1/genes/PTGS2``, ``/api/v1/organs``, ``/api/v1/search?q=cox``),
* a named query (``/api/v1/queries/genes_for_cancer_organ``),
* a small SPARQL query (``/sparql``, ``LIMIT 10``),
* a simulation (``POST /api/v1/simulate``).

``baseline``: only that mix. ``with runaways``: the same mix while --runaways more threads
keep one runaway query each in flight at all times (a three-way cross join that runs until the
server's query deadline, --deadline seconds). The comparison shows what runaway queries cost
the cheap requests.

Printed per phase: requests and throughput, p50/p95/p99/max latency of the cheap requests
(overall and by kind), their error rate (target < 0.1 %; any status but 200 or a failed
connection counts), what the runaway queries got (504 at the deadline, or 503 refused by
admission: expected, counted apart), and the resident memory of the server's whole process
tree (server workers and query processes) at the start and end of the phase (target: flat).

Usage: python bench/load.py [--seconds 60] [--clients 8] [--runaways 1] [--store DIR]
CI runs the short profile ``--seconds 10``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The repository first: bench/ingest.py must not shadow the `ingest` package.
sys.path[:0] = [str(ROOT)]

import psutil  # noqa: E402

SMALL_SPARQL = (
    "SELECT ?gene ?label WHERE { ?gene a <https://w3id.org/biolink/vocab/Gene> ; "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label LIMIT 10"
)
RUNAWAY_SPARQL = "SELECT (COUNT(*) AS ?c) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SIMULATION = {"cancer": "breast cancer", "genes": ["EREG", "PTGS2"]}

#: (kind, method, path, body): the cheap mix, visited in turn by every client.
CHEAP: list[tuple[str, str, str, bytes | None]] = [
    ("lookup", "GET", "/api/v1/genes/PTGS2", None),
    ("named", "GET", "/api/v1/queries/genes_for_cancer_organ?"
     + urllib.parse.urlencode({"cancer": "breast cancer", "organ": "bone"}), None),
    ("lookup", "GET", "/api/v1/organs", None),
    ("sparql", "GET", "/sparql?" + urllib.parse.urlencode({"query": SMALL_SPARQL}), None),
    ("lookup", "GET", "/api/v1/search?q=cox", None),
    ("simulate", "POST", "/api/v1/simulate", json.dumps(SIMULATION).encode()),
]
RUNAWAY = "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY_SPARQL})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_store(directory: Path) -> Path:
    store = directory / "store"
    env = {**os.environ, "METAKG_STORE": str(store)}
    subprocess.run([sys.executable, "-m", "server.cli", "build"], env=env, cwd=ROOT,
                   check=True, capture_output=True)
    return store


#: What `metakg serve` runs once the store exists (server/cli/commands.py), without the CLI.
SERVE = (
    "from server.http.wsgi import serve; from server.settings import load_settings; "
    "serve(load_settings())"
)


class Server:
    """`metakg serve` in its own session (so that it and its children are stopped together)."""

    def __init__(self, store: Path, *, deadline: float, workers: int | None,
                 threads: int | None) -> None:
        self.port = free_port()
        env = {**os.environ, "METAKG_STORE": str(store), "METAKG_PORT": str(self.port),
               "METAKG_RATE_LIMIT": "off", "METAKG_QUERY_TIMEOUT": str(deadline)}
        if workers:
            env["METAKG_WORKERS"] = str(workers)
        if threads:
            env["METAKG_THREADS"] = str(threads)
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVE], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        until = time.monotonic() + 120
        while time.monotonic() < until:
            if self.process.poll() is not None:
                raise SystemExit("metakg serve exited during start-up")
            try:
                status, _ = request("GET", "/api/v1/organs", None, self.port)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit("metakg serve did not start in 120 s")

    def rss(self) -> int:
        """Resident memory of the server and all its descendants, in bytes."""
        try:
            root = psutil.Process(self.process.pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0
        total = 0
        for process in processes:
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def request(method: str, path: str, body: bytes | None, port: int,
            conn: http.client.HTTPConnection | None = None,
            timeout: float = 60) -> tuple[int, http.client.HTTPConnection]:
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Accept": "application/json, application/sparql-results+json;q=0.9"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    if response.getheader("Connection", "").lower() == "close":
        conn.close()
    return response.status, conn


def phase(server: Server, *, seconds: float, clients: int, runaways: int) -> dict[str, Any]:
    stop = time.monotonic() + seconds
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: Counter[str] = Counter()
    runaway_outcomes: Counter[str] = Counter()
    runaway_times: list[float] = []
    lock = threading.Lock()

    def client(offset: int) -> None:
        conn = None
        mine: dict[str, list[float]] = defaultdict(list)
        seen: Counter[str] = Counter()
        i = offset
        while time.monotonic() < stop:
            kind, method, path, body = CHEAP[i % len(CHEAP)]
            i += 1
            started = time.perf_counter()
            try:
                status, conn = request(method, path, body, server.port, conn)
            except (OSError, http.client.HTTPException):
                status, conn = 0, None
            mine[kind].append(time.perf_counter() - started)
            seen["ok" if status == 200 else f"{kind} {status}"] += 1
        with lock:
            for kind, values in mine.items():
                latencies[kind].extend(values)
            statuses.update(seen)

    def runaway() -> None:
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                status, conn = request("GET", RUNAWAY, None, server.port)
                conn.close()
            except (OSError, http.client.HTTPException):
                status = 0
            with lock:
                runaway_outcomes[str(status)] += 1
                runaway_times.append(time.perf_counter() - started)
            if status != 504:
                time.sleep(0.2)  # refused at once (503): try again shortly

    rss_start = server.rss()
    cheap = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    slow = [threading.Thread(target=runaway) for _ in range(runaways)]
    began = time.perf_counter()
    for thread in cheap + slow:
        thread.start()
    for thread in cheap:
        thread.join()
    elapsed = time.perf_counter() - began  # the cheap clients' time
    for thread in slow:
        thread.join()
    return {
        "elapsed": elapsed,
        "latencies": dict(latencies),
        "statuses": statuses,
        "runaways": runaway_outcomes,
        "runaway_times": runaway_times,
        "rss": (rss_start, server.rss()),
    }


def quantiles(values: list[float]) -> tuple[float, float, float, float]:
    if len(values) < 2:
        value = values[0] if values else float("nan")
        return value, value, value, value
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98], max(values)


def report(name: str, result: dict[str, Any]) -> None:
    every = [v for values in result["latencies"].values() for v in values]
    total = len(every)
    errors = sum(n for key, n in result["statuses"].items() if key != "ok")
    p50, p95, p99, most = quantiles(every)
    print(f"\n== {name}")
    print(f"cheap requests: {total} in {result['elapsed']:.1f} s = "
          f"{total / result['elapsed']:.1f} req/s")
    print(f"cheap latency ms: p50 {p50 * 1e3:.1f}  p95 {p95 * 1e3:.1f}  p99 {p99 * 1e3:.1f}  "
          f"max {most * 1e3:.1f}")
    for kind in sorted(result["latencies"]):
        k50, k95, k99, kmax = quantiles(result["latencies"][kind])
        print(f"  {kind:9s} n={len(result['latencies'][kind]):6d}  p50 {k50 * 1e3:7.1f}  "
              f"p95 {k95 * 1e3:7.1f}  p99 {k99 * 1e3:7.1f}  max {kmax * 1e3:7.1f}")
    slow = sum(1 for v in every if v > 1.0)
    print(f"cheap requests over 1 s: {slow}")
    rate = 100 * errors / total if total else 0.0
    print(f"cheap errors: {errors} ({rate:.3f} %; target < 0.1 %)"
          + ("" if not errors else "  " + ", ".join(
              f"{key}: {n}" for key, n in sorted(result["statuses"].items()) if key != "ok")))
    if result["runaways"]:
        outcomes = ", ".join(f"{status}: {n}" for status, n in sorted(result["runaways"].items()))
        print(f"runaway queries (expected 504 at the deadline or 503 refused): {outcomes}; "
              f"longest {max(result['runaway_times']):.1f} s")
    start, end = result["rss"]
    print(f"server RSS (all processes): start {start / 2**20:.0f} MiB, end {end / 2**20:.0f} MiB "
          f"({(end - start) / 2**20:+.0f} MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each phase")
    parser.add_argument("--clients", type=int, default=8, help="client threads (cheap mix)")
    parser.add_argument("--runaways", type=int, default=1,
                        help="runaway queries kept in flight in the second phase")
    parser.add_argument("--deadline", type=float, default=5.0,
                        help="the server's query deadline (METAKG_QUERY_TIMEOUT), seconds")
    parser.add_argument("--workers", type=int, help="server workers (default: metakg's)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: metakg's)")
    parser.add_argument("--store", type=Path, help="a built store (default: build one)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="metakg-load-") as tmp:
        store = args.store
        if store is None:
            print("building the curated store ...", flush=True)
            store = build_store(Path(tmp))
        server = Server(store, deadline=args.deadline, workers=args.workers,
                        threads=args.threads)
        try:
            # Warm up: every kind once, so that start-up costs are not measured.
            for _, method, path, body in CHEAP:
                status, conn = request(method, path, body, server.port)
                conn.close()
                if status != 200:
                    raise SystemExit(f"warm-up request {method} {path} answered {status}")
            print(f"metakg serve on port {server.port}; {args.clients} clients, "
                  f"{args.seconds:g} s per phase, deadline {args.deadline:g} s", flush=True)
            baseline = phase(server, seconds=args.seconds, clients=args.clients, runaways=0)
            report("baseline: cheap mix only", baseline)
            loaded = phase(server, seconds=args.seconds, clients=args.clients,
                           runaways=args.runaways)
            report(f"with {args.runaways} runaway quer{'y' if args.runaways == 1 else 'ies'} "
                   "in flight", loaded)
            b = quantiles([v for vs in baseline["latencies"].values() for v in vs])
            r = quantiles([v for vs in loaded["latencies"].values() for v in vs])
            print(f"\nrunaways cost the cheap requests: p50 x{r[0] / b[0]:.2f}, "
                  f"p95 x{r[1] / b[1]:.2f}, p99 x{r[2] / b[2]:.2f} (vs baseline)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
