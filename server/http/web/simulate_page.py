"""The simulator form (``/simulate``): the same function as ``POST /api/v1/simulate``
(:func:`server.http.api_simulate.answer`), rendered as an SVG chart of organ risks and the
explained paths, each hop linking to the entity and reference pages of its evidence.

A plain HTML form (GET, or POST form-encoded): it works without JavaScript."""

from __future__ import annotations

import math
import re
from typing import Any

from flask import Response, request

from graph.vocab import Category
from queries.explore import entity_items
from queries.simulator import MAX_CELLS, MODES, SimulationInputError, build_model
from server.http.api_simulate import MAX_GENES, MAX_NAME, answer, request_from
from server.http.web import bp
from server.http.web.common import entity_url, graph, page

FIELDS = ("cancer", "subtype", "genes", "knockouts", "overexpress", "mode", "cells", "seed")
DEFAULTS = {
    "cancer": "",
    "subtype": "",
    "genes": "",
    "knockouts": "",
    "overexpress": "",
    "mode": "paths",
    "cells": "10000",
    "seed": "",
}
EXAMPLE = {"cancer": "DOID:1612", "genes": "EREG, COX2, MMP1, ANGPTL4"}
NICE_STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25)
CHART_WIDTH, LABEL_WIDTH, BAR_WIDTH, ROW = 800, 190, 420, 30


def _names(text: str) -> tuple[str, ...]:
    return tuple(n for n in (p.strip() for p in re.split(r"[,;\n]+", text)) if n)


def _form() -> dict[str, str]:
    source = request.form if request.method == "POST" else request.args
    return {k: source.get(k, DEFAULTS[k]).strip() for k in FIELDS}


def _request(form: dict[str, str]) -> tuple[Any, list[str]]:
    """The simulation request of the form, or the problems found in its text fields."""
    problems = []
    numbers: dict[str, int | None] = {}
    for key in ("cells", "seed"):
        text = form[key]
        if not text:
            numbers[key] = None
        elif not text.isdigit() or len(text) > 9:
            problems.append(f"{key}: expected a whole number, got '{text[:40]}'")
        else:
            numbers[key] = int(text)
    lists = {k: _names(form[k]) for k in ("genes", "knockouts", "overexpress")}
    if sum(map(len, lists.values())) > MAX_GENES:
        problems.append(f"genes: at most {MAX_GENES} names are accepted")
    long = [n for names in lists.values() for n in names if len(n) > MAX_NAME]
    if long or len(form["cancer"]) > MAX_NAME or len(form["subtype"]) > MAX_NAME:
        problems.append(f"a name is longer than {MAX_NAME} characters")
    if not form["cancer"]:
        problems.append("cancer: choose a cancer type")
    if problems:
        return None, problems
    data: dict[str, Any] = {
        "cancer": form["cancer"],
        "subtype": form["subtype"] or None,
        "mode": form["mode"],
        "seed": numbers["seed"],
        **lists,
    }
    if numbers["cells"] is not None:
        data["cells"] = numbers["cells"]
    return request_from(data), []


@bp.route("/simulate", methods=["GET", "POST"])
def simulate_form() -> Response:
    cancers = entity_items(graph(), Category.CANCER_TYPE)
    asked = any(k in request.values for k in FIELDS)
    form = {**DEFAULTS, **(_form() if asked else EXAMPLE)}
    context: dict[str, Any] = {
        "form": form,
        "cancers": cancers,
        "modes": MODES,
        "max_cells": MAX_CELLS,
        "result": None,
        "problems": [],
    }
    if not asked:
        return page("simulate.html", **context)
    req, problems = _request(form)
    if req is not None:
        try:
            result = answer(build_model(graph()), req).to_dict()
        except SimulationInputError as error:
            problems = list(error.problems) or [str(error)]
        else:
            context.update(result=result, chart=risk_chart(result), paths=explained(result))
    if problems:
        context["problems"] = problems
        return page("simulate.html", status=400, **context)
    return page("simulate.html", **context)


def risk_chart(result: dict[str, Any]) -> dict[str, Any]:
    """Geometry of the organ-risk chart: a baseline bar and a profile bar per organ."""
    organs = result["organs"]
    top = max([o["risk"] for o in organs] + [o["baseline_risk"] for o in organs] + [1e-9])
    step = next((t for t in NICE_STEPS if top / t <= 5), 0.25)
    top = step * math.ceil(top / step - 1e-9)
    scale = BAR_WIDTH / top
    rows = []
    for i, organ in enumerate(organs):
        y = 34 + i * ROW
        change = organ["change"]
        rows.append(
            {
                "y": y,
                "label": organ["organ"]["label"]
                + (" (regional)" if organ.get("spread") == "regional" else ""),
                "url": entity_url(organ["organ"]["id"]),
                "baseline": round(organ["baseline_risk"] * scale, 1),
                "risk": round(organ["risk"] * scale, 1),
                "text": f"{organ['risk']:.3f} ({'+' if change >= 0 else ''}{change:.3f})",
                "direction": "up" if change > 1e-9 else "down" if change < -1e-9 else "same",
                "rank": organ["rank"],
            }
        )
    ticks = [
        {"x": LABEL_WIDTH + round(i * step * scale, 1), "text": f"{i * step:.3g}"}
        for i in range(round(top / step) + 1)
    ]
    return {
        "width": CHART_WIDTH,
        "height": 50 + len(rows) * ROW,
        "label_width": LABEL_WIDTH,
        "bar_width": BAR_WIDTH,
        "rows": rows,
        "ticks": ticks,
        "axis_y": 34 + len(rows) * ROW,
    }


def _assertion(edge: dict[str, Any] | None) -> dict[str, Any] | None:
    if not edge:
        return None
    return {
        "id": edge["id"],
        "predicate": edge["predicate"].replace("_", " "),
        "subject": {**edge["subject"], "url": entity_url(edge["subject"]["id"])},
        "object": {**edge["object"], "url": entity_url(edge["object"]["id"])},
        "confidence": edge.get("confidence"),
        "references": [
            {**r, "url": entity_url(r["id"]), "short": str(r.get("number") or r["id"])}
            for r in edge.get("references", ())
        ],
    }


def explained(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each organ's paths, each hop with its step, facts and gene effects and their evidence."""
    out = []
    for organ in result["organs"]:
        paths = []
        for path in organ["paths"]:
            hops = []
            for hop in path["hops"]:
                step = hop.get("step")
                hops.append(
                    {
                        "label": hop["label"],
                        "kind": hop["kind"],
                        "url": entity_url(step["id"]) if step else None,
                        "probability": hop["probability"],
                        "baseline": hop["baseline_probability"],
                        "evidence": hop.get("evidence", ""),
                        "facts": [
                            {
                                "kind": f["kind"].replace("_", " "),
                                "value": f["value"],
                                "assertion": _assertion(f.get("edge")),
                            }
                            for f in hop["facts"]
                        ],
                        "effects": [
                            {
                                "gene": {**e["gene"], "url": entity_url(e["gene"]["id"])},
                                "direction": e["direction"],
                                "shift": e["shift"],
                                "state": e["state"],
                                "assertion": _assertion(e.get("assertion")),
                            }
                            for e in hop["effects"]
                        ],
                    }
                )
            relay = path.get("relay")
            paths.append(
                {
                    "route": path["route"],
                    "relay": {**relay, "url": entity_url(relay["id"])} if relay else None,
                    "probability": path["probability"],
                    "baseline": path["baseline_probability"],
                    "hops": hops,
                }
            )
        out.append({**organ, "url": entity_url(organ["organ"]["id"]), "explained": paths})
    return out
