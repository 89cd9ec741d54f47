"""GraphML and GEXF: written by networkx from a ``MultiDiGraph`` of flat, typed attributes.

Both formats hold typed scalar attributes but no lists, so every node and edge carries the
:func:`graph.exports.flatten.flat` attributes (lists joined with ``|``). The edge key (and
the GraphML and GEXF edge id) is the association id. Dataset information is kept as graph
attributes in GraphML and in the ``<meta>`` element (creator, description, keywords) in GEXF,
which has no graph attributes; GEXF's ``lastmodifieddate`` is the dataset's creation date when
one is given, and is left out otherwise so that an export is the same bytes every time.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, SubElement

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter

from graph.exports import register_exporter
from graph.exports.flatten import (
    CollectingExporter,
    GraphRecords,
    attribute_types,
    coerce,
    dataset_attributes,
    flat,
)
from graph.exports.formats import ExportFormat
from graph.exports.output import DatasetInfo


def build_graph(records: GraphRecords, info: DatasetInfo) -> nx.MultiDiGraph:
    """A ``MultiDiGraph`` of flat attributes, nodes and edges inserted in sorted id order.

    Node keys are CURIEs (so ``id`` is not repeated as a node attribute); edge keys are
    association ids, which edges also carry as their ``id`` attribute.
    """
    nodes = [flat(row) for row in records.node_rows()]
    edges = [(u, v, flat(row)) for u, v, row in records.edge_rows()]
    node_types = attribute_types(nodes)
    edge_types = attribute_types(row for _u, _v, row in edges)
    graph = nx.MultiDiGraph()
    graph.graph.update(dataset_attributes(info))
    for row in nodes:
        attrs = coerce(row, node_types)
        node_id = attrs.pop("id")
        graph.add_node(node_id, **attrs)
    for u, v, row in edges:
        graph.add_edge(u, v, key=row["id"], **coerce(row, edge_types))
    return graph


class GraphmlExporter(CollectingExporter):
    """GraphML with typed ``<key>`` declarations (Cytoscape, Gephi, yEd)."""

    fmt = ExportFormat.GRAPHML

    def finalize(self) -> None:
        graph = build_graph(self.records, self.info)
        with self.output.open(self.fmt.filename()) as handle:
            nx.write_graphml(graph, handle, encoding="utf-8", prettyprint=True)


def _set_meta(writer: GEXFWriter, info: DatasetInfo) -> None:
    meta = writer.xml.find("meta")
    if meta is None:  # networkx always writes one; make one if a future version does not
        meta = Element("meta")
        writer.xml.insert(0, meta)
    for child in list(meta):
        meta.remove(child)
    date = re.match(r"\d{4}-\d{2}-\d{2}", info.created)
    if date:
        meta.set("lastmodifieddate", date.group())
    else:
        meta.attrib.pop("lastmodifieddate", None)
    SubElement(meta, "creator").text = f"metakg {info.version}"
    SubElement(meta, "keywords").text = "metastasis, knowledge graph, Biolink"
    attrs = dataset_attributes(info)
    SubElement(meta, "description").text = "; ".join(f"{k}: {v}" for k, v in attrs.items())


class GexfExporter(CollectingExporter):
    """GEXF 1.2 (Gephi): node labels and edge labels as GEXF labels, the rest as attributes."""

    fmt = ExportFormat.GEXF

    def finalize(self) -> None:
        graph = build_graph(self.records, self.info)
        graph.graph = {"name": self.info.title}
        writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
        writer.add_graph(graph)
        _set_meta(writer, self.info)
        with self.output.open(self.fmt.filename()) as handle:
            writer.write(handle)


register_exporter(ExportFormat.GRAPHML, GraphmlExporter)
register_exporter(ExportFormat.GEXF, GexfExporter)
