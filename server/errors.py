"""HTTP errors: the error tree's leaves for the service, and the one problem+json renderer.

Every error answer is ``application/problem+json`` (RFC 9457) with ``type``, ``title``,
``status`` and ``detail``, plus ``problems`` when a validation found several.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Response

from graph.errors import MetakgError
from ingest.problems import ValidationFailed

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://w3id.org/metakg/problems/"


class BadRequest(MetakgError):
    status = 400
    title = "Bad request"


class QueryRefused(MetakgError):
    """A query that would make the server reach out (SERVICE, LOAD, remote FROM)."""

    status = 400
    title = "Query refused"


class QuerySyntaxError(MetakgError):
    status = 400
    title = "SPARQL syntax error"


class ReadOnly(MetakgError):
    status = 403
    title = "Read-only endpoint"


class NotFound(MetakgError):
    status = 404
    title = "Not found"


class NotAcceptable(MetakgError):
    status = 406
    title = "Not acceptable"


class Unprocessable(MetakgError):
    """A request that fits the documented schema but cannot be carried out: a parameter
    names no entity (or several), or values that do not go together. 400 is kept for
    requests that break the schema itself, so the OpenAPI document says exactly which
    requests are well-formed."""

    status = 422
    title = "Unprocessable request"


class URITooLong(MetakgError):
    status = 414
    title = "URI too long"


class UnsupportedMediaType(MetakgError):
    status = 415
    title = "Unsupported media type"


class TooManyRows(MetakgError):
    status = 422
    title = "Row cap exceeded"


class TooManyRequests(MetakgError):
    status = 429
    title = "Too many requests"
    retry_after = 1


class Overloaded(MetakgError):
    status = 503
    title = "Service busy"
    retry_after = 1


class QueryTimeout(MetakgError):
    status = 504
    title = "Query deadline exceeded"


def slug(title: str) -> str:
    return "-".join(title.casefold().replace("+", " ").split())


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = {"type": TYPE_BASE + slug(title), "title": title, "status": status, "detail": detail}
    body.update(extra)
    response = Response(json.dumps(body), status=status, content_type=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_error(error: MetakgError) -> Response:
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(error, ValidationFailed):
        extra["problems"] = [p.as_dict() for p in error.problems]
    retry = getattr(error, "retry_after", None)
    if retry:
        headers["Retry-After"] = str(retry)
    return problem(error.status, error.title, str(error), headers=headers, **extra)
