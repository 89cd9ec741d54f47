"""The REST API under /api/v1/: lookups, search, evidence paths and named queries.

Every answer is computed from the in-process networkx projection (``state.graph``) and its
name index (``state.index``); no request text is ever formatted into a query. Named queries
run their fixed SPARQL with bound parameters in the query workers (``state.runner.named``).
Errors are raised as the service's error leaves and rendered as problem+json by the app.

The graph functions below (``gene_items``, ``search``, ``evidence_paths`` ...) take the graph
and plain values and touch no request, so they can move to ``queries/`` unchanged.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any
from urllib.parse import urlencode

import networkx as nx
from apiflask import APIBlueprint, Schema, fields, validators
from flask import Response, current_app, request, url_for
from marshmallow import ValidationError, validates_schema

from graph.names import fold
from graph.vocab import GENE_LIKE, Category, Confidence, GeneClassScheme, Predicate
from queries import lookup
from server import version
from server.errors import TYPE_BASE, BadRequest, NotAcceptable, NotFound

bp = APIBlueprint("api", __name__, url_prefix="/api/v1", tag="Lookups")

JSON = "application/json"
CSV = "text/csv"
TSV = "text/tab-separated-values"
MAX_NAME = 200  # longest name or text accepted in a parameter
PAGE_DEFAULT, PAGE_MAX = 50, 200
SEARCH_DEFAULT, SEARCH_MAX = 20, 100
HOPS_DEFAULT, HOPS_MAX = 3, 5
PATHS_MAX = 20  # paths returned
PATHS_EXAMINED = 2000  # shortest paths ranked before the best PATHS_MAX are kept
CONFIDENCE_RANK = {"high": 3, "medium": 2, "low": 1}
GENE_FILTERS = {  # query parameter -> (predicate of the gene's assertion, category of its object)
    "gene_class": ("has_class", Category.GENE_CLASS),
    "step": ("acts_at_step", Category.CASCADE_STEP),
    "organ": ("mediates_metastasis_to", Category.ORGAN),
    "cancer_type": ("contributes_to", Category.CANCER_TYPE),
    "pathway": ("participates_in", Category.PATHWAY),
}
PARAM_NAMES = {"gene_class": "class"}


@dataclass(frozen=True)
class Collection:
    slug: str  # the URL segment
    noun: str  # one member, in prose
    categories: tuple[Category, ...]
    description: str


COLLECTIONS: tuple[Collection, ...] = (
    Collection("genes", "gene", GENE_LIKE, "Genes and microRNAs with their evidence."),
    Collection("organs", "organ", (Category.ORGAN,), "Organs that metastases colonise."),
    Collection(
        "cancer-types",
        "cancer type",
        (Category.CANCER_TYPE,),
        "Cancer types (Disease Ontology where verified) with their sites and latency.",
    ),
    Collection("pathways", "pathway", (Category.PATHWAY,), "Signalling pathways and programmes."),
    Collection(
        "cascade-steps",
        "cascade step",
        (Category.CASCADE_STEP,),
        "The steps of the metastatic cascade in order, then the cross-cutting processes.",
    ),
    Collection(
        "gene-classes",
        "gene class",
        (Category.GENE_CLASS,),
        "The review's gene classes (scheme review) and roles metakg adds (scheme graph_role).",
    ),
    Collection(
        "barrier-types",
        "barrier type",
        (Category.BARRIER_TYPE,),
        "Kinds of vascular wall that circulating tumour cells must cross.",
    ),
    Collection(
        "latency-classes",
        "latency class",
        (Category.LATENCY_CLASS,),
        "How long cancer types typically take to relapse at distant sites.",
    ),
    Collection(
        "references",
        "reference",
        (Category.PUBLICATION,),
        "The review's 119 numbered references (and other cited papers), retractions marked.",
    ),
)
BY_CATEGORY = {c: col for col in COLLECTIONS for c in col.categories}


# --- request plumbing -------------------------------------------------------------------------


def _state() -> Any:
    return current_app.extensions["metakg"]


def _graph() -> nx.MultiDiGraph:
    return _state().graph


def _offered() -> list[str]:
    return [JSON, CSV, TSV] if request.endpoint == "api.run_query" else [JSON]


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


def url_of(node_id: str, category: str) -> str | None:
    """The API URL of an entity, or None for a publication without a review number."""
    collection = BY_CATEGORY.get(Category.from_key(category))
    if collection is None:
        return None
    if collection.slug == "references":
        number = _graph().nodes[node_id].get("referenceNumber")
        return None if number is None else f"{bp.url_prefix}/references/{number}"
    return f"{bp.url_prefix}/{collection.slug}/{node_id}"


def _kind_of(category: Category) -> str:
    return category.key.replace("_", " ").replace("microrna", "microRNA")


def _choices(ids: Iterable[str]) -> str:
    graph = _graph()
    return ", ".join(f"{i} ({graph.nodes[i]['label']})" for i in ids)


def _shown(text: str, limit: int = 80) -> str:
    """User input as quoted in a message: shortened, so an error never echoes a huge value."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def resolve_param(param: str, value: str, categories: tuple[Category, ...]) -> str:
    """A query parameter's name, alias, short id or CURIE -> node id, or 400 naming the
    parameter with the candidates or close names."""
    found = _state().index.resolve(value, categories)
    if found.node_id is not None:
        return found.node_id
    if found.ambiguous:
        raise BadRequest(
            f"parameter '{param}': '{_shown(value)}' is ambiguous; it could be "
            f"{_choices(found.candidates)}; give one of these identifiers"
        )
    hint = _state().index.suggest(value, categories)
    if len(categories) == 1:
        collection = BY_CATEGORY[categories[0]]
        noun, where = collection.noun, f"the valid values are listed at {_url(collection.slug)}"
    else:
        noun, where = "entity", f"find names with {_url('search')}?q=..."
    raise BadRequest(
        f"parameter '{param}': no {noun} is called '{_shown(value)}'"
        + (f"; did you mean {', '.join(hint)}?" if hint else "")
        + f" ({where})"
    )


