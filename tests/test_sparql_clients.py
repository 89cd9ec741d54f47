"""Real third-party SPARQL clients against a real `metakg serve` (the session ``live_server``).

SPARQLWrapper 2 (GET, POST form-encoded, POST direct) and rdflib's SPARQLStore (GET, POST,
POST_FORM, each with JSON, XML, CSV and TSV results) must get the same answers as the store
itself; raw requests check the default formats and content negotiation; and the examples of
docs/sparql.md (curl commands and Python) are run as written, against the live server.
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import io
import json
import re
import shlex
import shutil
import subprocess
import urllib.parse
import warnings
from pathlib import Path
from typing import Any
from xml.dom.minidom import Document

import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    POST,
    POSTDIRECTLY,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

from graph.store import KnowledgeStore
from tests.conftest import LiveServer

GENE = rdflib.URIRef("https://w3id.org/biolink/vocab/Gene")
GENE_COUNT = (
    "PREFIX biolink: <https://w3id.org/biolink/vocab/>\n"
    "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { ?g a biolink:Gene }"
)
GENES_AS_GRAPH = (
    "PREFIX biolink: <https://w3id.org/biolink/vocab/>\n"
    "CONSTRUCT { ?g a biolink:Gene ; biolink:symbol ?s } WHERE { ?g a biolink:Gene ; "
    "biolink:symbol ?s }"
)
DOCS = Path(__file__).resolve().parents[1] / "docs" / "sparql.md"
DOCS_URL = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def genes(store: KnowledgeStore) -> int:
    """How many genes the store holds, counted in the networkx projection."""
    count = sum(1 for _, data in store.graph.nodes(data=True) if data["category"] == "gene")
    assert count > 10
    return count


@pytest.fixture(scope="module")
def endpoint(live_server: LiveServer) -> str:
    return live_server.url + "/sparql"


# --- SPARQLWrapper ----------------------------------------------------------------------

METHODS = {
    "GET": (GET, None),
    "POST form": (POST, URLENCODED),
    "POST direct": (POST, POSTDIRECTLY),
}


def wrapper(endpoint: str, method: str, query: str, return_format: str) -> SPARQLWrapper:
    http_method, request_method = METHODS[method]
    client = SPARQLWrapper(endpoint)
    client.setMethod(http_method)
    if request_method is not None:
        client.setRequestMethod(request_method)
    client.setQuery(query)
    client.setReturnFormat(return_format)
    return client


def count_from(return_format: str, converted: Any) -> int:
    """The single ``?n`` of a result, read the way each format has to be read."""
    if return_format == JSON:
        (row,) = converted["results"]["bindings"]
        return int(row["n"]["value"])
    if return_format == XML:
        assert isinstance(converted, Document)
        (literal,) = converted.getElementsByTagName("literal")
        return int(literal.firstChild.data)
    text = converted.decode("utf-8")
    if return_format == CSV:
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["n"], rows
        return int(rows[1][0])
    assert return_format == TSV
    header, value = text.splitlines()
    assert header == "?n"
    return int(rdflib.Literal(value.split("^^")[0].strip('"')))


@pytest.mark.parametrize("return_format", [JSON, XML, CSV, TSV])
@pytest.mark.parametrize("method", list(METHODS))
def test_sparqlwrapper_select(endpoint: str, genes: int, method: str, return_format: str) -> None:
    result = wrapper(endpoint, method, GENE_COUNT, return_format).query()
    media_type = result.info()["content-type"].split(";")[0]
    assert (
        media_type
        == {
            JSON: "application/sparql-results+json",
            XML: "application/sparql-results+xml",
            CSV: "text/csv",
            TSV: "text/tab-separated-values",
        }[return_format]
    )
    assert count_from(return_format, result.convert()) == genes


@pytest.mark.parametrize("method", list(METHODS))
def test_sparqlwrapper_ask(endpoint: str, method: str) -> None:
    yes = "ASK { ?g a <https://w3id.org/biolink/vocab/Gene> }"
    no = "ASK { <https://w3id.org/metakg/id/gene/NOT_A_GENE> ?p ?o }"
    assert wrapper(endpoint, method, yes, JSON).query().convert()["boolean"] is True
    assert wrapper(endpoint, method, no, JSON).query().convert()["boolean"] is False
    document = wrapper(endpoint, method, yes, XML).query().convert()
    (boolean,) = document.getElementsByTagName("boolean")
    assert boolean.firstChild.data == "true"


@pytest.mark.parametrize("method", list(METHODS))
def test_sparqlwrapper_construct_turtle(
    endpoint: str, store: KnowledgeStore, genes: int, method: str
) -> None:
    result = wrapper(endpoint, method, GENES_AS_GRAPH, TURTLE).query()
    assert result.info()["content-type"].split(";")[0] == "text/turtle"
    graph = rdflib.Graph().parse(data=result.convert(), format="turtle")
    assert len(set(graph.subjects(rdflib.RDF.type, GENE))) == genes
    symbols = {str(s) for s in graph.objects(None, rdflib.URIRef(str(GENE)[:-4] + "symbol"))}
    expected = {
        data["symbol"]
        for _, data in store.graph.nodes(data=True)
        if data["category"] == "gene" and data.get("symbol")
    }
    assert symbols == expected


# --- rdflib SPARQLStore -----------------------------------------------------------------


@pytest.mark.parametrize("return_format", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparqlstore(endpoint: str, genes: int, method: str, return_format: str) -> None:
    store = SPARQLStore(endpoint, method=method, returnFormat=return_format)
    try:
        # rdflib prepends a PREFIX line for every namespace the graph binds: with its own
        # set that is about thirty lines, which our guard must let through.
        graph = rdflib.Graph(store=store, bind_namespaces="rdflib")
        assert len(dict(graph.namespaces())) >= 20
        (row,) = list(graph.query(GENE_COUNT))
        assert int(row[0]) == genes
        if return_format in ("json", "xml"):  # CSV and TSV are defined for SELECT only
            (answer,) = list(graph.query(f"ASK {{ ?g a <{GENE}> }}"))
            assert answer is True
    finally:
        store.close()


def test_rdflib_sparqlstore_triples(endpoint: str, genes: int) -> None:
    """The store interface itself (graph.triples), not just graph.query."""
    store = SPARQLStore(endpoint, method="POST_FORM", returnFormat="xml")
    try:
        graph = rdflib.Graph(store=store)
        assert len(set(graph.subjects(rdflib.RDF.type, GENE))) == genes
    finally:
        store.close()


# --- raw requests: default formats and content negotiation ------------------------------


def raw_get(server: LiveServer, query: str, accept: str | None = None) -> tuple[int, str, bytes]:
    """A GET with no Accept header at all unless one is given."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        headers = {} if accept is None else {"Accept": accept}
        connection.request(
            "GET", "/sparql?" + urllib.parse.urlencode({"query": query}), None, headers
        )
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return response.status, (response.getheader("Content-Type") or "").split(";")[0], body


