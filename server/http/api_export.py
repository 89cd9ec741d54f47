"""`GET|POST /api/v1/export`: the graph or a part of it as a download, in any export format.

The same request as `metakg export` (server/exporting.py does the work for both). A
CONSTRUCT selector runs in a query process with the endpoint's guard, deadline and row cap.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox
from apiflask import APIBlueprint, Schema, fields, validators
from flask import Response, request
from marshmallow import ValidationError, validates_schema

from graph.errors import MetakgError
from graph.exports import ExportFormat, available_formats, describe_formats
from graph.vocab import Category, Predicate
from queries.catalog import QUERIES
from queries.guard import refusals
from queries.simulator import SimulationInputError
from queries.subgraph import CONFIDENCE_RANK, MAX_HOPS, SelectionError, term_triples
from server import version
from server.errors import (
    BadRequest,
    NotAcceptable,
    QueryRefused,
    QuerySyntaxError,
    Unprocessable,
)
from server.exporting import ExportRequest, dataset_info, export_bytes, parse_params, select
from server.http.api_collections import PREFIX, service_state
from server.http.api_examples import error_responses
from server.http.api_schemas import Params, Pattern
from server.http.api_simulate import SimulationInput
from server.sparql.query_worker import SparqlRequest

bp = APIBlueprint("export", __name__, url_prefix=PREFIX, tag="Exports")

_FORMAT_NAMES = [f.key for f in ExportFormat]
#: Repeatable query parameters.
_LISTS = ("around", "category", "predicate", "param")
_QUERY_NAMES = [q.name for q in QUERIES]
_CATEGORIES = [c.key for c in Category]
_PREDICATES = [p.key for p in Predicate]
#: ``param``: NAME=VALUE, the name not blank.
PARAM_PATTERN = r"^[^=]*[^=\s][^=]*="


class ExportParams(Schema):
    format = fields.String(
        validate=validators.OneOf(_FORMAT_NAMES),
        metadata={"description": "Export format (default: chosen from Accept, else turtle): "
                  + ", ".join(_FORMAT_NAMES), "example": "graphml"},
    )
    around = fields.List(fields.String(validate=validators.Length(1, 200)), metadata={
        "description": "Export the neighbourhood of this entity (symbol, alias, label or "
        "CURIE); repeat for several.", "example": ["PTGS2"]})
    hops = fields.Integer(validate=validators.Range(0, MAX_HOPS), metadata={
        "description": "Neighbourhood radius (with around; default 1)."})
    category = fields.List(fields.String(validate=validators.OneOf(_CATEGORIES)), metadata={
        "description": "Keep only neighbours of this category (with around); repeat."})
    min_confidence = fields.String(validate=validators.OneOf(list(CONFIDENCE_RANK)), metadata={
        "description": "Keep only assertions at least this confident (with around)."})
    predicate = fields.List(fields.String(validate=validators.OneOf(_PREDICATES)), metadata={
        "description": "Keep only assertions with this predicate (with around); repeat."})
    query = fields.String(validate=validators.OneOf(_QUERY_NAMES), metadata={
        "description": "Export what this named query's result names."})
    param = fields.List(
        fields.String(validate=Pattern(PARAM_PATTERN, error="expected NAME=VALUE")),
        metadata={"description": "A parameter of the named query as NAME=VALUE; repeat."})
    simulation = fields.String(metadata={
        "description": "Export the paths of a simulation: a JSON request as for "
        "POST /api/v1/simulate (the OpenAPI document gives its schema)."})
    construct = fields.String(validate=validators.Length(1, 20000), metadata={
        "description": "Export what a SPARQL CONSTRUCT (or DESCRIBE) result names."})

    @validates_schema
    def _only_known(self, data: Any, **kwargs: Any) -> None:
        errors = {}
        for key in request.args:
            if key not in self.fields:
                errors[key] = [
                    f"unknown parameter (this route takes: {', '.join(sorted(self.fields))})"
                ]
            elif key not in _LISTS and len(request.args.getlist(key)) > 1:
                errors[key] = ["give this parameter once"]
        if errors:
            raise ValidationError(errors)


class ExportBody(Schema):
    format = fields.String(required=True, validate=validators.OneOf(_FORMAT_NAMES))
    around = fields.List(fields.String(validate=validators.Length(1, 200)))
    hops = fields.Integer(validate=validators.Range(0, MAX_HOPS))
    category = fields.List(fields.String(validate=validators.OneOf(_CATEGORIES)))
    min_confidence = fields.String(validate=validators.OneOf(list(CONFIDENCE_RANK)))
    predicate = fields.List(fields.String(validate=validators.OneOf(_PREDICATES)))
    query = fields.String(validate=validators.OneOf(_QUERY_NAMES))
    params = fields.Dict(keys=fields.String(), values=fields.String())
    simulation = fields.Dict(metadata={
        "description": "Export the paths of a simulation: the request object of "
        "POST /api/v1/simulate."})
    construct = fields.String(validate=validators.Length(1, 20000))


_DOC = (
    "The whole graph, or a part of it chosen by one selector: `around` (with `hops`, "
    "`category`, `min_confidence`, `predicate`), `query` (with `param`), `simulation` or "
    "`construct`. The format decides the media type and the file name "
    "(Content-Disposition); kgx-tsv, kgx-jsonl and neo4j are zip archives of their files. "
    "`GET /api/v1/export/formats` lists the formats."
)
_ERRORS = error_responses(
    e400=("Invalid parameter", "hops: Must be greater than or equal to 0 and less than or "
          "equal to 5."),
    e422=("Invalid selection", "no entity is named 'PTGSX'; did you mean ptgs2? (or: "
          "selectors that do not go together, a CONSTRUCT that does not parse, more triples "
          "than the row cap)"),
    e503=("Service busy", "all 2 query workers are busy; retry in a moment"),
    e504=("Query deadline exceeded", "the query ran past the 10 s deadline"),
)
_BINARY = {"type": "string", "format": "binary"}
_JSON_BODY = {"oneOf": [{"type": "object"}, {"type": "array"}]}  # cyjs, cx2, JSON-LD
_OK = {
    200: {
        "description": "The export as a download.",
        "content": {
            media: {"schema": _JSON_BODY if media.endswith(("/json", "+json")) else _BINARY}
            for media in sorted({f.media_type for f in ExportFormat})
        },
    },
    **_ERRORS,
}


class FormatInfo(Schema):
    name = fields.String(metadata={"example": "graphml"})
    media_type = fields.String(metadata={"example": "application/graphml+xml"})
    extension = fields.String(metadata={"example": ".graphml"})
    family = fields.String(metadata={"example": "graph"})
    description = fields.String()
    archive = fields.Boolean(metadata={"description": "true: a zip archive of several files"})


class FormatList(Schema):
    formats = fields.List(fields.Nested(FormatInfo))


@bp.get("/export/formats")
@bp.input(Params, location="query")
@bp.output(FormatList, example={"formats": [ExportFormat.GRAPHML.describe()]})
@bp.doc(summary="List the export formats",
        description="Name, media type, file extension, family and description of every "
        "format `GET /api/v1/export` writes; `archive` marks the zip archives.",
        responses=error_responses(e400=("Invalid parameter", "unknown parameter")))
def formats(query_data: dict[str, Any]) -> Any:
    _accept_json()
    return {"formats": describe_formats()}


@bp.get("/export")
@bp.input(ExportParams, location="query")
@bp.doc(summary="Export the graph or a part of it", description=_DOC, responses=_OK)
def export_get(query_data: dict[str, Any]) -> Response:
    simulation = None
    if "simulation" in query_data:
        simulation = _simulation(_json_object(query_data["simulation"], "simulation"))
    return _export(
        query_data.get("format"),
        query_data,
        params=parse_params(query_data.get("param", ())),
        simulation=simulation,
    )


@bp.post("/export")
@bp.input(ExportBody, location="json")
@bp.doc(summary="Export the graph or a part of it (JSON request)",
        description=_DOC + " The body takes the same fields; `params` is an object and "
        "`simulation` the request object itself.", responses=_OK)
def export_post(json_data: dict[str, Any]) -> Response:
    return _export(
        json_data["format"],
        json_data,
        params=tuple(sorted(json_data.get("params", {}).items())),
        simulation=_simulation(json_data["simulation"]) if "simulation" in json_data else None,
    )


def _simulation(value: Mapping[str, Any]) -> Mapping[str, Any]:
    """A simulation request checked as POST /api/v1/simulate checks its body (400)."""
    errors = SimulationInput().validate(value)
    if errors:
        raise BadRequest(f"simulation: {_flat(errors)}")
    return SimulationInput().load(value)


def _flat(errors: Mapping[str, Any]) -> str:
    return "; ".join(
        f"{key}: {' '.join(map(str, v)) if isinstance(v, list) else v}"
        for key, v in errors.items()
    )


#: What a well-formed request can still fail on: a name the release does not hold, selectors
#: that do not go together, a simulation or CONSTRUCT the engine refuses. 422, not 400: the
#: request fits the documented schema.
_UNPROCESSABLE = (SelectionError, SimulationInputError, QuerySyntaxError, QueryRefused)


def _export(
    fmt_name: str | None,
    data: Mapping[str, Any],
    *,
    params: tuple[tuple[str, str], ...],
    simulation: Mapping[str, Any] | None,
) -> Response:
    """One export from the validated fields of either route (the same names in both)."""
    fmt = _negotiate(fmt_name)
    state = service_state()
    req = ExportRequest(
        fmt=fmt,
        around=tuple(data.get("around", ())),
        hops=data.get("hops", 1),
        categories=tuple(data.get("category", ())),
        min_confidence=data.get("min_confidence"),
        predicates=tuple(data.get("predicate", ())),
        query=data.get("query"),
        params=params,
        simulation=simulation,
        construct=data.get("construct"),
    )
    try:
        chosen, described = select(state.graph, req, index=state.index, construct=_construct)
    except _UNPROCESSABLE as error:
        raise _unprocessable(error) from None
    except MetakgError as error:  # a named query's parameters, an unknown query
        if error.status in (400, 404):
            raise _unprocessable(error) from None
        raise
    info = dataset_info(state.manifest, described, version())
    body = export_bytes(chosen, fmt, info=info)
    response = Response(body, mimetype=fmt.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{fmt.filename()}"'
    response.headers["X-Export-Selection"] = described.encode("ascii", "replace").decode()
    response.vary.add("Accept")
    return response


def _unprocessable(error: MetakgError) -> Unprocessable:
    problem = Unprocessable(str(error).replace("\n", "; "))
    problem.title = error.title
    return problem


def _negotiate(name: str | None) -> ExportFormat:
    offered = available_formats()
    if name is not None:
        fmt = ExportFormat.parse(name)
        if "Accept" in request.headers and request.accept_mimetypes[fmt.media_type] == 0:
            raise NotAcceptable(
                f"format {fmt.key} is {fmt.media_type}, which the Accept header excludes"
            )
        return fmt
    if "Accept" not in request.headers:
        return ExportFormat.TURTLE
    # Media types that name one format only; */* gives Turtle.
    unique = {f.media_type: f for f in offered}
    for f in offered:
        if sum(1 for g in offered if g.media_type == f.media_type) > 1:
            unique.pop(f.media_type, None)
    best = request.accept_mimetypes.best_match([ExportFormat.TURTLE.media_type, *unique])
    if best is None:
        raise NotAcceptable(
            "no export format matches the Accept header; give format= (one of "
            + ", ".join(f.key for f in offered) + ")"
        )
    return unique.get(best, ExportFormat.TURTLE)


def _accept_json() -> None:
    if "Accept" in request.headers and request.accept_mimetypes["application/json"] == 0:
        raise NotAcceptable("this route answers with application/json only")


def _json_object(text: str, name: str) -> Mapping[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"{name}: not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(value, dict):
        raise BadRequest(f"{name}: expected a JSON object such as "
                         '{"cancer": "breast cancer", "genes": ["EREG"]}')
    return value


def _construct(text: str) -> list[tuple[str, str, str]]:
    state = service_state()
    reasons = refusals(text, local_graphs=state.named_graphs)
    if reasons:
        raise QueryRefused("; ".join(reasons))
    try:
        answer = state.runner.sparql(
            SparqlRequest(text=text, accept=(("application/n-triples", 1.0),))
        )
    except NotAcceptable:  # a SELECT or ASK has no N-Triples form
        raise SelectionError("construct needs a CONSTRUCT or DESCRIBE query") from None
    return term_triples(ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES))

