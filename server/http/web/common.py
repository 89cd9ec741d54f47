"""What every page shares: the service state, entity URLs, category colours, HTML answers."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request, url_for

from graph.vocab import Category, Predicate
from server.http.api_collections import service_state

#: Colour of each category in the graph view and its legend (colour-blind-safe-ish, dark
#: enough for white text on none of them: labels are drawn below the dots).
COLOURS: dict[str, str] = {
    "gene": "#2f6db5",
    "microrna": "#6aa7e8",
    "gene_class": "#8e44ad",
    "cascade_step": "#d35400",
    "organ": "#c0392b",
    "cancer_type": "#16a085",
    "pathway": "#b7950b",
    "publication": "#7f8c8d",
    "barrier_type": "#5d6d7e",
    "latency_class": "#1e8449",
}

#: URL segment of the friendly routes -> the categories they look names up in.
FRIENDLY: dict[str, tuple[Category, ...]] = {
    "gene": (Category.GENE, Category.MICRORNA),
    "organ": (Category.ORGAN,),
    "cancer-type": (Category.CANCER_TYPE,),
    "pathway": (Category.PATHWAY,),
    "step": (Category.CASCADE_STEP,),
    "gene-class": (Category.GENE_CLASS,),
    "barrier-type": (Category.BARRIER_TYPE,),
    "latency-class": (Category.LATENCY_CLASS,),
}

#: Browse pages: URL segment -> (title, categories).
BROWSE: dict[str, tuple[str, tuple[Category, ...]]] = {
    "genes": ("Genes and microRNAs", (Category.GENE, Category.MICRORNA)),
    "organs": ("Organs", (Category.ORGAN,)),
    "cancer-types": ("Cancer types", (Category.CANCER_TYPE,)),
    "pathways": ("Pathways", (Category.PATHWAY,)),
    "cascade-steps": ("Cascade steps", (Category.CASCADE_STEP,)),
    "gene-classes": ("Gene classes", (Category.GENE_CLASS,)),
    "barrier-types": ("Barrier types", (Category.BARRIER_TYPE,)),
    "latency-classes": ("Latency classes", (Category.LATENCY_CLASS,)),
    "references": ("References", (Category.PUBLICATION,)),
}

PREDICATE_LABELS = {p.key: p.value.label for p in Predicate}
MAX_QUERY_TEXT = 200  # longest search text or name accepted from a form


def state() -> Any:
    return service_state()


def graph() -> Any:
    return service_state().graph


def kind_name(category: str) -> str:
    return category.replace("_", " ").replace("microrna", "microRNA")


def entity_url(node_id: str) -> str:
    return url_for("web.entity", node_id=node_id)


def display_name(node_id: str) -> str:
    data = graph().nodes[node_id]
    if data["category"] == "publication" and "referenceNumber" in data:
        return f"Reference {data['referenceNumber']}"
    return str(data.get("symbol") or data["label"])


def page(template: str, status: int = 200, **context: Any) -> Response:
    """An HTML page with the security headers."""
    body = render_template(template, **context)
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = _csp()
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Vary"] = "Accept"
    return response


def _csp() -> str:
    from server.http.web import CSP

    return CSP


def error_page(status: int, title: str, detail: str, **context: Any) -> Response:
    return page("error.html", status=status, title=title, detail=detail, **context)


def wants_html() -> bool:
    """Whether the client prefers HTML to JSON (a browser's navigation)."""
    if "Accept" not in request.headers:
        return False
    accept = request.accept_mimetypes
    return accept["text/html"] > accept["application/json"]
