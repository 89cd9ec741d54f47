"""The graph view's data: an entity's neighbourhood as vis-network nodes and edges, and the
vis-network files themselves, read from the installed ``pyvis`` package (never a CDN)."""

from __future__ import annotations

from importlib import resources
from typing import Any

from flask import Response, jsonify, request

from graph.property_graph import SUBCLASS_PREDICATE
from queries.subgraph import MAX_HOPS, SelectionError, around, neighbourhood
from server.errors import problem
from server.http.web import bp
from server.http.web.common import (
    COLOURS,
    PREDICATE_LABELS,
    display_name,
    entity_url,
    graph,
    kind_name,
)

VIS_DIR = ("templates", "lib", "vis-9.1.2")
VENDOR = {
    "vis-network.min.js": "text/javascript",
    "vis-network.css": "text/css",
}
#: Most nodes one answer sends: a browser lays out a few hundred nodes comfortably.
MAX_NODES = 400


@bp.get("/static/vendor/<name>")
def vendor(name: str) -> Response:
    if name not in VENDOR:
        return problem(404, "Not Found", f"no vendor file '{name[:60]}'")
    path = resources.files("pyvis").joinpath(*VIS_DIR, name)
    response = Response(path.read_bytes(), mimetype=VENDOR[name])
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/web/neighbourhood")
def neighbourhood_json() -> Response:
    """``id`` (repeatable), ``hops`` (0-5, default 1), ``min_confidence``, ``predicate``
    (repeatable): the nodes and edges of :func:`queries.subgraph.around` for vis-network."""
    g = graph()
    ids = [i for i in request.args.getlist("id") if i]
    if not ids:
        return problem(400, "Bad Request", "give the entity with id=<CURIE>")
    unknown = [i for i in ids if i not in g]
    if unknown:
        return problem(404, "Not Found", f"the graph has no entity '{unknown[0][:80]}'")
    hops_text = request.args.get("hops", "1")
    if not hops_text.isdigit() or int(hops_text) > MAX_HOPS:
        return problem(400, "Bad Request", f"hops must be a whole number from 0 to {MAX_HOPS}")
    try:
        options = neighbourhood(
            hops=int(hops_text),
            min_confidence=request.args.get("min_confidence") or None,
            predicates=[p for p in request.args.getlist("predicate") if p] or None,
        )
    except SelectionError as error:
        return problem(400, "Bad Request", str(error))
    sub = around(g, ids, options)
    return jsonify(vis_data(sub, ids))


def vis_data(sub: Any, seeds: list[str]) -> dict[str, Any]:
    """Nodes (publications left out: they are the evidence, shown on the edges) and edges."""
    nodes = []
    for node, data in sub.nodes(data=True):
        if data["category"] == "publication":
            continue
        nodes.append(
            {
                "id": node,
                "label": _short(display_name_in(sub, node)),
                "title": f"{data['label']} ({kind_name(data['category'])}, {node})",
                "group": data["category"],
                "color": COLOURS[data["category"]],
                "url": entity_url(node),
                "seed": node in seeds,
            }
        )
    truncated = len(nodes) > MAX_NODES
    if truncated:
        nodes.sort(key=lambda n: (not n["seed"], n["id"]))
        nodes = nodes[:MAX_NODES]
    kept = {n["id"] for n in nodes}
    edges = []
    for u, v, key, data in sub.edges(keys=True, data=True):
        if u not in kept or v not in kept:
            continue
        predicate = data["predicate"]
        if predicate == SUBCLASS_PREDICATE:
            label, confidence, refs = "subclass of", None, []
        else:
            label = PREDICATE_LABELS.get(predicate, predicate)
            confidence = data["confidence"]
            refs = sorted(
                n for n in (sub.nodes[r].get("referenceNumber") for r in data["references"]) if n
            )
        edges.append(
            {
                "id": key,
                "from": u,
                "to": v,
                "label": label,
                "predicate": predicate,
                "confidence": confidence,
                "references": refs,
                "title": f"{label}"
                + (
                    f" (confidence {confidence}; refs {', '.join(map(str, refs))})"
                    if confidence
                    else ""
                ),
            }
        )
    return {"nodes": nodes, "edges": edges, "truncated": truncated}


def display_name_in(sub: Any, node: str) -> str:
    try:
        return display_name(node)
    except KeyError:
        return str(sub.nodes[node]["label"])


def _short(text: str, most: int = 28) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"
