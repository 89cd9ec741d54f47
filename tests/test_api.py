"""The REST API under /api/v1/: lookups, filters, pagination, search, paths, named queries.

Most tests use the Flask test client of the real app over the curated store; one goes
through a real `metakg serve` process with urllib. Expected values are checked
against the networkx graph itself where the API claims a rule, so the tests can fail.
"""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from graph.exports import ExportFormat
from graph.store import write_store
from ingest.pipeline import assemble, plan_sources
from queries import lookup, named
from server.http.app import create_app
from tests.conftest import GENE_INFO, need

API = "/api/v1"
RANK = {"high": 3, "medium": 2, "low": 1}


@pytest.fixture(scope="module")
def graph(app):  # type: ignore[no-untyped-def]
    return app.extensions["metakg"].graph


def get(client: Any, path: str, status: int = 200, **params: Any) -> Any:
    response = client.get(API + path, query_string=params)
    assert response.status_code == status, response.get_data(as_text=True)
    if status >= 400:
        assert response.mimetype == "application/problem+json"
    return response


def all_items(client: Any, path: str, **params: Any) -> list[dict[str, Any]]:
    return get(client, path, limit=200, **params).json["items"]


def symbols(items: list[dict[str, Any]]) -> set[str]:
    return {i["symbol"] for i in items}


def node_of(graph: Any, symbol: str) -> str:
    return next(n for n, d in graph.nodes(data=True) if d.get("symbol") == symbol)


# --- genes ------------------------------------------------------------------------------------


def test_an_alias_finds_the_gene_with_all_its_evidence(client: Any, graph: Any) -> None:
    body = get(client, "/genes/COX2").json
    assert (body["id"], body["symbol"]) == ("NCBIGene:5743", "PTGS2")
    assertions = [a for group in body["assertions"].values() for a in group]
    edges = list(graph.out_edges("NCBIGene:5743")) + list(graph.in_edges("NCBIGene:5743"))
    assert len(assertions) == len(edges) > 5
    for item in assertions:
        assert item["references"], item["id"]
        for ref in item["references"]:
            assert isinstance(ref["number"], int) and ref["citation"], ref


def test_ereg_has_its_class_steps_organ_and_cancer_type(client: Any) -> None:
    groups = get(client, "/genes/EREG").json["assertions"]
    assert {a["object"]["id"] for a in groups["class"]} == {"metakg:class/metastasis_progression"}
    assert {a["object"]["label"] for a in groups["step"]} >= {
        "Intravasation",
        "Arrest and extravasation",
    }
    assert [a["object"]["label"] for a in groups["organ"]] == ["Lung"]
    assert [a["object"]["label"] for a in groups["cancer_type"]] == ["Breast cancer"]
    assert get(client, "/genes/HGNC:3443").json["id"] == get(client, "/genes/ereg").json["id"]


def test_unknown_and_misplaced_gene_names_are_404_saying_why(client: Any) -> None:
    detail = get(client, "/genes/EREGG", 404).json["detail"]
    assert "no gene is called 'EREGG'" in detail and "did you mean ereg" in detail
    detail = get(client, "/genes/lung", 404).json["detail"]
    assert "is an organ" in detail and f"{API}/organs/UBERON:0002048" in detail


@pytest.mark.slow
def test_an_ambiguous_gene_name_is_422_listing_the_candidates(tmp_path: Path) -> None:
    # With NCBI's synonyms, "p38" names both MAPK14 and MAPK1.
    kb = assemble(plan_sources([need(GENE_INFO)]))
    write_store(tmp_path / "store", kb.nodes, kb.edges, kb.hierarchy, sources=[], version="t")
    app = create_app({"store": tmp_path / "store", "rate_limit": "off"})
    client = app.test_client()
    detail = get(client, "/genes/p38", 422).json["detail"]
    assert "ambiguous" in detail and "MAPK14" in detail and "MAPK1" in detail
    detail = get(client, "/paths", 422, **{"from": "p38", "to": "lung"}).json["detail"]
    assert "parameter 'from'" in detail and "ambiguous" in detail


def test_filters_by_organ_and_cancer_type(client: Any, graph: Any) -> None:
    both = all_items(client, "/genes", organ="bone", cancer_type="breast cancer")
    assert {"PTHLH", "IL11"} <= symbols(both)
    assert "EREG" not in symbols(both)  # a lung gene
    bone = all_items(client, "/genes", organ="UBERON:0002481")
    expected = {
        u
        for u, v, d in graph.edges(data=True)
        if v == "UBERON:0002481" and d["predicate"] == "mediates_metastasis_to"
    }
    assert {i["id"] for i in bone} == expected
    assert {i["id"] for i in both} <= expected


