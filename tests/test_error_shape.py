"""Every error of every documented route is application/problem+json, and none is a 500.

The routes come from the app's own /openapi.json, so a route added later is covered without
editing this file: for each one a request that must fail (unknown id, bad or unknown
parameter, wrong method, unacceptable media type) and hostile parameter values.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from server.http.app import create_app

PROBLEM = "application/problem+json"
HOSTILE = [
    'x" } ; DROP ALL ; #',
    "<http://a> . } SELECT * WHERE { ?s ?p ?o",
    "ünïcødé ☃ \u202e",
    "\x00\x01",
    "9" * 40,
    "y" * 3000,
]


@pytest.fixture(scope="module")
def client(store_path: Path):  # type: ignore[no-untyped-def]
    app = create_app({"store": store_path, "rate_limit": "off"})
    yield app.test_client()
    app.extensions["metakg"].close()


@pytest.fixture(scope="module")
def spec(client: Any) -> dict[str, Any]:
    return client.get("/openapi.json").json


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method.upper(), operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]


def assert_problem(response: Any, status: int | None = None) -> dict[str, Any]:
    assert response.status_code < 500, response.get_data(as_text=True)
    if status is not None:
        assert response.status_code == status, response.get_data(as_text=True)
    assert response.status_code >= 400
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert set(body) >= {"type", "title", "status", "detail"}
    assert body["status"] == response.status_code
    assert body["type"].startswith("https://") and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def filled(path: str, value: str) -> str:
    """The path with its parameters set to ``value`` (percent-encoded)."""
    return re.sub(r"\{[^}]+\}", lambda _: quote(value, safe=""), path)


def test_the_document_lists_the_api(spec: dict[str, Any]) -> None:
    paths = set(spec["paths"])
    assert {"/api/v1/", "/api/v1/genes", "/api/v1/genes/{name}", "/api/v1/search"} <= paths
    assert {"/api/v1/paths", "/api/v1/queries", "/api/v1/queries/genes_for_cancer_organ"} <= paths
    assert len([p for p in paths if p.startswith("/api/v1/")]) >= 20


def test_a_request_that_must_fail_on_every_route(client: Any, spec: dict[str, Any]) -> None:
    for path, method, operation in operations(spec):
        if method != "GET":
            continue
        if "{number}" in path:
            failing = [(filled(path, "99999"), 404), (filled(path, "abc"), 400)]
        elif "{" in path:
            failing = [(filled(path, "no-such-thing-zz"), 404)]
        elif path.startswith("/api/v1/"):
            failing = [(path + "?no_such_parameter=1", 400)]
        else:  # /sparql: an empty query
            failing = [(path + "?query=", 400)]
        for url, status in failing:
            assert_problem(client.get(url), status)
        documented = {int(code) for code in operation["responses"]}
        assert {s for _, s in failing} <= documented, path
        for code, response in operation["responses"].items():
            if code.startswith(("4", "5")):
                assert PROBLEM in response["content"], (path, code)


def test_a_wrong_method_is_405_with_allow_on_every_route(client: Any, spec: dict[str, Any]) -> None:
    for path, _, _ in operations(spec):
        url = filled(path, "EREG")
        for method in ("DELETE", "PUT", "PATCH"):
            response = client.open(url, method=method)
            assert_problem(response, 405)
            allowed = {m.strip() for m in response.headers["Allow"].split(",")}
            assert allowed & {"GET", "POST"} and method not in allowed


def test_an_unacceptable_media_type_is_406(client: Any, spec: dict[str, Any]) -> None:
    for path, method, _ in operations(spec):
        if method != "GET" or not path.startswith("/api/v1/"):
            continue
        url = filled(path, "EREG")
        assert_problem(client.get(url, headers={"Accept": "image/png"}), 406)
        assert client.get(url, headers={"Accept": "text/html, */*;q=0.1"}).status_code != 406


def test_unknown_paths_are_404(client: Any) -> None:
    for url in ("/api/v1/no-such-collection", "/api/v2/genes", "/nothing/here"):
        assert_problem(client.get(url), 404)


def test_hostile_values_in_every_parameter_never_give_a_500(
    client: Any, spec: dict[str, Any]
) -> None:
    for path, method, operation in operations(spec):
        if method != "GET" or not path.startswith("/api/v1/"):
            continue
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        for value in HOSTILE:
            urls = [(filled(path, value), {})] if "{" in path else []
            base = filled(path, "genes_for_cancer_organ" if "queries" in path else "EREG")
            urls += [(base, {name: value}) for name in names]
            for url, params in urls:
                response = client.get(url, query_string=params)
                if response.status_code >= 400:
                    assert_problem(response)
                else:
                    assert response.mimetype == "application/json", (url, params)


def test_an_overlong_url_is_414(client: Any) -> None:
    assert_problem(client.get("/api/v1/search", query_string={"q": "z" * 9000}), 414)