def test_defaults_without_accept(live_server: LiveServer, genes: int) -> None:
    status, media_type, body = raw_get(live_server, GENE_COUNT)
    assert (status, media_type) == (200, "application/sparql-results+json")
    assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == genes
    status, media_type, body = raw_get(live_server, "ASK { ?s ?p ?o }")
    assert (status, media_type) == (200, "application/sparql-results+json")
    assert json.loads(body)["boolean"] is True
    status, media_type, body = raw_get(live_server, GENES_AS_GRAPH)
    assert (status, media_type) == (200, "text/turtle")
    graph = rdflib.Graph().parse(data=body, format="turtle")
    assert len(set(graph.subjects(rdflib.RDF.type, GENE))) == genes


GRAPH_FORMATS = {
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "text/turtle": "turtle",
}


@pytest.mark.parametrize("accept", list(GRAPH_FORMATS))
def test_graph_formats_by_accept(live_server: LiveServer, accept: str) -> None:
    _, _, turtle = raw_get(live_server, GENES_AS_GRAPH)
    expected = rdflib.Graph().parse(data=turtle, format="turtle")
    status, media_type, body = raw_get(live_server, GENES_AS_GRAPH, accept)
    assert (status, media_type) == (200, accept)
    with warnings.catch_warnings():
        # rdflib's own JSON-LD parser uses its deprecated ConjunctiveGraph internally.
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        graph = rdflib.Graph().parse(data=body, format=GRAPH_FORMATS[accept])
    assert len(graph) == len(expected) > 0
    assert isomorphic(graph, expected)