def test_filter_by_class_and_the_classes_of_each_item(client: Any) -> None:
    items = all_items(client, "/genes", **{"class": "metastasis_suppressor"})
    assert "MIR335" in symbols(items)
    for item in items:
        assert "metakg:class/metastasis_suppressor" in {c["id"] for c in item["classes"]}
    mir335 = next(i for i in items if i["symbol"] == "MIR335")
    assert mir335["category"] == "microrna"
    assert mir335["url"] == f"{API}/genes/{mir335['id']}"


def test_a_cancer_type_filter_covers_its_subtypes(client: Any, graph: Any) -> None:
    # GATA3's only high-confidence cancer-type assertion is about luminal breast cancer.
    luminal = "metakg:cancer/breast_luminal"
    high = [
        v
        for _, v, d in graph.out_edges(node_of(graph, "GATA3"), data=True)
        if d["predicate"] == "contributes_to" and d["confidence"] == "high"
    ]
    assert high == [luminal] and luminal in lookup.subtypes(graph, "DOID:1612")
    high = all_items(client, "/genes", cancer_type="breast cancer", confidence="high")
    assert "GATA3" in symbols(high)
    assert "GATA3" in symbols(all_items(client, "/genes", cancer_type="Luminal breast cancer"))
    assert "GATA3" not in symbols(all_items(client, "/genes", cancer_type="lung cancer"))


def test_confidence_keeps_genes_with_matching_assertions_of_that_confidence(
    client: Any, graph: Any
) -> None:
    low = all_items(client, "/genes", organ="lung", confidence="low")
    assert low
    for item in low:
        assert any(
            v == "UBERON:0002048"
            and d["predicate"] == "mediates_metastasis_to"
            and d["confidence"] == "low"
            for _, v, d in graph.out_edges(item["id"], data=True)
        ), item["symbol"]
    assert symbols(low) < symbols(all_items(client, "/genes", organ="lung"))


def test_text_filter_matches_symbols_aliases_and_names(client: Any) -> None:
    assert "PTGS2" in symbols(all_items(client, "/genes", q="cox2"))
    assert "EREG" in symbols(all_items(client, "/genes", q="epiregulin"))
    assert all_items(client, "/genes", q="no such gene at all") == []


@pytest.mark.parametrize(
    ("params", "words", "status"),
    [
        # A well-formed name that names nothing: 422 (the OpenAPI document cannot list names).
        ({"organ": "bnoe"}, ["parameter 'organ'", "no organ is called 'bnoe'", "bone"], 422),
        ({"cancer_type": "brest cancer"}, ["parameter 'cancer_type'", "breast cancer"], 422),
        ({"class": "EREG"}, ["parameter 'class'", "no gene class is called 'EREG'"], 422),
        ({"step": "lung"}, ["parameter 'step'", f"{API}/cascade-steps"], 422),
        # A request the document says is malformed: 400.
        ({"confidence": "sure"}, ["confidence", "high, medium, low"], 400),
        ({"organ": ""}, ["organ"], 400),
        ({"organs": "bone"}, ["organs", "unknown parameter"], 400),
    ],
)
def test_bad_filter_values_are_400_naming_the_parameter(
    client: Any, params: dict[str, str], words: list[str], status: int
) -> None:
    body = get(client, "/genes", status, **params).json
    assert body["status"] == status
    for word in words:
        assert word in body["detail"]


def test_pagination_totals_limits_and_link_headers(client: Any) -> None:
    everything = all_items(client, "/genes")
    first = get(client, "/genes", limit=40)
    assert first.json["total"] == len(everything) > 80
    assert len(first.json["items"]) == 40 and first.json["offset"] == 0
    assert get(client, "/genes").json["limit"] == 50
    links = first.headers["Link"]
    assert '</api/v1/genes?limit=40&offset=40>; rel="next"' in links
    assert 'rel="prev"' not in links
    pages, offset = [], 0
    while offset < len(everything):
        page = get(client, "/genes", limit=40, offset=offset)
        pages += page.json["items"]
        offset += 40
    assert pages == everything
    assert 'rel="next"' not in page.headers["Link"] and 'rel="prev"' in page.headers["Link"]
    filtered = get(client, "/genes", organ="bone", limit=5, offset=5)
    assert "organ=bone" in filtered.headers["Link"] and "offset=0" in filtered.headers["Link"]
    assert get(client, "/genes", offset=10_000).json["items"] == []
    for bad in ({"limit": 500}, {"limit": 0}, {"offset": -1}, {"limit": "ten"}):
        assert next(iter(bad)) in get(client, "/genes", 400, **bad).json["detail"]


