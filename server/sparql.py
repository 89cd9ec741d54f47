"""The SPARQL 1.1 Protocol endpoint at ``/sparql``: read-only, guarded, with deadlines.

GET with ``query=``, POST form-encoded, and POST ``application/sparql-query``; the protocol
dataset (``default-graph-uri``, ``named-graph-uri``); results by content negotiation. Updates
are refused with 403. A GET without ``query`` returns the service description.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from queries.guard import refusals
from server.errors import (
    BadRequest,
    QueryRefused,
    ReadOnly,
    UnsupportedMediaType,
)
from server.query_worker import SparqlRequest

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"


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


def _query_from_request() -> tuple[list[str], list[str], list[str]] | None:
    """The query texts and protocol dataset of the request; None for a bare GET."""
    args = request.args
    if request.method == "GET":
        if "update" in args:
            raise _read_only()
        if "query" not in args:
            return None
        return (
            args.getlist("query"),
            args.getlist("default-graph-uri"),
            args.getlist("named-graph-uri"),
        )
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
            args.getlist("default-graph-uri") + form.getlist("default-graph-uri"),
            args.getlist("named-graph-uri") + form.getlist("named-graph-uri"),
        )
    if mimetype == DIRECT:
        try:
            text = request.get_data().decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("the query is not valid UTF-8") from None
        return [text], args.getlist("default-graph-uri"), args.getlist("named-graph-uri")
    if mimetype == UPDATE:
        raise _read_only()
    given = f"'{request.content_type}'" if request.content_type else "no Content-Type"
    raise UnsupportedMediaType(
        f"a SPARQL POST needs Content-Type {FORM} (with query=...) or {DIRECT} (the query as "
        f"the body); got {given}"
    )


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    found = _query_from_request()
    if found is None:
        return service_description()
    texts, default_graphs, named_graphs = found
    if len(texts) != 1:
        raise BadRequest(f"send exactly one 'query' parameter; got {len(texts)}")
    text = texts[0]
    if not text.strip():
        raise BadRequest("the 'query' parameter is empty")
    state = current_app.extensions["metakg"]
    reasons = refusals(text, local_graphs=state.named_graphs)
    if reasons:
        raise QueryRefused("; ".join(reasons))
    answer = state.runner.sparql(
        SparqlRequest(
            text=text,
            accept=tuple((m, q) for m, q in request.accept_mimetypes),
            default_graph=_graph_iris(default_graphs, "default-graph-uri"),
            named_graphs=_graph_iris(named_graphs, "named-graph-uri"),
        )
    )
    response = Response(answer.body, status=200, content_type=answer.media_type)
    response.headers["X-Result-Rows"] = str(answer.rows)
    response.vary.add("Accept")
    return response


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


def service_description() -> Response:
    return Response(SERVICE_DESCRIPTION.format(endpoint=request.base_url), mimetype="text/turtle")
