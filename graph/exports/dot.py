"""Graphviz DOT, written directly (no pydot: it reads the ``:`` of a CURIE as a port).

One ``digraph``: a node statement per node, named by its CURIE in double quotes, filled and
shaped by category, with its label, its Biolink category as a tooltip prefix and the
flattened attributes (:mod:`graph.exports.flatten`) that Graphviz has no use for left out.
One ``->`` statement per association (labelled with the predicate's label, styled by
confidence: high solid, medium dashed, low dotted; coloured and tipped by direction:
promotes dark green, suppresses red with a ``tee`` head, associated grey with an ``odot``
head; grey and ``retracted`` in the tooltip when every reference behind it is retracted) and
per hierarchy link (grey, hollow head, ``subclass of``).

Quoting: every id and value is a DOT double-quoted string. DOT itself only unescapes ``\\"``;
Graphviz then reads backslash escapes in labels and tooltips, so a backslash is written as
``\\\\``, a double quote as ``\\"`` and a line break as ``\\n``. The file is UTF-8 (the
``charset`` attribute says so); non-ASCII labels such as ``Massagué`` are written as they are.
"""

from __future__ import annotations

from collections.abc import Mapping

from graph.exports import register_exporter
from graph.exports.flatten import CollectingExporter, GraphRecords, Value, flat
from graph.exports.formats import ExportFormat
from graph.exports.output import DatasetInfo

#: Fill colour and shape per category key.
NODE_STYLE: dict[str, tuple[str, str]] = {
    "gene": ("#a6cee3", "ellipse"),
    "microrna": ("#b2df8a", "ellipse"),
    "gene_class": ("#fdbf6f", "hexagon"),
    "cascade_step": ("#cab2d6", "box"),
    "organ": ("#fb9a99", "doublecircle"),
    "cancer_type": ("#e31a1c", "octagon"),
    "pathway": ("#ffff99", "parallelogram"),
    "publication": ("#eeeeee", "note"),
    "barrier_type": ("#d9d9d9", "house"),
    "latency_class": ("#d9d9d9", "diamond"),
}
DEFAULT_NODE_STYLE = ("#ffffff", "ellipse")

CONFIDENCE_STYLE = {"high": "solid", "medium": "dashed", "low": "dotted"}
DIRECTION_STYLE = {
    "promotes": ("#1b7837", "normal"),
    "suppresses": ("#d7191c", "tee"),
    "associated": ("#666666", "odot"),
}
RETRACTED_COLOUR = "#bbbbbb"
STRUCTURE_STYLE = {"color": "#999999", "arrowhead": "empty", "style": "solid"}


def quote(text: object) -> str:
    """``text`` as a DOT double-quoted string, escaped for Graphviz's label reading."""
    value = str(text)
    value = value.replace("\\", "\\\\").replace('"', '\\"')
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{value}"'


def _attributes(attrs: Mapping[str, object]) -> str:
    return ", ".join(f"{name}={quote(value)}" for name, value in attrs.items())


def _wrap(text: str, width: int = 28) -> str:
    """Break a long label on spaces so nodes stay compact."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return "\n".join(lines) or text


def node_statement(values: Mapping[str, Value]) -> str:
    fill, shape = NODE_STYLE.get(str(values["category"]), DEFAULT_NODE_STYLE)
    attrs: dict[str, object] = {
        "label": _wrap(str(values["label"])),
        "shape": shape,
        "fillcolor": fill,
        "tooltip": f"{values['id']} ({values['biolink_category']})"
        + (f": {values['description']}" if values.get("description") else ""),
    }
    if values.get("retracted") is True:
        attrs["fontcolor"] = RETRACTED_COLOUR
    return f"  {quote(values['id'])} [{_attributes(attrs)}];"


def edge_statement(source: str, target: str, values: Mapping[str, Value]) -> str:
    attrs: dict[str, object] = {"id": values["id"], "label": values["label"]}
    if values["kind"] == "structure":
        attrs.update(STRUCTURE_STYLE)
    else:
        colour, head = DIRECTION_STYLE.get(str(values["direction"]), ("#000000", "normal"))
        retracted = values.get("rests_only_on_retracted") is True
        attrs.update(
            {
                "style": CONFIDENCE_STYLE.get(str(values["confidence"]), "solid"),
                "color": RETRACTED_COLOUR if retracted else colour,
                "arrowhead": head,
            }
        )
        detail = flat({k: values[k] for k in ("confidence", "direction", "references")
                       if k in values})
        tooltip = f"{values['label']} ({', '.join(f'{k}: {v}' for k, v in detail.items())})"
        if retracted:
            tooltip += "; rests only on retracted papers"
        attrs["tooltip"] = tooltip
    return f"  {quote(source)} -> {quote(target)} [{_attributes(attrs)}];"


def dot_text(records: GraphRecords, info: DatasetInfo) -> str:
    """The DOT source of ``records``: nodes sorted by id, then the edges in export order."""
    title = f"{info.title} (version {info.version}): {info.selection}"
    graph_attrs = {"charset": "UTF-8", "rankdir": "LR", "label": title, "labelloc": "t"}
    comment = " ".join(f"{info.title}, version {info.version}; selection: {info.selection}".split())
    lines = [
        f"// {comment}",
        f"digraph {quote('metakg')} {{",
        f"  graph [{_attributes(graph_attrs)}];",
        f"  node [{_attributes({'style': 'filled', 'fontsize': '10'})}];",
        f"  edge [{_attributes({'fontsize': '8'})}];",
    ]
    lines.extend(node_statement(values) for values in records.node_rows())
    lines.extend(edge_statement(u, v, values) for u, v, values in records.edge_rows())
    lines.append("}")
    return "\n".join(lines) + "\n"


class DotExporter(CollectingExporter):
    fmt = ExportFormat.DOT

    def finalize(self) -> None:
        text = dot_text(self.records, self.info)
        with self.output.open(self.fmt.filename()) as handle:
            handle.write(text.encode("utf-8"))


register_exporter(ExportFormat.DOT, DotExporter)