# --- the other collections --------------------------------------------------------------------

COLLECTIONS = [
    ("organs", "bone", "UBERON:0002481"),
    ("cancer-types", "breast cancer", "DOID:1612"),
    ("pathways", "tgfb_smad", "metakg:pathway/tgfb_smad"),
    ("cascade-steps", "colonization", "metakg:step/colonization"),
    ("gene-classes", "Metastasis suppressor", "metakg:class/metastasis_suppressor"),
    ("barrier-types", "blood_brain_barrier", "metakg:barrier/blood_brain_barrier"),
    ("latency-classes", "long", "metakg:latency/long"),
]


@pytest.mark.parametrize(("collection", "name", "node_id"), COLLECTIONS)
def test_each_list_and_detail_pair(
    client: Any, graph: Any, collection: str, name: str, node_id: str
) -> None:
    listing = get(client, f"/{collection}").json
    category = graph.nodes[node_id]["category"]
    expected = {n for n, d in graph.nodes(data=True) if d["category"] == category}
    assert {i["id"] for i in listing["items"]} == expected
    assert listing["total"] == len(expected)
    item = next(i for i in listing["items"] if i["id"] == node_id)
    assert item["url"] == f"{API}/{collection}/{node_id}"
    by_name = get(client, f"/{collection}/{name}").json
    assert by_name["id"] == node_id and by_name["assertions"]
    assert get(client, item["url"][len(API) :]).json == by_name
    assert "did you mean" in get(client, f"/{collection}/{name}x", 404).json["detail"]
    detail = get(client, f"/{collection}/EREG", 404).json["detail"]
    assert "is a gene" in detail and f"{API}/genes/NCBIGene:2069" in detail


def test_cascade_steps_are_in_cascade_order_then_cross_cutting(client: Any) -> None:
    items = get(client, "/cascade-steps").json["items"]
    ordered = [i["id"].rsplit("/", 1)[1] for i in items if "order" in i]
    assert ordered == [
        "local_invasion",
        "intravasation",
        "circulation_survival",
        "arrest_extravasation",
        "latency_dormancy",
        "colonization",
    ]
    assert [("order" in i) for i in items] == [True] * 6 + [False] * 3


def test_gene_classes_by_scheme(client: Any) -> None:
    review = get(client, "/gene-classes", scheme="review").json["items"]
    assert {i["id"].rsplit("/", 1)[1] for i in review} == {
        "metastasis_initiation",
        "metastasis_progression",
        "metastasis_virulence",
        "metastasis_suppressor",
    }
    roles = get(client, "/gene-classes", scheme="graph_role").json["items"]
    assert len(roles) == 6 and {i["scheme"] for i in roles} == {"graph_role"}
    get(client, "/gene-classes", 400, scheme="mine")


def test_cancer_types_show_their_hierarchy(client: Any) -> None:
    nsclc = get(client, "/cancer-types/Non-small cell lung cancer").json
    assert [p["label"] for p in nsclc["hierarchy"]["parents"]] == ["Lung cancer"]
    assert [c["label"] for c in nsclc["hierarchy"]["children"]] == ["Lung adenocarcinoma"]
    items = get(client, "/cancer-types", q="lung").json["items"]
    adeno = next(i for i in items if i["label"] == "Lung adenocarcinoma")
    assert [p["label"] for p in adeno["parents"]] == ["Non-small cell lung cancer"]


# --- references -------------------------------------------------------------------------------


def test_reference_106_is_retracted_and_lists_every_assertion_citing_it(
    client: Any, graph: Any
) -> None:
    body = get(client, "/references/106").json
    assert body["retracted"] is True and "Retracted" in body["retractionNote"]
    assert body["number"] == 106 and body["citation"].startswith("Erler")
    citing = {
        k
        for _, _, k, d in graph.edges(keys=True, data=True)
        if "metakg:ref/106" in d.get("references", ())
    }
    assert {a["id"] for a in body["assertions"]} == citing
    assert body["assertion_count"] == len(citing)
    lox = [a for a in body["assertions"] if a["subject"]["label"] == "LOX"]
    assert len(lox) >= 3 and any(a["rests_only_on_retracted"] for a in lox)
    for item in body["assertions"]:
        only_retracted = all(r["retracted"] for r in item["references"])
        assert item["rests_only_on_retracted"] == only_retracted, item["id"]


