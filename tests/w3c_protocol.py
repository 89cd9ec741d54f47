"""A runner for the W3C SPARQL 1.1 Protocol tests, against any SPARQL endpoint over HTTP.

The manifest (``../shared/conformance/sparql11-protocol/manifest.ttl``, the 2026 revision of
``sparql/sparql11/protocol`` in w3c/rdf-tests) spells out each test's HTTP requests as
``ht:Request`` nodes and its expectations on each ``ht:Response`` (``mf:expectedStatus``,
``mf:expectedFormat``, ``mf:expectedBoolean``). This module replays them byte for byte with
:mod:`http.client` (``urllib`` and ``requests`` add headers of their own, which silently
changes the tests that leave out ``Content-Type``) and judges the answers:

- the status must be in one of the expected classes (a redirect is followed only where 3xx
  is expected);
- ``"boolean"``: the body is SPARQL JSON or XML results holding a boolean, equal to
  ``mf:expectedBoolean`` when the manifest gives one;
- ``"tabular"``: SPARQL JSON, XML, CSV or TSV results that rdflib parses as a SELECT result;
- ``"RDF"``: RDF/XML, Turtle or N-Triples that rdflib parses as a graph (RDFa, also allowed by
  the tests, is accepted on its media type: rdflib has no RDFa parser).

The endpoint must already hold the graphs the tests name (``ut:graphData``: the graph name is
the ``rdfs:label``, the data is the local ``dataN.nt`` file; :func:`load_dataset` writes them
into a pyoxigraph store). Tests whose update requests expect success are skipped unless
``updates=True`` (a read-only endpoint offers no update operation); the tests that expect an
update to be refused always run.

From the command line (from the project root)::

    python -m tests.w3c_protocol http://127.0.0.1:8000/sparql

prints one line per test (``PASS name``, ``FAIL name: why``, ``SKIP name: why``) and a closing
``N passed, N failed, N skipped``; the exit status is 1 when a test failed.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit
from urllib.request import url2pathname

import rdflib
from rdflib import RDF, RDFS, Namespace
from rdflib.collection import Collection
from rdflib.query import Result

MANIFEST = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "conformance"
    / "sparql11-protocol"
    / "manifest.ttl"
)
PREFIX = "/sparql/"
READ_ONLY = "read-only endpoint (update not offered)"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

FORM = "application/x-www-form-urlencoded"
UPDATE = "application/sparql-update"
SPARQL_RESULTS = "{http://www.w3.org/2005/sparql-results#}"

#: Media types each expected format allows, with the rdflib parser that reads them
#: (None: accepted on the media type alone).
FORMATS: dict[str, dict[str, str | None]] = {
    "boolean": {
        "application/sparql-results+json": "json",
        "application/sparql-results+xml": "xml",
    },
    "tabular": {
        "application/sparql-results+json": "json",
        "application/sparql-results+xml": "xml",
        "text/csv": "csv",
        "text/tab-separated-values": "tsv",
    },
    "RDF": {
        "application/rdf+xml": "xml",
        "text/turtle": "turtle",
        "application/n-triples": "nt",
        "text/html": None,
        "application/xhtml+xml": None,
    },
}
REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class HttpRequest:
    """One ``ht:Request`` with the expectations of its ``ht:resp``."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    statuses: frozenset[int]
    expected_format: str | None = None
    expected_boolean: bool | None = None

    def header(self, name: str) -> str | None:
        for field, value in self.headers:
            if field.casefold() == name.casefold():
                return value
        return None

    @property
    def is_update(self) -> bool:
        """Whether the request asks for an update operation (by any of the three routes)."""
        content_type = bare(self.header("content-type") or "")
        if content_type == UPDATE:
            return True
        if "update" in parse_qs(urlsplit(self.path).query):
            return True
        if content_type == FORM and self.body is not None:
            return "update" in parse_qs(self.body.decode("utf-8", "replace"))
        return False


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    title: str
    requests: tuple[HttpRequest, ...]
    graphs: tuple[tuple[str, Path], ...] = ()

    @property
    def needs_update(self) -> bool:
        """Whether the test expects an update to succeed (it cannot pass read-only)."""
        return any(r.is_update and r.statuses & {2, 3} for r in self.requests)


