"""The application factory: one blueprint per surface, settings read here and only here."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import swagger_ui_bundle
from apiflask import APIFlask
from apiflask.exceptions import HTTPError
from flask import Response, g, has_request_context, request, send_from_directory
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from graph.backend import Backend, Knowledge, RemoteBackend, open_backend
from graph.errors import MetakgError
from graph.names import NameIndex
from graph.store import RDF_DIR
from queries import lookup
from server import version
from server.errors import URITooLong, from_error, problem
from server.settings import settings_with
from server.sparql.query_worker import SparqlAnswer, SparqlRequest
from server.sparql.runner import QueryRunner, ReleasePools

log = logging.getLogger("metakg.server")

DESCRIPTION = """The metastasis knowledge graph of Nguyen, Bos & Massagué (Nat Rev Cancer 2009)
and its references: lookups of genes, organs, cancer types, pathways, cascade steps, gene
classes and references with their evidence; search; evidence paths; named queries; and a
read-only SPARQL 1.1 endpoint. Every error is `application/problem+json`."""


#: How long a user SPARQL query waits for a free query process before 503 (Retry-After):
#: short, because a waiting query holds a server thread.
USER_WAIT = 0.5
#: How much lower (``nice``) the CPU priority of a user SPARQL query's process becomes once it
#: has run half a second: a runaway query takes only the CPU that lookups and named queries
#: leave.
USER_NICE = 10
#: The path prefixes whose responses name the release they answer from.
_TAGGED = ("/api/v1", "/sparql")


@dataclass
class _Request:
    """What one request has read: its release, pinned until the request ends."""

    knowledge: Knowledge | None = None


_REQUEST: ContextVar[_Request | None] = ContextVar("metakg_request", default=None)


@dataclass
class ServiceState:
    """What one server process holds: the backend it reads (the embedded store or a remote
    SPARQL store), the name index of the release it serves, and the query worker pools.

    One request, one release: the first read of a request (:meth:`knowledge`) asks the backend
    for the release the store names now (a cheap check, see
    :class:`graph.backend.EmbeddedBackend`), and every route of that request (REST, named
    queries, ``/sparql``, exports, web pages) reads that one :class:`Knowledge` until it ends;
    its queries run on the query processes of that release (:class:`ReleaseExecutor`). The
    ``X-Metakg-Release`` response header names it. A store that is missing is a 503 on every
    route. With a remote backend each request first asks the store for its release, so
    several processes on one store serve the same data and keep no state of their own.
    """

    settings: dict[str, Any]
    _pools: ReleasePools | None = field(default=None, repr=False)
    _indexes: dict[str, NameIndex] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @cached_property
    def backend(self) -> Backend:
        return open_backend(self.settings)

    def knowledge(self) -> Knowledge:
        scope = _REQUEST.get()
        if scope is not None:
            if scope.knowledge is None:
                current = self.backend.current()
                self.pools.pin(current.key)
                scope.knowledge = current
            return scope.knowledge
        if has_request_context():
            current = g.get("metakg_knowledge")
            if current is None:
                current = g.metakg_knowledge = self.backend.current()
            return current
        return self.backend.current()

    def end_request(self, scope: _Request) -> None:
        """The request that read ``scope`` is over: its release may be retired."""
        if scope.knowledge is not None:
            self.pools.unpin(scope.knowledge.key)
            scope.knowledge = None

    @property
    def graph(self):  # type: ignore[no-untyped-def]
        return self.knowledge().graph

    @property
    def manifest(self) -> dict[str, Any]:
        return self.knowledge().manifest

    @property
    def index(self) -> NameIndex:
        knowledge = self.knowledge()
        index = self._indexes.get(knowledge.release)
        if index is None:
            index = lookup.name_index(knowledge.graph)
            self._indexes.clear()
            self._indexes[knowledge.release] = index
        return index

    @property
    def named_graphs(self) -> frozenset[str]:
        knowledge = self.knowledge()
        if knowledge.named_graphs is not None:
            return knowledge.named_graphs
        return frozenset(g.value for g in knowledge.rdf.named_graphs())

    @property
    def pools(self) -> ReleasePools:
        """The query worker pools, one per release in use (at most two)."""
        with self._lock:
            if self._pools is None:
                self._pools = ReleasePools(self._make_runner, limit=2,
                                           switch_wait=self.settings["query_timeout"] + 30)
            return self._pools

    def _make_runner(self, source: str) -> QueryRunner:
        settings = self.settings
        return QueryRunner(
            source,
            # Reserved for named queries: one per thread, so that they never wait.
            processes=max(settings["query_processes"], settings["threads"]),
            user_slots=settings["query_slots"],
            user_nice=USER_NICE,
            wait=USER_WAIT,
            timeout=settings["query_timeout"],
            row_cap=settings["row_cap"],
            memory_quads=settings["query_memory"],
        )

    def query_source(self, knowledge: Knowledge) -> str:
        """What the query processes of ``knowledge`` open: its release directory's RDF store,
        or the remote store's query URL."""
        if knowledge.directory is not None:
            return str(knowledge.directory / RDF_DIR)
        backend = self.backend
        if isinstance(backend, RemoteBackend):
            return backend.remote.query_url
        return str(Path(str(knowledge.path)) / RDF_DIR)

    @cached_property
    def executor(self) -> ReleaseExecutor:
        """Runs every query, with its deadline, on the query processes of the request's
        release."""
        return ReleaseExecutor(self)

    @property
    def runner(self) -> ReleaseExecutor:
        """The name the REST routes use."""
        return self.executor

    def close(self) -> None:
        with self._lock:
            pools, self._pools = self._pools, None
        if pools is not None:
            pools.close()


