"""The REST API under /api/v1/: lookups, search, evidence paths and named queries.

Every answer is computed from the in-process networkx projection (``state.graph``) and its
name index (``state.index``); no request text is ever formatted into a query. Named queries
run their fixed SPARQL with bound parameters in the query workers (``state.runner.named``).
Errors are raised as the service's error leaves and rendered as problem+json by the app.

This module holds the blueprint, its routes and the request/response glue; the answers are
computed by queries/explore.py, the schemas are in server/http/api_schemas.py and the OpenAPI
examples and error responses in server/http/api_examples.py.
"""

from __future__ import annotations

import csv
import io
import math
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

import networkx as nx
from apiflask import APIBlueprint
from flask import Response, request, url_for

from graph.vocab import Category, Predicate
from queries import lookup
from queries.catalog import QUERIES
from queries.explore import (
    GENE_FILTERS,
    PATHS_MAX,
    citing_assertions,
    contains,
    entity_items,
    evidence_paths,
    gene_items,
    reference_items,
    search,
)
from server import version
from server.errors import BadRequest, NotAcceptable, NotFound, Unprocessable
from server.http.api_collections import (
    BY_CATEGORY,
    COLLECTIONS,
    PREFIX,
    Collection,
    service_state,
    url_of,
)
from server.http.api_examples import EXAMPLES, error_responses
from server.http.api_schemas import (
    HOPS_MAX,
    MAX_NAME,
    ApiIndex,
    Entity,
    EntityPage,
    GeneClassListParams,
    GeneListParams,
    GenePage,
    LinkHeader,
    PageParams,
    Params,
    PathParams,
    PathResult,
    QueryList,
    QueryResult,
    QueryRunParams,
    ReferenceDetail,
    ReferenceListParams,
    ReferencePage,
    ReferencePath,
    SearchParams,
    SearchResult,
    query_params_schema,
)

bp = APIBlueprint("api", __name__, url_prefix=PREFIX, tag="Lookups")

JSON = "application/json"
CSV = "text/csv"
TSV = "text/tab-separated-values"
PARAM_NAMES = {"gene_class": "class"}


# --- request plumbing -------------------------------------------------------------------------


def _graph() -> nx.MultiDiGraph:
    return service_state().graph


def _offered() -> list[str]:
    endpoint = request.endpoint or ""
    return [JSON, CSV, TSV] if endpoint.startswith("api.run_query") else [JSON]


@bp.before_request
def _negotiate() -> None:
    """406 when the client accepts none of the media types this route can answer with."""
    if request.method == "OPTIONS" or "Accept" not in request.headers:
        return
    offered = _offered()
    if request.accept_mimetypes.best_match(offered) is None:
        raise NotAcceptable(
            f"this route answers with {', '.join(offered)}; the Accept header "
            f"'{request.headers['Accept']}' allows none of them"
        )


def _kind_of(category: Category) -> str:
    return category.key.replace("_", " ").replace("microrna", "microRNA")


def _choices(ids: Iterable[str]) -> str:
    graph = _graph()
    return ", ".join(f"{i} ({graph.nodes[i]['label']})" for i in ids)