def _url(*parts: str) -> str:
    return "/".join([bp.url_prefix or "", *parts])


def resolve_path(name: str, collection: Collection) -> str:
    """A path segment -> node id of the collection's category; 404 with 'did you mean', or
    with what the name is instead; 400 for an ambiguous name."""
    index = _state().index
    found = index.resolve(name, collection.categories)
    if found.node_id is not None:
        return found.node_id
    if found.ambiguous:
        raise BadRequest(
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


def _contains(needle: str | None, *texts: Any) -> bool:
    if not needle:
        return True
    folded = fold(needle)
    return any(isinstance(t, str) and folded in fold(t) for t in texts)


# --- the graph as lists, searches and paths (no request in here) ------------------------------


def _is_association(data: Mapping[str, Any]) -> bool:
    return data.get("kind") == "association"


def gene_items(
    graph: nx.MultiDiGraph,
    targets: Mapping[str, set[str]],
    *,
    confidence: str | None = None,
    text: str | None = None,
) -> list[dict[str, Any]]:
    """Genes and miRNAs that, for every filter in ``targets`` (parameter -> allowed object
    ids), have an assertion with the filter's predicate pointing at one of those objects; with
    ``confidence``, each filter must be met by an assertion of that confidence (and without
    filters the gene needs any assertion of that confidence)."""
    items = []
    for node, data in graph.nodes(data=True):
        if data["category"] not in ("gene", "microrna"):
            continue
        if text and not _contains(
            text, data.get("symbol"), data.get("fullName"), *data.get("synonyms", ())
        ):
            continue
        out = [
            (v, d)
            for _, v, d in graph.out_edges(node, data=True)
            if _is_association(d) and (confidence is None or d["confidence"] == confidence)
        ]
        if not all(
            any(d["predicate"] == GENE_FILTERS[p][0] and v in allowed for v, d in out)
            for p, allowed in targets.items()
        ):
            continue
        if confidence and not targets and not out:
            continue
        classes = sorted(
            {
                v
                for _, v, d in graph.out_edges(node, data=True)
                if _is_association(d) and d["predicate"] == "has_class"
            }
        )
        items.append(
            {
                "id": node,
                "symbol": data.get("symbol", data["label"]),
                "label": data["label"],
                "category": data["category"],
                "classes": [lookup.brief(graph, c) for c in classes],
            }
        )
    items.sort(key=lambda i: (i["symbol"].casefold(), i["id"]))
    return items


def entity_items(graph: nx.MultiDiGraph, category: Category) -> list[dict[str, Any]]:
    """Every entity of ``category`` with its summary fields and how many genes it relates to."""
    items = []
    for node, data in graph.nodes(data=True):
        if data["category"] != category.key:
            continue
        edges = [*graph.in_edges(node, data=True), *graph.out_edges(node, data=True)]
        others = {v if u == node else u for u, v, d in edges if _is_association(d)}
        genes = {o for o in others if graph.nodes[o]["category"] in ("gene", "microrna")}
        parents = [
            lookup.brief(graph, v)
            for _, v, d in graph.out_edges(node, data=True)
            if d["predicate"] == "subclass_of"
        ]
        item = {"id": node, **{k: v for k, v in data.items() if k != "location"}}
        item.update(gene_count=len(genes), parents=parents)
        items.append(item)
    if category is Category.CASCADE_STEP or category is Category.LATENCY_CLASS:
        items.sort(key=lambda i: (i.get("order") is None, i.get("order", 0), i["label"]))
    else:
        items.sort(key=lambda i: (i["label"].casefold(), i["id"]))
    return items


def reference_items(graph: nx.MultiDiGraph) -> list[dict[str, Any]]:
    cited: dict[str, int] = {}
    for _, _, d in graph.edges(data=True):
        for ref in d.get("references", ()):
            cited[ref] = cited.get(ref, 0) + 1
    items = []
    for node, data in graph.nodes(data=True):
        if data["category"] != "publication":
            continue
        item = lookup.reference(graph, node)
        item["identifiers"] = item.pop("xrefs", [])
        item.setdefault("number", None)
        item.setdefault("retracted", False)
        for key in ("authors", "journal", "year"):
            if key in data:
                item[key] = data[key]
        item["assertion_count"] = cited.get(node, 0)
        items.append(item)
    items.sort(key=lambda i: (i["number"] is None, i["number"] or 0, i["id"]))
    return items


def citing_assertions(graph: nx.MultiDiGraph, node_id: str) -> list[dict[str, Any]]:
    """Every assertion that cites the publication ``node_id``."""
    found = [
        lookup.assertion(graph, u, v, k, u)
        for u, v, k, d in graph.edges(keys=True, data=True)
        if _is_association(d) and node_id in d["references"]
    ]
    for item in found:
        del item["role"]
    found.sort(
        key=lambda a: (
            a["predicate"],
            a["subject"]["label"].casefold(),
            a["object"]["label"],
            a["id"],
        )
    )
    return found


def _names(node: str, data: Mapping[str, Any]) -> Iterable[tuple[str, bool]]:
    """(name, primary) pairs an entity is searched by; primary names are ids and symbols."""
    yield node, True
    if node.startswith("metakg:") and "/" in node:
        yield node.rsplit("/", 1)[1], True
    for xref in data.get("xrefs", ()):
        yield xref, True
    if data.get("symbol"):
        yield data["symbol"], True
    yield data["label"], False
    for key in ("synonyms", "weak_synonyms"):
        for name in data.get(key, ()):
            yield name, False
    if data.get("fullName"):
        yield data["fullName"], False
    if data["category"] == "publication":
        if "referenceNumber" in data:
            yield str(data["referenceNumber"]), True
        for key in ("description", "authors"):
            if data.get(key):
                yield data[key], False


def match_score(needle: str, name: str, primary: bool) -> tuple[float, str] | None:
    """How well ``name`` matches the folded ``needle``: exact (1.0 for ids and symbols, 0.95
    for other names), prefix (0.8-0.9), substring (0.6-0.7), fuzzy (below 0.5), or None."""
    folded = fold(name)
    if folded == needle:
        return (1.0 if primary else 0.95), "exact"
    share = len(needle) / len(folded)
    if folded.startswith(needle):
        return 0.8 + 0.1 * share, "prefix"
    if needle in folded:
        return 0.6 + 0.1 * share, "substring"
    matcher = difflib.SequenceMatcher(None, needle, folded)
    if matcher.real_quick_ratio() >= 0.75 and matcher.quick_ratio() >= 0.75:
        ratio = matcher.ratio()
        if ratio >= 0.75:
            return 0.5 * ratio, "fuzzy"
    return None


def search(
    graph: nx.MultiDiGraph, text: str, *, limit: int, include_references: bool = False
) -> list[dict[str, Any]]:
    """Entities ranked by their best-matching name; publications only when asked, and after
    every other entity."""
    needle = fold(text)
    hits = []
    for node, data in graph.nodes(data=True):
        publication = data["category"] == "publication"
        if publication and not include_references:
            continue
        best: tuple[float, str, str] | None = None
        for name, primary in _names(node, data):
            scored = match_score(needle, name, primary)
            if scored and (best is None or scored[0] > best[0]):
                best = (scored[0], scored[1], name)
        if best:
            hits.append(
                {
                    **lookup.brief(graph, node),
                    "matched": best[2],
                    "match": best[1],
                    "score": round(best[0], 3),
                    "_rank": (publication, -best[0], data["label"].casefold(), node),
                }
            )
    hits.sort(key=lambda h: h.pop("_rank"))
    return hits[:limit]


def _support(data: Mapping[str, Any]) -> tuple[int, int]:
    return CONFIDENCE_RANK[data["confidence"]], len(data["references"])


def association_graph(graph: nx.MultiDiGraph, predicates: frozenset[str] | None = None) -> nx.Graph:
    """Association edges (never hierarchy) as an undirected graph, keeping for each pair of
    entities the best-supported assertion: highest confidence, then most references, then
    the smallest association id (so the choice is deterministic)."""
    simple = nx.Graph()
    for u, v, key, data in graph.edges(keys=True, data=True):
        if not _is_association(data) or (predicates and data["predicate"] not in predicates):
            continue
        rank = _support(data)
        if simple.has_edge(u, v):
            kept = simple.edges[u, v]
            better = rank > kept["rank"] or (rank == kept["rank"] and key < kept["edge"][2])
            if not better:
                continue
        simple.add_edge(u, v, rank=rank, edge=(u, v, key))
    return simple


def _reference_numbers(graph: nx.MultiDiGraph, refs: Iterable[str]) -> list[int]:
    numbers = (graph.nodes[r].get("referenceNumber") for r in refs)
    return sorted(n for n in numbers if n is not None)


def hop(graph: nx.MultiDiGraph, simple: nx.Graph, a: str, b: str) -> dict[str, Any]:
    u, v, key = simple.edges[a, b]["edge"]
    data = graph.edges[u, v, key]
    return {
        "from": lookup.brief(graph, a),
        "to": lookup.brief(graph, b),
        "predicate": data["predicate"],
        "direction": data["direction"],
        "reversed": u != a,
        "confidence": data["confidence"],
        "references": _reference_numbers(graph, data["references"]),
        "publications": list(data["references"]),
        "note": data["note"],
        "assertion": key,
    }


def evidence_paths(
    graph: nx.MultiDiGraph,
    source: str,
    target: str,
    *,
    max_hops: int,
    predicates: frozenset[str] | None = None,
) -> tuple[int | None, int, list[list[dict[str, Any]]]]:
    """(length, how many shortest paths were examined, the best ``PATHS_MAX`` of them) between
    two entities over association edges, ignoring direction; length None when there is no
    path within ``max_hops``. Paths of equal length are ranked by their hops' support."""
    simple = association_graph(graph, predicates)
    if source not in simple or target not in simple:
        return None, 0, []
    try:
        length = nx.shortest_path_length(simple, source, target)
    except nx.NetworkXNoPath:
        return None, 0, []
    if length > max_hops:
        return None, 0, []
    found = list(islice(nx.all_shortest_paths(simple, source, target), PATHS_EXAMINED))

    def rank(path: list[str]) -> tuple[Any, ...]:
        support = [simple.edges[a, b]["rank"] for a, b in zip(path, path[1:], strict=False)]
        labels = tuple(graph.nodes[n]["label"].casefold() for n in path)
        return (-sum(s[0] for s in support), -sum(s[1] for s in support), labels)

    found.sort(key=rank)
    paths = [
        [hop(graph, simple, a, b) for a, b in zip(path, path[1:], strict=False)]
        for path in found[:PATHS_MAX]
    ]
    return length, len(found), paths


# --- schemas ----------------------------------------------------------------------------------


class Params(Schema):
    """Query parameters. An unknown or repeated parameter is an error, so a typo such as
    ``organs=bone`` is reported instead of being silently ignored."""

    @validates_schema
    def _only_known(self, data: Any, **kwargs: Any) -> None:
        allowed = {field.data_key or name for name, field in self.fields.items()}
        known = ", ".join(sorted(allowed)) or "none"
        errors = {}
        for key in request.args:
            if key not in allowed:
                errors[key] = [f"unknown parameter (this route takes: {known})"]
            elif len(request.args.getlist(key)) > 1:
                errors[key] = ["give this parameter once"]
        if errors:
            raise ValidationError(errors)


def _name_field(description: str, **kwargs: Any) -> fields.String:
    return fields.String(
        validate=validators.Length(min=1, max=MAX_NAME),
        metadata={"description": description},
        **kwargs,
    )


class PageParams(Params):
    limit = fields.Integer(
        load_default=PAGE_DEFAULT,
        validate=validators.Range(min=1, max=PAGE_MAX),
        metadata={"description": f"Items per page (default {PAGE_DEFAULT}, at most {PAGE_MAX})."},
    )
    offset = fields.Integer(
        load_default=0,
        validate=validators.Range(min=0),
        metadata={"description": "How many items to skip."},
    )
    q = _name_field("Text that the name must contain (case-insensitive).")


_FILTER_HELP = "a name, alias, short id or CURIE"


class GeneListParams(PageParams):
    gene_class = _name_field(
        f"Gene class ({_FILTER_HELP}), e.g. metastasis_suppressor.", data_key="class"
    )
    step = _name_field(f"Cascade step ({_FILTER_HELP}), e.g. colonization.")
    organ = _name_field(f"Organ the gene mediates metastasis to ({_FILTER_HELP}), e.g. bone.")
    cancer_type = _name_field(
        f"Cancer type the gene contributes to ({_FILTER_HELP}); its subtypes are included."
    )
    pathway = _name_field(f"Pathway ({_FILTER_HELP}), e.g. tgfb_smad.")
    confidence = fields.String(
        validate=validators.OneOf([c.value for c in Confidence]),
        metadata={
            "description": "Only genes whose assertions meeting the other filters include one of "
            "this confidence."
        },
    )
    q = _name_field("Text in the symbol, an alias or the full name (case-insensitive).")


class GeneClassListParams(PageParams):
    scheme = fields.String(
        validate=validators.OneOf([s.value for s in GeneClassScheme]),
        metadata={"description": "review (the review's classes) or graph_role (metakg's)."},
    )


class ReferenceListParams(PageParams):
    retracted = fields.Boolean(metadata={"description": "true: retracted papers only."})
    q = _name_field("Text in the title, citation, authors or an identifier.")


class SearchParams(Params):
    q = fields.String(
        required=True,
        validate=[
            validators.Length(min=1, max=MAX_NAME),
            validators.Regexp(r".*\S", error="must not be blank"),
        ],
        metadata={"description": "What to look for: a symbol, alias, name or identifier."},
    )
    limit = fields.Integer(
        load_default=SEARCH_DEFAULT,
        validate=validators.Range(min=1, max=SEARCH_MAX),
        metadata={"description": f"Most hits (default {SEARCH_DEFAULT}, at most {SEARCH_MAX})."},
    )
    include_references = fields.Boolean(
        load_default=False,
        metadata={"description": "Also search publications (ranked after every entity)."},
    )


class PathParams(Params):
    source = _name_field(
        "Start entity (any name, alias, short id or CURIE).", data_key="from", required=True
    )
    to = _name_field("End entity.", required=True)
    max_hops = fields.Integer(
        load_default=HOPS_DEFAULT,
        validate=validators.Range(min=1, max=HOPS_MAX),
        metadata={"description": f"Longest path (default {HOPS_DEFAULT}, at most {HOPS_MAX})."},
    )
    predicates = fields.String(
        validate=validators.Length(min=1, max=MAX_NAME),
        metadata={
            "description": "Comma-separated predicates the path may use (default: every "
            "association predicate), e.g. regulates,interacts_with for regulatory chains."
        },
    )


class QueryRunParams(Schema):
    """``format`` only: the named query's own parameters are checked by the query itself."""

    format = fields.String(
        validate=validators.OneOf(["json", "csv", "tsv"]),
        metadata={"description": "json (default), csv or tsv; overrides the Accept header."},
    )


class Brief(Schema):
    id = fields.String(metadata={"example": "NCBIGene:2069"})
    label = fields.String(metadata={"example": "EREG"})
    category = fields.String(metadata={"example": "gene"})


class Page(Schema):
    total = fields.Integer(metadata={"description": "Items matching, over all pages."})
    limit = fields.Integer()
    offset = fields.Integer()


class GeneItem(Brief):
    symbol = fields.String()
    classes = fields.List(fields.Nested(Brief), metadata={"description": "Its gene classes."})
    url = fields.Function(lambda i: url_of(i["id"], i["category"]))


class GenePage(Page):
    items = fields.List(fields.Nested(GeneItem))


EntityProperties = Schema.from_dict(
    {
        "symbol": fields.String(),
        "fullName": fields.String(),
        "synonyms": fields.List(fields.String()),
        "weak_synonyms": fields.List(
            fields.String(), metadata={"description": "Low-priority synonyms (e.g. NCBI's)."}
        ),
        "xrefs": fields.List(fields.String()),
        "description": fields.String(),
        "taxon": fields.String(),
        "order": fields.Integer(metadata={"description": "Position in the cascade or scale."}),
        "scheme": fields.String(metadata={"description": "review or graph_role."}),
        "capillaryBedRole": fields.String(),
        "venousDrainage": fields.String(),
        "referenceNumber": fields.Integer(),
        "authors": fields.String(),
        "journal": fields.String(),
        "volume": fields.String(),
        "pages": fields.String(),
        "year": fields.Integer(),
        "retracted": fields.Boolean(),
        "retractionNote": fields.String(),
    },
    name="EntityProperties",
)


class EntityItem(Brief, EntityProperties):  # type: ignore[misc,valid-type]
    gene_count = fields.Integer(
        metadata={"description": "Genes and miRNAs with an assertion about it."}
    )
    parents = fields.List(fields.Nested(Brief), metadata={"description": "Broader terms."})
    url = fields.Function(lambda i: url_of(i["id"], i["category"]))


class EntityPage(Page):
    items = fields.List(fields.Nested(EntityItem))


class Citation(Schema):
    id = fields.String(metadata={"example": "metakg:ref/61"})
    number = fields.Integer(allow_none=True, metadata={"description": "Number in the review."})
    title = fields.String()
    citation = fields.String(metadata={"example": "Gupta, G. P. et al. Nature 446 (2007)"})
    retracted = fields.Boolean()
    retractionNote = fields.String()
    xrefs = fields.List(fields.String(), metadata={"example": ["doi:10.1038/nature05760"]})


class Assertion(Schema):
    id = fields.String(metadata={"description": "The association id."})
    predicate = fields.String(metadata={"example": "mediates_metastasis_to"})
    subject = fields.Nested(Brief)
    object = fields.Nested(Brief)
    role = fields.String(metadata={"description": "subject or object: the entity's place."})
    direction = fields.String(metadata={"description": "promotes, suppresses or associated."})
    confidence = fields.String(metadata={"description": "high, medium or low."})
    references = fields.List(fields.Nested(Citation))
    evidence_types = fields.List(fields.String())
    note = fields.String()
    rests_only_on_retracted = fields.Boolean()
    source = fields.String(metadata={"description": "Source file and line."})
    cancer_type = fields.Nested(Brief, metadata={"description": "Context: cancer type."})
    organ = fields.Nested(Brief, metadata={"description": "Context: organ."})
    step = fields.Nested(Brief, metadata={"description": "Context: cascade step."})
    organism = fields.String()
    frequency = fields.Float(metadata={"description": "Share of patients (metastasizes_to)."})


class Hierarchy(Schema):
    parents = fields.List(fields.Nested(Brief))
    children = fields.List(fields.Nested(Brief))


class Entity(Brief, EntityProperties):  # type: ignore[misc,valid-type]
    assertions = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(Assertion)),
        metadata={"description": "Assertions grouped by kind: " + ", ".join(lookup.KIND_TITLES)},
    )
    hierarchy = fields.Nested(Hierarchy)


