"""A standalone HTML page of the (sub)graph that opens offline.

The page inlines vis-network (its JavaScript and CSS are read at export time from the
installed ``pyvis`` package, never from a CDN), our own small script and style from
``templates/standalone.html``, and the graph as JSON in
``<script type="application/json" id="metakg-data">``. It shows the nodes coloured by category
with a legend, the edges labelled by predicate, a search box, a details panel (a node's
attributes; an edge's evidence) and a confidence filter.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from graph.exports import register_exporter
from graph.exports.flatten import CollectingExporter
from graph.exports.formats import ExportFormat
from graph.model import EdgeRecord, NodeRecord, SubclassRecord
from graph.property_graph import SUBCLASS_PREDICATE, edge_attributes, node_attributes
from graph.vocab import Category

VIS_DIRECTORY = "templates/lib/vis-9.1.2"
TEMPLATE = "standalone.html"

#: One colour per category (colour-blind-safe hues first), in legend order.
CATEGORY_COLOURS = {
    Category.GENE: "#4e79a7",
    Category.MICRORNA: "#a0cbe8",
    Category.GENE_CLASS: "#f28e2b",
    Category.CASCADE_STEP: "#e15759",
    Category.ORGAN: "#59a14f",
    Category.CANCER_TYPE: "#b07aa1",
    Category.PATHWAY: "#edc948",
    Category.PUBLICATION: "#bab0ac",
    Category.BARRIER_TYPE: "#9c755f",
    Category.LATENCY_CLASS: "#76b7b2",
}

_CLOSING_TAG = re.compile(r"</(script|style)", re.IGNORECASE)


class HtmlExportError(RuntimeError):
    """The standalone page cannot be built (for example, vis-network is not installed)."""


def vis_assets() -> tuple[str, str]:
    """vis-network's JavaScript and CSS, from the installed pyvis package."""
    try:
        directory = resources.files("pyvis").joinpath(VIS_DIRECTORY)
        script = directory.joinpath("vis-network.min.js").read_text(encoding="utf-8")
        style = directory.joinpath("vis-network.css").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as error:
        raise HtmlExportError(
            f"the HTML export inlines vis-network from the pyvis package ({VIS_DIRECTORY}), "
            f"which is not available: {error}"
        ) from error
    return script, style


def _inline(text: str, what: str) -> Markup:
    """Text to put inside a <script> or <style> element, refused if it could close it."""
    if _CLOSING_TAG.search(text):
        raise HtmlExportError(f"{what} contains a closing </script> or </style> tag")
    return Markup(text)


def json_for_script(document: Any) -> Markup:
    """JSON safe inside a <script> element: ``<``, ``>`` and ``&`` become ``\\u`` escapes."""
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char in "<>&":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return Markup(text)


def _template() -> jinja2.Template:
    text = resources.files("graph.exports").joinpath("templates", TEMPLATE)
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(text.read_text(encoding="utf-8"))


def _short(predicate: str) -> str:
    return predicate.replace("_", " ")


class HtmlExporter(CollectingExporter):
    """Collects the graph and writes one self-contained HTML page."""

    persistent = False

    def finalize(self) -> None:
        script, style = vis_assets()
        page = _template().render(
            title=self.info.title,
            selection=self.info.selection,
            version=self.info.version,
            licence=self.info.licence,
            source=self.info.source,
            vis_js=_inline(script, "vis-network.min.js"),
            vis_css=_inline(style, "vis-network.css"),
            data=json_for_script(self.document()),
        )
        with self.output.open(ExportFormat.HTML.filename()) as handle:
            handle.write(page.encode("utf-8"))

    # --- the embedded data ----------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        """What the page shows: categories with colours, nodes, edges with their evidence."""
        present = {node.category for node in self.records.nodes.values()}
        categories = [
            {
                "key": cat.key,
                "biolink": cat.biolink,
                "color": colour,
                "count": sum(1 for n in self.records.nodes.values() if n.category is cat),
            }
            for cat, colour in CATEGORY_COLOURS.items()
            if cat in present
        ]
        nodes = [self._node(self.records.nodes[k]) for k in sorted(self.records.nodes)]
        edges = sorted(
            [self._edge(e) for e in self.records.edges]
            + [self._subclass(s) for s in self.records.hierarchy],
            key=lambda e: e["id"],
        )
        return {
            "title": self.info.title,
            "selection": self.info.selection,
            "version": self.info.version,
            "categories": categories,
            "nodes": nodes,
            "edges": edges,
        }

    def _node(self, node: NodeRecord) -> dict[str, Any]:
        attributes = node_attributes(node)
        attributes.pop("weak_synonyms", None)
        number = node.prop("referenceNumber")
        short = f"ref {number}" if number is not None else node.label
        return {
            "id": node.id,
            "label": node.symbol or short,
            "name": node.label,
            "category": node.category.key,
            "attributes": attributes,
        }

    def _reference(self, ref: str) -> dict[str, Any]:
        node = self.records.nodes.get(ref)
        number = node.prop("referenceNumber") if node else None
        entry: dict[str, Any] = {"id": ref, "number": number}
        if node is not None:
            entry.update(
                title=node.label,
                citation=node.description,
                retracted=bool(node.prop("retracted", False)),
            )
        return entry

    def _edge(self, edge: EdgeRecord) -> dict[str, Any]:
        attributes = edge_attributes(edge)
        for shown in ("references", "confidence", "note", "rests_only_on_retracted"):
            attributes.pop(shown)
        return {
            "id": edge.id,
            "from": edge.subject,
            "to": edge.object,
            "kind": "association",
            "predicate": edge.predicate.key,
            "label": _short(edge.predicate.key),
            "predicate_label": edge.predicate.value.label,
            "confidence": edge.confidence.value,
            "references": [self._reference(r) for r in edge.references],
            "note": edge.note,
            "retracted": edge.rests_only_on_retracted,
            "attributes": attributes,
        }

    def _subclass(self, edge: SubclassRecord) -> dict[str, Any]:
        return {
            "id": f"subclass:{edge.child}>{edge.parent}",
            "from": edge.child,
            "to": edge.parent,
            "kind": "structure",
            "predicate": SUBCLASS_PREDICATE,
            "label": _short(SUBCLASS_PREDICATE),
            "predicate_label": "subclass of",
            "confidence": None,
            "references": [],
            "note": "",
            "retracted": False,
            "attributes": {"location": str(edge.source), "origin": edge.origin},
        }


register_exporter(ExportFormat.HTML, HtmlExporter)