class ReleaseExecutor:
    """``sparql`` and ``named`` on the query processes of the release the current request
    reads (started on first use; see :class:`~server.sparql.runner.ReleasePools`)."""

    def __init__(self, state: ServiceState) -> None:
        self.state = state

    @property
    def wait(self) -> float:
        """How long a user query waits for a free query process (then 503)."""
        value = self.state.pools.wait
        return USER_WAIT if value is None else value

    @wait.setter
    def wait(self, value: float) -> None:
        self.state.pools.wait = value

    def _run(self, work: Callable[[QueryRunner], Any]) -> Any:
        knowledge = self.state.knowledge()
        source = self.state.query_source(knowledge)
        with self.state.pools.lease(knowledge.key, source) as runner:
            return work(runner)

    def sparql(self, request: SparqlRequest) -> SparqlAnswer:
        return self._run(lambda runner: runner.sparql(request))

    def named(self, bound: Any) -> list[dict[str, str]]:
        return self._run(lambda runner: runner.named(bound))

    def start(self) -> None:
        """Start the query processes of the release the store names now."""
        self._run(lambda runner: None)

    def close(self) -> None:
        self.state.close()


class ReleaseHeader:
    """The outermost WSGI layer: every request (the Flask routes and the lean ``/sparql``
    layer alike) gets a scope in which it reads one release, pinned until its response is
    made; responses under ``/api/v1`` and ``/sparql`` that read one carry
    ``X-Metakg-Release: <release id>``."""

    def __init__(self, app: Callable[..., Iterable[bytes]], state: ServiceState) -> None:
        self.app = app
        self.state = state

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        scope = _Request()
        tagged = str(environ.get("PATH_INFO", "")).startswith(_TAGGED)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if tagged and scope.knowledge is not None:
                headers = [
                    (name, value + ", X-Metakg-Release")
                    if name.lower() == "access-control-expose-headers"
                    else (name, value)
                    for name, value in headers
                ]
                headers.append(("X-Metakg-Release", scope.knowledge.release))
            return start_response(status, headers, exc_info)

        token = _REQUEST.set(scope)
        try:
            # Every response is built whole before it is returned (none is streamed), so
            # the release is let go here, whether or not the server closes the body.
            return self.app(environ, start)
        finally:
            _REQUEST.reset(token)
            self.state.end_request(scope)


