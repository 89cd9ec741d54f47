"""Neo4j: CSV files for ``neo4j-admin database import`` and a Cypher script for cypher-shell.

The export is four files:

* ``nodes.csv``: header ``id:ID,:LABEL,name,...`` then one row per node. Every node has the
  label ``biolink:NamedThing`` plus its Biolink category (``biolink:Gene``) and, for our own
  categories, its ``mkg:`` class (``mkg:CascadeStep``). The CURIE is kept in the property
  ``id``;
* ``relationships.csv``: ``:START_ID,:END_ID,:TYPE,id,...``. The type is the predicate's
  CURIE (``biolink:contributes_to``, or ``mkg:mediates_metastasis_to`` where Biolink has no
  term, with the Biolink fallback in ``biolink_predicate``); ``id`` is the association id and
  the other properties are its evidence (``publications:string[]`` holds publication node
  ids). Hierarchy edges are ``biolink:subclass_of`` relationships of kind ``structure``;
* ``import.sh``: the ``neo4j-admin database import full`` command for these files;
* ``load.cypher``: the same graph for a running database, without APOC: the uniqueness
  constraint on ``id`` (Neo4j 5 syntax), then ``UNWIND [literal maps] AS row MERGE ...``
  statements in batches, one label set or relationship type per statement (Cypher cannot
  take labels or types from data). Run it with ``cypher-shell -f load.cypher``.

Header cells follow the Neo4j operations manual ("file header format"): ``name:type`` with
``string``, ``long``, ``double``, ``boolean`` and ``[]`` for arrays. Arrays and labels are
joined with ``|`` (``--array-delimiter``); a value that contains it is an error.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.curie import compress
from graph.exports import register_exporter
from graph.exports.formats import ExportFormat
from graph.exports.output import DatasetInfo, Output
from graph.model import EdgeRecord, NodeRecord, SubclassRecord
from graph.property_graph import SUBCLASS_PREDICATE, edge_attributes, node_attributes
from graph.vocab import MKG, Category

ARRAY_DELIMITER = "|"
ROOT_LABEL = "biolink:NamedThing"
SUBCLASS_TYPE = f"biolink:{SUBCLASS_PREDICATE}"
NODES_FILE = "nodes.csv"
RELATIONSHIPS_FILE = "relationships.csv"
IMPORT_SCRIPT = "import.sh"
CYPHER_SCRIPT = "load.cypher"
#: Rows per ``UNWIND`` statement in load.cypher.
BATCH_SIZE = 100

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Neo4jExportError(ValueError):
    """The graph cannot be written as Neo4j import files as it is."""


def node_labels(category: Category) -> tuple[str, ...]:
    """``biolink:NamedThing``, the Biolink category and our own ``mkg:`` class, if any."""
    labels = [ROOT_LABEL, category.biolink]
    labels += [compress(t) for t in category.rdf_types if t.startswith(MKG)]
    return tuple(dict.fromkeys(labels))


def node_properties(node: NodeRecord) -> dict[str, Any]:
    attrs = node_attributes(node)
    attrs["name"] = attrs.pop("label")
    attrs["metakg_category"] = attrs.pop("category")
    attrs["category"] = [node.category.biolink]
    return {"id": node.id, **attrs}


def edge_properties(edge: EdgeRecord) -> dict[str, Any]:
    attrs = edge_attributes(edge)
    attrs["publications"] = attrs.pop("references")
    attrs["biolink_predicate"] = edge.predicate.value.biolink
    return {"id": edge.id, **attrs}


def subclass_properties(edge: SubclassRecord) -> dict[str, Any]:
    return {
        "id": f"subclass:{edge.child}>{edge.parent}",
        "kind": "structure",
        "predicate": SUBCLASS_PREDICATE,
        "location": str(edge.source),
        "origin": edge.origin,
    }


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    """Drop what Neo4j would not store as a property: None, empty strings and empty lists."""
    kept = {k: v for k, v in props.items() if v is not None and v != "" and v != []}
    return {k: kept[k] for k in sorted(kept, key=lambda k: (k != "id", k))}


@dataclass(frozen=True)
class _Node:
    id: str
    labels: tuple[str, ...]
    properties: dict[str, Any]


@dataclass(frozen=True)
class _Relationship:
    start: str
    end: str
    type: str
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.properties["id"])


# --- typed CSV header -------------------------------------------------------------------


def _scalar_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    raise Neo4jExportError(f"cannot write a {type(value).__name__} value as a Neo4j property")


def _value_type(value: Any) -> str:
    if isinstance(value, list | tuple):
        kinds = {_scalar_type(v) for v in value}
        if kinds == {"long", "double"}:
            kinds = {"double"}
        if len(kinds) != 1:
            raise Neo4jExportError(f"a Neo4j array holds one type, not {sorted(kinds)}")
        return kinds.pop() + "[]"
    return _scalar_type(value)


def column_types(rows: Iterable[dict[str, Any]], skip: Sequence[str] = ()) -> dict[str, str]:
    """Neo4j type of each property over all rows; ``long`` and ``double`` widen to double."""
    found: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        for name, value in row.items():
            if name not in skip:
                found[name].add(_value_type(value))
    types: dict[str, str] = {}
    for name in sorted(found):
        kinds = found[name]
        for wide, narrow in (("double", "long"), ("double[]", "long[]")):
            if wide in kinds:
                kinds.discard(narrow)
        if len(kinds) != 1:
            raise Neo4jExportError(f"property {name!r} has values of types {sorted(kinds)}")
        types[name] = kinds.pop()
    return types


def _header_cell(name: str, kind: str) -> str:
    if ":" in name:
        raise Neo4jExportError(f"property name {name!r} contains ':' (the header type mark)")
    return name if kind == "string" else f"{name}:{kind}"


def _check_element(text: str, what: str) -> str:
    if ARRAY_DELIMITER in text:
        raise Neo4jExportError(
            f"{what}: {text!r} contains the array delimiter {ARRAY_DELIMITER!r}, "
            "so neo4j-admin would split it"
        )
    return text


def _cell(value: Any, owner: str, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, list | tuple):
        return ARRAY_DELIMITER.join(
            _check_element(_cell(v, owner, name), f"{owner}, property {name!r}") for v in value
        )
    return str(value)


def _float(value: float) -> str:
    if not math.isfinite(value):
        raise Neo4jExportError(f"{value!r} is not a number Neo4j can import")
    return repr(value)


def _has_line_break(props: dict[str, Any]) -> bool:
    """True if a value holds a line break: neo4j-admin then needs --multiline-fields."""
    for value in props.values():
        for item in value if isinstance(value, list | tuple) else (value,):
            if isinstance(item, str) and ("\n" in item or "\r" in item):
                return True
    return False


def _csv_text(header: list[str], rows: Iterable[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


# --- Cypher literals --------------------------------------------------------------------


def cypher_name(name: str) -> str:
    """A label, type or key: bare if it is a plain identifier, else in backticks."""
    if _NAME.fullmatch(name):
        return name
    return "`" + name.replace("`", "``") + "`"


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _cypher_string(text: str) -> str:
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def cypher_literal(value: Any) -> str:
    """A Cypher literal for a property value, a list or a map."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return _cypher_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (f"{cypher_name(k)}: {cypher_literal(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    raise Neo4jExportError(f"cannot write a {type(value).__name__} value in Cypher")


def _batches(items: Sequence[Any], size: int = BATCH_SIZE) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _unwind(rows: Sequence[str]) -> str:
    return "UNWIND [\n  " + ",\n  ".join(rows) + "\n] AS row\n"


# --- the exporter -----------------------------------------------------------------------


class Neo4jExporter:
    """Collects the graph and writes the neo4j-admin CSV files, import.sh and load.cypher."""

    keeps_evidence = True
    persistent = False

    def __init__(self, output: Output, *, info: DatasetInfo) -> None:
        self.output = output
        self.info = info
        self.nodes: dict[str, _Node] = {}
        self.relationships: dict[str, _Relationship] = {}

    def write_node(self, node: NodeRecord) -> None:
        if node.id in self.nodes:
            raise Neo4jExportError(f"node {node.id!r} is written twice")
        props = _clean(node_properties(node))
        self.nodes[node.id] = _Node(node.id, node_labels(node.category), props)

    def write_edge(self, edge: EdgeRecord) -> None:
        rel_type = compress(edge.predicate.iri)
        self._add(_Relationship(edge.subject, edge.object, rel_type, _clean(edge_properties(edge))))

    def write_subclass(self, edge: SubclassRecord) -> None:
        props = subclass_properties(edge)
        self._add(_Relationship(edge.child, edge.parent, SUBCLASS_TYPE, _clean(props)))

    def _add(self, rel: _Relationship) -> None:
        if rel.id in self.relationships:
            raise Neo4jExportError(f"relationship {rel.id!r} is written twice")
        self.relationships[rel.id] = rel

    def finalize(self) -> None:
        for rel in self.relationships.values():
            for end in (rel.start, rel.end):
                if end not in self.nodes:
                    raise Neo4jExportError(
                        f"relationship {rel.id} ({rel.start} -> {rel.end}) refers to node "
                        f"{end!r}, which is not part of the export"
                    )
        nodes = [self.nodes[k] for k in sorted(self.nodes)]
        rels = [self.relationships[k] for k in sorted(self.relationships)]
        files = {
            NODES_FILE: self._nodes_csv(nodes),
            RELATIONSHIPS_FILE: self._relationships_csv(rels),
        }
        multiline = any(
            _has_line_break(item.properties) for item in (*nodes, *rels)
        )
        files[IMPORT_SCRIPT] = self._import_script(multiline).encode("utf-8")
        files[CYPHER_SCRIPT] = self._cypher(nodes, rels).encode("utf-8")
        for name, data in files.items():
            with self.output.open(name) as handle:
                handle.write(data)

    def _nodes_csv(self, nodes: list[_Node]) -> bytes:
        types = column_types((n.properties for n in nodes), skip=("id",))
        header = ["id:ID", ":LABEL"] + [_header_cell(k, t) for k, t in types.items()]
        rows = []
        for node in nodes:
            labels = [_check_element(label, f"labels of {node.id}") for label in node.labels]
            row = [node.id, ARRAY_DELIMITER.join(labels)]
            row += [_cell(node.properties.get(k), node.id, k) for k in types]
            rows.append(row)
        return _csv_text(header, rows)

    def _relationships_csv(self, rels: list[_Relationship]) -> bytes:
        types = column_types(r.properties for r in rels)
        types = {"id": types.pop("id", "string"), **types}
        header = [":START_ID", ":END_ID", ":TYPE"] + [_header_cell(k, t) for k, t in types.items()]
        rows = []
        for rel in rels:
            row = [rel.start, rel.end, rel.type]
            row += [_cell(rel.properties.get(k), rel.id, k) for k in types]
            rows.append(row)
        return _csv_text(header, rows)

    def _import_script(self, multiline: bool) -> str:
        lines = [
            "#!/bin/sh",
            f"# {self.info.title}, version {self.info.version} ({self.info.selection}).",
            f"# Licence: {self.info.licence}. Source: {self.info.source}.",
            "#",
            "# Imports nodes.csv and relationships.csv into a Neo4j 5 database with",
            "# neo4j-admin (https://neo4j.com/docs/operations-manual/current/import/).",
            "# Usage: sh import.sh [DATABASE]   (default: neo4j)",
            "#   NEO4J_ADMIN=/path/to/bin/neo4j-admin sh import.sh   to pick the binary.",
            "# The database must be stopped; --overwrite-destination replaces its contents.",
            f"# --array-delimiter='{ARRAY_DELIMITER}' splits :LABEL and array (name:type[])",
            "# cells; --id-type=string because node ids are CURIEs.",
            "# Afterwards start the database and create the uniqueness constraint on id:",
            "#   cypher-shell -d DATABASE \"CREATE CONSTRAINT metakg_id IF NOT EXISTS"
            " FOR (n:\\`biolink:NamedThing\\`) REQUIRE n.id IS UNIQUE\"",
            "# (load.cypher loads the same graph into a running database instead.)",
            "set -eu",
            'here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)',
            'database="${1:-neo4j}"',
            '"${NEO4J_ADMIN:-neo4j-admin}" database import full "$database" \\',
            "    --overwrite-destination=true \\",
            f"    --array-delimiter='{ARRAY_DELIMITER}' \\",
            "    --id-type=string \\",
        ]
        if multiline:
            lines.append("    --multiline-fields=true \\")
        lines += [
            f'    --nodes="$here/{NODES_FILE}" \\',
            f'    --relationships="$here/{RELATIONSHIPS_FILE}"',
        ]
        return "\n".join(lines) + "\n"

    def _cypher(self, nodes: list[_Node], rels: list[_Relationship]) -> str:
        root = cypher_name(ROOT_LABEL)
        header = [
            f"// {self.info.title}, version {self.info.version} ({self.info.selection})",
            f"// Licence: {self.info.licence}. {len(nodes)} nodes, {len(rels)} relationships.",
            "// Loads the graph into a running Neo4j 5 database, no plugin needed:",
            "//   cypher-shell -a neo4j://localhost:7687 -u neo4j -d neo4j -f load.cypher",
            "// Statements MERGE on id, so running the script twice changes nothing.",
        ]
        parts = [
            "\n".join(header),
            f"CREATE CONSTRAINT metakg_id IF NOT EXISTS\nFOR (n:{root}) REQUIRE n.id IS UNIQUE;",
        ]
        by_labels: dict[tuple[str, ...], list[_Node]] = defaultdict(list)
        for node in nodes:
            by_labels[node.labels].append(node)
        for labels in sorted(by_labels):
            extra = ", ".join(f"n:{cypher_name(label)}" for label in labels if label != ROOT_LABEL)
            for batch in _batches(by_labels[labels]):
                rows = [cypher_literal(n.properties) for n in batch]
                set_labels = f"SET {extra}\n" if extra else ""
                parts.append(
                    f"// nodes {':'.join(labels)}\n"
                    + _unwind(rows)
                    + f"MERGE (n:{root} {{id: row.id}})\nSET n += row\n{set_labels}".rstrip("\n")
                    + ";"
                )
        by_type: dict[str, list[_Relationship]] = defaultdict(list)
        for rel in rels:
            by_type[rel.type].append(rel)
        for rel_type in sorted(by_type):
            for batch in _batches(by_type[rel_type]):
                rows = [
                    cypher_literal({"start": r.start, "end": r.end, "properties": r.properties})
                    for r in batch
                ]
                parts.append(
                    f"// relationships {rel_type}\n"
                    + _unwind(rows)
                    + f"MATCH (s:{root} {{id: row.start}})\n"
                    + f"MATCH (o:{root} {{id: row.end}})\n"
                    + f"MERGE (s)-[r:{cypher_name(rel_type)} {{id: row.properties.id}}]->(o)\n"
                    + "SET r += row.properties;"
                )
        return "\n\n".join(parts) + "\n"


register_exporter(ExportFormat.NEO4J, Neo4jExporter)