class ReferenceItem(Schema):
    id = fields.String(metadata={"example": "metakg:ref/106"})
    number = fields.Integer(allow_none=True, metadata={"example": 106})
    citation = fields.String()
    title = fields.String()
    identifiers = fields.List(fields.String(), metadata={"example": ["doi:10.1038/nature04695"]})
    retracted = fields.Boolean()
    retractionNote = fields.String()
    authors = fields.String()
    journal = fields.String()
    year = fields.Integer()
    assertion_count = fields.Integer(metadata={"description": "Assertions that cite it."})
    url = fields.Function(lambda i: url_of(i["id"], "publication"))


class ReferencePage(Page):
    items = fields.List(fields.Nested(ReferenceItem))


class CitedBy(Assertion):
    class Meta:
        exclude = ("role",)


class ReferenceDetail(ReferenceItem):
    assertions = fields.List(fields.Nested(CitedBy), metadata={"description": "Every citer."})


class SearchHit(Brief):
    matched = fields.String(metadata={"description": "The name that matched."})
    match = fields.String(metadata={"description": "exact, prefix, substring or fuzzy."})
    score = fields.Float(metadata={"description": "1 is an exact id or symbol; higher first."})
    url = fields.Function(lambda i: url_of(i["id"], i["category"]))


class SearchResult(Schema):
    q = fields.String()
    count = fields.Integer()
    hits = fields.List(fields.Nested(SearchHit))