@dataclass(frozen=True)
class Outcome:
    name: str
    verdict: str  # PASS, FAIL or SKIP
    detail: str = ""

    @property
    def line(self) -> str:
        return f"{self.verdict} {self.name}" + (f": {self.detail}" if self.detail else "")


def bare(media_type: str) -> str:
    """``text/csv; charset=utf-8`` -> ``text/csv``."""
    return media_type.split(";", 1)[0].strip().casefold()


# --- reading the manifest ---------------------------------------------------------------


def load_manifest(path: Path = MANIFEST) -> list[ProtocolTest]:
    """The manifest's tests, in the order of its ``mf:entries``."""
    path = Path(path).resolve()
    graph = rdflib.Graph()
    graph.parse(path, format="turtle", publicID=path.as_uri())
    manifest = graph.value(predicate=RDF.type, object=MF.Manifest, any=False)
    entries = Collection(graph, graph.value(manifest, MF.entries))
    return [_test(graph, entry) for entry in entries]


def _test(graph: rdflib.Graph, node: rdflib.term.Node) -> ProtocolTest:
    name = str(node).rsplit("#", 1)[-1]
    action = graph.value(node, MF.action)
    requests = Collection(graph, graph.value(action, HT.requests))
    graphs = []
    for data in graph.objects(node, UT.graphData):
        source = urlsplit(str(graph.value(data, UT.graph)))
        graphs.append((str(graph.value(data, RDFS.label)), Path(url2pathname(source.path))))
    return ProtocolTest(
        name=name,
        title=str(graph.value(node, MF.name)),
        requests=tuple(_request(graph, r) for r in requests),
        graphs=tuple(sorted(graphs)),
    )


def _request(graph: rdflib.Graph, node: rdflib.term.Node) -> HttpRequest:
    headers: list[tuple[str, str]] = []
    header_list = graph.value(node, HT.headers)
    if header_list is not None:
        for header in Collection(graph, header_list):
            headers.append(
                (str(graph.value(header, HT.fieldName)), str(graph.value(header, HT.fieldValue)))
            )
    body = None
    content = graph.value(node, HT.body)
    if content is not None:
        encoding = str(graph.value(content, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(content, CNT.chars)).encode(encoding)
    resp = graph.value(node, HT.resp)
    statuses = frozenset(
        int(str(status).rsplit("StatusCode", 1)[1][0])
        for status in graph.objects(resp, MF.expectedStatus)
    )
    fmt = graph.value(resp, MF.expectedFormat)
    boolean = graph.value(resp, MF.expectedBoolean)
    return HttpRequest(
        method=str(graph.value(node, HT.methodName)),
        path=str(graph.value(node, HT.absolutePath)),
        headers=tuple(headers),
        body=body,
        statuses=statuses,
        expected_format=None if fmt is None else str(fmt),
        expected_boolean=None if boolean is None else bool(boolean.toPython()),
    )


def dataset(tests: Iterable[ProtocolTest]) -> dict[str, Path]:
    """Every graph the tests preload: graph name -> local N-Triples file."""
    graphs: dict[str, Path] = {}
    for test in tests:
        for name, source in test.graphs:
            if graphs.setdefault(name, source) != source:
                raise ValueError(f"graph {name} is given two sources: {graphs[name]}, {source}")
    return graphs


def load_dataset(location: Path, tests: Iterable[ProtocolTest]) -> None:
    """Create a pyoxigraph store at ``location`` holding every graph the tests name, and close
    it (so another process can open it)."""
    import pyoxigraph as ox

    store = ox.Store(str(location))
    for name, source in sorted(dataset(tests).items()):
        store.load(path=str(source), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name))
    store.flush()
    del store


# --- running ---------------------------------------------------------------------------


class _Failure(Exception):
    pass


