"""The export formats: one enum member each, knowing its media type and file extension.

Content negotiation, download names and the CLI's choices are lookups in this enum. A format
that is several files (``multi_file``) is delivered as a zip archive of them, or written into
a directory.
"""

from __future__ import annotations

from enum import Enum
from typing import Any


class ExportFormat(Enum):
    TURTLE = ("turtle", "text/turtle", ".ttl", "RDF", "RDF 1.1 Turtle", False)
    NTRIPLES = ("ntriples", "application/n-triples", ".nt", "RDF", "RDF 1.1 N-Triples", False)
    NQUADS = (
        "nquads", "application/n-quads", ".nq", "RDF",
        "RDF 1.1 N-Quads: each assertion's evidence in the named graph of its source", False,
    )
    RDFXML = ("rdfxml", "application/rdf+xml", ".rdf", "RDF", "RDF/XML", False)
    JSONLD = (
        "jsonld", "application/ld+json", ".jsonld", "RDF",
        "JSON-LD 1.1, compacted with metakg's published context", False,
    )
    GRAPHML = (
        "graphml", "application/graphml+xml", ".graphml", "graph",
        "GraphML with typed attributes (Gephi, Cytoscape, yEd)", False,
    )
    GEXF = ("gexf", "application/gexf+xml", ".gexf", "graph", "GEXF 1.2 (Gephi)", False)
    CYJS = (
        "cyjs", "application/json", ".cyjs", "graph",
        "Cytoscape.js JSON (elements with stable ids; Cytoscape desktop imports .cyjs)", False,
    )
    CX2 = ("cx2", "application/json", ".cx2", "graph", "CX2 (Cytoscape desktop, NDEx)", False)
    DOT = ("dot", "text/vnd.graphviz", ".dot", "graph", "Graphviz DOT", False)
    KGX_TSV = (
        "kgx-tsv", "application/zip", ".kgx-tsv.zip", "KGX",
        "KGX nodes and edges TSV with Biolink columns", True,
    )
    KGX_JSONL = (
        "kgx-jsonl", "application/zip", ".kgx-jsonl.zip", "KGX",
        "KGX nodes and edges JSON Lines with Biolink columns", True,
    )
    NEO4J = (
        "neo4j", "application/zip", ".neo4j.zip", "Neo4j",
        "neo4j-admin database import CSV files and a Cypher load script", True,
    )
    HTML = (
        "html", "text/html", ".html", "view",
        "A standalone interactive page of the graph that opens offline", False,
    )

    def __init__(
        self,
        key: str,
        media_type: str,
        extension: str,
        family: str,
        description: str,
        multi_file: bool,
    ) -> None:
        self.key = key
        self.media_type = media_type
        self.extension = extension
        self.family = family
        self.description = description
        self.multi_file = multi_file

    @classmethod
    def parse(cls, name: str) -> ExportFormat:
        """A format by its key (``turtle``), extension (``ttl``) or an alias; case-insensitive."""
        wanted = name.strip().casefold().lstrip(".")
        for member in cls:
            if wanted in (member.key, member.extension.lstrip("."), member.name.casefold()):
                return member
        alias = _ALIASES.get(wanted)
        if alias is not None:
            return alias
        from graph.exports import UnknownFormat

        raise UnknownFormat(
            f"unknown export format {name!r}; expected one of: "
            + ", ".join(m.key for m in cls)
        )

    def filename(self, stem: str = "metakg") -> str:
        return stem + self.extension

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.key,
            "media_type": self.media_type,
            "extension": self.extension,
            "family": self.family,
            "description": self.description,
            "archive": self.multi_file,
        }


_ALIASES = {
    "ttl": ExportFormat.TURTLE,
    "nt": ExportFormat.NTRIPLES,
    "n-triples": ExportFormat.NTRIPLES,
    "nq": ExportFormat.NQUADS,
    "n-quads": ExportFormat.NQUADS,
    "rdf": ExportFormat.RDFXML,
    "xml": ExportFormat.RDFXML,
    "rdf-xml": ExportFormat.RDFXML,
    "json-ld": ExportFormat.JSONLD,
    "cytoscape": ExportFormat.CYJS,
    "graphviz": ExportFormat.DOT,
    "kgx": ExportFormat.KGX_TSV,
    "neo4j-csv": ExportFormat.NEO4J,
}
