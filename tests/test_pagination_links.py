"""Exact RFC 8288 ``Link`` headers of the paginated lists, at page boundaries.

Totals of k x limit and k x limit +/- 1 (k = 0..3) are reached by choosing ``limit`` for the
totals that the curated lists have (several routes and filters, so every residue is
covered), plus an empty list and a one-item list. The expected links are written here by
hand from what a page means, not with the server's helper:

- ``first`` is offset 0, always;
- ``prev`` exists after the first page (offset > 0): the page that ends where this one starts,
  or, past the end, the last ``limit`` items;
- ``next`` exists only when an item follows this page, so it never leads to an empty page;
- ``last`` is the start of the final non-empty page: the greatest multiple of ``limit`` below
  the total (0 for an empty list).

Each expected next/last offset is also fetched, and its items compared with the full list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from server.http.app import create_app

API = "/api/v1"

#: Lists (route, filters) with different totals; together their totals reach every
#: k x limit + d below for some limit in 1..200.
LISTS: list[tuple[str, dict[str, str]]] = [
    ("genes", {}),
    ("genes", {"organ": "bone"}),
    ("genes", {"organ": "lung"}),
    ("genes", {"organ": "brain"}),
    ("genes", {"organ": "liver"}),
    ("genes", {"step": "colonization"}),
    ("genes", {"step": "intravasation"}),
    ("genes", {"cancer_type": "breast cancer"}),
    ("genes", {"confidence": "low"}),
    ("organs", {}),
    ("cancer-types", {}),
    ("pathways", {}),
    ("cascade-steps", {}),
    ("gene-classes", {}),
    ("gene-classes", {"scheme": "review"}),
    ("references", {}),
    ("references", {"q": "Nature"}),
]
PAGE_MAX = 200


@pytest.fixture(scope="module")
def client(store_path: Path):  # type: ignore[no-untyped-def]
    app = create_app({"store": store_path, "rate_limit": "off"})
    yield app.test_client()
    app.extensions["metakg"].close()


def page(client: Any, route: str, filters: dict[str, str], limit: int, offset: int) -> Any:
    response = client.get(
        f"{API}/{route}", query_string={**filters, "limit": limit, "offset": offset}
    )
    assert response.status_code == 200, response.json
    return response


_WALKED: dict[tuple[str, str], list[str]] = {}


def everything(client: Any, route: str, filters: dict[str, str]) -> list[str]:
    """Every item id of a list, walking it by offsets chosen here (not by its links)."""
    key = (route, repr(sorted(filters.items())))
    if key not in _WALKED:
        _WALKED[key] = _walk(client, route, filters)
    return _WALKED[key]


def _walk(client: Any, route: str, filters: dict[str, str]) -> list[str]:
    ids: list[str] = []
    while True:
        body = page(client, route, filters, PAGE_MAX, len(ids)).json
        ids += [item["id"] for item in body["items"]]
        if not body["items"]:
            assert body["total"] == len(ids)
            return ids


def expected_links(total: int, limit: int, offset: int) -> dict[str, int]:
    links = {"first": 0}
    if offset > 0:
        end_of_prev = offset if offset <= total else total
        links["prev"] = end_of_prev - limit if end_of_prev > limit else 0
    if total - offset > limit:  # at least one item after this page
        links["next"] = offset + limit
    pages = -(-total // limit)  # ceiling: how many non-empty pages
    links["last"] = (pages - 1) * limit if pages else 0
    return links


def header(route: str, filters: dict[str, str], limit: int, links: dict[str, int]) -> str:
    base = f"{API}/{route}"
    parts = []
    for rel, at in links.items():
        query = urlencode([*filters.items(), ("limit", limit), ("offset", at)])
        parts.append(f'<{base}?{query}>; rel="{rel}"')
    return ", ".join(parts)


def boundary_offsets(total: int, limit: int) -> list[int]:
    """Offsets at and around every page boundary, the last page and the end."""
    offsets = {0, 1, total - 1, total, total + 1, total + limit}
    for start in range(0, total + limit + 1, limit):
        offsets |= {start - 1, start, start + 1}
    return sorted(o for o in offsets if o >= 0)


def check(client: Any, route: str, filters: dict[str, str], ids: list[str], limit: int) -> None:
    total = len(ids)
    for offset in boundary_offsets(total, limit):
        response = page(client, route, filters, limit, offset)
        body = response.json
        where = f"{route} {filters} total={total} limit={limit} offset={offset}"
        assert (body["total"], body["limit"], body["offset"]) == (total, limit, offset), where
        assert [i["id"] for i in body["items"]] == ids[offset : offset + limit], where
        links = expected_links(total, limit, offset)
        assert response.headers["Link"] == header(route, filters, limit, links), where
        if "next" in links:
            following = page(client, route, filters, limit, links["next"]).json["items"]
            assert following and following[0]["id"] == ids[offset + limit], where
        last = page(client, route, filters, limit, links["last"]).json["items"]
        assert [i["id"] for i in last] == ids[links["last"] :], where
        assert (not ids) or 0 < len(last) <= limit, where


def test_the_hand_formula_itself() -> None:
    """The expectations above, on totals worked out on paper."""
    assert expected_links(10, 5, 0) == {"first": 0, "next": 5, "last": 5}
    assert expected_links(10, 5, 5) == {"first": 0, "prev": 0, "last": 5}
    assert expected_links(11, 5, 5) == {"first": 0, "prev": 0, "next": 10, "last": 10}
    assert expected_links(9, 5, 4) == {"first": 0, "prev": 0, "last": 5}
    assert expected_links(9, 5, 3) == {"first": 0, "prev": 0, "next": 8, "last": 5}
    assert expected_links(0, 5, 0) == {"first": 0, "last": 0}
    assert expected_links(10, 5, 12) == {"first": 0, "prev": 5, "last": 5}
    assert expected_links(10, 3, 6) == {"first": 0, "prev": 3, "next": 9, "last": 9}
    assert expected_links(10, 3, 7) == {"first": 0, "prev": 4, "last": 9}


@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("d", [-1, 0, 1])
def test_links_at_k_pages_and_one_item_either_side(client: Any, k: int, d: int) -> None:
    """A total of exactly k x limit + d, for a limit that some curated list allows."""
    tried = []
    for route, filters in LISTS:
        ids = everything(client, route, filters)
        total = len(ids)
        tried.append(total)
        if total - d > 0 and (total - d) % k == 0 and 1 <= (total - d) // k <= PAGE_MAX:
            limit = (total - d) // k
            assert total == k * limit + d
            check(client, route, filters, ids, limit)
            return
    pytest.fail(f"no list has a total of {k} x limit {d:+d}; totals: {sorted(set(tried))}")


@pytest.mark.parametrize(
    ("filters", "size"), [({"q": "no such gene anywhere"}, 0), ({"q": "EREG"}, None)]
)
def test_links_of_an_empty_list_and_a_short_one(
    client: Any, filters: dict[str, str], size: int | None
) -> None:
    """k = 0: no item at all, and fewer items than one page (every limit above the size)."""
    ids = everything(client, "genes", filters)
    if size is not None:
        assert len(ids) == size
    assert len(ids) < 5
    for limit in (1, 2, len(ids) + 1, 7, PAGE_MAX):
        check(client, "genes", filters, ids, limit)


def test_every_limit_on_one_list(client: Any) -> None:
    """All limits 1..total+1 on one list: the `last` arithmetic for every remainder."""
    filters = {"organ": "bone"}
    ids = everything(client, "genes", filters)
    assert len(ids) > 5
    for limit in range(1, len(ids) + 2):
        total = len(ids)
        for offset in (0, limit, total - 1, total):
            response = page(client, "genes", filters, limit, offset)
            links = expected_links(total, limit, offset)
            assert response.headers["Link"] == header("genes", filters, limit, links), (
                limit,
                offset,
            )