def target(endpoint: str, absolute_path: str) -> str:
    """The manifest's ``/sparql/...`` path rebased on ``endpoint`` (a full URL); the query
    string is kept, and merged with one the endpoint URL may carry."""
    if not absolute_path.startswith(PREFIX):
        raise ValueError(f"request path {absolute_path!r} does not start with {PREFIX}")
    rest = absolute_path[len(PREFIX) :]
    rest_path, _, rest_query = rest.partition("?")
    url = urlsplit(endpoint)
    path = url.path or "/"
    if rest_path:
        path = path.rstrip("/") + "/" + rest_path
    query = "&".join(q for q in (url.query, rest_query) if q)
    return path + ("?" + query if query else "")


def _connection(url: str, timeout: float) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return http.client.HTTPSConnection(parts.netloc, timeout=timeout)
    if parts.scheme != "http":
        raise ValueError(f"{url}: only http and https endpoints can be tested")
    return http.client.HTTPConnection(parts.netloc, timeout=timeout)


def _send(
    conn: http.client.HTTPConnection,
    authority: str,
    method: str,
    path: str,
    headers: Sequence[tuple[str, str]],
    body: bytes | None,
) -> tuple[int, dict[str, str], bytes]:
    """Send exactly the given request: Host, the test's own headers, and Content-Length when
    there is a body; nothing else (no Accept, no Accept-Encoding, no Content-Type)."""
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", authority)
    for name, value in headers:
        conn.putheader(name, value)
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    response = conn.getresponse()
    data = response.read()
    return response.status, {k.casefold(): v for k, v in response.getheaders()}, data


def _exchange(
    url: str,
    request: HttpRequest,
    connections: dict[str, http.client.HTTPConnection],
    *,
    timeout: float,
) -> tuple[int, dict[str, str], bytes]:
    method, headers, body = request.method, request.headers, request.body
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        conn = connections.get(origin)
        if conn is None:
            conn = connections[origin] = _connection(url, timeout)
        path = parts.path + ("?" + parts.query if parts.query else "")
        status, response_headers, data = _send(conn, parts.netloc, method, path, headers, body)
        location = response_headers.get("location")
        if status not in REDIRECTS or 3 not in request.statuses or not location:
            return status, response_headers, data
        url = urljoin(url, location)
        if status == 303 or (status in (301, 302) and method == "POST"):
            method, body = "GET", None
            headers = tuple(h for h in headers if h[0].casefold() != "content-type")
    raise _Failure(f"more than {MAX_REDIRECTS} redirects")


def _check(request: HttpRequest, status: int, headers: dict[str, str], body: bytes) -> None:
    if status // 100 not in request.statuses:
        wanted = " or ".join(f"{c}xx" for c in sorted(request.statuses))
        raise _Failure(f"status {status}, expected {wanted}{_excerpt(body)}")
    if status // 100 != 2 or request.expected_format is None:
        return
    allowed = FORMATS[request.expected_format]
    content_type = headers.get("content-type", "")
    parser = allowed.get(bare(content_type), "")
    if parser == "":
        given = f"Content-Type {content_type}" if content_type else "no Content-Type"
        raise _Failure(
            f"expected {request.expected_format} results as one of {', '.join(allowed)}; "
            f"got {given}"
        )
    if parser is None:
        return
    if request.expected_format == "boolean":
        value = _boolean(body, parser)
        if request.expected_boolean is not None and value != request.expected_boolean:
            raise _Failure(
                f"the answer is {str(value).lower()}, expected "
                f"{str(request.expected_boolean).lower()}"
            )
    elif request.expected_format == "tabular":
        try:
            result = Result.parse(io.BytesIO(body), format=parser)
        except Exception as exc:
            raise _Failure(f"the {parser} results do not parse: {exc}") from None
        if result.type != "SELECT":
            raise _Failure(f"expected a table of solutions, got a {result.type} result")
    else:
        try:
            rdflib.Graph().parse(data=body, format=parser)
        except Exception as exc:
            raise _Failure(f"the {content_type} body does not parse: {exc}") from None


