"""The web pages with Flask's test client: every kind of page renders with its content, search
resolves names, bad input is a 4xx page (never a 500), JSON clients keep JSON at ``/``, and no
page loads a script or stylesheet from anywhere but this server."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import pytest

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def html(client: Any, url: str, status: int = 200) -> str:
    response = client.get(url, headers=BROWSER)
    assert response.status_code == status, (url, response.status_code, response.data[:300])
    assert response.mimetype == "text/html"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    return response.get_data(as_text=True)


def test_home_for_browsers_json_for_clients(client: Any) -> None:
    page = html(client, "/")
    assert "<title>Home · metakg</title>" in page
    assert 'href="/browse/genes"' in page and 'action="/search"' in page
    for accept in (None, "application/json", "*/*"):
        response = client.get("/", headers={"Accept": accept} if accept else {})
        assert response.status_code == 200
        assert response.is_json and response.json["sparql"] == "/sparql"


def test_search_redirects_a_resolved_name(client: Any) -> None:
    response = client.get("/search?q=COX2", headers=BROWSER)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/entity/NCBIGene:5743")
    response = client.get("/search?q=reference 61", headers=BROWSER)
    assert response.headers["Location"].endswith("/entity/metakg:ref/61")


def test_search_lists_hits(client: Any) -> None:
    page = html(client, "/search?q=metastasis")
    assert 'id="hit-count"' in page
    assert page.count("<tr>") > 3
    assert 'href="/entity/' in page
    assert "Nothing matches" in html(client, "/search?q=zzqqxxyy")
    assert html(client, "/search?q=" + "x" * 500, status=400)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/entity/NCBIGene:5743", ["PTGS2", "COX2", "Cascade steps"]),
        ("/entity/UBERON:0002048", ["Lung", "organ", "Metastatic sites"]),
        ("/entity/DOID:1612", ["Breast cancer", "cancer type", "First capillary bed"]),
        ("/entity/metakg:step/colonization", ["Colonization", "cascade step"]),
        ("/entity/metakg:class/metastasis_suppressor", ["gene class", "Gene classes"]),
        ("/entity/metakg:pathway/tgfb_smad", ["pathway", "Pathways"]),
    ],
)
def test_entity_pages(client: Any, url: str, expected: list[str]) -> None:
    page = html(client, url)
    for text in expected:
        assert text in page, text
    assert 'id="graph-view"' in page
    # evidence: reference numbers link to the reference pages, confidences shown
    assert re.search(r'<a class="ref[^"]*" href="/entity/metakg:ref/\d+"', page)
    assert re.search(r'class="conf conf-(high|medium|low)"', page)
    # schema.org JSON-LD, parseable
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert block is not None
    data = json.loads(block.group(1))
    assert data["@context"] == "https://schema.org" and data["identifier"] == url.split("/", 2)[2]


def test_gene_page_groups_and_links(client: Any) -> None:
    page = html(client, "/entity/NCBIGene:5743")
    assert "<title>PTGS2 (gene) · metakg</title>" in page
    assert 'href="/entity/UBERON:0002048"' in page  # the lung, a related entity
    assert "Gene classes" in page and "Organs" in page
    assert 'href="https://www.ncbi.nlm.nih.gov/gene/5743"' in page


def test_reference_page_lists_citing_assertions(client: Any, graph: Any) -> None:
    page = html(client, "/entity/metakg:ref/61")
    citing = sum(
        1
        for _, _, d in graph.edges(data=True)
        if d.get("kind") == "association" and "metakg:ref/61" in d["references"]
    )
    assert citing > 0
    assert f'Assertions citing it <span class="muted">({citing})</span>' in page
    assert "Reference 61" in page and "EREG" in page


def test_retracted_reference_is_flagged(client: Any, graph: Any) -> None:
    retracted = [n for n, d in graph.nodes(data=True) if d.get("retracted")]
    assert retracted
    assert 'class="flag">retracted' in html(client, f"/entity/{retracted[0]}")


def test_friendly_routes_redirect(client: Any) -> None:
    for url, target in [
        ("/gene/COX2", "/entity/NCBIGene:5743"),
        ("/organ/lung", "/entity/UBERON:0002048"),
        ("/cancer-type/breast cancer", "/entity/DOID:1612"),
        ("/step/colonization", "/entity/metakg:step/colonization"),
        ("/reference/61", "/entity/metakg:ref/61"),
    ]:
        response = client.get(url, headers=BROWSER)
        assert response.status_code == 302, url
        assert response.headers["Location"].endswith(target), url


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/entity/NCBIGene:0", 404),
        ("/entity/<script>", 404),
        ("/gene/NOSUCHGENE", 404),
        ("/organ/PTGS2", 404),
        ("/reference/99999", 404),
        ("/reference/abc", 400),
        ("/browse/nothing", 404),
        ("/iri?u=http://example.org/x", 404),
        ("/simulate?cancer=no+such+cancer", 400),
        ("/simulate?cancer=DOID:1612&cells=abc", 400),
    ],
)
def test_bad_input_is_an_html_error_page(client: Any, url: str, status: int) -> None:
    page = html(client, url, status=status)
    assert 'class="problem"' in page
    assert "<script>" not in page.split("</header>", 1)[1].split("<script src")[0]


def test_browse_pages(client: Any, graph: Any) -> None:
    genes = sum(1 for _, d in graph.nodes(data=True) if d["category"] in ("gene", "microrna"))
    page = html(client, "/browse/genes")
    assert f'<span class="muted">({genes})</span>' in page
    assert "Reference" not in html(client, "/browse/organs").split("<main")[1][:200]


def test_graph_json(client: Any, graph: Any) -> None:
    body = client.get("/web/neighbourhood?id=NCBIGene:5743").json
    ids = {n["id"] for n in body["nodes"]}
    assert "NCBIGene:5743" in ids and "UBERON:0002048" in ids
    assert all(graph.nodes[n]["category"] != "publication" for n in ids)
    assert all(e["from"] in ids and e["to"] in ids for e in body["edges"])
    assert {"label", "color", "url"} <= set(body["nodes"][0])
    high = client.get("/web/neighbourhood?id=NCBIGene:5743&min_confidence=high").json
    assert all(e["confidence"] in ("high", None) for e in high["edges"])
    assert len(high["edges"]) <= len(body["edges"])
    only = client.get("/web/neighbourhood?id=NCBIGene:5743&predicate=acts_at_step").json
    assert {e["predicate"] for e in only["edges"]} <= {"acts_at_step", "subclass_of"}
    two = client.get("/web/neighbourhood?id=NCBIGene:5743&hops=2").json
    assert len(two["nodes"]) > len(body["nodes"])
    for bad in ("hops=9", "min_confidence=sure", "predicate=likes", ""):
        assert client.get(f"/web/neighbourhood?id=NCBIGene:5743&{bad}".rstrip("&")).status_code in (
            200 if bad == "" else 400,
        )
    assert client.get("/web/neighbourhood").status_code == 400
    assert client.get("/web/neighbourhood?id=nope:1").status_code == 404


def test_vendor_assets_come_from_pyvis(client: Any) -> None:
    base = resources.files("pyvis").joinpath("templates", "lib", "vis-9.1.2")
    for name in ("vis-network.min.js", "vis-network.css"):
        response = client.get(f"/static/vendor/{name}")
        assert response.status_code == 200
        assert response.data == base.joinpath(name).read_bytes()
    assert client.get("/static/vendor/../../etc/passwd").status_code == 404
    assert client.get("/static/vendor/other.js").status_code == 404


def test_sparql_editor(client: Any) -> None:
    for url in ("/query", "/sparql"):
        page = html(client, url)
        assert "<title>SPARQL editor · metakg</title>" in page
        assert '<label for="sparql-query">' in page
    data = re.search(r'<script type="application/json" id="sparql-data">(.*?)</script>', page, re.S)
    assert data is not None
    examples = json.loads(data.group(1))["examples"]
    assert len(examples) >= 10 and all(
        "VALUES" in e["text"] or "WHERE" in e["text"] for e in examples
    )
    # SPARQL clients still get the service description and query answers
    description = client.get("/sparql")
    assert description.mimetype == "text/turtle"
    answer = client.get("/sparql?query=ASK{}", headers={**BROWSER, "Accept": "text/html,*/*;q=0.1"})
    assert answer.status_code == 200 and b"true" in answer.data


def test_named_query_examples_give_the_named_rows(store: Any, graph: Any) -> None:
    from queries import lookup, named
    from server.http.web.sparql_page import example_text

    index = lookup.name_index(graph)
    for query in named.registry().values():
        bound = named.bind(query, query.example, index=index)
        expected = named.run_sparql(bound, store.rdf)
        got = list(store.rdf.query(example_text(query, bound.substitutions)))
        assert len(got) == len(expected), query.name


def test_simulator_page(client: Any) -> None:
    page = html(client, "/simulate")
    assert '<option value="DOID:1612" selected>' in page
    result = html(client, "/simulate?cancer=DOID:1612&genes=EREG,+COX2&knockouts=MMP1&mode=paths")
    assert 'id="risk-chart"' in result and "Explained paths" in result
    assert 'href="/entity/metakg:step/intravasation"' in result
    assert re.search(r'href="/entity/metakg:ref/61"', result)
    assert "latency Long" in result and "{&#39;id&#39;" not in result and "{'id'" not in result
    cells = html(client, "/simulate?cancer=DOID:1612&genes=EREG&mode=cells&cells=500&seed=1")
    assert "Cells (500, seed 1)" in cells
    posted = client.post(
        "/simulate", data={"cancer": "DOID:1612", "genes": "EREG"}, headers=BROWSER
    )
    assert posted.status_code == 200 and b'id="risk-chart"' in posted.data
    assert "did you mean" in html(client, "/simulate?cancer=breast+cancr", status=400)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/search?q=metastasis",
        "/entity/NCBIGene:5743",
        "/entity/metakg:ref/61",
        "/browse/references",
        "/query",
        "/simulate?cancer=DOID:1612&genes=EREG",
        "/entity/nope:1",
    ],
)
def test_no_external_scripts_or_styles(client: Any, url: str) -> None:
    response = client.get(url, headers=BROWSER)
    page = response.get_data(as_text=True)
    sources = re.findall(r'<(?:script|link|img|iframe)\b[^>]*?(?:src|href)="([^"]*)"', page)
    assert sources
    assert not [s for s in sources if re.match(r"(https?:)?//", s)], sources
    assert not re.search(r"<script(?![^>]*\b(src|type=\"application/(ld\+)?json\"))", page)
