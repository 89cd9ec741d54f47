"""The application factory: one blueprint per surface, settings read here and only here."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
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
from server.sparql.runner import QueryRunner

log = logging.getLogger("metakg.server")

DESCRIPTION = """The metastasis knowledge graph of Nguyen, Bos & Massagué (Nat Rev Cancer 2009)
and its references: lookups of genes, organs, cancer types, pathways, cascade steps, gene
classes and references with their evidence; search; evidence paths; named queries; and a
read-only SPARQL 1.1 endpoint. Every error is `application/problem+json`."""


@dataclass
class ServiceState:
    """What one server process holds: the backend it reads (the embedded store, opened
    read-only on first use, or a remote SPARQL store), the name index of the release it
    serves, and the pool of query workers.

    Within one request every route reads one release (:meth:`knowledge`, kept in
    ``flask.g``). With a remote backend each request first asks the store for its release, so
    several processes on one store serve the same data and keep no state of their own.
    """

    settings: dict[str, Any]
    _runner: QueryRunner | None = field(default=None, repr=False)
    _indexes: dict[str, NameIndex] = field(default_factory=dict, repr=False)

    @cached_property
    def backend(self) -> Backend:
        return open_backend(self.settings)

    def knowledge(self) -> Knowledge:
        if has_request_context():
            current = g.get("metakg_knowledge")
            if current is None:
                current = g.metakg_knowledge = self.backend.current()
            return current
        return self.backend.current()

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
        return frozenset(g.value for g in self.knowledge().rdf.named_graphs())

    @property
    def executor(self) -> QueryRunner:
        """The pool of query processes that runs every query with its deadline."""
        if self._runner is None:
            backend = self.backend
            source = (
                backend.remote.query_url
                if isinstance(backend, RemoteBackend)
                else str(backend.current().path / RDF_DIR)
            )
            self._runner = QueryRunner(
                source,
                processes=max(self.settings["query_processes"], self.settings["threads"]),
                timeout=self.settings["query_timeout"],
                row_cap=self.settings["row_cap"],
                memory_quads=self.settings["query_memory"],
            )
        return self._runner

    #: The name the REST routes use.
    runner = executor

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()
            self._runner = None


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
            expose_headers=["Link", "X-Result-Rows", "Retry-After"],
        )
    # /sparql is answered by a lean WSGI layer in front of Flask (server/http/sparql.py).
    app.wsgi_app = SparqlEndpoint(app.wsgi_app, state, settings)  # type: ignore[method-assign]
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
