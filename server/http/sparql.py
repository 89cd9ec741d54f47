"""The SPARQL 1.1 Protocol endpoint at ``/sparql``: read-only, guarded, with deadlines.

GET with ``query=``, POST form-encoded, and POST ``application/sparql-query``; the protocol
dataset (``default-graph-uri``, ``named-graph-uri``); results by content negotiation. Updates
are refused with 403. A GET without ``query`` returns the service description.

The endpoint is served by :class:`SparqlEndpoint`, a lean WSGI layer in front of the Flask
app: SPARQL clients send many small requests, and this path skips the framework's per-request
machinery while keeping the same rules (size limits, CORS for GET/POST, a per-client rate
limit, problem+json errors). Everything else goes to Flask.
"""

from __future__ import annotations

import functools
import math
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pyoxigraph as ox
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.http import parse_accept_header
from werkzeug.wrappers import Request, Response

from graph.errors import MetakgError
from queries.guard import refusals
from server.errors import (
    BadRequest,
    QueryRefused,
    ReadOnly,
    TooManyRequests,
    UnsupportedMediaType,
    URITooLong,
    from_error,
    problem,
)
from server.sparql.query_worker import SparqlAnswer, SparqlRequest

PATH = "/sparql"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
ALLOWED_METHODS = "GET, POST, OPTIONS"
#: How much of an over-long chunked body is read (and dropped) before answering 413.
DRAIN = 1 << 20


def _read_only() -> ReadOnly:
    return ReadOnly(
        "this endpoint answers queries only; SPARQL Update is not accepted (the knowledge "
        "base is rebuilt from its sources with `metakg build`)"
    )


def _graph_iris(values: list[str], name: str) -> tuple[str, ...] | None:
    if not values:
        return None
    for value in values:
        try:
            ox.NamedNode(value)
        except ValueError:
            raise BadRequest(f"{name} '{value}' is not a valid IRI") from None
    return tuple(values)


def _origin(environ: Mapping[str, Any]) -> str:
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "localhost")
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}"


def url_length(environ: Mapping[str, Any]) -> int:
    """The length of the URL as the client sent it, percent-escapes included (werkzeug's
    ``request.url`` is the decoded IRI, up to three times shorter)."""
    query = environ.get("QUERY_STRING", "")
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    return len(_origin(environ)) + len(path) + (len(query) + 1 if query else 0)


def endpoint_iri(environ: Mapping[str, Any]) -> str:
    """The endpoint's own URL (the base IRI of queries), cheaply from the WSGI environ."""
    return _origin(environ) + environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")


@functools.lru_cache(maxsize=256)
def accepted(header: str) -> tuple[tuple[str, float], ...]:
    """An Accept header as (media type, quality) pairs, best first (werkzeug's parser; few
    clients send more than a handful of distinct headers, so parses are kept)."""
    return tuple((media, quality) for media, quality in parse_accept_header(header, MIMEAccept))


def query_args(environ: Mapping[str, Any]) -> dict[str, list[str]]:
    """The URL's parameters, decoded as werkzeug decodes them (UTF-8, bad bytes replaced)."""
    raw = environ.get("QUERY_STRING", "")
    text = raw.encode("latin-1").decode("utf-8", "replace")
    return urllib.parse.parse_qs(text, keep_blank_values=True)


