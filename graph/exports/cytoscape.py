"""Cytoscape formats: Cytoscape.js JSON (``.cyjs``) and CX2 (Cytoscape desktop, NDEx).

Cytoscape.js JSON::

    {"format_version": "1.0", "generated_by": "metakg <version>",
     "target_cytoscapejs_version": "~3", "data": {<dataset attributes>},
     "elements": {"nodes": [{"data": {"id": CURIE, "name", "label", "category", ...},
                             "classes": "gene"}],
                  "edges": [{"data": {"id": association id, "source", "target", "label",
                                      "predicate", "confidence", "references", ...},
                             "classes": "<predicate> <confidence> <direction>"}]}}

Node and edge data are the attributes of :mod:`graph.exports.flatten`; lists stay JSON arrays.
Ids are the CURIEs and association ids, so links into the graph are stable. Node classes are
the category key (plus ``retracted`` for a retracted paper); edge classes are the predicate
key, the confidence and the direction (plus ``retracted`` when every reference behind the
assertion is retracted), or ``subclass_of structure`` for a hierarchy link.
:func:`cytoscape_elements` builds the ``elements`` object alone (the web page's graph view).

CX2 (https://cytoscape.org/cx/cx2/specification/) is a JSON list of aspects: ``CXVersion``,
``metaData``, ``attributeDeclarations``, ``networkAttributes``, ``nodes``, ``edges`` and
``status``. Nodes and edges have integer ids (positions in sorted id order); every node has
``name`` (its label) and ``represents`` (its CURIE), every edge ``interaction`` (the predicate
key) and ``key`` (the association id). Each attribute is declared once with its CX2 type;
lists are ``list_of_string`` or ``list_of_integer``. ``@context`` maps the CURIE prefixes
used to their IRIs, as NDEx expects.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from graph.curie import converter
from graph.exports import register_exporter
from graph.exports.flatten import (
    Attributes,
    CollectingExporter,
    GraphRecords,
    Value,
    attribute_types,
    coerce,
    dataset_attributes,
)
from graph.exports.formats import ExportFormat
from graph.exports.output import DatasetInfo
from graph.model import EdgeRecord, NodeRecord, SubclassRecord
from graph.records import edges_of, hierarchy_of, nodes_of

CX2_VERSION = "2.0"


def as_records(graph_or_records: Any) -> GraphRecords:
    """:class:`GraphRecords` from a stored (sub)graph, a ``GraphRecords`` or a record iterable."""
    if isinstance(graph_or_records, GraphRecords):
        return graph_or_records
    if isinstance(graph_or_records, nx.Graph) and not isinstance(
        graph_or_records, nx.MultiDiGraph
    ):
        raise TypeError("expected the stored MultiDiGraph (or a subgraph of it), got a "
                        f"{type(graph_or_records).__name__}")
    records = GraphRecords()
    if isinstance(graph_or_records, nx.MultiDiGraph):
        for record in (
            *nodes_of(graph_or_records),
            *edges_of(graph_or_records),
            *hierarchy_of(graph_or_records),
        ):
            records.add(record)
        return records
    for item in graph_or_records:
        if not isinstance(item, (NodeRecord, EdgeRecord, SubclassRecord)):
            raise TypeError(
                "expected a metakg MultiDiGraph or node, edge and subclass records, "
                f"got {item!r}"
            )
        records.add(item)
    return records


def _node_classes(values: Mapping[str, Value]) -> str:
    classes = [str(values["category"])]
    if values.get("retracted") is True:
        classes.append("retracted")
    return " ".join(classes)


def _edge_classes(values: Mapping[str, Value]) -> str:
    if values["kind"] == "structure":
        return f"{values['predicate']} structure"
    classes = [str(values["predicate"]), str(values["confidence"]), str(values["direction"])]
    if values.get("rests_only_on_retracted") is True:
        classes.append("retracted")
    return " ".join(classes)


def cytoscape_elements(graph_or_records: Any) -> dict[str, list[dict[str, Any]]]:
    """The Cytoscape.js ``elements`` of a graph: ``{"nodes": [...], "edges": [...]}``.

    Takes a stored property graph or a subgraph of one (``graph.subgraph(ids)``), a
    :class:`GraphRecords`, or an iterable of records. Nodes are sorted by id, associations by
    id and then the hierarchy links; an edge to a node that is not included is an error.
    """
    records = as_records(graph_or_records)
    nodes = []
    for values in records.node_rows():
        data: dict[str, Any] = {"id": values["id"], "name": values["label"], **values}
        nodes.append({"data": data, "classes": _node_classes(values)})
    edges = []
    for source, target, values in records.edge_rows():
        data = {"id": values["id"], "source": source, "target": target, **values}
        edges.append({"data": data, "classes": _edge_classes(values)})
    return {"nodes": nodes, "edges": edges}


def cyjs_document(records: GraphRecords, info: DatasetInfo) -> dict[str, Any]:
    """The whole ``.cyjs`` document: dataset attributes and elements."""
    return {
        "format_version": "1.0",
        "generated_by": f"metakg {info.version}",
        "target_cytoscapejs_version": "~3",
        "data": {"name": info.title, **dataset_attributes(info)},
        "elements": cytoscape_elements(records),
    }


class CyjsExporter(CollectingExporter):
    fmt = ExportFormat.CYJS

    def finalize(self) -> None:
        document = cyjs_document(self.records, self.info)
        text = json.dumps(document, ensure_ascii=False, indent=1)
        with self.output.open(self.fmt.filename()) as handle:
            handle.write((text + "\n").encode("utf-8"))


def _cx2_type(name: str, kind: type, rows: Iterable[Mapping[str, Value]]) -> str:
    if kind is bool:
        return "boolean"
    if kind is int:
        return "long" if any(abs(int(r[name])) >= 2**31 for r in rows if name in r) else "integer"
    if kind is float:
        return "double"
    if kind is str:
        return "string"
    inner = {type(v) for r in rows for v in r.get(name, [])}  # type: ignore[union-attr]
    if inner <= {str}:
        return "list_of_string"
    if inner == {int}:
        return "list_of_integer"
    raise ValueError(f"attribute {name!r}: a list of {sorted(t.__name__ for t in inner)}")


def _declarations(rows: list[Attributes]) -> tuple[dict[str, dict[str, str]], dict[str, type]]:
    types = attribute_types(rows)
    declared = {name: {"d": _cx2_type(name, kind, rows)} for name, kind in sorted(types.items())}
    return declared, types


def _context(records: GraphRecords) -> str:
    """``@context``: the IRI prefix of every CURIE prefix the nodes use, as a JSON string."""
    prefix_map = converter().prefix_map
    used = {node_id.split(":", 1)[0] for node_id in records.nodes} | {"biolink", "mkg", "metakg"}
    context = {p: prefix_map[p] for p in sorted(used) if p in prefix_map}
    return json.dumps(context, sort_keys=True)


def cx2_document(records: GraphRecords, info: DatasetInfo) -> list[dict[str, Any]]:
    """The CX2 aspects of ``records``."""
    node_rows = records.node_rows()
    index = {str(row["id"]): number for number, row in enumerate(node_rows)}
    nodes_v: list[Attributes] = []
    for row in node_rows:
        values = dict(row)
        curie = values.pop("id")
        nodes_v.append({"name": values["label"], "represents": curie, **values})
    edges: list[tuple[int, int, Attributes]] = []
    for source, target, row in records.edge_rows():
        values = dict(row)
        key = values.pop("id")
        edges.append(
            (index[source], index[target], {"interaction": values["predicate"], "key": key,
                                            **values})
        )
    network: Attributes = {
        "name": info.title,
        "description": f"{info.title}; selection: {info.selection}; source: {info.source}",
        **dataset_attributes(info),
        "@context": _context(records),
    }
    node_decl, node_types = _declarations(nodes_v)
    edge_decl, edge_types = _declarations([v for _s, _t, v in edges])
    network_decl, _ = _declarations([network])
    nodes = [{"id": i, "v": coerce(v, node_types)} for i, v in enumerate(nodes_v)]
    edge_list = [
        {"id": i, "s": s, "t": t, "v": coerce(v, edge_types)}
        for i, (s, t, v) in enumerate(edges)
    ]
    return [
        {"CXVersion": CX2_VERSION, "hasFragments": False},
        {
            "metaData": [
                {"name": "attributeDeclarations", "elementCount": 1},
                {"name": "networkAttributes", "elementCount": 1},
                {"name": "nodes", "elementCount": len(nodes)},
                {"name": "edges", "elementCount": len(edge_list)},
            ]
        },
        {
            "attributeDeclarations": [
                {"networkAttributes": network_decl, "nodes": node_decl, "edges": edge_decl}
            ]
        },
        {"networkAttributes": [network]},
        {"nodes": nodes},
        {"edges": edge_list},
        {"status": [{"error": "", "success": True}]},
    ]


class Cx2Exporter(CollectingExporter):
    fmt = ExportFormat.CX2

    def finalize(self) -> None:
        document = cx2_document(self.records, self.info)
        text = json.dumps(document, ensure_ascii=False, indent=1)
        with self.output.open(self.fmt.filename()) as handle:
            handle.write((text + "\n").encode("utf-8"))


register_exporter(ExportFormat.CYJS, CyjsExporter)
register_exporter(ExportFormat.CX2, Cx2Exporter)