class Hop(Schema):
    # "from" is a keyword: the field is declared with a data key.
    source = fields.Nested(Brief, data_key="from", attribute="from")
    to = fields.Nested(Brief)
    predicate = fields.String()
    direction = fields.String(metadata={"description": "The assertion's direction."})
    reversed = fields.Boolean(
        metadata={"description": "true when the assertion points from 'to' to 'from'."}
    )
    confidence = fields.String()
    references = fields.List(fields.Integer(), metadata={"description": "Review numbers."})
    publications = fields.List(fields.String(), metadata={"description": "Every cited paper."})
    note = fields.String()
    assertion = fields.String(metadata={"description": "The association id."})


class PathResult(Schema):
    source = fields.Nested(Brief, data_key="from", attribute="from")
    to = fields.Nested(Brief)
    max_hops = fields.Integer()
    predicates = fields.List(fields.String(), allow_none=True)
    hops = fields.Integer(allow_none=True, metadata={"description": "Length of the paths."})
    examined = fields.Integer(metadata={"description": "Shortest paths found and ranked."})
    count = fields.Integer()
    paths = fields.List(fields.List(fields.Nested(Hop)))
    message = fields.String()


class Link(Schema):
    name = fields.String()
    description = fields.String()
    url = fields.String()
    count = fields.Integer()


