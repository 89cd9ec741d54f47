"""What the OpenAPI document shows beyond the schemas: the problem+json error responses each
route documents, and an example answer (a shortened real one) for each route."""

from __future__ import annotations

from typing import Any

from server.errors import TYPE_BASE
from server.http.api_collections import PREFIX

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


#: The header of 429 and 503 answers: whole seconds to wait before trying again.
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying (a whole number).",
        "schema": {"type": "integer", "minimum": 0},
    }
}
#: The header of every paginated list: RFC 8288 links to the first, previous, next and last
#: pages (each with limit and offset).
LINK = {
    "Link": {
        "description": 'Links to other pages: rel="first", "prev", "next" (only when there is '
        'a next page) and "last", each a URL with limit and offset.',
        "schema": {"type": "string"},
    }
}


def _problem(
    status: int, title: str, detail: str, headers: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An OpenAPI response: problem+json with an example."""
    example = {
        "type": TYPE_BASE + "-".join(title.casefold().split()),
        "title": title,
        "status": status,
        "detail": detail,
    }
    response: dict[str, Any] = {
        "description": f"{title} (application/problem+json)",
        "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA, "example": example}},
    }
    if headers:
        response["headers"] = headers
    return response


NOT_ACCEPTABLE = _problem(
    406, "Not acceptable", "this route answers with application/json; the Accept header ..."
)
#: Answers any route may give, whatever its parameters: the service's own limits.
COMMON = {
    406: NOT_ACCEPTABLE,
    413: _problem(
        413, "Request entity too large", "the request body is larger than the 1048576 bytes "
        "accepted (METAKG_MAX_BODY)"
    ),
    414: _problem(
        414, "URI too long", "the request URL has 9000 characters, more than the 8192 accepted "
        "(METAKG_MAX_URL); send long requests by POST"
    ),
    429: _problem(
        429, "Too many requests", "more than 6000 per 1 minute from 127.0.0.1 (METAKG_RATE_LIMIT)",
        headers=RETRY_AFTER,
    ),
    503: _problem(
        503, "Service unavailable", "the store cannot be read, or every query worker is busy; "
        "retry after the Retry-After delay", headers=RETRY_AFTER,
    ),
}
#: What 422 means on every route that can answer it.
UNPROCESSABLE = (
    "Unprocessable request",
    "parameter 'organ': no organ is called 'bnoe'; did you mean bone?",
)


def error_responses(**problems: tuple[str, str]) -> dict[int, Any]:
    """Error responses by status: ``e400=(title, detail)``; the service's own limits
    (406, 413, 414, 429 with Retry-After, 503) are added to every route."""
    out = {int(key[1:]): _problem(int(key[1:]), *value) for key, value in problems.items()}
    for status, response in COMMON.items():
        out.setdefault(status, response)
    return out


def finish_openapi(spec: dict[str, Any]) -> None:
    """What the route decorators cannot say, added to the generated document: the
    simulation request that ``/api/v1/export`` takes (a JSON object, in the query string of
    a GET, in the body of a POST) is the body of ``POST /api/v1/simulate``; the JSON bodies
    of the POST routes are required."""
    ref = {"$ref": "#/components/schemas/SimulationInput"}
    paths = spec.get("paths", {})
    for param in paths.get(f"{PREFIX}/export", {}).get("get", {}).get("parameters", []):
        if param.get("name") == "simulation":
            param["description"] = param.get("description") or param.get("schema", {}).get(
                "description", ""
            )
            param.pop("schema", None)
            param["content"] = {"application/json": {"schema": dict(ref)}}
    body = spec.get("components", {}).get("schemas", {}).get("ExportBody", {})
    if "simulation" in body.get("properties", {}):
        body["properties"]["simulation"] = dict(ref)
    for path in (f"{PREFIX}/export", f"{PREFIX}/simulate"):
        request_body = paths.get(path, {}).get("post", {}).get("requestBody")
        if request_body is not None:
            request_body["required"] = True


# --- example answers (shortened real ones) ---------------------------------------------------

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
        "version": "0.6.0",
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
