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
  constraint on ``id`` and an index on ``id`` for each category label (Neo4j 5 syntax),
  then ``UNWIND [literal maps] AS row MERGE ...`` statements in batches, one label set or
  relationship type per statement (Cypher cannot take labels or types from data). Run it
  with ``cypher-shell -f load.cypher``.

The labels, types and properties are the projection of :mod:`graph.cypher`, and the
statements of load.cypher are its statements with the rows written in as literals, so the
files, ``metakg neo4j push`` and the Cypher twins of the named queries agree.

Header cells follow the Neo4j operations manual ("file header format"): ``name:type`` with
``string``, ``long``, ``double``, ``boolean`` and ``[]`` for arrays. Arrays and labels are
joined with ``|`` (``--array-delimiter``); a value that contains it is an error.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.cypher import (
    CONSTRAINT_NAME,
    NODE_BODIES,
    RELATIONSHIP_BODIES,
    ROOT_LABEL,
    SCHEMA,
    SUBCLASS_TYPE,
    Engine,
    cypher_name,
    edge_properties,
    node_labels,
    node_properties,
    relationship_type,
    subclass_properties,
)
from graph.cypher import clean as _clean
from graph.exports import register_exporter
from graph.exports.formats import ExportFormat
from graph.exports.output import DatasetInfo, Output
from graph.model import EdgeRecord, NodeRecord, SubclassRecord

__all__ = [
    "CONSTRAINT_NAME",
    "ROOT_LABEL",
    "SUBCLASS_TYPE",
    "Neo4jExportError",
    "Neo4jExporter",
    "cypher_literal",
    "cypher_name",
    "edge_properties",
    "import_arguments",
    "node_labels",
    "node_properties",
    "subclass_properties",
]

ARRAY_DELIMITER = "|"
NODES_FILE = "nodes.csv"
RELATIONSHIPS_FILE = "relationships.csv"
IMPORT_SCRIPT = "import.sh"
CYPHER_SCRIPT = "load.cypher"
#: Rows per ``UNWIND`` statement in load.cypher.
BATCH_SIZE = 100

class Neo4jExportError(ValueError):
    """The graph cannot be written as Neo4j import files as it is."""


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
        rel_type = relationship_type(edge.predicate)
        self._add(_Relationship(edge.subject, edge.object, rel_type, _clean(edge_properties(edge))))

    def write_subclass(self, edge: SubclassRecord) -> None:
        props = _clean(subclass_properties(edge))
        self._add(_Relationship(edge.child, edge.parent, SUBCLASS_TYPE, props))

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
        constraint = SCHEMA[Engine.NEO4J][0].replace("\n", " ").replace("`", "\\`")
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
            f'#   cypher-shell -d DATABASE "{constraint}"',
            "# (load.cypher loads the same graph into a running database instead.)",
            "set -eu",
            'here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)',
            'database="${1:-neo4j}"',
            '"${NEO4J_ADMIN:-neo4j-admin}" database import full "$database" \\',
        ]
        lines += [f"    {option} \\" for option in _shell_options(multiline)]
        lines += [
            f'    --nodes="$here/{NODES_FILE}" \\',
            f'    --relationships="$here/{RELATIONSHIPS_FILE}"',
        ]
        return "\n".join(lines) + "\n"

    def _cypher(self, nodes: list[_Node], rels: list[_Relationship]) -> str:
        header = [
            f"// {self.info.title}, version {self.info.version} ({self.info.selection})",
            f"// Licence: {self.info.licence}. {len(nodes)} nodes, {len(rels)} relationships.",
            "// Loads the graph into a running Neo4j 5 database, no plugin needed:",
            "//   cypher-shell -a neo4j://localhost:7687 -u neo4j -d neo4j -f load.cypher",
            "// Statements MERGE on id, so running the script twice changes nothing.",
            "// They are the statements of `metakg neo4j push` with the rows written in.",
        ]
        parts = ["\n".join(header), *(text + ";" for text in SCHEMA[Engine.NEO4J])]
        by_labels: dict[tuple[str, ...], list[_Node]] = defaultdict(list)
        for node in nodes:
            by_labels[node.labels].append(node)
        for labels in sorted(by_labels):
            for batch in _batches(by_labels[labels]):
                rows = [cypher_literal({"id": n.id, "properties": n.properties}) for n in batch]
                parts.append(
                    f"// nodes {':'.join(labels)}\n" + _unwind(rows) + NODE_BODIES[labels] + ";"
                )
        by_type: dict[str, list[_Relationship]] = defaultdict(list)
        for rel in rels:
            by_type[rel.type].append(rel)
        for rel_type in sorted(by_type):
            for batch in _batches(by_type[rel_type]):
                rows = [
                    cypher_literal(
                        {"start": r.start, "end": r.end, "id": r.id, "properties": r.properties}
                    )
                    for r in batch
                ]
                parts.append(
                    f"// relationships {rel_type}\n"
                    + _unwind(rows)
                    + RELATIONSHIP_BODIES[rel_type]
                    + ";"
                )
        return "\n\n".join(parts) + "\n"


def _shell_options(multiline: bool) -> list[str]:
    options = [
        "--overwrite-destination=true",
        f"--array-delimiter='{ARRAY_DELIMITER}'",
        "--id-type=string",
    ]
    return options + (["--multiline-fields=true"] if multiline else [])


def import_arguments(
    database: str, nodes: str, relationships: str, *, multiline: bool = False
) -> list[str]:
    """The argv of ``neo4j-admin database import full`` for the exported files (what
    import.sh runs), for a caller that prints or runs the command itself."""
    options = [o.replace("'", "") for o in _shell_options(multiline)]
    return [
        "neo4j-admin", "database", "import", "full", database, *options,
        f"--nodes={nodes}", f"--relationships={relationships}",
    ]


register_exporter(ExportFormat.NEO4J, Neo4jExporter)