def refuse_cut_off_body(request: Request) -> None:
    """Refuse a chunked body longer than ``request.max_content_length`` (413).

    Without a Content-Length there is nothing to check up front, and werkzeug stops reading
    at the limit without an error: the rest would be dropped and a cut-off query run. So the
    body is read here (werkzeug keeps it for the parsers) and anything left is refused.
    """
    limit = request.max_content_length
    if limit is None or request.content_length is not None:
        return
    if "Transfer-Encoding" not in request.headers:
        return
    stream = request.environ["wsgi.input"]
    if len(request.get_data()) >= limit and stream.read(1):
        # Read on a little (bounded), so that the client is done sending and sees the 413
        # rather than a connection closed under it.
        for _ in range(DRAIN // 65536):
            if not stream.read(65536):
                break
        raise RequestEntityTooLarge(f"the request body is larger than the {limit} bytes accepted")


Found = tuple[list[str], list[str], list[str]]


def _query_from_url(args: Mapping[str, list[str]]) -> Found | None:
    """The query texts and protocol dataset of a GET; None when it asks for no query."""
    if "update" in args:
        raise _read_only()
    if "query" not in args:
        # The service description; a dataset IRI is still checked (the document says IRI).
        _graph_iris(args.get("default-graph-uri", []), "default-graph-uri")
        _graph_iris(args.get("named-graph-uri", []), "named-graph-uri")
        return None
    return args["query"], args.get("default-graph-uri", []), args.get("named-graph-uri", [])


def _query_from_request(request: Request) -> Found | None:
    """The query texts and protocol dataset of the request; None for a bare GET."""
    args = query_args(request.environ)
    if request.method in ("GET", "HEAD"):
        return _query_from_url(args)
    refuse_cut_off_body(request)
    mimetype = request.mimetype
    charset = request.mimetype_params.get("charset")
    if charset and charset.replace("-", "").casefold() != "utf8":
        raise UnsupportedMediaType(
            f"charset {charset} is not supported; send the request body as UTF-8"
        )
    if mimetype == FORM:
        form = request.form
        if "update" in form:
            raise _read_only()
        return (
            form.getlist("query"),
            args.get("default-graph-uri", []) + form.getlist("default-graph-uri"),
            args.get("named-graph-uri", []) + form.getlist("named-graph-uri"),
        )
    if mimetype == DIRECT:
        try:
            text = request.get_data().decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("the query is not valid UTF-8") from None
        return [text], args.get("default-graph-uri", []), args.get("named-graph-uri", [])
    if mimetype == UPDATE:
        raise _read_only()
    given = f"'{request.content_type}'" if request.content_type else "no Content-Type"
    raise UnsupportedMediaType(
        f"a SPARQL POST needs Content-Type {FORM} (with query=...) or {DIRECT} (the query as "
        f"the body); got {given}"
    )


def run_query(
    state: Any,
    environ: Mapping[str, Any],
    texts: list[str],
    default_graphs: list[str],
    named_graphs: list[str],
) -> SparqlAnswer:
    """Check one protocol query and run it in a query worker; raises MetakgError."""
    if len(texts) != 1:
        raise BadRequest(f"send exactly one 'query' parameter; got {len(texts)}")
    text = texts[0]
    if not text.strip():
        raise BadRequest("the 'query' parameter is empty")
    reasons = refusals(text, local_graphs=state.named_graphs)
    if reasons:
        raise QueryRefused("; ".join(reasons))
    return state.executor.sparql(
        SparqlRequest(
            text=text,
            accept=accepted(environ.get("HTTP_ACCEPT", "")),
            default_graph=_graph_iris(default_graphs, "default-graph-uri"),
            named_graphs=_graph_iris(named_graphs, "named-graph-uri"),
            base_iri=endpoint_iri(environ),
        )
    )


def answer_headers(answer: SparqlAnswer, extra: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        ("Content-Type", answer.media_type),
        ("Content-Length", str(len(answer.body))),
        ("X-Result-Rows", str(answer.rows)),
        ("Vary", "Accept"),
        *extra,
    ]


def respond(request: Request, state: Any) -> Response:
    """Answer one protocol request; never raises (errors become problem+json)."""
    try:
        found = _query_from_request(request)
        if found is None:
            return service_description(request)
        answer = run_query(state, request.environ, *found)
    except MetakgError as error:
        return from_error(error)
    except HTTPException as error:  # e.g. 413 while reading a body over the limit
        return problem(error.code or 400, error.name, error.description or "")
    return Response(answer.body, status=200, headers=answer_headers(answer, []))


SERVICE_DESCRIPTION = """@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix formats: <http://www.w3.org/ns/formats/> .
[] a sd:Service ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat formats:SPARQL_Results_JSON, formats:SPARQL_Results_XML,
        formats:SPARQL_Results_CSV, formats:SPARQL_Results_TSV, formats:Turtle,
        formats:N-Triples, formats:RDF_XML, formats:JSON-LD ;
    sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ] .
"""


def service_description(request: Request) -> Response:
    return Response(SERVICE_DESCRIPTION.format(endpoint=request.base_url), mimetype="text/turtle")


def _wants_editor(environ: Mapping[str, Any]) -> bool:
    """A browser's plain ``GET /sparql`` (HTML preferred, no query): the editor page."""
    if environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != PATH:
        return False
    args = query_args(environ)
    if "query" in args or "update" in args:
        return False
    offered = dict(accepted(environ.get("HTTP_ACCEPT", "")))
    html = max((q for m, q in offered.items() if m == "text/html"), default=0.0)
    turtle = max(
        (q for m, q in offered.items() if m in ("text/turtle", "text/*", "*/*")), default=0.0
    )
    return html > turtle


class SparqlEndpoint:
    """WSGI middleware: serves ``/sparql`` itself and passes every other path to ``app``."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        state: Any,
        settings: Mapping[str, Any],
    ) -> None:
        self.app = app
        self.state = state
        self.max_body = int(settings["max_body"])
        self.max_url = int(settings["max_url"])
        self.cors = bool(settings["cors"])
        self.cors_headers = (
            [
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Expose-Headers", "X-Result-Rows, Retry-After"),
            ]
            if self.cors
            else []
        )
        limit = str(settings["rate_limit"]).strip()
        self.limits = [] if limit.casefold() in ("", "off", "none") else parse_many(limit)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") not in (PATH, PATH + "/"):
            return self.app(environ, start_response)
        if _wants_editor(environ):
            return self.app(environ, start_response)  # the web page's SPARQL editor
        response = self._admit(environ)
        if response is None and environ.get("REQUEST_METHOD") == "GET":
            # The common case (SPARQL clients' GET with query=) without building request and
            # response objects; the service description takes the general path below.
            try:
                found = _query_from_url(query_args(environ))
                if found is not None:
                    answer = run_query(self.state, environ, *found)
                    start_response("200 OK", answer_headers(answer, self.cors_headers))
                    return [answer.body]
            except MetakgError as error:
                response = from_error(error)
        if response is None:
            request = Request(environ)
            request.max_content_length = self.max_body
            response = respond(request, self.state)
        response.headers.extend(self.cors_headers)
        return response(environ, start_response)

    def _admit(self, environ: Mapping[str, Any]) -> Response | None:
        """The answer to a request that is not a query to run (preflight, wrong method, URL
        too long, rate limit reached), or None."""
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "OPTIONS":
            return self._preflight()
        if method not in ("GET", "HEAD", "POST"):
            return problem(
                405,
                "Method Not Allowed",
                f"{method} is not allowed on {PATH}; use GET or POST (read-only)",
                headers={"Allow": ALLOWED_METHODS},
            )
        length = url_length(environ)
        if length > self.max_url:
            return from_error(
                URITooLong(
                    f"the request URL has {length} characters, more than the "
                    f"{self.max_url} accepted; send long SPARQL queries by POST "
                    "(form-encoded or application/sparql-query)"
                )
            )
        client = environ.get("REMOTE_ADDR") or "unknown"
        for limit in self.limits:
            if not self.limiter.hit(limit, "sparql", client):
                reset = self.limiter.get_window_stats(limit, "sparql", client).reset_time
                error = TooManyRequests(f"more than {limit} from {client}; slow down")
                # Rounded up: a client that waits as long as told is let in.
                error.retry_after = max(1, math.ceil(reset - time.time()))
                return from_error(error)
        return None

    def _preflight(self) -> Response:
        response = Response(status=204)
        if self.cors:
            response.headers["Access-Control-Allow-Methods"] = "GET, POST"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
            response.headers["Access-Control-Max-Age"] = "600"
        response.headers["Allow"] = ALLOWED_METHODS
        return response


#: Not only white space (ASCII white space: what JSON Schema validators and Python agree on).
NOT_BLANK = "[^\\t\\n\\v\\f\\r ]"
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying (a whole number).",
        "schema": {"type": "integer", "minimum": 0},
    }
}
#: The SPARQL 1.1 Query Results JSON Format: SELECT answers have head.vars and
#: results.bindings, ASK answers a boolean.
RESULTS_JSON = {
    "type": "object",
    "required": ["head"],
    "properties": {
        "head": {
            "type": "object",
            "properties": {
                "vars": {"type": "array", "items": {"type": "string"}},
                "link": {"type": "array", "items": {"type": "string"}},
            },
        },
        "results": {
            "type": "object",
            "required": ["bindings"],
            "properties": {
                "bindings": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "required": ["type", "value"],
                            "properties": {
                                "type": {
                                    "type": "string",
                                    "enum": ["uri", "literal", "bnode", "triple"],
                                },
                                "value": {},
                                "datatype": {"type": "string"},
                                "xml:lang": {"type": "string"},
                            },
                        },
                    },
                }
            },
        },
        "boolean": {"type": "boolean"},
    },
}
#: Text formats: SPARQL XML, CSV and TSV results; Turtle, N-Triples and RDF/XML graphs (and
#: the service description, Turtle).
TEXT_FORMATS = (
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
)


def _problem_responses() -> dict[str, Any]:
    problem_schema = {"$ref": "#/components/schemas/Problem"}
    statuses = {
        "400": "Malformed or refused query (syntax error, SERVICE, LOAD, remote FROM)",
        "403": "SPARQL Update is not accepted (read-only endpoint)",
        "405": "Method other than GET, POST or OPTIONS",
        "406": "No acceptable result format for this query form",
        "413": "Request body larger than METAKG_MAX_BODY",
        "414": "URL longer than METAKG_MAX_URL: send the query by POST",
        "415": "Unsupported Content-Type or charset",
        "422": "More rows than METAKG_ROW_CAP: page with LIMIT and OFFSET",
        "429": "Too many requests from this client",
        "503": "All query workers busy: retry after the Retry-After delay",
        "504": "The query ran past METAKG_QUERY_TIMEOUT and was stopped",
    }
    out: dict[str, Any] = {
        code: {
            "description": text,
            "content": {"application/problem+json": {"schema": problem_schema}},
        }
        for code, text in statuses.items()
    }
    for code in ("429", "503"):
        out[code]["headers"] = RETRY_AFTER
    return out


def describe_in_openapi(spec: dict[str, Any]) -> dict[str, Any]:
    """Add ``/sparql`` (served outside Flask's routing) to the OpenAPI document, then let the
    REST API finish what its decorators cannot say (:func:`server.http.api_examples.
    finish_openapi`): this is the app's one spec processor."""
    from server.http.api_examples import finish_openapi

    finish_openapi(spec)
    results: dict[str, Any] = {
        "application/sparql-results+json": {"schema": RESULTS_JSON},
        **{media: {"schema": {"type": "string"}} for media in TEXT_FORMATS},
        # JSON-LD of a CONSTRUCT or DESCRIBE: an object with @context and @graph, or an array.
        "application/ld+json": {"schema": {"oneOf": [{"type": "object"}, {"type": "array"}]}},
    }
    dataset = [
        {
            "name": name,
            "in": "query",
            "required": False,
            "schema": {"type": "array", "items": {"type": "string", "format": "iri"}},
            "description": f"SPARQL Protocol dataset: {text}",
        }
        for name, text in (
            ("default-graph-uri", "graphs merged into the default graph"),
            ("named-graph-uri", "graphs available to GRAPH"),
        )
    ]
    ok = {"description": "Query results (format by Accept)", "content": results}
    spec.setdefault("components", {}).setdefault("schemas", {})["Problem"] = {
        "type": "object",
        "description": "RFC 9457 problem details",
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
        },
        "required": ["type", "title", "status", "detail"],
    }
    spec.setdefault("paths", {})[PATH] = {
        "get": {
            "tags": ["SPARQL"],
            "summary": "SPARQL 1.1 query (GET)",
            "description": "Without `query`, returns the service description (Turtle). "
            "SELECT/ASK default to SPARQL JSON, CONSTRUCT/DESCRIBE to Turtle.",
            "parameters": [
                {
                    "name": "query",
                    "in": "query",
                    "required": False,
                    "description": "The SPARQL query (a query that does not parse is a 400, as "
                    "the SPARQL 1.1 Protocol requires). Without it, the service description.",
                    "schema": {"type": "string", "minLength": 1, "pattern": NOT_BLANK},
                    "example": "SELECT ?s WHERE { ?s a <https://w3id.org/biolink/vocab/Gene> } "
                    "LIMIT 5",
                },
                *dataset,
            ],
            "responses": {"200": ok, **_problem_responses()},
        },
        "post": {
            "tags": ["SPARQL"],
            "summary": "SPARQL 1.1 query (POST, form-encoded or direct)",
            "parameters": dataset,
            "requestBody": {
                "required": True,
                "content": {
                    FORM: {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "query": {
                                    "type": "string",
                                    "minLength": 1,
                                    "pattern": NOT_BLANK,
                                }
                            },
                            "required": ["query"],
                        }
                    },
                    DIRECT: {
                        "schema": {"type": "string", "minLength": 1, "pattern": NOT_BLANK}
                    },
                },
            },
            "responses": {"200": ok, **_problem_responses()},
        },
    }
    return spec
