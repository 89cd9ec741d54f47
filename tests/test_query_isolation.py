"""Slow queries must not stall cheap ones: a real `metakg serve` with runaway queries in flight.

One server worker with two threads and two SPARQL slots (``query_slots``), deadline 8 s. A
runaway query (a three-way cross join) runs until the deadline. While one is in flight, a
small SPARQL query still gets the other slot; while two are (every slot taken), lookups
answered in the server and named queries (reserved query processes) still answer, and one
more SPARQL query is refused at once with 503 and Retry-After instead of queueing. Every cheap
request must be answered while the runaways are still running; the runaways get their 504.
Timings here are only that sanity bound; the figures are in bench/load.py.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest

from tests.conftest import LiveServer

pytestmark = pytest.mark.slow

DEADLINE = 8.0
RUNAWAY = "SELECT (COUNT(*) AS ?c) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SMALL = "SELECT ?g WHERE { ?g a <https://w3id.org/biolink/vocab/Gene> } ORDER BY ?g LIMIT 3"
LOOKUPS = ["/api/v1/genes/PTGS2", "/api/v1/organs", "/api/v1/search?q=cox",
           "/api/v1/cancer-types"]
NAMED = "/api/v1/queries/genes_for_cancer_organ?" + urllib.parse.urlencode(
    {"cancer": "breast cancer", "organ": "bone"}
)


@pytest.fixture(scope="module")
def server(store_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(store_path, workers="1", threads="2", query_slots="2",
                      query_timeout=str(DEADLINE))
    try:
        yield live
    finally:
        live.stop()


def get(server: LiveServer, path: str) -> tuple[int, Message, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request("GET", path, headers={"Accept": "application/json"})
        response = conn.getresponse()
        return response.status, response.msg, response.read()
    finally:
        conn.close()


def sparql(text: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": text})


class Runaway(threading.Thread):
    def __init__(self, server: LiveServer) -> None:
        super().__init__()
        self.server = server
        self.status: int | None = None
        self.ended: float | None = None

    def run(self) -> None:
        self.status = get(self.server, sparql(RUNAWAY))[0]
        self.ended = time.monotonic()


def test_cheap_requests_are_answered_while_runaways_hold_every_sparql_slot(
    server: LiveServer,
) -> None:
    assert get(server, sparql(SMALL))[0] == 200  # warm
    first = Runaway(server)
    first.start()
    time.sleep(1.0)
    # One slot of two is taken: a small SPARQL query still runs.
    status, _, body = get(server, sparql(SMALL))
    assert status == 200, body
    assert len(json.loads(body)["results"]["bindings"]) == 3

    second = Runaway(server)
    second.start()
    time.sleep(1.0)
    answered = []
    for _ in range(3):
        for path in [*LOOKUPS, NAMED]:
            status, _, body = get(server, path)
            assert status == 200, (path, body[:300])
            answered.append(path)
    # Every slot is taken: one more SPARQL query is refused at once, with Retry-After.
    started = time.monotonic()
    status, headers, body = get(server, sparql(SMALL))
    refused_in = time.monotonic() - started
    assert status == 503, body
    problem = json.loads(body)
    assert "busy" in problem["detail"] and int(headers.get("Retry-After", 0)) >= 1
    finished = time.monotonic()
    # All of that happened while both runaways were still in flight.
    assert first.is_alive() and second.is_alive(), "the runaways ended before the cheap requests"
    assert refused_in < DEADLINE / 2

    first.join(timeout=DEADLINE + 10)
    second.join(timeout=DEADLINE + 10)
    assert (first.status, second.status) == (504, 504)
    assert first.ended is not None and first.ended > finished
    assert len(answered) == 3 * (len(LOOKUPS) + 1)
    # The stopped query processes were replaced: SPARQL answers again.
    until = time.monotonic() + 30
    while get(server, sparql(SMALL))[0] != 200:
        assert time.monotonic() < until, "SPARQL did not recover after the runaways"
        time.sleep(0.2)