def test_reference_list_and_its_filters(client: Any) -> None:
    listing = get(client, "/references", limit=200).json
    numbers = [i["number"] for i in listing["items"] if i["number"] is not None]
    assert numbers == list(range(1, 120))
    retracted = get(client, "/references", retracted="true").json["items"]
    assert [i["number"] for i in retracted] == [106]
    found = get(client, "/references", q="lysyl oxidase").json["items"]
    assert 106 in [i["number"] for i in found]
    assert get(client, "/references", q="doi:10.1038/nature05760").json["total"] == 1


def test_unknown_and_malformed_reference_numbers(client: Any) -> None:
    assert "no reference 999" in get(client, "/references/999", 404).json["detail"]
    assert "not a reference number" in get(client, "/references/abc", 400).json["detail"]
    get(client, "/references/-1", 400)
    get(client, "/references/0", 404)


# --- search -----------------------------------------------------------------------------------


def test_search_ranks_exact_symbols_first(client: Any) -> None:
    hits = get(client, "/search", q="ereg").json["hits"]
    assert hits[0]["label"] == "EREG" and hits[0]["score"] == 1.0
    assert hits[0]["match"] == "exact"
    cox = get(client, "/search", q="cox").json["hits"]
    ptgs2 = next(h for h in cox if h["label"] == "PTGS2")
    assert ptgs2["matched"] == "COX2" and ptgs2["match"] == "prefix"
    scores = [h["score"] for h in cox]
    assert scores == sorted(scores, reverse=True)


def test_search_finds_close_misspellings_and_labels(client: Any) -> None:
    hits = get(client, "/search", q="metastasis supressor").json["hits"]
    assert hits[0]["id"] == "metakg:class/metastasis_suppressor"
    assert hits[0]["match"] == "fuzzy"
    lung = get(client, "/search", q="lung", limit=5).json["hits"]
    assert lung[0]["label"] == "Lung" and len(lung) == 5


def test_search_includes_references_only_when_asked(client: Any) -> None:
    assert get(client, "/search", q="lysyl oxidase is essential").json["hits"] == []
    hits = get(client, "/search", q="lysyl oxidase is essential", include_references="true").json[
        "hits"
    ]
    assert hits[0]["id"] == "metakg:ref/106" and hits[0]["category"] == "publication"
    mixed = get(client, "/search", q="lung", include_references="true", limit=100).json["hits"]
    kinds = [h["category"] == "publication" for h in mixed]
    assert kinds == sorted(kinds) and any(kinds)


@pytest.mark.parametrize(
    "params", [{}, {"q": ""}, {"q": "   "}, {"q": "x" * 201}, {"q": "a", "limit": 101}]
)
def test_search_rejects_empty_or_oversized_input(client: Any, params: dict[str, Any]) -> None:
    get(client, "/search", 400, **params)


# --- paths ------------------------------------------------------------------------------------


def test_a_direct_assertion_is_a_one_hop_path(client: Any) -> None:
    body = get(client, "/paths", **{"from": "EREG", "to": "lung"}).json
    assert body["hops"] == 1 and body["count"] == 1
    (hop,) = body["paths"][0]
    assert (hop["from"]["label"], hop["to"]["label"]) == ("EREG", "Lung")
    assert hop["predicate"] == "mediates_metastasis_to" and not hop["reversed"]
    assert hop["confidence"] == "high" and 61 in hop["references"] and hop["note"]


def test_a_regulatory_chain_from_twist1_to_rhoc(client: Any, graph: Any) -> None:
    chain = get(
        client,
        "/paths",
        **{"from": "TWIST1", "to": "RHOC", "predicates": "regulates,interacts_with"},
    ).json
    assert chain["hops"] == 3
    path = chain["paths"][0]
    assert [path[0]["from"]["label"]] + [h["to"]["label"] for h in path] == [
        "TWIST1",
        "MIR10B",
        "HOXD10",
        "RHOC",
    ]
    assert [h["direction"] for h in path] == ["promotes", "suppresses", "suppresses"]
    # Without the restriction the shortest links are two hops through shared entities.
    loose = get(client, "/paths", **{"from": "TWIST1", "to": "RHOC"}).json
    assert loose["hops"] == 2 and loose["count"] >= 2
    for path in loose["paths"]:
        assert path[0]["from"]["label"] == "TWIST1" and path[-1]["to"]["label"] == "RHOC"
        for a, b in zip(path, path[1:], strict=False):
            assert a["to"] == b["from"]


