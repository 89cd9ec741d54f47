"""One server, one version of the data: rebuilds under load, and a store that goes missing.

A real `metakg serve` (two server workers of two threads) on a real store. Two releases that
differ in one user assertion (PTGS2 helps breast cancer into the brain, only in release 2) are
written in turn with ``graph.store.write_store`` while client threads send REST lookups, named
queries and SPARQL queries whose answers differ between the releases. Every response must be a
200 that names its release (``X-Metakg-Release``) and carries exactly that release's data;
the expectations come from the built stores themselves (networkx and pyoxigraph, not the
server). Then the store is deleted: every route answers the same 503 problem+json naming
it, and after a rebuild every route answers again.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.store import KnowledgeStore, write_store
from ingest.pipeline import KnowledgeBase, assemble, plan_sources
from tests.conftest import LiveServer

pytestmark = pytest.mark.slow

#: A user's assertion that is not in the curated sources: only release 2 has it.
EXTRA = (
    "subject\tpredicate\tobject\tcancer_type\torgan\treferences\tconfidence\tevidence_type\tnote\n"
    "COX2\tmediates_metastasis_to\tbrain\tbreast cancer\t\tPMID:19421193;61\tmedium\txenograft\t"
    "A test assertion: COX2 helping breast cancer cells into the brain.\n"
)
GENE = "/api/v1/genes/PTGS2"
NAMED = "/api/v1/queries/genes_for_cancer_organ?" + urllib.parse.urlencode(
    {"cancer": "breast cancer", "organ": "brain"}
)
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SPARQL = "/sparql?" + urllib.parse.urlencode({"query": COUNT})
BRAIN = "UBERON:0000955"
PTGS2 = "NCBIGene:5743"


@dataclass(frozen=True)
class Expected:
    """What one release answers, computed from its files, not through the server."""

    release: str
    brain_assertions: int
    triples: int


def expected_of(directory: Path) -> Expected:
    store = KnowledgeStore(directory)
    brain = sum(1 for _, target in store.graph.out_edges(PTGS2) if target == BRAIN)
    triples = sum(1 for _ in store.rdf.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    return Expected(store.manifest["release"]["id"], brain, triples)


def build(target: Path, kb: KnowledgeBase) -> None:
    write_store(target, kb.nodes, kb.edges, kb.hierarchy, sources=[], version="test")


@dataclass
class Reply:
    status: int
    release: str | None
    content_type: str
    body: bytes


class Client:
    """One keep-alive connection to the server."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def get(self, path: str, accept: str = "application/json") -> Reply:
        return self.send("GET", path, None, accept)

    def send(self, method: str, path: str, body: bytes | None, accept: str,
             content_type: str | None = None) -> Reply:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                headers = {"Accept": accept}
                if content_type:
                    headers["Content-Type"] = content_type
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                return Reply(response.status, response.getheader("X-Metakg-Release"),
                             response.getheader("Content-Type", ""), data)
            except (ConnectionError, http.client.RemoteDisconnected):
                # A kept-alive connection the server closed meanwhile: one fresh try.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def brain_assertions(reply: Reply) -> int:
    organs = json.loads(reply.body)["assertions"].get("organ", [])
    return sum(1 for a in organs if a["object"]["id"] == BRAIN)


def triples(reply: Reply) -> int:
    return int(json.loads(reply.body)["results"]["bindings"][0]["n"]["value"])


def has_ptgs2(reply: Reply) -> bool:
    return "PTGS2" in {row["symbol"] for row in json.loads(reply.body)["rows"]}


def check(kind: str, reply: Reply, releases: dict[str, Expected]) -> str | None:
    """None when ``reply`` is a 200 carrying exactly the data of the release it names."""
    if reply.status != 200:
        return f"{kind}: {reply.status} {reply.body[:300]!r}"
    expected = releases.get(reply.release or "")
    if expected is None:
        return f"{kind}: names release {reply.release!r}, not one that was built"
    if kind == "rest" and brain_assertions(reply) != expected.brain_assertions:
        return f"rest: {brain_assertions(reply)} brain assertions, release says {expected}"
    if kind == "sparql" and triples(reply) != expected.triples:
        return f"sparql: {triples(reply)} triples, release says {expected}"
    if kind == "named" and has_ptgs2(reply) != (expected.brain_assertions > 0):
        return f"named: PTGS2 {'in' if has_ptgs2(reply) else 'not in'} rows, release {expected}"
    return None


