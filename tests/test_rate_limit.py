"""Rate limiting on a real `metakg serve`: a burst gets 429 problem+json with Retry-After in
whole seconds, a client that waits that long is served again, and every operation of the
OpenAPI document says so.

The server runs one worker process: the limit is counted per server process (in memory), so
with several workers a client gets up to workers x the limit (see the report / operations
docs). The window is short (a few seconds) to keep the test quick.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveServer

pytestmark = pytest.mark.slow

LIMIT, WINDOW = 4, 2
#: A fixed window that a burst straddles lets through up to two windows' worth.
MOST_BEFORE_429 = 2 * LIMIT


@pytest.fixture(scope="module")
def server(store_path: Path):  # type: ignore[no-untyped-def]
    live = LiveServer(
        store_path, workers="1", threads="2", rate_limit=f"{LIMIT} per {WINDOW} seconds"
    )
    yield live
    live.stop()


def call(server: Any, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any, bytes]:
    """Status, headers (case-insensitive) and body of one request."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        server.url + path,
        data=data,
        headers={"Content-Type": "application/json"} if data is not None else {},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


ROUTES = [
    ("/api/v1/organs", None),
    ("/sparql?query=ASK%7B%7D", None),
    ("/api/v1/simulate", {"cancer": "breast cancer", "genes": ["EREG"]}),
]


@pytest.mark.parametrize(("path", "body"), ROUTES, ids=[p for p, _ in ROUTES])
def test_a_burst_gets_429_with_retry_after_and_the_next_window_is_served(
    server: Any, path: str, body: dict[str, Any] | None
) -> None:
    served = 0
    for _ in range(MOST_BEFORE_429 + 1):
        status, headers, content = call(server, path, body)
        if status == 429:
            break
        assert status == 200, content[:300]
        assert "Retry-After" not in headers, "Retry-After belongs to 429 and 503 answers"
        served += 1
    else:
        pytest.fail(f"no 429 after {MOST_BEFORE_429 + 1} requests to {path}")
    assert served >= 1, "the first request of a window must be served"
    assert headers.get("Content-Type") == "application/problem+json"
    problem = json.loads(content)
    assert problem["status"] == 429 and problem["title"] and problem["detail"]
    retry_after = headers.get("Retry-After", "")
    assert retry_after.isdigit(), f"Retry-After must be whole seconds, got {retry_after!r}"
    wait = int(retry_after)
    assert 1 <= wait <= WINDOW + 1  # the limiter keeps its reset time in whole seconds
    time.sleep(wait)
    status, _, content = call(server, path, body)
    assert status == 200, f"refused again after waiting Retry-After={wait}: {content[:300]!r}"


def test_every_operation_documents_429_with_retry_after(store_path: Path) -> None:
    from server.http.app import create_app

    app = create_app({"store": store_path, "rate_limit": "off"})
    try:
        spec = app.test_client().get("/openapi.json").json
    finally:
        app.extensions["metakg"].close()
    operations = [
        (path, method, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(operations) > 30
    for path, method, operation in operations:
        response = operation["responses"].get("429")
        assert response is not None, f"{method} {path} does not document 429"
        assert "application/problem+json" in response["content"], (method, path)
        header = response["headers"]["Retry-After"]
        assert header["schema"]["type"] == "integer", (method, path)