def _shown(text: str, limit: int = 80) -> str:
    """User input as quoted in a message: shortened, so an error never echoes a huge value."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def resolve_param(param: str, value: str, categories: tuple[Category, ...]) -> str:
    """A query parameter's name, alias, short id or CURIE -> node id, or 422 naming the
    parameter with the candidates or close names (the value is well-formed: it names
    nothing, or several things, in this release)."""
    found = service_state().index.resolve(value, categories)
    if found.node_id is not None:
        return found.node_id
    if found.ambiguous:
        raise Unprocessable(
            f"parameter '{param}': '{_shown(value)}' is ambiguous; it could be "
            f"{_choices(found.candidates)}; give one of these identifiers"
        )
    hint = service_state().index.suggest(value, categories)
    if len(categories) == 1:
        collection = BY_CATEGORY[categories[0]]
        noun, where = collection.noun, f"the valid values are listed at {_url(collection.slug)}"
    else:
        noun, where = "entity", f"find names with {_url('search')}?q=..."
    raise Unprocessable(
        f"parameter '{param}': no {noun} is called '{_shown(value)}'"
        + (f"; did you mean {', '.join(hint)}?" if hint else "")
        + f" ({where})"
    )


def _url(*parts: str) -> str:
    return "/".join([bp.url_prefix or "", *parts])


def resolve_path(name: str, collection: Collection) -> str:
    """A path segment -> node id of the collection's category; 404 with 'did you mean', or
    with what the name is instead; 422 for an ambiguous name."""
    index = service_state().index
    found = index.resolve(name, collection.categories)
    if found.node_id is not None:
        return found.node_id
    if found.ambiguous:
        raise Unprocessable(
            f"'{_shown(name)}' is ambiguous: it could be {_choices(found.candidates)}; use one of "
            "these "
            "identifiers"
        )
    elsewhere = index.resolve(name)
    if elsewhere.node_id is not None:
        node = elsewhere.node_id
        category = _graph().nodes[node]["category"]
        where = url_of(node, category)
        raise NotFound(
            f"'{_shown(name)}' is {_article(_kind_of(Category.from_key(category)))} "
            f"({_graph().nodes[node]['label']}, {node}), not {_article(collection.noun)}"
            + (f"; see {where}" if where else "")
        )
    hint = index.suggest(name, collection.categories) if len(name) <= MAX_NAME else []
    raise NotFound(
        f"no {collection.noun} is called '{_shown(name)}'"
        + (f"; did you mean {', '.join(hint)}?" if hint else "")
        + f" (see {bp.url_prefix}/{collection.slug})"
    )


def _article(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def paginate(items: list[dict[str, Any]], limit: int, offset: int) -> tuple[dict, int, dict]:
    """One page of ``items`` with RFC 8288 Link headers (first, prev, next, last)."""
    total = len(items)
    links = {"first": 0}
    if offset > 0:
        links["prev"] = max(0, min(offset, total) - limit)
    if offset + limit < total:
        links["next"] = offset + limit
    links["last"] = max(0, (total - 1) // limit * limit)
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("limit", "offset")]
    here = request.script_root + request.path
    header = ", ".join(
        f'<{here}?{urlencode([*args, ("limit", limit), ("offset", at)])}>; rel="{rel}"'
        for rel, at in links.items()
    )
    body = {"total": total, "limit": limit, "offset": offset, "items": items[offset:][:limit]}
    return body, 200, {"Link": header}


@bp.after_app_request
def _retry_after(response: Response) -> Response:
    """``Retry-After`` in whole seconds, rounded up: the rate limiter (flask-limiter) rounds
    the time left in its window down, so a client that waited as told could be refused again.
    Only 429 and 503 answers carry it. (Registered with the blueprint, before the limiter, so
    it runs after the limiter has set its headers.)"""
    if response.status_code == 429 and "X-RateLimit-Reset" in response.headers:
        try:
            reset = float(response.headers["X-RateLimit-Reset"])
        except ValueError:
            return response
        response.headers["Retry-After"] = str(max(1, math.ceil(reset - time.time())))
    elif response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


# --- routes -----------------------------------------------------------------------------------


@bp.get("/")
@bp.input(Params, location="query")
@bp.output(ApiIndex, example=EXAMPLES["index"])
@bp.doc(
    summary="API index",
    description="The collections of the API with their sizes, and the other routes.",
    responses=error_responses(e400=("Bad request", "unknown parameter")),
)
def index(query_data: dict[str, Any]) -> dict[str, Any]:
    graph = _graph()
    sizes: dict[str, int] = {}
    for _, data in graph.nodes(data=True):
        sizes[data["category"]] = sizes.get(data["category"], 0) + 1
    prefix = bp.url_prefix
    return {
        "name": "metakg",
        "version": version(),
        "collections": [
            {
                "name": c.slug,
                "description": c.description,
                "url": f"{prefix}/{c.slug}",
                "count": sum(sizes.get(cat.key, 0) for cat in c.categories),
            }
            for c in COLLECTIONS
        ],
        "links": [
            {"name": "search", "description": "Find entities by name.", "url": f"{prefix}/search"},
            {"name": "paths", "description": "Evidence paths.", "url": f"{prefix}/paths"},
            {"name": "queries", "description": "Named queries.", "url": f"{prefix}/queries"},
            {"name": "sparql", "description": "SPARQL 1.1 endpoint.", "url": "/sparql"},
            {"name": "openapi", "description": "This API in OpenAPI.", "url": "/openapi.json"},
            {"name": "docs", "description": "Interactive docs.", "url": "/docs"},
        ],
    }


@bp.get("/genes")
@bp.input(GeneListParams, location="query")
@bp.output(GenePage, example=EXAMPLES["genes"], headers=LinkHeader)
@bp.doc(
    summary="List genes and microRNAs",
    description="Genes and miRNAs by symbol, filtered. Each of `class`, `step`, `organ`, "
    "`cancer_type` and `pathway` keeps the genes with an assertion of the matching kind "
    "(has_class, acts_at_step, mediates_metastasis_to, contributes_to, participates_in) "
    "pointing at that entity; a cancer type includes its subtypes. Filters combine with AND. "
    "`confidence` requires, for every other filter, a matching assertion of that confidence. "
    "Paginated with `limit`/`offset`; the `Link` header has rel first, prev, next and last.",
    responses=error_responses(
        e400=("Invalid parameter", "limit: Must be greater than or equal to 1 and less than or "
              "equal to 200."),
        e422=("Unprocessable request", "parameter 'organ': no organ is called 'bnoe'; did you "
              "mean bone? (a filter that names no entity, or several)"),
    ),
)
def list_genes(query_data: dict[str, Any]) -> tuple[dict, int, dict]:
    graph = _graph()
    targets: dict[str, set[str]] = {}
    for key, (_, category) in GENE_FILTERS.items():
        if key in query_data:
            node = resolve_param(PARAM_NAMES.get(key, key), query_data[key], (category,))
            targets[key] = {node} | (
                lookup.subtypes(graph, node) if category is Category.CANCER_TYPE else set()
            )
    items = gene_items(
        graph, targets, confidence=query_data.get("confidence"), text=query_data.get("q")
    )
    return paginate(items, query_data["limit"], query_data["offset"])


@bp.get("/genes/<path:name>")
@bp.input(Params, location="query")
@bp.output(Entity, example=EXAMPLES["entity"])
@bp.doc(
    summary="A gene or microRNA with its evidence",
    description="Look a gene up by symbol, alias (COX2 gives PTGS2), CURIE (NCBIGene:5743, "
    "HGNC:9605) or label. The answer holds every assertion about it, grouped by kind, each "
    "with its references (number, citation, retraction), confidence, evidence types and note.",
    responses=error_responses(
        e404=("Not found", "no gene is called 'EREGG'; did you mean ereg?"),
        e400=("Invalid parameter", "x: unknown parameter (this route takes: none)"),
        e422=("Unprocessable request", "'p38' is ambiguous: it could be NCBIGene:1432 "
              "(MAPK14), ..."),
    ),
)
def gene_detail(name: str, query_data: dict[str, Any]) -> dict[str, Any]:
    return lookup.describe(_graph(), resolve_path(name, COLLECTIONS[0]))


def _entity_routes(collection: Collection, params: type[Params], example_name: str) -> None:
    slug = collection.slug
    category = collection.categories[0]
    endpoint = slug.replace("-", "_")

    def list_view(query_data: dict[str, Any]) -> tuple[dict, int, dict]:
        items = entity_items(_graph(), category)
        text = query_data.get("q")
        scheme = query_data.get("scheme")
        items = [
            i
            for i in items
            if contains(text, i["label"], i["id"], *i.get("synonyms", ()))
            and (scheme is None or i.get("scheme") == scheme)
        ]
        return paginate(items, query_data["limit"], query_data["offset"])

    def detail_view(name: str, query_data: dict[str, Any]) -> dict[str, Any]:
        return lookup.describe(_graph(), resolve_path(name, collection))

    order = (
        " in cascade order (cross-cutting processes last)"
        if category is Category.CASCADE_STEP
        else " by label"
    )
    list_view.__name__ = f"list_{endpoint}"
    detail_view.__name__ = f"{endpoint}_detail"
    bp.get(f"/{slug}", endpoint=f"list_{endpoint}")(
        bp.input(params, location="query")(
            bp.output(EntityPage, example=EXAMPLES["entities"], headers=LinkHeader)(
                bp.doc(
                    summary=f"List {slug.replace('-', ' ')}",
                    description=f"{collection.description} Sorted{order}; `q` filters by "
                    "label, id or alias. Paginated with `limit`/`offset` and `Link` headers.",
                    responses=error_responses(e400=("Bad request", "limit: must be at most 200")),
                )(list_view)
            )
        )
    )
    bp.get(f"/{slug}/<path:name>", endpoint=f"{endpoint}_detail")(
        bp.input(Params, location="query")(
            bp.output(Entity, example=EXAMPLES["entity"])(
                bp.doc(
                    summary=f"One {collection.noun} with its assertions",
                    description=f"Look {_article(collection.noun)} up by label, short id, "
                    f"alias or CURIE (e.g. `{example_name}`); the answer holds every assertion "
                    "about it grouped by kind, with references and confidence.",
                    responses=error_responses(
                        e404=("Not found", f"no {collection.noun} is called 'x'"),
                        e400=("Invalid parameter", "x: unknown parameter"),
                        e422=("Unprocessable request", "'x' is ambiguous: it could be ..."),
                    ),
                )(detail_view)
            )
        )
    )


for _collection, _params, _example in (
    (COLLECTIONS[1], PageParams, "bone"),
    (COLLECTIONS[2], PageParams, "breast cancer"),
    (COLLECTIONS[3], PageParams, "tgfb_smad"),
    (COLLECTIONS[4], PageParams, "colonization"),
    (COLLECTIONS[5], GeneClassListParams, "metastasis_suppressor"),
    (COLLECTIONS[6], PageParams, "blood_brain_barrier"),
    (COLLECTIONS[7], PageParams, "long"),
):
    _entity_routes(_collection, _params, _example)


@bp.get("/references")
@bp.input(ReferenceListParams, location="query")
@bp.output(ReferencePage, example=EXAMPLES["references"], headers=LinkHeader)
@bp.doc(
    summary="List references",
    description="The review's numbered references in order (then other cited papers, which "
    "have no number), with citation, title, identifiers and retraction. `retracted=true` keeps "
    "retracted papers; `q` searches title, citation, authors and identifiers.",
    responses=error_responses(e400=("Bad request", "retracted: Not a valid boolean.")),
)
def list_references(query_data: dict[str, Any]) -> tuple[dict, int, dict]:
    retracted = query_data.get("retracted")
    text = query_data.get("q")
    items = [
        i
        for i in reference_items(_graph())
        if (retracted is None or i["retracted"] == retracted)
        and contains(text, i["title"], i.get("citation"), i.get("authors"), *i["identifiers"])
    ]
    return paginate(items, query_data["limit"], query_data["offset"])


@bp.get("/references/<number>")
@bp.input(ReferencePath, location="path")
@bp.input(Params, location="query")
@bp.output(ReferenceDetail, example=EXAMPLES["reference"])
@bp.doc(
    summary="A reference and every assertion citing it",
    description="`number` is the reference's number in the review (1-119).",
    responses=error_responses(
        e404=("Not found", "the review has no reference 999 (they are numbered 1 to 119)"),
        e400=("Bad request", "'abc' is not a reference number; give a whole number such as 61"),
    ),
)
def reference_detail(
    number: str, path_data: dict[str, Any], query_data: dict[str, Any]
) -> dict[str, Any]:
    graph = _graph()
    items = reference_items(graph)
    found = [i for i in items if i["number"] == int(number)]
    if not found:
        numbers = [i["number"] for i in items if i["number"] is not None]
        raise NotFound(
            f"the review has no reference {int(number)} (they are numbered {min(numbers)} to "
            f"{max(numbers)})"
        )
    return {**found[0], "assertions": citing_assertions(graph, found[0]["id"])}


@bp.get("/search")
@bp.input(SearchParams, location="query")
@bp.output(SearchResult, example=EXAMPLES["search"])
@bp.doc(
    summary="Search entities by name",
    description="Ranks every entity (genes, miRNAs, organs, cancer types, pathways, steps, "
    "classes, barriers, latency classes) by its best-matching symbol, id, label, alias or full "
    "name: exact id or symbol (score 1), other exact name (0.95), prefix (0.8-0.9), substring "
    "(0.6-0.7), then fuzzy (difflib, below 0.5). Publications are searched only with "
    "`include_references=true`, and ranked after every entity.",
    responses=error_responses(e400=("Bad request", "q: Missing data for required field.")),
)
def search_view(query_data: dict[str, Any]) -> dict[str, Any]:
    hits = search(
        _graph(),
        query_data["q"],
        limit=query_data["limit"],
        include_references=query_data["include_references"],
    )
    return {"q": query_data["q"], "count": len(hits), "hits": hits}


@bp.get("/paths")
@bp.input(PathParams, location="query")
@bp.output(PathResult, example=EXAMPLES["paths"])
@bp.doc(
    summary="Evidence paths between two entities",
    description="The shortest paths between two entities over assertions (never the "
    "hierarchy), ignoring their direction, up to `max_hops` (default 3, at most 5); at most "
    f"{PATHS_MAX} paths, best supported first. Each hop uses the best-supported assertion "
    "between its two entities (highest confidence, then most references). `predicates` "
    "restricts the assertions used. No path is a 200 with an empty list and a message.",
    responses=error_responses(
        e400=("Invalid parameter", "max_hops: Must be greater than or equal to 1 and less than "
              "or equal to 5."),
        e422=("Unprocessable request", "parameter 'from': no entity is called 'x'; did you mean "
              "...? (or: 'from' and 'to' are the same entity)"),
    ),
)
def paths_view(query_data: dict[str, Any]) -> dict[str, Any]:
    graph = _graph()
    entities = tuple(c for c in Category if c is not Category.PUBLICATION)
    source = resolve_param("from", query_data["source"], entities)
    target = resolve_param("to", query_data["to"], entities)
    if source == target:
        raise Unprocessable(f"'from' and 'to' are the same entity ({source}); give two entities")
    predicates = None
    if "predicates" in query_data:
        predicates = frozenset(p.strip() for p in query_data["predicates"].split(",") if p.strip())
        valid = [p.key for p in Predicate]
        unknown = sorted(predicates - set(valid))
        if unknown or not predicates:
            raise BadRequest(
                f"parameter 'predicates': unknown predicate(s) {', '.join(unknown) or '(none)'}; "
                f"expected a comma-separated list of: {', '.join(valid)}"
            )
    length, examined, paths = evidence_paths(
        graph, source, target, max_hops=query_data["max_hops"], predicates=predicates
    )
    body: dict[str, Any] = {
        "from": lookup.brief(graph, source),
        "to": lookup.brief(graph, target),
        "max_hops": query_data["max_hops"],
        "predicates": sorted(predicates) if predicates else None,
        "hops": length,
        "examined": examined,
        "count": len(paths),
        "paths": paths,
    }
    if not paths:
        body["message"] = (
            f"no path of at most {_hops(query_data['max_hops'])} links "
            f"{graph.nodes[source]['label']} and {graph.nodes[target]['label']}"
            + (" with these predicates" if predicates else "")
            + (f"; try a larger max_hops (at most {HOPS_MAX})" if body["max_hops"] < 5 else "")
        )
    return body


def _hops(count: int) -> str:
    return f"{count} hop" + ("" if count == 1 else "s")


# --- named queries ----------------------------------------------------------------------------


def _named() -> Any:
    from queries import named  # imported on first use, like the query workers do

    return named


def _query_info(query: Any) -> dict[str, Any]:
    url = url_for("api.run_query", name=query.name)
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "params": [
            {
                "name": p.name,
                "description": p.description,
                "kind": p.kind,
                "categories": [c.key for c in p.categories],
                "choices": list(p.choices),
                "required": p.required,
                "default": p.default,
            }
            for p in query.params
        ],
        "columns": list(query.columns),
        "example": dict(query.example),
        "url": url,
        "example_url": f"{url}?{urlencode(query.example)}" if query.example else url,
    }


@bp.get("/queries")
@bp.input(Params, location="query")
@bp.output(QueryList, example=EXAMPLES["queries"])
@bp.doc(
    tags=["Named queries"],
    summary="List the named queries",
    description="Every named query with its parameters, result columns and an example call.",
    responses=error_responses(e400=("Bad request", "unknown parameter")),
)
def list_queries(query_data: dict[str, Any]) -> dict[str, Any]:
    queries = [_query_info(q) for q in _named().registry().values()]
    return {"count": len(queries), "queries": queries}


def _run_query_doc(query: Any) -> dict[str, Any]:
    params = ", ".join(f"`{p.name}`" for p in query.params) or "none"
    return {
        "tags": ["Named queries"],
        "summary": query.title,
        "description": f"{query.description} Runs the named query `{query.name}` (parameters: "
        f"{params}) with the deadline and row cap of the SPARQL endpoint. Entity parameters "
        "take names, aliases or CURIEs. The answer is JSON, or CSV / TSV with `format=csv|tsv` "
        "or an Accept header of text/csv or text/tab-separated-values.",
        "responses": {
            200: {
                "description": "The rows of the query (JSON, CSV or TSV).",
                "content": {
                    CSV: {"schema": {"type": "string"}},
                    TSV: {"schema": {"type": "string"}},
                },
            },
            **error_responses(
                e400=("Invalid parameter", "organ: Missing data for required field."),
                e406=("Not acceptable", "this route answers with application/json, text/csv, ..."),
                e422=(
                    "Unprocessable request",
                    "parameter 'organ' of query 'genes_for_cancer_organ': no organ is called "
                    "'bnoe' (or: more rows than the row cap)",
                ),
                e503=("Service busy", "all 2 query workers are busy; retry in a moment"),
                e504=("Query deadline exceeded", "the query ran past the 10 s deadline"),
            ),
        },
    }


@bp.get("/queries/<name>", endpoint="run_query")
@bp.input(QueryRunParams, location="query")
@bp.doc(hide=True)  # every named query has its own documented route below; this one 404s
def run_query(name: str, query_data: dict[str, Any]) -> Any:
    return _run(_named().get(name), query_data)


def _named_query_route(query: Any) -> None:
    def view(query_data: dict[str, Any]) -> Any:
        return _run(query, query_data)

    view.__name__ = endpoint = f"run_query_{query.name}"
    bp.get(f"/queries/{query.name}", endpoint=endpoint)(
        bp.input(query_params_schema(query), location="query")(
            bp.output(
                QueryResult,
                description="The rows of the query (JSON, CSV or TSV).",
                example=EXAMPLES["query"],
            )(bp.doc(**_run_query_doc(query))(view))
        )
    )


for _query in QUERIES:
    _named_query_route(_query)


def _run(query: Any, query_data: dict[str, Any]) -> Any:
    named = _named()
    args = request.args
    repeated = sorted(k for k in args if len(args.getlist(k)) > 1)
    if repeated:
        raise BadRequest(f"give each parameter once; repeated: {', '.join(repeated)}")
    media = _result_media_type(query_data.get("format"))
    raw = {k: v for k, v in args.items() if k != "format"}
    try:
        bound = named.bind(query, raw, index=service_state().index)
    except named.QueryParameterError as error:
        # The parameters fit the route's schema; what is left is a name this release does
        # not hold (or holds several times).
        raise Unprocessable("; ".join(error.problems)) from None
    rows = service_state().runner.named(bound)
    columns = list(query.columns)
    if media != JSON:
        response = Response(_delimited(columns, rows, media), mimetype=media)
        response.vary.add("Accept")
        return response
    body = {
        "query": query.name,
        "params": _plain(bound.values),
        "columns": columns,
        "rows": rows,
        "count": len(rows),
    }
    return body, 200, {"Vary": "Accept"}


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """Resolved parameter values as JSON: strings, numbers and lists of them."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, (list, tuple, set, frozenset)):
            out[key] = [v if isinstance(v, (int, float)) else str(v) for v in value]
        else:
            out[key] = (
                value if isinstance(value, (int, float, bool)) or value is None else str(value)
            )
    return out


def _result_media_type(given: str | None) -> str:
    if given is not None:
        return {"json": JSON, "csv": CSV, "tsv": TSV}[given]
    if "Accept" not in request.headers:
        return JSON
    return request.accept_mimetypes.best_match([JSON, CSV, TSV]) or JSON


def _delimited(columns: list[str], rows: list[Mapping[str, str]], media: str) -> str:
    out = io.StringIO()
    if media == CSV:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        writer.writerows([[row.get(c, "") for c in columns] for row in rows])
        return out.getvalue()
    # IANA text/tab-separated-values: no tab or line break inside a field.
    clean = re.compile(r"[\t\r\n]+")
    lines = ["\t".join(columns)]
    lines += ["\t".join(clean.sub(" ", row.get(c, "")) for c in columns) for row in rows]
    return "\n".join(lines) + "\n"
