"""Rate limiting (429) and a full query pool (503), with their problem+json bodies."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from server.http.app import create_app

RUNAWAY = "SELECT (COUNT(*) AS ?c) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _assert_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.data
    assert response.content_type == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_rate_limit_on_the_api_and_on_sparql(store_path: Path) -> None:
    app = create_app({"store": store_path, "rate_limit": "3 per minute"})
    client = app.test_client()
    try:
        for _ in range(3):
            assert client.get("/api/v1/organs").status_code == 200
        response = client.get("/api/v1/organs")
        _assert_problem(response, 429)
        assert int(response.headers["Retry-After"]) >= 1
        for _ in range(3):
            assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
        response = client.get("/sparql", query_string={"query": "ASK {}"})
        body = _assert_problem(response, 429)
        assert "3 per 1 minute" in body["detail"]
        assert int(response.headers["Retry-After"]) >= 1
    finally:
        app.extensions["metakg"].close()


@pytest.mark.slow
def test_a_full_query_pool_answers_503_with_retry_after(store_path: Path) -> None:
    app = create_app(
        {
            "store": store_path,
            "rate_limit": "off",
            "query_processes": 1,
            "query_slots": 1,
            "threads": 1,
            "query_timeout": 4.0,
        }
    )
    state = app.extensions["metakg"]
    state.executor.wait = 0.3  # how long a request waits for a free query process
    client = app.test_client()
    try:
        assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
        outcome: dict[str, int] = {}

        def runaway() -> None:
            outcome["status"] = client.get("/sparql", query_string={"query": RUNAWAY}).status_code

        worker = threading.Thread(target=runaway)
        worker.start()
        time.sleep(0.5)  # the only query process is now busy with the runaway query
        response = client.get("/sparql", query_string={"query": "ASK {}"})
        body = _assert_problem(response, 503)
        assert "busy" in body["detail"]
        assert response.headers["Retry-After"] == "1"
        worker.join(timeout=10)
        assert outcome["status"] == 504
        # The stopped process was replaced: queries work again.
        assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    finally:
        state.close()
