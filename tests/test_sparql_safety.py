"""Safety of the SPARQL endpoint, over real HTTP against real `metakg serve` processes.

- SSRF: a loopback canary server must receive nothing for any refused row of the guard table
  (tests/test_guard_table.py: every spelling of SERVICE, LOAD and the other updates, remote
  FROM / FROM NAMED), by GET, form POST and direct POST, nor for a protocol dataset naming
  it. Controls show the canary counts, and that pyoxigraph alone would act on each row (call
  the canary, change the store, or run the query), so a zero count is the guard's doing.
- Deadline: a runaway query is answered 504 within the deadline plus a second (2 s, and 1 s
  for three shapes of runaway), the process that ran it really stops, and the next query
  works.
- Row cap, request size and URL length: explicit 422, 413 and 414 errors, never a cut-off 200.
- CORS only on the query routes and only for GET/POST; the endpoint is read-only.
- Bad input never gets a 5xx: a table of malformed requests, each with its 4xx problem+json.

Servers (real `metakg serve` processes; queries always run in query processes, see
server/sparql/runner.py): ``limited`` has one server worker with 4 threads and small limits
(deadline 2 s, row cap 100, body 10,000 bytes, URL 2,000 characters); ``single`` has two
server workers of one thread each and the default size limits. Tests that may end
processes (runaway queries, queries that crash the engine) get a fresh server of each shape,
so that a failure cannot spill into other tests.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from graph.store import KnowledgeStore
from tests.conftest import LiveServer
from tests.test_guard_table import LOCAL, ROWS, Row

#: Every test here starts real servers or a canary server (deselect with -m 'not slow').
pytestmark = pytest.mark.slow

PROBLEM = "application/problem+json"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
JSON = "application/json"
DEADLINE = 2.0
ROW_CAP = 100
MAX_BODY = 10_000
MAX_URL = 2_000
BIOLINK = "PREFIX biolink: <https://w3id.org/biolink/vocab/>\n"
RUNAWAY = "SELECT (COUNT(*) AS ?c) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
GENE_COUNT = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { ?g a biolink:Gene }"
SERVERS = ["limited", "single"]


# --- servers and requests ---------------------------------------------------------------


def serving(server: LiveServer) -> Iterator[LiveServer]:
    """A fixture's body: the server, warmed up, and stopped whatever the test did."""
    try:
        warm_up(server)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def limited(store_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(
        store_path,
        query_timeout=str(DEADLINE),
        row_cap=str(ROW_CAP),
        max_body=str(MAX_BODY),
        max_url=str(MAX_URL),
        workers="1",
        threads="4",
        query_processes="2",
    )
    yield from serving(server)


@pytest.fixture(scope="module")
def single(store_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(store_path, query_timeout=str(DEADLINE), workers="2", threads="1")
    yield from serving(server)


@pytest.fixture(params=SERVERS)
def server(request: pytest.FixtureRequest) -> LiveServer:
    return request.getfixturevalue(request.param)


#: (server workers, threads per worker): one worker with several threads, and two workers
#: of one thread each.
ISOLATION = {"threads": ("1", "4"), "single-thread": ("2", "1")}


@pytest.fixture(params=list(ISOLATION))
def fresh(request: pytest.FixtureRequest, store_path: Path) -> Iterator[LiveServer]:
    """A server of its own with a 2 s deadline and the default size limits."""
    workers, threads = ISOLATION[request.param]
    server = LiveServer(
        store_path,
        query_timeout=str(DEADLINE),
        workers=workers,
        threads=threads,
        query_processes="2",
    )
    yield from serving(server)


@pytest.fixture(scope="module")
def genes(store: KnowledgeStore) -> int:
    """The number of genes, counted in the networkx projection (not through the endpoint)."""
    count = sum(1 for _, data in store.graph.nodes(data=True) if data["category"] == "gene")
    assert count > 10
    return count


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes
    elapsed: float

    @property
    def media_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip()

    def json(self) -> Any:
        return json.loads(self.body)


def send(
    server: LiveServer,
    method: str,
    target: str,
    body: bytes | str | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    timeout: float = 30,
) -> Reply:
    """One request with exactly these headers and bytes (http.client adds only Host,
    Accept-Encoding and, for a body, Content-Length)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    started = time.monotonic()
    try:
        connection.request(method, target, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    return Reply(response.status, response.headers, data, time.monotonic() - started)


def send_chunked(server: LiveServer, target: str, chunks: list[bytes], media_type: str) -> Reply:
    """A POST whose body is sent with Transfer-Encoding: chunked (no Content-Length)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    started = time.monotonic()
    try:
        connection.request(
            "POST",
            target,
            body=iter(chunks),
            headers={"Content-Type": media_type, "Transfer-Encoding": "chunked"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    return Reply(response.status, response.headers, data, time.monotonic() - started)


def get(server: LiveServer, query: str, **headers: str) -> Reply:
    return send(server, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}), None, headers)


def post_form(server: LiveServer, query: str, **headers: str) -> Reply:
    body = urllib.parse.urlencode({"query": query})
    return send(server, "POST", "/sparql", body, {"Content-Type": FORM, **headers})


def post_direct(server: LiveServer, query: str, **headers: str) -> Reply:
    return send(
        server, "POST", "/sparql", query.encode("utf-8"), {"Content-Type": DIRECT, **headers}
    )


def post(server: LiveServer, body: str, media_type: str) -> Reply:
    return send(server, "POST", "/sparql", body.encode("utf-8"), {"Content-Type": media_type})


TRANSPORTS: dict[str, Callable[..., Reply]] = {
    "GET": get,
    "POST form": post_form,
    "POST direct": post_direct,
}


def warm_up(server: LiveServer) -> None:
    """Answer a few queries so that every query worker has started and opened the store."""
    for _ in range(4):
        reply = get(server, "ASK { ?s ?p ?o }")
        assert reply.status == 200, reply.body


def assert_problem(reply: Reply, status: int) -> dict[str, Any]:
    assert reply.status == status, (reply.status, reply.body[:300])
    assert reply.media_type == PROBLEM, reply.headers.get("Content-Type")
    body = reply.json()
    assert body["status"] == status
    assert body["type"] and body["title"] and body["detail"], body
    return body


def solutions(reply: Reply) -> list[dict[str, Any]]:
    assert reply.status == 200, reply.body[:300]
    assert reply.media_type == "application/sparql-results+json"
    return reply.json()["results"]["bindings"]


def count_genes(reply: Reply) -> int:
    (row,) = solutions(reply)
    return int(row["n"]["value"])


# --- SSRF: SERVICE, FROM and LOAD never reach another server ----------------------------


class Canary:
    """A loopback HTTP server that counts every connection and request it receives."""

    def __init__(self) -> None:
        self.connections: list[str] = []
        self.requests: list[str] = []
        connections, requests = self.connections, self.requests

        class Handler(BaseHTTPRequestHandler):
            def setup(self) -> None:
                connections.append(str(self.client_address))
                super().setup()

            def _answer(self) -> None:
                requests.append(f"{self.command} {self.path} {self.headers.get('User-Agent')}")
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                body = b'{"head": {"vars": []}, "results": {"bindings": []}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_HEAD = _answer

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"

    @property
    def hits(self) -> int:
        return len(self.connections) + len(self.requests)

    def reset(self) -> None:
        self.connections.clear()
        self.requests.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def canary() -> Iterator[Canary]:
    canary = Canary()
    try:
        yield canary
    finally:
        canary.close()


def test_canary_counts_a_direct_request(canary: Canary) -> None:
    """Control: the canary sees a request sent straight to it (no proxy in between)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(canary.url, timeout=5) as response:
        assert response.status == 200
    assert len(canary.requests) == 1
    assert len(canary.connections) == 1


def test_pyoxigraph_itself_would_call_the_canary(canary: Canary) -> None:
    """Control: the engine we run does send SERVICE out (so a zero count below means our
    guard stopped it, not that the canary cannot be reached)."""
    ox.Store().query(f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}")
    assert canary.requests, "pyoxigraph did not contact the canary"


#: The guard table's refused rows: every spelling of SERVICE, LOAD, updates and remote FROM.
REFUSED = [row for row in ROWS if row.refused_for is not None]
ENDPOINT_BASE = "http://127.0.0.1:8000/sparql"


def engine_store() -> ox.Store:
    """A small store with a triple in the default graph, the table's local graph and urn:g."""
    store = ox.Store()
    kind = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for graph in (ox.DefaultGraph(), ox.NamedNode(LOCAL)):
        store.add(ox.Quad(ox.NamedNode("urn:a"), kind, ox.NamedNode("urn:T"), graph))
    store.add(ox.Quad(ox.NamedNode("urn:b"), kind, ox.NamedNode("urn:U"), ox.NamedNode("urn:g")))
    return store


@pytest.mark.parametrize("row", REFUSED, ids=[row.name for row in REFUSED])
def test_the_engine_alone_would_act_on_each_refused_spelling(canary: Canary, row: Row) -> None:
    """Without the guard, pyoxigraph would act on each refused row as the table says: call
    the canary (SERVICE, LOAD), change the store (other updates), or run the query (remote
    FROM: today pyoxigraph fetches nothing for it, the guard refuses it by rule)."""
    store = engine_store()
    before = (set(store), set(store.named_graphs()))
    text = row.query(remote=canary.url)
    if row.engine == "update":
        try:
            store.update(text, base_iri=ENDPOINT_BASE)
        except (OSError, RuntimeError):
            pass  # the canary's answer is not RDF: LOAD fails after fetching it
        after = (set(store), set(store.named_graphs()))
        assert canary.hits or after != before, "the update did nothing"
    elif row.engine == "error":
        with pytest.raises(SyntaxError):
            store.query(text, base_iri=ENDPOINT_BASE)
    else:
        result = store.query(text, base_iri=ENDPOINT_BASE)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
        if row.engine == "service":
            assert wait_for(lambda: canary.hits > 0, 2), "pyoxigraph did not call the canary"
        else:
            time.sleep(0.2)
            assert canary.hits == 0  # FROM: pyoxigraph runs it on the local store only


def test_no_refused_spelling_reaches_the_canary(server: LiveServer, canary: Canary) -> None:
    """Every refused row of the guard table, by GET, form POST and direct POST, to a real
    server: all answered 400 problem+json naming the reason (414 when a GET's URL is over
    the limit), and not one connection reaches the canary."""
    sent: list[tuple[str, Reply, set[int], str]] = []
    for row in REFUSED:
        text = row.query(remote=canary.url)
        for transport, request in TRANSPORTS.items():
            statuses = {400}
            if transport == "GET" and len(q(text)) + 30 > MAX_URL:
                statuses = {400, 414}
            sent.append(
                (f"{row.name} by {transport}", request(server, text), statuses, row.refused_for)
            )
    time.sleep(1.0)  # anything the server set off would have arrived by now
    assert canary.hits == 0, (canary.connections, canary.requests)
    wrong = [
        (name, reply.status, reply.body[:200])
        for name, reply, statuses, _ in sent
        if reply.status not in statuses or reply.media_type != PROBLEM
    ]
    assert not wrong, wrong
    for name, reply, _, word in sent:
        body = assert_problem(reply, reply.status)
        if reply.status == 400:
            assert word.casefold() in body["detail"].casefold(), (name, body["detail"])
    assert len(sent) == 3 * len(REFUSED) >= 120


def test_updates_by_the_update_routes_never_reach_the_canary(
    server: LiveServer, canary: Canary
) -> None:
    sent: list[tuple[str, Reply]] = []
    for row in [row for row in REFUSED if row.engine == "update"]:
        body = row.query(remote=canary.url)
        form = urllib.parse.urlencode({"update": body})
        sent.append((f"{row.name} by form update=", post(server, form, FORM)))
        sent.append((f"{row.name} by sparql-update", post(server, body, UPDATE)))
        sent.append((f"{row.name} by GET update=", send(server, "GET", "/sparql?" + form)))
    time.sleep(1.0)
    assert canary.hits == 0, (canary.connections, canary.requests)
    for name, reply in sent:
        assert reply.status == 403, (name, reply.status)
        assert_problem(reply, 403)


PROTOCOL_DATASET = ("default-graph-uri", "named-graph-uri")


def test_protocol_dataset_naming_the_canary_fetches_nothing(
    server: LiveServer, canary: Canary
) -> None:
    """default-graph-uri and named-graph-uri (the protocol's way to name a dataset) are graph
    names for the local store: a remote one is never fetched (it is simply empty)."""
    default = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    named = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    dataset = {name: urllib.parse.urlencode({name: canary.url}) for name in PROTOCOL_DATASET}
    replies = [
        send(server, "GET", q(default) + "&" + dataset["default-graph-uri"]),
        send(server, "GET", q(named) + "&" + dataset["named-graph-uri"]),
        send(
            server,
            "POST",
            "/sparql?" + dataset["default-graph-uri"],
            default.encode(),
            {"Content-Type": DIRECT},
        ),
        post(
            server,
            urllib.parse.urlencode({"query": named}) + "&" + dataset["named-graph-uri"],
            FORM,
        ),
    ]
    time.sleep(1.0)
    assert canary.hits == 0, (canary.connections, canary.requests)
    for reply in replies:
        assert reply.status < 500, reply.body[:200]
        if reply.status == 200:
            (row,) = solutions(reply)
            assert row["n"]["value"] == "0"  # nothing was loaded from the canary
        else:
            assert_problem(reply, reply.status)


def names_table_graph(row: Row) -> bool:
    """Whether the row reads the guard table's local graph (which the served store lacks)."""
    return "{local}" in row.text or "w3id.org/metakg/graph/" in row.text


def test_legitimate_words_pass_the_guard_on_a_real_server(server: LiveServer) -> None:
    """The words "service", "from" and "load" as data (a string, a comment, an IRI, a
    variable, a prefixed name) are answered 200 by a real server."""
    for row in ROWS:
        if row.refused_for is None and row.engine == "runs" and not names_table_graph(row):
            reply = post_direct(server, row.query())
            assert reply.status == 200, (row.name, reply.status, reply.body[:300])


def test_local_graphs_in_every_spelling_are_answered(
    server: LiveServer, store: KnowledgeStore
) -> None:
    """FROM and FROM NAMED naming the served store's own graphs (read from the store, not
    from the server) are answered 200 however the IRI is spelled."""
    graphs = sorted(g.value for g in store.rdf.named_graphs())
    assert graphs
    for graph in graphs:
        head, _, tail = graph.rpartition("/")
        spellings = [
            f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}",
            f"SELECT (COUNT(*) AS ?n) FROM<{graph}>{{ ?s ?p ?o }}",
            f"SELECT (COUNT(*) AS ?n) from # the graph\n<{graph}> WHERE {{ ?s ?p ?o }}",
            f"PREFIX g: <{head}/> SELECT (COUNT(*) AS ?n) FROM g:{tail} WHERE {{ ?s ?p ?o }}",
            f"BASE <{head}/> SELECT (COUNT(*) AS ?n) FROM <{tail}> WHERE {{ ?s ?p ?o }}",
            f"SELECT (COUNT(*) AS ?n) FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        ]
        counts = set()
        for text in spellings:
            (row,) = solutions(post_direct(server, text))
            counts.add(int(row["n"]["value"]))
        expected = sum(
            1 for _ in store.rdf.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        )
        assert counts == {expected}, (graph, counts, expected)


# --- deadline ---------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def session_processes(session: int) -> dict[int, tuple[str, float]]:
    """pid -> (state, CPU seconds used) of every process in ``session`` (LiveServer starts
    the server in a session of its own, so this is the server's whole process tree)."""
    found: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == session:
            found[int(entry.name)] = (fields[0], (int(fields[11]) + int(fields[12])) / TICK)
    return found


def cpu_seconds(session: int) -> float:
    return sum(cpu for _, cpu in session_processes(session).values())


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    """Whether ``condition`` comes true within ``seconds`` (an exception counts as false)."""
    end = time.monotonic() + seconds
    while True:
        try:
            if condition():
                return True
        except (OSError, http.client.HTTPException):
            pass
        if time.monotonic() > end:
            return False
        time.sleep(0.1)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_runaway_query_is_stopped_at_the_deadline(fresh: LiveServer, genes: int) -> None:
    server = fresh
    session = server.process.pid
    warm_up(server)
    before = session_processes(session)
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["reply"] = post_direct(server, RUNAWAY)
        except (OSError, http.client.HTTPException) as exc:  # reported below
            outcome["error"] = exc

    runner = threading.Thread(target=run)
    runner.start()
    # Find the process that works on the query: the one whose CPU time grows.
    time.sleep(0.6)
    first = session_processes(session)
    time.sleep(0.8)
    second = session_processes(session)
    growth = {pid: cpu - first[pid][1] for pid, (_, cpu) in second.items() if pid in first}
    busy = max(growth, key=growth.__getitem__)
    assert growth[busy] > 0.1, f"no process worked on the runaway query: {growth}"
    runner.join(timeout=DEADLINE + 10)
    assert "error" not in outcome, f"no answer to the runaway query: {outcome.get('error')!r}"
    reply: Reply = outcome["reply"]
    body = assert_problem(reply, 504)
    assert "deadline" in body["detail"]
    assert reply.elapsed <= DEADLINE + 1.0, f"answered after {reply.elapsed:.2f} s"
    assert reply.elapsed >= DEADLINE - 0.2, "answered before the deadline: was it running?"

    # The next query is answered (the stopped worker was replaced).
    assert count_genes(get(server, BIOLINK + GENE_COUNT)) == genes

    # The process that ran the query has stopped for real ...
    assert wait_for(lambda: not alive(busy), 5), f"process {busy} still runs the query"
    # ... nothing in the server's tree keeps burning CPU ...
    quiet = []
    for _ in range(8):
        start = cpu_seconds(session)
        time.sleep(0.5)
        quiet.append(cpu_seconds(session) - start)
        if quiet[-1] < 0.15:
            break
    assert min(quiet) < 0.15, f"the server kept using CPU: {quiet} s per 0.5 s"
    # ... and the process tree did not grow (no leaked or zombie processes).
    assert wait_for(lambda: len(session_processes(session)) <= len(before), 5), (
        before,
        session_processes(session),
    )


def test_runaway_queries_in_a_row_keep_the_server_up(fresh: LiveServer, genes: int) -> None:
    """Runaway queries one after the other, then two at once: every one is a 504, and the
    server keeps answering without leaving processes behind."""
    session = fresh.process.pid
    before = len(session_processes(session))
    replies: list[Reply | Exception] = []

    def run() -> None:
        try:
            replies.append(post_direct(fresh, RUNAWAY))
        except (OSError, http.client.HTTPException) as exc:
            replies.append(exc)

    for batch in (1, 1, 2):
        threads = [threading.Thread(target=run) for _ in range(batch)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=DEADLINE + 10)
        answered = wait_for(lambda: get(fresh, "ASK { ?s ?p ?o }").status == 200, 10)
        assert answered, f"the server stopped answering after runaway queries: {replies}"
    assert [getattr(r, "status", r) for r in replies] == [504] * 4
    assert count_genes(get(fresh, BIOLINK + GENE_COUNT)) == genes
    assert wait_for(lambda: len(session_processes(session)) <= before, 5)


SHORT_DEADLINE = 1.0
NUMBERS = " ".join(str(i) for i in range(1000))
RUNAWAYS = {
    "three-way join": RUNAWAY,
    "string functions over a join": "SELECT (MAX(STRLEN(CONCAT(STR(?a), STR(?b), STR(?c)))) "
    "AS ?n) WHERE { ?a ?x ?b . ?c ?y ?d }",
    "VALUES cross product (no data read)": "SELECT (COUNT(*) AS ?n) WHERE { "
    + " ".join(f"VALUES ?{v} {{ {NUMBERS} }}" for v in "abc")
    + " }",
}


@pytest.fixture
def short_deadline(store_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(
        store_path,
        query_timeout=str(SHORT_DEADLINE),
        workers="1",
        threads="2",
        query_processes="2",
    )
    yield from serving(server)


def test_runaway_queries_stop_within_a_short_deadline_plus_a_second(
    short_deadline: LiveServer, genes: int
) -> None:
    """With METAKG_QUERY_TIMEOUT=1, runaway queries of different shapes (a join, string
    work, a product of VALUES that reads no data at all) are each answered 504 problem+json
    naming the deadline, in 1 s to 2 s, and the server answers the next query."""
    elapsed = {}
    for name, query in RUNAWAYS.items():
        reply = post_direct(short_deadline, query)
        body = assert_problem(reply, 504)
        assert "deadline" in body["detail"], (name, body["detail"])
        elapsed[name] = round(reply.elapsed, 2)
        assert count_genes(get(short_deadline, BIOLINK + GENE_COUNT)) == genes
    late = {name: t for name, t in elapsed.items() if t > SHORT_DEADLINE + 1.0}
    early = {name: t for name, t in elapsed.items() if t < SHORT_DEADLINE - 0.2}
    assert not late, f"answered after the deadline + 1 s: {late}"
    assert not early, f"answered before the deadline (did it run?): {early}"


# --- row cap ----------------------------------------------------------------------------


def test_row_cap_is_an_explicit_error(limited: LiveServer) -> None:
    for accept in ("application/sparql-results+json", "text/csv"):
        reply = get(limited, "SELECT * WHERE { ?s ?p ?o }", Accept=accept)
        body = assert_problem(reply, 422)
        assert "row cap" in body["detail"]
        assert str(ROW_CAP) in body["detail"]


def test_row_cap_counts_rows_exactly(limited: LiveServer) -> None:
    rows = solutions(get(limited, f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {ROW_CAP}"))
    assert len(rows) == ROW_CAP
    assert_problem(get(limited, f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {ROW_CAP + 1}"), 422)


def test_row_cap_applies_to_construct(limited: LiveServer) -> None:
    body = assert_problem(get(limited, "CONSTRUCT WHERE { ?s ?p ?o }"), 422)
    assert "row cap" in body["detail"]
    reply = get(limited, f"CONSTRUCT WHERE {{ ?s ?p ?o }} LIMIT {ROW_CAP}")
    assert reply.status == 200
    assert reply.media_type == "text/turtle"


# --- request size and URL length --------------------------------------------------------


def padded(query: str, size: int) -> str:
    """``query`` followed by a comment, ``size`` bytes in all."""
    return query + "\n#" + "x" * (size - len(query) - 2)


def test_body_over_the_limit_is_413(limited: LiveServer) -> None:
    query = padded("ASK { ?s ?p ?o }", MAX_BODY + 1)
    assert_problem(post_direct(limited, query), 413)
    assert_problem(post_form(limited, query), 413)
    assert_problem(post_direct(limited, padded("ASK { ?s ?p ?o }", 20 * MAX_BODY)), 413)
    # Control: just under the limit is answered.
    assert post_direct(limited, padded("ASK { ?s ?p ?o }", MAX_BODY - 10)).status == 200


def test_chunked_body_over_the_limit_is_413(limited: LiveServer) -> None:
    """Without a Content-Length the size is only known while reading: the body must still be
    refused, not cut off at the limit and run."""
    head = b"SELECT * WHERE { ?s ?p ?o } LIMIT 1 #"
    reply = send_chunked(limited, "/sparql", [head] + [b"x" * 1000] * 30, DIRECT)
    assert_problem(reply, 413)
    reply = send_chunked(limited, "/sparql", [b"query=ASK%7B%7D%23"] + [b"x" * 1000] * 30, FORM)
    assert_problem(reply, 413)
    # The same holds for the REST API (a check made for every route, before routing).
    reply = send_chunked(limited, api_route(limited), [b"{}"] + [b" " * 1000] * 30, JSON)
    assert_problem(reply, 413)
    # Control: a small chunked body is answered.
    reply = send_chunked(limited, "/sparql", [head, b"x" * 100], DIRECT)
    assert len(solutions(reply)) == 1


def long_gene_query(store: KnowledgeStore) -> tuple[str, int]:
    """A real query longer than MAX_URL even before URL-encoding: the genes named by any of
    the symbols and synonyms of the genes and miRNAs, and how many there should be."""
    names: set[str] = set()
    symbols: set[str] = set()
    for _, data in store.graph.nodes(data=True):
        if data["category"] in ("gene", "microrna"):
            names.add(data["symbol"])
            names.update(data.get("synonyms", []))
            if data["category"] == "gene":
                symbols.add(data["symbol"])
    values = " ".join(json.dumps(name, ensure_ascii=False) for name in sorted(names))
    query = (
        BIOLINK
        + "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {\n"
        + f"  VALUES ?name {{ {values} }}\n"
        + "  ?g a biolink:Gene ; biolink:symbol ?name .\n}"
    )
    assert len(query) > MAX_URL
    return query, len(symbols & names)


def test_long_url_is_414_and_the_same_query_works_by_post(
    limited: LiveServer, store: KnowledgeStore
) -> None:
    query, expected = long_gene_query(store)
    assert len("/sparql?" + urllib.parse.urlencode({"query": query})) > MAX_URL
    body = assert_problem(get(limited, query), 414)
    assert "POST" in body["detail"]
    assert str(MAX_URL) in body["detail"]
    assert count_genes(post_form(limited, query)) == expected
    assert count_genes(post_direct(limited, query)) == expected


def test_url_just_under_the_limit_is_answered(limited: LiveServer, genes: int) -> None:
    query = BIOLINK + GENE_COUNT
    target = "/sparql?" + urllib.parse.urlencode({"query": query})
    base = len(f"http://127.0.0.1:{limited.port}") + len(target) + len("&pad=")
    target += "&pad=" + "x" * (MAX_URL - base - 5)
    assert count_genes(send(limited, "GET", target)) == genes
    assert_problem(send(limited, "GET", target + "x" * 20), 414)


def test_huge_urls_are_refused_not_dropped(limited: LiveServer) -> None:
    assert_problem(send(limited, "GET", "/sparql?query=" + "x" * 60_000), 414)
    # Longer still, the HTTP server refuses the request line itself (Granian answers 414 or
    # 431 with an empty body before the app sees it): still a 4xx, never a hang or a 5xx.
    for size in (200_000, 2_000_000):
        reply = send(limited, "GET", "/sparql?query=" + "x" * size)
        assert 400 <= reply.status < 500, (size, reply.status)


# --- CORS -------------------------------------------------------------------------------

ORIGIN = {"Origin": "https://yasgui.example"}


def api_route(server: LiveServer) -> str:
    """A parameter-free GET route of the REST API, from the server's own OpenAPI document."""
    spec = json.loads(send(server, "GET", "/openapi.json").body)
    routes = [p for p, ops in spec["paths"].items() if "get" in ops and "{" not in p]
    routes = [p for p in routes if p.startswith("/api/v1/") and p != "/api/v1/"]
    assert routes, spec["paths"].keys()
    return sorted(routes)[0]


def test_cors_on_query_routes(limited: LiveServer) -> None:
    api = api_route(limited)
    checks = {
        "GET /sparql": get(limited, "ASK {}", **ORIGIN),
        "POST /sparql": post_direct(limited, "ASK {}", **ORIGIN),
        "POST /sparql (error)": post_direct(limited, "ASK {", **ORIGIN),
        f"GET {api}": send(limited, "GET", api, None, ORIGIN),
        f"POST {api}": send(limited, "POST", api, b"{}", {**ORIGIN, "Content-Type": FORM}),
    }
    wrong = {
        name: reply.headers.get("Access-Control-Allow-Origin")
        for name, reply in checks.items()
        if reply.headers.get("Access-Control-Allow-Origin") != "*"
    }
    assert not wrong, wrong
    assert checks["GET /sparql"].status == 200
    assert checks[f"GET {api}"].status == 200
    assert not checks["GET /sparql"].headers.get("Access-Control-Allow-Credentials")


@pytest.mark.parametrize("path", ["/sparql", "API"])
def test_cors_preflight_allows_get_and_post_only(limited: LiveServer, path: str) -> None:
    path = api_route(limited) if path == "API" else path
    reply = send(
        limited,
        "OPTIONS",
        path,
        None,
        {
            **ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert 200 <= reply.status < 300, reply.status
    assert reply.headers.get("Access-Control-Allow-Origin") == "*"
    methods = {
        m.strip().upper() for m in reply.headers.get("Access-Control-Allow-Methods", "").split(",")
    }
    assert {"GET", "POST"} <= methods
    assert not methods & {"PUT", "DELETE", "PATCH"}, methods
    assert "content-type" in reply.headers.get("Access-Control-Allow-Headers", "").casefold()
    # A preflight for PUT is never granted.
    reply = send(limited, "OPTIONS", path, None, {**ORIGIN, "Access-Control-Request-Method": "PUT"})
    assert "PUT" not in reply.headers.get("Access-Control-Allow-Methods", "").upper()


@pytest.mark.parametrize("path", ["/docs", "/openapi.json", "/"])
def test_no_cors_on_other_routes(limited: LiveServer, path: str) -> None:
    reply = send(limited, "GET", path, None, ORIGIN)
    assert reply.status == 200
    assert reply.headers.get("Access-Control-Allow-Origin") is None


# --- read-only --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_write_methods_are_405_with_allow(limited: LiveServer, method: str) -> None:
    reply = send(limited, method, "/sparql", b"INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert_problem(reply, 405)
    allowed = {m.strip().upper() for m in reply.headers.get("Allow", "").split(",")}
    assert {"GET", "POST"} <= allowed
    assert method not in allowed


def test_updates_are_403(limited: LiveServer) -> None:
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    form = urllib.parse.urlencode({"update": update})
    replies = {
        "sparql-update": post(limited, update, UPDATE),
        "sparql-update (DROP ALL)": post(limited, "DROP ALL", UPDATE),
        "form update=": post(limited, form, FORM),
        "form query= and update=": post(limited, form + "&query=ASK%7B%7D", FORM),
        "GET update=": send(limited, "GET", "/sparql?" + form),
    }
    for name, reply in replies.items():
        body = assert_problem(reply, 403)
        assert "read-only" in body["title"].casefold() or "update" in body["detail"], name
    # Nothing was written.
    assert solutions(get(limited, "SELECT * WHERE { <urn:a> ?p ?o }")) == []


# --- bad input never gets a 5xx ---------------------------------------------------------


def q(text: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": text})


def form(**fields: str) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def nested(depth: int) -> str:
    return "ASK " + "{" * depth + "}" * depth


def bad_get(name: str, target: str, status: int, accept: str | None = None) -> Any:
    headers = {} if accept is None else {"Accept": accept}
    return pytest.param("GET", target, None, headers, status, id=name)


def bad_post(name: str, body: bytes, content_type: str | None, status: int) -> Any:
    headers = {} if content_type is None else {"Content-Type": content_type}
    return pytest.param("POST", "/sparql", body, headers, status, id=name)


ASK = "/sparql?query=ASK%7B%7D"
UTF16 = "; charset=UTF-16"
MULTIPART = b'--b\r\nContent-Disposition: form-data; name="query"\r\n\r\nASK {}\r\n--b--\r\n'
PREFIXES = "".join(f"PREFIX p{i}: <http://e/{i}#>\n" for i in range(300))
CALLS = "ASK { FILTER(" + "STR(" * 1200 + "1" + ")" * 1200 + ") }"
MALFORMED = [
    bad_get("syntax error (GET)", q("SELEC * WHERE { ?s ?p ?o }"), 400),
    bad_post("syntax error (POST)", b"SELECT * WHERE { ?s ?p }", DIRECT, 400),
    bad_get("unterminated string", q('ASK { ?s ?p "open \u2603 }'), 400),
    bad_get("undeclared prefix", q("SELECT * WHERE { ?s nope:p ?o }"), 400),
    bad_get("empty query", "/sparql?query=", 400),
    bad_post("blank query (direct)", b" \n\t ", DIRECT, 400),
    bad_post("empty body (direct)", b"", DIRECT, 400),
    bad_get("two query parameters (GET)", ASK + "&query=ASK%7B%7D", 400),
    bad_post("two query parameters (form)", b"query=ASK%7B%7D&query=ASK%7B%7D", FORM, 400),
    bad_post("form without query", form(q="ASK {}"), FORM, 400),
    bad_post("text/plain body", b"ASK {}", "text/plain", 415),
    bad_post("form body without Content-Type", form(query="ASK {}"), None, 415),
    bad_post("JSON body", b'{"query": "ASK {}"}', JSON, 415),
    bad_post("multipart body", MULTIPART, "multipart/form-data; boundary=b", 415),
    bad_post("garbage Content-Type", b"ASK {}", ";;;/", 415),
    bad_post("UTF-16 direct", "ASK {}".encode("utf-16"), DIRECT + UTF16, 415),
    bad_post("UTF-16 form", "query=ASK%7B%7D".encode("utf-16"), FORM + UTF16, 415),
    bad_post(
        "latin-1 direct",
        'ASK { ?s ?p "\xe9" }'.encode("latin-1"),
        DIRECT + "; charset=ISO-8859-1",
        415,
    ),
    bad_post("invalid UTF-8 body", b'ASK { ?s ?p "\xff\xfe" }', DIRECT, 400),
    bad_post("binary garbage (direct)", bytes(range(256)) * 4, DIRECT, 400),
    bad_post("binary garbage (form)", bytes(range(256)) * 4, FORM, 400),
    bad_get("bad default-graph-uri", ASK + "&default-graph-uri=not%20an%20iri", 400),
    bad_get("bad named-graph-uri", ASK + "&named-graph-uri=%3Chttp://a%3E", 400),
    bad_get("NUL in default-graph-uri", ASK + "&default-graph-uri=http://a/%00", 400),
    bad_get("NUL in the query", q("ASK {\x00}"), 400),
    bad_post("NUL bytes in the body", b"ASK\x00{\x00}", DIRECT, 400),
    bad_get("bad percent escapes", "/sparql?query=%zz%ff%fe", 400),
    bad_get("lone surrogate", "/sparql?query=ASK%20%7B%ED%A0%80%7D", 400),
    bad_get("full-width keywords", q("\uff33\uff25\uff2c\uff25\uff23\uff34 * { ?s ?p ?o }"), 400),
    bad_get("right-to-left override", q("ASK { ?s ?p ?o \u202e}"), 400),
    bad_get("IRI with a space", q("ASK { <http://a b> ?p ?o }"), 400),
    bad_get("FROM a prefixed name", q("PREFIX e: <http://e/> SELECT * FROM e:g { ?s ?p ?o }"), 400),
    bad_post("update sent as a query", b"INSERT DATA { <urn:a> <urn:b> <urn:c> }", DIRECT, 400),
    bad_post(
        "300 prefixes, then an undeclared one",
        (PREFIXES + "ASK { ?s x:p ?o }").encode(),
        DIRECT,
        400,
    ),
    bad_post("deeply nested braces", nested(3000).encode(), DIRECT, 400),
    bad_post("deeply nested function calls", CALLS.encode(), DIRECT, 400),
    bad_get("garbage Accept", q("ASK {}"), 406, accept=";;;,,,q=x/"),
    bad_get("Accept refusing everything", q("ASK {}"), 406, accept="*/*;q=0"),
    bad_get(
        "results format for CONSTRUCT",
        q("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1"),
        406,
        accept="application/sparql-results+json",
    ),
    bad_get(
        "graph format for SELECT",
        q("SELECT * WHERE { ?s ?p ?o } LIMIT 1"),
        406,
        accept="text/turtle",
    ),
    pytest.param("PATCH", "/sparql", b"ASK {}", {"Content-Type": DIRECT}, 405, id="PATCH"),
]


@pytest.mark.parametrize(("method", "target", "body", "headers", "status"), MALFORMED)
def test_malformed_request_gets_its_4xx(
    server: LiveServer,
    method: str,
    target: str,
    body: bytes | None,
    headers: dict[str, str],
    status: int,
) -> None:
    try:
        reply = send(server, method, target, body, headers)
    except (http.client.HTTPException, ConnectionError) as exc:
        pytest.fail(f"no HTTP answer at all: {exc!r}")
    assert_problem(reply, status)


def test_malformed_requests_leave_the_server_working(server: LiveServer, genes: int) -> None:
    for case in MALFORMED:
        method, target, body, headers, _ = case.values
        try:
            send(server, method, target, body, headers)
        except (http.client.HTTPException, ConnectionError):
            pass  # reported by the test above
    assert wait_for(lambda: get(server, "ASK {}").status == 200, 10)
    assert count_genes(get(server, BIOLINK + GENE_COUNT)) == genes


CHAINS = {
    # Flat to read but thousands of levels deep once parsed: each used to overflow the
    # query engine's stack (a segmentation fault of the process running it).
    "20,000 unary !": "ASK { FILTER(" + "!" * 20_000 + "true) }",
    "10,000 additions": "ASK { FILTER(1" + "+1" * 10_000 + " > 0) }",
    "10,000 UNIONs": "ASK { {}" + " UNION {}" * 10_000 + " }",
    "10,000 FILTERs": "ASK { " + " ".join(f"FILTER(?x{i})" for i in range(10_000)) + " }",
}


def test_queries_that_overflow_the_engine_get_a_4xx(fresh: LiveServer, genes: int) -> None:
    outcomes = {}
    for name, query in CHAINS.items():
        try:
            reply = post_direct(fresh, query)
            outcomes[name] = (reply.status, reply.media_type)
        except (OSError, http.client.HTTPException) as exc:
            outcomes[name] = ("no HTTP answer", repr(exc))
        # The next query is answered (a stopped process was replaced).
        wait_for(lambda: get(fresh, "ASK {}").status == 200, 10)
    wrong = {
        name: outcome
        for name, outcome in outcomes.items()
        if not (isinstance(outcome[0], int) and 400 <= outcome[0] < 500 and outcome[1] == PROBLEM)
    }
    assert not wrong, wrong
    assert count_genes(get(fresh, BIOLINK + GENE_COUNT)) == genes


def test_huge_number_of_prefixes_is_fine(single: LiveServer) -> None:
    prefixes = "".join(f"PREFIX p{i}: <http://example.org/{i}#>\n" for i in range(20_000))
    reply = post_direct(single, prefixes + "ASK { ?s ?p ?o }")
    assert reply.status == 200, reply.body[:300]
    assert reply.json()["boolean"] is True