def create_app(overrides: Mapping[str, Any] | None = None) -> APIFlask:
    """Build the app. ``overrides`` set settings by name (tests use them); everything else
    comes from ``METAKG_*`` environment variables."""
    settings = settings_with(overrides)
    app = APIFlask(
        "metakg",
        title="metakg",
        version=version(),
        spec_path="/openapi.json",
        docs_path="/docs",
    )
    assets = "/docs/assets/"
    app.config.update(
        MAX_CONTENT_LENGTH=settings["max_body"],
        VALIDATION_ERROR_STATUS_CODE=400,
        DESCRIPTION=DESCRIPTION,
        SWAGGER_UI_CSS=assets + "swagger-ui.css",
        SWAGGER_UI_BUNDLE_JS=assets + "swagger-ui-bundle.js",
        SWAGGER_UI_STANDALONE_PRESET_JS=assets + "swagger-ui-standalone-preset.js",
        DOCS_FAVICON=assets + "favicon-32x32.png",
        AUTO_SERVERS=False,
        # Every route documents its own errors as problem+json.
        AUTO_VALIDATION_ERROR_RESPONSE=False,
        AUTO_404_RESPONSE=False,
        RATELIMIT_HEADERS_ENABLED=True,
    )
    state = ServiceState(settings)
    app.extensions["metakg"] = state

    from server.http import api, api_export, api_simulate, web
    from server.http.sparql import (
        SparqlEndpoint,
        describe_in_openapi,
        refuse_cut_off_body,
        url_length,
    )

    app.register_blueprint(api.bp)
    app.register_blueprint(api_simulate.bp)
    app.register_blueprint(web.bp)
    app.register_blueprint(api_export.bp)
    _register_errors(app)
    _register_limits(app, settings)
    if settings["cors"]:
        CORS(
            app,
            resources={r"/api/v1/*": {}},
            origins="*",
            methods=["GET", "POST", "OPTIONS"],
            supports_credentials=False,
            # `*` even when the browser sends an Origin (flask-cors would echo it otherwise).
            send_wildcard=True,
            expose_headers=["Link", "X-Result-Rows", "Retry-After", "X-Metakg-Release"],
        )
    # /sparql is answered by a lean WSGI layer in front of Flask (server/http/sparql.py).
    # Outside it, the layer that gives every request one release and names it in a header.
    app.wsgi_app = ReleaseHeader(  # type: ignore[method-assign]
        SparqlEndpoint(app.wsgi_app, state, settings), state
    )
    app.spec_processor(describe_in_openapi)

    @app.before_request
    def _limit_url() -> None:
        if url_length(request.environ) > settings["max_url"]:
            raise URITooLong(
                f"the request URL has {url_length(request.environ)} characters, more than the "
                f"{settings['max_url']} accepted; send long SPARQL queries by POST "
                "(form-encoded or application/sparql-query)"
            )

    @app.before_request
    def _limit_streamed_body() -> None:
        refuse_cut_off_body(request)

    @app.get("/docs/assets/<path:name>")
    @app.doc(hide=True)
    def docs_asset(name: str) -> Response:
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, name)

    @app.get("/context.jsonld")
    @app.doc(hide=True)
    def jsonld_context() -> Response:
        """The JSON-LD context the JSON-LD export is compacted with."""
        from graph.exports.rdf import jsonld_context as context

        body = json.dumps(context(), indent=2, ensure_ascii=False)
        return Response(body, mimetype="application/ld+json",
                        headers={"Access-Control-Allow-Origin": "*"})

    @app.get("/")
    @app.doc(hide=True)
    def root() -> Any:
        from server.http.web.common import wants_html
        from server.http.web.pages import home

        if wants_html():  # a browser: the home page; JSON clients keep the index below
            return home()
        return {
            "name": "metakg",
            "version": version(),
            "api": "/api/v1/",
            "sparql": "/sparql",
            "openapi": "/openapi.json",
            "docs": "/docs",
        }

    return app


def _register_errors(app: APIFlask) -> None:
    @app.error_processor
    def _http_error(error: HTTPError) -> Response:
        detail = error.message
        if isinstance(error.detail, dict) and error.detail:
            detail = f"{error.message}: {_flatten(error.detail)}"
        title = "Invalid parameter" if error.status_code == 400 else _title(error.status_code)
        return problem(error.status_code, title, str(detail), headers=error.headers or {})

    @app.errorhandler(MetakgError)
    def _metakg_error(error: MetakgError) -> Response:
        return from_error(error)

    @app.errorhandler(HTTPException)
    def _werkzeug_error(error: HTTPException) -> Response:
        headers = dict(error.get_headers()) if error.code == 405 else {}
        headers.pop("Content-Type", None)
        return problem(
            error.code or 500, _title(error.code or 500), error.description or "", headers=headers
        )

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unexpected error")
        return problem(500, "Internal error", "an unexpected error occurred; it has been logged")


def _flatten(detail: Mapping[str, Any], prefix: str = "") -> str:
    """``{'query': {'limit': ['Must be ...']}}`` -> ``limit: Must be ...``."""
    parts = []
    for key, value in detail.items():
        if isinstance(value, Mapping):
            parts.append(_flatten(value, "" if key in ("query", "json", "form") else f"{key}."))
        elif isinstance(value, list):
            parts.append(f"{prefix}{key}: {' '.join(map(str, value))}")
        else:
            parts.append(f"{prefix}{key}: {value}")
    return "; ".join(parts)


def _register_limits(app: APIFlask, settings: Mapping[str, Any]) -> None:
    limit = str(settings["rate_limit"]).strip()
    if limit.casefold() in ("", "off", "none"):
        return
    Limiter(
        get_remote_address,
        app=app,
        default_limits=[limit],
        storage_uri="memory://",
        headers_enabled=True,
    )


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