@pytest.mark.parametrize(
    ("source", "target"),
    [("pancreatic cancer", "liver"), ("FN1", "lung"), ("TGFB1", "tgfb_smad")],
)
def test_each_hop_uses_the_best_supported_assertion(
    client: Any, graph: Any, source: str, target: str
) -> None:
    # Each pair has several assertions: confidence decides first, then the reference count.
    body = get(client, "/paths", **{"from": source, "to": target}).json
    ends = {body["from"]["id"], body["to"]["id"]}
    support = {
        k: (RANK[d["confidence"]], len(d["references"]))
        for u, v, k, d in graph.edges(keys=True, data=True)
        if {u, v} == ends and d.get("kind") == "association"
    }
    assert len(set(support.values())) > 1
    (hop,) = body["paths"][0]
    assert support[hop["assertion"]] == max(support.values())
    assert (RANK[hop["confidence"]], len(hop["publications"])) == max(support.values())
    back = get(client, "/paths", **{"from": target, "to": source}).json
    assert back["paths"][0][0]["reversed"] is True


def test_no_path_is_an_empty_200_with_a_message(client: Any) -> None:
    body = get(client, "/paths", **{"from": "EREG", "to": "adrenal gland", "max_hops": 1}).json
    assert body["paths"] == [] and body["count"] == 0 and body["hops"] is None
    assert "no path of at most 1 hop links" in body["message"]


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"from": "TWIST1", "to": "RHOC", "max_hops": 9}, "max_hops"),
        ({"from": "TWIST1", "to": "RHOC", "max_hops": 0}, "max_hops"),
        ({"from": "TWIST1"}, "to"),
        ({"from": "TWIST1", "to": "RHOC", "predicates": "causes"}, "causes"),
        ({"from": "TWIST1", "to": "RHOC", "predicates": ","}, "predicates"),
    ],
)
def test_bad_path_requests_are_400(client: Any, params: dict[str, Any], word: str) -> None:
    assert word in get(client, "/paths", 400, **params).json["detail"]


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"from": "TWISTT1", "to": "RHOC"}, "parameter 'from'"),
        ({"from": "TWIST1", "to": "twist1"}, "same entity"),
    ],
)
def test_well_formed_path_requests_that_name_nothing_are_422(
    client: Any, params: dict[str, Any], word: str
) -> None:
    assert word in get(client, "/paths", 422, **params).json["detail"]


# --- the index and named queries --------------------------------------------------------------


def test_the_index_links_every_collection_with_its_size(client: Any, graph: Any) -> None:
    body = get(client, "/").json
    sizes = {c["name"]: c["count"] for c in body["collections"]}
    assert sizes["genes"] == sum(
        1 for _, d in graph.nodes(data=True) if d["category"] in ("gene", "microrna")
    )
    for collection in body["collections"]:
        assert get(client, collection["url"][len(API) :]).json["total"] == collection["count"]
    assert {link["name"] for link in body["links"]} >= {"search", "paths", "queries", "sparql"}


def test_the_named_queries_are_listed(client: Any) -> None:
    body = get(client, "/queries").json
    assert [q["name"] for q in body["queries"]] == list(named.registry())
    for query in body["queries"]:
        assert query["title"] and query["columns"] and query["example"]
        assert query["url"] == f"{API}/queries/{query['name']}"


def test_every_named_query_runs_its_example(client: Any) -> None:
    for name, query in named.registry().items():
        body = get(client, f"/queries/{name}", **query.example).json
        assert body["query"] == name and body["columns"] == list(query.columns)
        assert body["count"] == len(body["rows"]) > 0, name
        assert set(body["params"]) == {p.name for p in query.params}
        for row in body["rows"]:
            assert set(row) == set(query.columns)


def test_named_query_results_as_csv_and_tsv(client: Any) -> None:
    params = {"cancer": "breast cancer", "organ": "bone"}
    body = get(client, "/queries/genes_for_cancer_organ", **params).json
    rows = body["rows"]
    assert {"PTHLH", "IL11"} <= {r["symbol"] for r in rows}
    as_csv = get(client, "/queries/genes_for_cancer_organ", format="csv", **params)
    assert as_csv.mimetype == "text/csv"
    assert list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True)))) == rows
    as_tsv = client.get(
        f"{API}/queries/genes_for_cancer_organ",
        query_string=params,
        headers={"Accept": "text/tab-separated-values"},
    )
    assert as_tsv.status_code == 200 and as_tsv.mimetype == "text/tab-separated-values"
    text = as_tsv.get_data(as_text=True)
    assert text.splitlines()[0].split("\t") == body["columns"]
    assert list(csv.DictReader(io.StringIO(text), delimiter="\t")) == rows