ROUTES = {"rest": GENE, "sparql": SPARQL, "named": NAMED}


@pytest.fixture(scope="module")
def kb2(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    source = tmp_path_factory.mktemp("release-2") / "mine.tsv"
    source.write_text(EXTRA, encoding="utf-8")
    return assemble(plan_sources([source]))


@pytest.fixture(scope="module")
def releases(store_path: Path, kb2: KnowledgeBase,
             tmp_path_factory: pytest.TempPathFactory) -> dict[int, Expected]:
    """The expectations of both releases, from stores built apart from the served one (the
    curated store of the session, and release 2 built here)."""
    v2 = tmp_path_factory.mktemp("expected") / "v2"
    build(v2, kb2)
    out = {1: expected_of(store_path), 2: expected_of(v2)}
    assert out[1].release != out[2].release
    assert (out[1].brain_assertions, out[2].brain_assertions) == (0, 1)
    assert out[1].triples < out[2].triples
    return out


@pytest.fixture(scope="module")
def served(kb: KnowledgeBase,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Path]]:
    """A server on a store of its own, first holding release 1."""
    target = tmp_path_factory.mktemp("served") / "store"
    build(target, kb)
    server = LiveServer(target, workers="2", threads="2", query_timeout="10")
    try:
        yield server, target
    finally:
        server.stop()


def wait_for_release(client: Client, release: str, seconds: float = 30) -> None:
    """Until a REST lookup and a SPARQL query both answer from ``release``."""
    until = time.monotonic() + seconds
    seen: dict[str, str | None] = {}
    while time.monotonic() < until:
        seen = {kind: client.get(ROUTES[kind]).release for kind in ("rest", "sparql")}
        if set(seen.values()) == {release}:
            return
        time.sleep(0.05)
    raise AssertionError(f"still not serving {release} after {seconds} s: {seen}")


def test_rebuilds_under_load_serve_one_release_per_answer(
    served: tuple[LiveServer, Path], kb: KnowledgeBase, kb2: KnowledgeBase,
    releases: dict[int, Expected],
) -> None:
    server, target = served
    by_id = {e.release: e for e in releases.values()}
    failures: list[str] = []
    answered: Counter[tuple[str, str]] = Counter()
    stop = threading.Event()
    lock = threading.Lock()

    def hammer(offset: int) -> None:
        client = Client(server.port)
        kinds = list(ROUTES)
        i = offset
        while not stop.is_set():
            kind = kinds[i % len(kinds)]
            i += 1
            try:
                reply = client.get(ROUTES[kind])
                problem = check(kind, reply, by_id)
            except Exception as exc:  # reported below, with every other failure
                problem, reply = f"{kind}: {exc!r}", None
            with lock:
                if problem:
                    failures.append(problem)
                elif reply is not None and reply.release:
                    answered[(kind, reply.release)] += 1
        client.close()

    probe = Client(server.port)
    wait_for_release(probe, releases[1].release)
    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    try:
        for number, base in ((2, kb2), (1, kb), (2, kb2)):
            time.sleep(0.5)  # some load on the release before
            build(target, base)
            wait_for_release(probe, releases[number].release)
    finally:
        time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        probe.close()
    print(f"answers by route and release during the rebuilds: {dict(answered)}")
    assert not failures, f"{len(failures)} failed or inconsistent answers: {failures[:10]}"
    # Every kind of request was answered from both releases.
    for kind in ROUTES:
        for expected in releases.values():
            assert answered[(kind, expected.release)] > 0, (kind, expected, answered)


