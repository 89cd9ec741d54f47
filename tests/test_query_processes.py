"""The pieces between the SPARQL endpoint and pyoxigraph: the channel to a query process, the
store a query process reads (an in-memory copy of small stores), the answer with its row
count. Real sockets, real processes, real stores.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.store import KnowledgeStore
from server.sparql.channel import Channel
from server.sparql.query_worker import (
    RowCapExceeded,
    SparqlRequest,
    answer_sparql,
    memory_copy,
)
from server.sparql.runner import QueryRunner

EX = "http://example.org/"


@pytest.fixture
def pair() -> Iterator[tuple[Channel, Channel]]:
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    left, right = Channel(a, spin=0.0002), Channel(b)
    yield left, right
    left.close()
    right.close()


# --- the channel ------------------------------------------------------------------------


def test_channel_carries_small_and_large_messages(pair: tuple[Channel, Channel]) -> None:
    left, right = pair
    big = bytes(range(256)) * 8192  # 2 MiB: many reads on the receiving side

    def echo() -> None:
        for _ in range(3):
            right.send(("echo", right.receive()))

    thread = threading.Thread(target=echo)
    thread.start()
    for message in ("ping", big, {"nested": [1, 2.5, None]}):
        left.send(message)
        assert left.receive(time.monotonic() + 10) == ("echo", message)
    thread.join(timeout=10)


def test_channel_deadline_raises_timeout(pair: tuple[Channel, Channel]) -> None:
    left, _ = pair
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        left.receive(started + 0.2)
    assert 0.2 <= time.monotonic() - started < 1.5


def test_channel_reports_the_other_end_gone(pair: tuple[Channel, Channel]) -> None:
    left, right = pair
    right.close()
    with pytest.raises(EOFError):
        left.receive(time.monotonic() + 5)


def test_channel_deadline_covers_a_message_cut_short(pair: tuple[Channel, Channel]) -> None:
    """Half a message and then silence is a timeout, not a hang."""
    left, right = pair
    right.sock.sendall(b"\x00\x00\x10\x00" + b"x" * 100)  # announces 4096 bytes, sends 100
    with pytest.raises(TimeoutError):
        left.receive(time.monotonic() + 0.3)


# --- the store a query process reads --------------------------------------------------------


def test_memory_copy_holds_the_same_quads(store: KnowledgeStore) -> None:
    copy = memory_copy(store.rdf, 10**6)
    assert copy is not None
    assert set(copy) == set(store.rdf)


def test_memory_copy_refused_over_the_limit(store: KnowledgeStore) -> None:
    size = len(store.rdf)
    assert memory_copy(store.rdf, size - 1) is None
    assert memory_copy(store.rdf, 0) is None
    exact = memory_copy(store.rdf, size)
    assert exact is not None and len(exact) == size


SOLUTIONS = ["application/sparql-results+json", "text/tab-separated-values"]
GRAPHS = ["text/turtle", "application/n-triples"]
QUERIES = [
    (
        "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } "
        "ORDER BY ?s ?label LIMIT 50",
        SOLUTIONS,
    ),
    ("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p", SOLUTIONS),
    ("ASK { ?s a <https://w3id.org/biolink/vocab/Gene> }", SOLUTIONS),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 30", GRAPHS),
]


@pytest.fixture(scope="module")
def runners(store_path: Path) -> Iterator[dict[str, QueryRunner]]:
    made = {
        "disk": QueryRunner(store_path / "oxigraph", processes=1, timeout=20, row_cap=10_000),
        "memory": QueryRunner(
            store_path / "oxigraph",
            processes=1,
            timeout=20,
            row_cap=10_000,
            memory_quads=10**6,
        ),
    }
    yield made
    for runner in made.values():
        runner.close()


@pytest.mark.parametrize(
    ("text", "accept"), [(text, accept) for text, offered in QUERIES for accept in offered]
)
@pytest.mark.slow
def test_memory_and_disk_give_the_same_answers(
    runners: dict[str, QueryRunner], text: str, accept: str
) -> None:
    request = SparqlRequest(text=text, accept=((accept, 1.0),))
    answers = {name: runner.sparql(request) for name, runner in runners.items()}
    assert answers["disk"] == answers["memory"]
    assert answers["disk"].rows > 0


# --- answers and their row count ------------------------------------------------------------


@pytest.fixture(scope="module")
def numbers() -> ox.Store:
    store = ox.Store()
    for n in range(120):
        subject = ox.NamedNode(f"{EX}s{n}")
        store.add(ox.Quad(subject, ox.NamedNode(f"{EX}n"), ox.Literal(str(n))))
        store.add(ox.Quad(subject, ox.NamedNode(f"{EX}note"), ox.Literal(f"line\ttab\n{n}")))
    return store


def ask(text: str, accept: str = "") -> SparqlRequest:
    return SparqlRequest(text=text, accept=((accept, 1.0),) if accept else ())


@pytest.mark.parametrize("limit", [0, 1, 99, 100])
def test_rows_are_counted_exactly(numbers: ox.Store, limit: int) -> None:
    text = f"SELECT ?s ?note WHERE {{ ?s <{EX}note> ?note }} LIMIT {limit}"
    answer = answer_sparql(numbers, ask(text), row_cap=100)
    assert answer.rows == limit


def test_one_row_past_the_cap_is_refused(numbers: ox.Store) -> None:
    text = f"SELECT ?s WHERE {{ ?s <{EX}n> ?o }} LIMIT 101"
    with pytest.raises(RowCapExceeded):
        answer_sparql(numbers, ask(text), row_cap=100)


def test_triples_past_the_cap_are_refused(numbers: ox.Store) -> None:
    ok = answer_sparql(numbers, ask("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 100"), row_cap=100)
    assert ok.rows == 100
    with pytest.raises(RowCapExceeded):
        answer_sparql(numbers, ask("CONSTRUCT WHERE { ?s ?p ?o }"), row_cap=100)


@pytest.mark.parametrize(
    "accept",
    [
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ],
)
def test_solutions_equal_the_engine_own_serialisation(numbers: ox.Store, accept: str) -> None:
    """Counting on the way out changes nothing: every format equals what pyoxigraph writes
    directly (literals with tabs and newlines included)."""
    text = f"SELECT ?s ?note WHERE {{ ?s <{EX}note> ?note }} ORDER BY ?s"
    answer = answer_sparql(numbers, ask(text, accept), row_cap=1000)
    fmt = ox.QueryResultsFormat.from_media_type(accept)
    assert answer.body == numbers.query(text).serialize(format=fmt)
    assert answer.rows == 120


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples"])
def test_graphs_keep_every_triple(numbers: ox.Store, accept: str) -> None:
    answer = answer_sparql(numbers, ask("CONSTRUCT WHERE { ?s ?p ?o }", accept), row_cap=1000)
    parsed = ox.parse(answer.body, format=ox.RdfFormat.from_media_type(accept))
    assert {quad.triple for quad in parsed} == {quad.triple for quad in numbers}
    assert answer.rows == 240