def test_named_query_errors(client: Any) -> None:
    assert "genes_for_cancer_organ" in get(client, "/queries/nope", 404).json["detail"]
    missing = get(client, "/queries/genes_for_cancer_organ", 400, cancer="breast cancer")
    assert "missing parameter 'organ'" in missing.json["detail"]
    injected = get(
        client,
        "/queries/genes_for_cancer_organ",
        422,
        cancer='x" } ; DROP ALL ; #',
        organ="bone",
    )
    assert "cancer" in injected.json["detail"]
    get(client, "/queries/genes_for_cancer_organ", 400, format="xml")
    response = client.get(f"{API}/queries/genes_for_cancer_organ?organ=bone&organ=lung")
    assert response.status_code == 400 and "once" in response.json["detail"]


def test_the_openapi_document_describes_every_route(client: Any) -> None:
    spec = client.get("/openapi.json").json
    operations = [
        (p, o) for p, ops in spec["paths"].items() if p.startswith(API) for o in ops.values()
    ]
    assert len(operations) >= 20
    for path, operation in operations:
        assert operation["summary"] and len(operation["description"]) > 40, path
        content = operation["responses"]["200"]["content"]
        if path == f"{API}/export":  # a download: every export format's media type
            assert set(content) == {f.media_type for f in ExportFormat}, path
            continue
        ok = content["application/json"]
        assert ok["example"] and "$ref" in ok["schema"], path
        for status in ("400", "406"):
            assert "application/problem+json" in operation["responses"][status]["content"], path
        if "{" in path:
            assert "404" in operation["responses"], path
    genes = spec["paths"][f"{API}/genes"]["get"]
    names = {p["name"] for p in genes["parameters"]}
    assert names == {
        "class",
        "step",
        "organ",
        "cancer_type",
        "pathway",
        "confidence",
        "q",
        "limit",
        "offset",
    }


# --- a real server ----------------------------------------------------------------------------


def test_a_real_server_answers_lookups_and_named_queries(live_server: Any) -> None:
    with urllib.request.urlopen(live_server.url + API + "/genes/COX2", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json"
        body = json.load(response)
    assert body["symbol"] == "PTGS2"
    for group in body["assertions"].values():
        for item in group:
            assert item["references"]
            assert all(r["number"] and r["citation"] for r in item["references"])
    url = live_server.url + API + "/queries/genes_for_cancer_organ?cancer=breast+cancer&organ=bone"
    request = urllib.request.Request(url, headers={"Accept": "text/csv"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["Content-Type"].startswith("text/csv")
        assert "PTHLH" in response.read().decode("utf-8")
    with urllib.request.urlopen(live_server.url + API + "/genes?limit=5", timeout=10) as response:
        assert 'rel="next"' in response.headers["Link"]


# --- docs/api.md ------------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[1] / "docs" / "api.md"
CURL = re.compile(
    r"^\$ curl (?P<options>.*?)'http://127\.0\.0\.1:8000(?P<url>/[^']*)'(?:\s+# (?P<status>\d+))?$",
    re.MULTILINE,
)


def test_every_curl_example_in_the_docs_works_and_every_route_has_one(client: Any) -> None:
    examples = list(CURL.finditer(DOCS.read_text(encoding="utf-8")))
    assert len(examples) > 40
    for example in examples:
        options = example["options"]
        method = re.search(r"-X (\w+)", options)
        headers = dict(re.findall(r"-H '([^:]+): ([^']*)'", options))
        response = client.open(
            example["url"], method=method[1] if method else "GET", headers=headers
        )
        assert response.status_code == int(example["status"] or 200), example[0]
    urls = [e["url"] for e in examples]
    # Each named query's own route: the examples of docs/queries.md.
    queries_doc = (DOCS.parent / "queries.md").read_text(encoding="utf-8")
    urls += re.findall(r"^GET (/api/v1/queries/\S+)$", queries_doc, re.MULTILINE)
    for path in client.get("/openapi.json").json["paths"]:
        if path.startswith(API):
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^?]+", re.escape(path)) + r"(\?.*)?"
            assert any(re.fullmatch(pattern, url) for url in urls), f"{path} has no example"