class ApiIndex(Schema):
    name = fields.String()
    version = fields.String()
    collections = fields.List(fields.Nested(Link))
    links = fields.List(fields.Nested(Link))


class QueryParam(Schema):
    name = fields.String()
    description = fields.String()
    kind = fields.String(metadata={"description": "entity, entities, choice or integer."})
    categories = fields.List(fields.String())
    choices = fields.List(fields.String())
    required = fields.Boolean()
    default = fields.String(allow_none=True)


class QueryInfo(Schema):
    name = fields.String()
    title = fields.String()
    description = fields.String()
    params = fields.List(fields.Nested(QueryParam))
    columns = fields.List(fields.String())
    example = fields.Dict(keys=fields.String(), values=fields.String())
    url = fields.String()
    example_url = fields.String()


class QueryList(Schema):
    count = fields.Integer()
    queries = fields.List(fields.Nested(QueryInfo))


class QueryResult(Schema):
    query = fields.String()
    params = fields.Dict(
        keys=fields.String(), metadata={"description": "Resolved values (CURIEs, numbers)."}
    )
    columns = fields.List(fields.String())
    rows = fields.List(fields.Dict(keys=fields.String(), values=fields.String()))
    count = fields.Integer()


PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
}


def _problem(status: int, title: str, detail: str) -> dict[str, Any]:
    """An OpenAPI response: problem+json with an example."""
    example = {
        "type": TYPE_BASE + "-".join(title.casefold().split()),
        "title": title,
        "status": status,
        "detail": detail,
    }
    return {
        "description": f"{title} (application/problem+json)",
        "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA, "example": example}},
    }