def _boolean(body: bytes, parser: str) -> bool:
    if parser == "json":
        try:
            document = json.loads(body)
        except ValueError as exc:
            raise _Failure(f"the JSON results do not parse: {exc}") from None
        value = document.get("boolean") if isinstance(document, dict) else None
        if not isinstance(value, bool):
            raise _Failure("the JSON results hold no boolean")
        return value
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise _Failure(f"the XML results do not parse: {exc}") from None
    element = root.find(SPARQL_RESULTS + "boolean")
    text = None if element is None or element.text is None else element.text.strip()
    if root.tag != SPARQL_RESULTS + "sparql" or text not in ("true", "false"):
        raise _Failure("the XML results hold no boolean")
    return text == "true"


def _excerpt(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip().replace("\n", " ")
    return f" ({text[:200]})" if text else ""


def run_test(
    test: ProtocolTest,
    endpoint: str,
    *,
    update_endpoint: str | None = None,
    updates: bool = False,
    timeout: float = 30.0,
) -> Outcome:
    if test.needs_update and not updates:
        return Outcome(test.name, "SKIP", READ_ONLY)
    connections: dict[str, http.client.HTTPConnection] = {}
    try:
        for number, request in enumerate(test.requests, start=1):
            base = update_endpoint if request.is_update and update_endpoint else endpoint
            url = urljoin(base, target(base, request.path))
            try:
                status, headers, body = _exchange(url, request, connections, timeout=timeout)
                _check(request, status, headers, body)
            except _Failure as exc:
                where = f"request {number}: " if len(test.requests) > 1 else ""
                return Outcome(test.name, "FAIL", f"{where}{request.method} {url}: {exc}")
            except (OSError, http.client.HTTPException) as exc:
                return Outcome(
                    test.name, "FAIL", f"{request.method} {url}: {type(exc).__name__}: {exc}"
                )
    finally:
        for conn in connections.values():
            conn.close()
    return Outcome(test.name, "PASS")


def run(
    endpoint: str,
    tests: Sequence[ProtocolTest] | None = None,
    *,
    update_endpoint: str | None = None,
    updates: bool = False,
    timeout: float = 30.0,
) -> list[Outcome]:
    """Run ``tests`` (default: the whole manifest) against the query endpoint URL."""
    tests = load_manifest() if tests is None else tests
    return [
        run_test(t, endpoint, update_endpoint=update_endpoint, updates=updates, timeout=timeout)
        for t in tests
    ]


def summary(outcomes: Sequence[Outcome]) -> str:
    counts = {v: sum(o.verdict == v for o in outcomes) for v in ("PASS", "FAIL", "SKIP")}
    return f"{counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.w3c_protocol",
        description="Run the W3C SPARQL 1.1 Protocol tests against a SPARQL endpoint. The "
        "endpoint must hold the graphs the tests name (see load_dataset).",
    )
    parser.add_argument("url", help="the query endpoint, e.g. http://127.0.0.1:8000/sparql")
    parser.add_argument("--manifest", type=Path, default=MANIFEST, help="default: %(default)s")
    parser.add_argument(
        "--updates",
        action="store_true",
        help="also run the tests whose updates must succeed (only for an endpoint that offers "
        "SPARQL Update, on a fresh store: they change its data)",
    )
    parser.add_argument("--update-url", help="a separate update endpoint, if the server has one")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    args = parser.parse_args(argv)
    url = urlsplit(args.url)
    if url.scheme not in ("http", "https") or not url.netloc or not url.path:
        parser.error(f"{args.url!r} is not an endpoint URL such as http://127.0.0.1:8000/sparql")
    if not args.manifest.is_file():
        parser.error(f"no manifest at {args.manifest}; give one with --manifest")
    outcomes = run(
        args.url,
        load_manifest(args.manifest),
        update_endpoint=args.update_url,
        updates=args.updates,
        timeout=args.timeout,
    )
    for outcome in outcomes:
        print(outcome.line)
    print(summary(outcomes))
    return 1 if any(o.verdict == "FAIL" for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