def test_a_missing_store_is_the_same_503_everywhere_until_rebuilt(
    served: tuple[LiveServer, Path], kb: KnowledgeBase, releases: dict[int, Expected],
) -> None:
    server, target = served
    client = Client(server.port)
    form = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}).encode()
    simulation = json.dumps({"cancer": "breast cancer", "genes": ["EREG"]}).encode()
    requests = {
        "lookup": lambda: client.get(GENE),
        "list": lambda: client.get("/api/v1/organs"),
        "search": lambda: client.get("/api/v1/search?q=cox"),
        "named": lambda: client.get(NAMED),
        "sparql GET": lambda: client.get(SPARQL, "application/sparql-results+json"),
        "sparql POST": lambda: client.send("POST", "/sparql", form,
                                           "application/sparql-results+json",
                                           "application/x-www-form-urlencoded"),
        "simulate": lambda: client.send("POST", "/api/v1/simulate", simulation,
                                        "application/json", "application/json"),
        "export": lambda: client.get("/api/v1/export?format=turtle", "text/turtle"),
        "web page": lambda: client.get("/entity/" + PTGS2, "text/html"),
    }
    for name, send in requests.items():
        assert send().status == 200, name

    real = Path(os.path.realpath(target))
    if target.is_symlink():
        target.unlink()
    else:
        shutil.rmtree(target)
    shutil.rmtree(real, ignore_errors=True)

    details = {}
    for name, send in requests.items():
        reply = send()
        assert reply.status == 503, (name, reply.body[:300])
        assert reply.content_type.startswith("application/problem+json"), (name, reply)
        body = json.loads(reply.body)
        assert body["status"] == 503
        assert str(target) in body["detail"], (name, body)
        assert "metakg build" in body["detail"]
        details[name] = (body["title"], body["detail"])
    assert len(set(details.values())) == 1, details

    build(target, kb)
    try:
        for name, send in requests.items():
            reply = send()
            assert reply.status == 200, (name, reply.body[:300])
        wait_for_release(client, releases[1].release, seconds=5)
    finally:
        client.close()


# --- the query pools of releases (real query processes, no server) ---------------------------


RUNAWAY = "SELECT (COUNT(*) AS ?c) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_an_old_pool_finishes_its_queries_then_closes_and_pools_stay_bounded(
    store_path: Path, releases: dict[int, Expected], tmp_path: Path,
) -> None:
    from graph.store import RDF_DIR, release_directory
    from server.errors import Overloaded, QueryTimeout
    from server.sparql.query_worker import SparqlRequest
    from server.sparql.runner import QueryRunner, ReleasePools

    def make(source: str) -> QueryRunner:
        return QueryRunner(source, processes=1, user_slots=1, timeout=5.0, row_cap=10_000)

    pools = ReleasePools(make, limit=2, switch_wait=0.5)
    old = str(release_directory(store_path) / RDF_DIR)
    count = SparqlRequest(COUNT, accept=(("application/sparql-results+json", 1.0),))
    outcome: dict[str, object] = {}
    try:
        with pools.lease("A", old) as runner:
            old_pids = runner.pids()
            assert len(old_pids) == 2

        def long_query() -> None:
            try:
                with pools.lease("A", old) as runner:
                    runner.sparql(SparqlRequest(RUNAWAY))
            except Exception as exc:  # the outcome is checked below
                outcome["error"] = exc

        thread = threading.Thread(target=long_query)
        thread.start()
        time.sleep(0.5)
        # A newer release: its pool starts; the old one keeps its query in flight.
        with pools.lease("B", old) as runner:
            answer = runner.sparql(count)
            assert int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"]) == (
                releases[1].triples
            )
        assert set(pools.runners()) == {"A", "B"}
        # A third release, while requests still read both others: it waits for a pool to
        # close, and gives up at switch_wait.
        pools.pin("B")
        with pytest.raises(Overloaded, match="rebuilt several times"):
            with pools.lease("C", old):
                pass
        assert set(pools.runners()) == {"A", "B"}
        pools.unpin("B")  # B is no longer the newest: closed at once
        assert set(pools.runners()) == {"A"}
        thread.join(timeout=30)
        # The old query ran to its own deadline: not cut off by the switches.
        assert isinstance(outcome.get("error"), QueryTimeout), outcome
        assert pools.runners() == {}
        for pid in old_pids:
            assert not _alive(pid), f"query process {pid} of the closed pool still runs"
    finally:
        pools.close()
    assert pools.runners() == {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too (its parent, this process, reaps it when joining).
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