def test_accept_with_qualities_picks_the_best(live_server: LiveServer) -> None:
    accept = "application/sparql-results+json;q=0.5, text/csv;q=0.9, */*;q=0.1"
    status, media_type, body = raw_get(live_server, GENE_COUNT, accept)
    assert (status, media_type) == (200, "text/csv")
    assert body.decode().splitlines()[0] == "n"
    accept = "text/turtle;q=0.2, application/n-triples"
    assert raw_get(live_server, GENES_AS_GRAPH, accept)[1] == "application/n-triples"


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (GENE_COUNT, "image/png"),
        (GENE_COUNT, "text/turtle"),
        ("ASK { ?s ?p ?o }", "application/rdf+xml"),
        (GENES_AS_GRAPH, "application/sparql-results+json"),
        (GENES_AS_GRAPH, "text/html"),
    ],
)
def test_unsatisfiable_accept_is_406(live_server: LiveServer, query: str, accept: str) -> None:
    status, media_type, body = raw_get(live_server, query, accept)
    assert (status, media_type) == (406, "application/problem+json")
    problem = json.loads(body)
    assert problem["status"] == 406
    assert "offered" in problem["detail"]


# --- docs/sparql.md: the examples run as written ----------------------------------------


def doc_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)


def curl_examples() -> list[tuple[str, str]]:
    """Each ``$ curl`` command of the guide with the output shown under it."""
    examples = []
    for block in doc_blocks("console"):
        lines = block.replace("\\\n", " ").splitlines()
        for i, line in enumerate(lines):
            if line.startswith("$ curl "):
                shown = lines[i + 1] if i + 1 < len(lines) else ""
                examples.append((line[2:], shown))
    return examples


def test_docs_have_examples() -> None:
    assert len(curl_examples()) >= 8
    assert len(doc_blocks("python")) >= 2


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize(
    ("command", "shown"),
    curl_examples(),
    ids=[f"curl-{i + 1}" for i in range(len(curl_examples()))],
)
def test_docs_curl_example(live_server: LiveServer, command: str, shown: str) -> None:
    argv = shlex.split(command.replace(DOCS_URL, live_server.url))
    done = subprocess.run(argv, capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("utf-8")
    status = re.match(r"HTTP/1\.1 (\d{3})", shown)
    if status:  # the example shows the status line: the same status must come back
        assert re.match(rf"HTTP/\S+ {status.group(1)}\b", out), out[:300]
    elif shown and not shown.startswith("$"):  # the first line shown, numbers aside
        first = out.splitlines()[0].strip()
        assert re.sub(r"\d+", "N", first) == re.sub(r"\d+", "N", shown.strip()), out[:300]


@pytest.mark.parametrize("index", range(len(doc_blocks("python"))))
def test_docs_python_example(live_server: LiveServer, index: int) -> None:
    code = doc_blocks("python")[index].replace(DOCS_URL, live_server.url)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"docs/sparql.md python block {index + 1}", "exec"), {})
    assert out.getvalue().strip(), "the example printed nothing"