NOT_ACCEPTABLE = _problem(
    406, "Not acceptable", "this route answers with application/json; the Accept header ..."
)


def _responses(**problems: tuple[str, str]) -> dict[int, Any]:
    """Error responses by status: ``e400=(title, detail)``; 406 is added to every route."""
    out = {int(key[1:]): _problem(int(key[1:]), *value) for key, value in problems.items()}
    out.setdefault(406, NOT_ACCEPTABLE)
    return out


@bp.record_once
def _document_errors_ourselves(setup: Any) -> None:
    """Every route documents its own error responses as problem+json (see ``_responses``);
    APIFlask's automatic 400 and 404 responses would say application/json instead."""
    setup.app.config.update(AUTO_VALIDATION_ERROR_RESPONSE=False, AUTO_404_RESPONSE=False)


# --- examples for the OpenAPI document (shortened real answers) ------------------------------

_EREG = {"id": "NCBIGene:2069", "label": "EREG", "category": "gene"}
_LUNG = {"id": "UBERON:0002048", "label": "Lung", "category": "organ"}
_BONE = {"id": "UBERON:0002481", "label": "Bone", "category": "organ"}
_REF61 = {
    "id": "metakg:ref/61",
    "number": 61,
    "title": "Mediators of vascular remodelling co-opted for sequential steps in lung metastasis",
    "citation": "Gupta, G. P. et al. Nature 446, 765–770 (2007)",
    "retracted": False,
    "xrefs": ["doi:10.1038/nature05760"],
}
_ASSERTION = {
    "id": "metakg:assoc/5295414b87575b7c",
    "predicate": "mediates_metastasis_to",
    "subject": _EREG,
    "object": _LUNG,
    "role": "subject",
    "direction": "promotes",
    "confidence": "high",
    "references": [_REF61],
    "evidence_types": ["in_vivo_selection", "expression_signature"],
    "note": "Epiregulin belongs to the lung-metastasis gene set found by selecting ...",
    "rests_only_on_retracted": False,
    "source": "ingest/data/assertions/gene_organ.tsv:3",
    "cancer_type": {"id": "DOID:1612", "label": "Breast cancer", "category": "cancer_type"},
}
_PAGE = {"total": 18, "limit": 2, "offset": 0}
EXAMPLES: dict[str, Any] = {
    "index": {
        "name": "metakg",
        "version": "0.1.0",
        "collections": [
            {
                "name": "genes",
                "description": "Genes and microRNAs with their evidence.",
                "url": "/api/v1/genes",
                "count": 99,
            }
        ],
        "links": [
            {"name": "search", "description": "Find entities by name.", "url": "/api/v1/search"}
        ],
    },
    "genes": {
        **_PAGE,
        "items": [
            {
                "id": "NCBIGene:5744",
                "symbol": "PTHLH",
                "label": "PTHLH",
                "category": "gene",
                "classes": [
                    {
                        "id": "metakg:class/metastasis_virulence",
                        "label": "Metastasis virulence gene",
                        "category": "gene_class",
                    }
                ],
                "url": "/api/v1/genes/NCBIGene:5744",
            }
        ],
    },
    "entity": {
        **_EREG,
        "symbol": "EREG",
        "fullName": "epiregulin",
        "xrefs": ["HGNC:3443"],
        "taxon": "NCBITaxon:9606",
        "description": "EGF-family ligand of EGFR/ERBB4; ...",
        "assertions": {"organ": [_ASSERTION]},
    },
    "entities": {
        **_PAGE,
        "items": [
            {
                **_BONE,
                "description": "Mineralised bone tissue; ...",
                "capillaryBedRole": "none (seeded from arterial blood via marrow sinusoids)",
                "gene_count": 18,
                "parents": [],
                "url": "/api/v1/organs/UBERON:0002481",
            }
        ],
    },
    "references": {
        "total": 1,
        "limit": 50,
        "offset": 0,
        "items": [
            {
                "id": "metakg:ref/106",
                "number": 106,
                "citation": "Erler, J. T. et al. Nature 440, 1222–1226 (2006)",
                "title": "Lysyl oxidase is essential for hypoxia-induced metastasis",
                "identifiers": ["doi:10.1038/nature04695"],
                "retracted": True,
                "retractionNote": "Retracted by Nature on 18 March 2020, ...",
                "assertion_count": 18,
                "url": "/api/v1/references/106",
            }
        ],
    },
    "reference": {
        **{k: v for k, v in _REF61.items() if k != "xrefs"},
        "identifiers": _REF61["xrefs"],
        "assertion_count": 30,
        "url": "/api/v1/references/61",
        "assertions": [{k: v for k, v in _ASSERTION.items() if k != "role"}],
    },
    "search": {
        "q": "cox",
        "count": 1,
        "hits": [
            {
                "id": "NCBIGene:5743",
                "label": "PTGS2",
                "category": "gene",
                "matched": "COX2",
                "match": "prefix",
                "score": 0.875,
                "url": "/api/v1/genes/NCBIGene:5743",
            }
        ],
    },
    "paths": {
        "from": _EREG,
        "to": _LUNG,
        "max_hops": 3,
        "predicates": None,
        "hops": 1,
        "examined": 1,
        "count": 1,
        "paths": [
            [
                {
                    "from": _EREG,
                    "to": _LUNG,
                    "predicate": "mediates_metastasis_to",
                    "direction": "promotes",
                    "reversed": False,
                    "confidence": "high",
                    "references": [8, 61, 66],
                    "publications": ["metakg:ref/8", "metakg:ref/61", "metakg:ref/66"],
                    "note": "Epiregulin belongs to the lung-metastasis gene set ...",
                    "assertion": "metakg:assoc/5295414b87575b7c",
                }
            ]
        ],
    },
    "queries": {
        "count": 1,
        "queries": [
            {
                "name": "cancer_types_by_latency",
                "title": "Cancer types in a latency class",
                "description": "Which cancer types relapse after this kind of delay ...",
                "params": [
                    {
                        "name": "latency",
                        "description": "the latency class",
                        "kind": "entity",
                        "categories": ["latency_class"],
                        "choices": [],
                        "required": True,
                        "default": None,
                    }
                ],
                "columns": [
                    "cancer_type_label",
                    "cancer_type",
                    "confidence",
                    "references",
                    "assertion",
                ],
                "example": {"latency": "long"},
                "url": "/api/v1/queries/cancer_types_by_latency",
                "example_url": "/api/v1/queries/cancer_types_by_latency?latency=long",
            }
        ],
    },
    "query": {
        "query": "cancer_types_by_latency",
        "params": {"latency": "metakg:latency/long"},
        "columns": ["cancer_type_label", "cancer_type", "confidence", "references", "assertion"],
        "rows": [
            {
                "cancer_type_label": "Prostate cancer",
                "cancer_type": "DOID:10283",
                "confidence": "medium",
                "references": "33",
                "assertion": "metakg:assoc/339ab44cc29cc291",
            }
        ],
        "count": 1,
    },
}


# --- routes -----------------------------------------------------------------------------------


@bp.get("/")
@bp.input(Params, location="query")
@bp.output(ApiIndex, example=EXAMPLES["index"])
@bp.doc(
    summary="API index",
    description="The collections of the API with their sizes, and the other routes.",
    responses=_responses(e400=("Bad request", "unknown parameter")),
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
@bp.output(GenePage, example=EXAMPLES["genes"])
@bp.doc(
    summary="List genes and microRNAs",
    description="Genes and miRNAs by symbol, filtered. Each of `class`, `step`, `organ`, "
    "`cancer_type` and `pathway` keeps the genes with an assertion of the matching kind "
    "(has_class, acts_at_step, mediates_metastasis_to, contributes_to, participates_in) "
    "pointing at that entity; a cancer type includes its subtypes. Filters combine with AND. "
    "`confidence` requires, for every other filter, a matching assertion of that confidence. "
    "Paginated with `limit`/`offset`; the `Link` header has rel first, prev, next and last.",
    responses=_responses(
        e400=("Bad request", "parameter 'organ': no organ is called 'bnoe'; did you mean bone?")
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
    responses=_responses(
        e404=("Not found", "no gene is called 'EREGG'; did you mean ereg?"),
        e400=("Bad request", "'p38' is ambiguous: it could be NCBIGene:1432 (MAPK14), ..."),
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
            if _contains(text, i["label"], i["id"], *i.get("synonyms", ()))
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
            bp.output(EntityPage, example=EXAMPLES["entities"])(
                bp.doc(
                    summary=f"List {slug.replace('-', ' ')}",
                    description=f"{collection.description} Sorted{order}; `q` filters by "
                    "label, id or alias. Paginated with `limit`/`offset` and `Link` headers.",
                    responses=_responses(e400=("Bad request", "limit: must be at most 200")),
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
                    responses=_responses(
                        e404=("Not found", f"no {collection.noun} is called 'x'"),
                        e400=("Bad request", "'x' is ambiguous: it could be ..."),
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
@bp.output(ReferencePage, example=EXAMPLES["references"])
@bp.doc(
    summary="List references",
    description="The review's numbered references in order (then other cited papers, which "
    "have no number), with citation, title, identifiers and retraction. `retracted=true` keeps "
    "retracted papers; `q` searches title, citation, authors and identifiers.",
    responses=_responses(e400=("Bad request", "retracted: Not a valid boolean.")),
)
def list_references(query_data: dict[str, Any]) -> tuple[dict, int, dict]:
    retracted = query_data.get("retracted")
    text = query_data.get("q")
    items = [
        i
        for i in reference_items(_graph())
        if (retracted is None or i["retracted"] == retracted)
        and _contains(text, i["title"], i.get("citation"), i.get("authors"), *i["identifiers"])
    ]
    return paginate(items, query_data["limit"], query_data["offset"])


@bp.get("/references/<number>")
@bp.input(Params, location="query")
@bp.output(ReferenceDetail, example=EXAMPLES["reference"])
@bp.doc(
    summary="A reference and every assertion citing it",
    description="`number` is the reference's number in the review (1-119).",
    responses=_responses(
        e404=("Not found", "the review has no reference 999 (they are numbered 1 to 119)"),
        e400=("Bad request", "'abc' is not a reference number; give a whole number such as 61"),
    ),
)
def reference_detail(number: str, query_data: dict[str, Any]) -> dict[str, Any]:
    if not re.fullmatch(r"[0-9]{1,9}", number):
        raise BadRequest(f"'{number}' is not a reference number; give a whole number such as 61")
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
    responses=_responses(e400=("Bad request", "q: Missing data for required field.")),
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
    responses=_responses(
        e400=("Bad request", "parameter 'from': no entity is called 'x'; did you mean ...?")
    ),
)
def paths_view(query_data: dict[str, Any]) -> dict[str, Any]:
    graph = _graph()
    entities = tuple(c for c in Category if c is not Category.PUBLICATION)
    source = resolve_param("from", query_data["source"], entities)
    target = resolve_param("to", query_data["to"], entities)
    if source == target:
        raise BadRequest(f"'from' and 'to' are the same entity ({source}); give two entities")
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
    responses=_responses(e400=("Bad request", "unknown parameter")),
)
def list_queries(query_data: dict[str, Any]) -> dict[str, Any]:
    queries = [_query_info(q) for q in _named().registry().values()]
    return {"count": len(queries), "queries": queries}


@bp.get("/queries/<name>", endpoint="run_query")
@bp.input(QueryRunParams, location="query")
@bp.output(
    QueryResult,
    description="The rows of the query (JSON, CSV or TSV).",
    example=EXAMPLES["query"],
)
@bp.doc(
    tags=["Named queries"],
    summary="Run a named query",
    description="Runs the named query `name` with its own parameters given as query parameters "
    "(see `GET /api/v1/queries` for each query's parameters and an example), with the query "
    "deadline and row cap of the SPARQL endpoint. Entity parameters take names, aliases or "
    "CURIEs; a missing, unknown or repeated parameter is a 400. The answer is JSON, or CSV / "
    "TSV with `format=csv|tsv` or an Accept header of text/csv or text/tab-separated-values.",
    responses={
        200: {
            "description": "The rows of the query (JSON, CSV or TSV).",
            "content": {CSV: {"schema": {"type": "string"}}, TSV: {"schema": {"type": "string"}}},
        },
        **_responses(
            e400=("Bad request", "parameter 'organ': no organ is called 'bnoe'"),
            e404=("Not found", "no named query is called 'x'; the named queries are: ..."),
            e406=("Not acceptable", "this route answers with application/json, text/csv, ..."),
            e422=("Row cap exceeded", "the query returns more than 10000 rows (the row cap)"),
            e503=("Service busy", "all 2 query workers are busy; retry in a moment"),
            e504=("Query deadline exceeded", "the query ran past the 10 s deadline"),
        ),
    },
)
def run_query(name: str, query_data: dict[str, Any]) -> Any:
    named = _named()
    query = named.get(name)
    args = request.args
    repeated = sorted(k for k in args if len(args.getlist(k)) > 1)
    if repeated:
        raise BadRequest(f"give each parameter once; repeated: {', '.join(repeated)}")
    media = _result_media_type(query_data.get("format"))
    raw = {k: v for k, v in args.items() if k != "format"}
    bound = named.bind(query, raw, index=_state().index)
    rows = _state().runner.named(bound)
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
