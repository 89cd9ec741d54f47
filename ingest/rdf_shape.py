"""metakg's RDF shape, read back: the terms ``graph/rdf.py`` writes and how they parse.

Used by the RDF ingestor (``ingest/rdf_files.py``): :class:`Subject` collects what a file says
about one subject, :func:`evidence` reads an association's evidence from it, and
:func:`origin_of` finds which origin an association IRI was made from.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote

import pyoxigraph as ox

from graph.curie import compress
from graph.model import EdgeRecord
from graph.vocab import (
    BIOLINK,
    DCTERMS,
    METAKG,
    MKG,
    MKG_TERMS,
    RDF,
    RDFS,
    SKOS,
    XSD,
    AgentType,
    Category,
    Confidence,
    Direction,
    EvidenceType,
    KnowledgeLevel,
    Organism,
    Predicate,
)
from ingest.import_map import IMPORT_CONFIDENCE, Unmapped
from ingest.problems import Problems

TYPE = RDF + "type"
ASSOCIATION_TYPES = frozenset({RDF + "Statement", BIOLINK + "Association"})
PRIMARY = {c.rdf_types[0]: c for c in Category}
PREDICATES = {p.iri: p for p in Predicate}
NODE_PROPERTY_IRIS = {
    BIOLINK + "full_name": "fullName",
    **{MKG + t: t for t in MKG_TERMS if t[0].islower() and MKG + t not in PREDICATES},
}
NODE_FIELDS = {
    RDFS + "label",
    BIOLINK + "symbol",
    SKOS + "altLabel",
    SKOS + "hiddenLabel",
    SKOS + "exactMatch",
    DCTERMS + "description",
    BIOLINK + "in_taxon",
}


@dataclass
class Subject:
    """What a file says about one subject: values by predicate, with their first lines."""

    line: int = 0
    graph: str = ""
    values: dict[str, list[ox.NamedNode | ox.Literal | ox.BlankNode]] = field(
        default_factory=lambda: defaultdict(list)
    )
    #: The first line of each predicate, and of each (predicate, object) for rdf:type.
    lines: dict[str | tuple[str, str], int] = field(default_factory=dict)

    def line_of(self, predicate: str, obj: str | None = None) -> int:
        key = predicate if obj is None else (predicate, obj)
        return self.lines.get(key, self.line)

    def one(self, iri: str) -> str:
        found = self.values.get(iri)
        return found[0].value if found else ""

    def all(self, iri: str) -> list[str]:
        return [term.value for term in self.values.get(iri, ())]


def literal_value(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> object:
    if not isinstance(term, ox.Literal):
        return term.value
    datatype = term.datatype.value
    if datatype == XSD + "integer":
        return int(term.value)
    if datatype == XSD + "boolean":
        return term.value in ("true", "1")
    if datatype == XSD + "double":
        return float(term.value)
    return term.value


def evidence(
    entry: Subject, file: str, problems: Problems, unmapped: Unmapped
) -> dict[str, object]:
    """The evidence fields of an association subject; bad values are problems."""

    def choose(enum, term: str, default, *, lenient: bool = False):  # type: ignore[no-untyped-def]
        raw = entry.one(term)
        try:
            return enum.from_key(raw) if raw else default
        except KeyError as exc:
            if lenient:
                unmapped.add("bad-enum", file, entry.line, compress(term), raw)
            else:
                problems.add(file, entry.line, compress(term), "bad-value", exc.args[0])
            return default

    evidence_types = []
    for raw in sorted(entry.all(MKG + "evidenceType")):
        try:
            evidence_types.append(EvidenceType.from_key(raw))
        except KeyError as exc:
            problems.add(file, entry.line, "mkg:evidenceType", "bad-value", exc.args[0])
    frequency: float | None = None
    if entry.one(MKG + "frequency"):
        try:
            frequency = float(entry.one(MKG + "frequency"))
        except ValueError:
            problems.add(
                file,
                entry.line,
                "mkg:frequency",
                "bad-frequency",
                f"'{entry.one(MKG + 'frequency')}' is not a number between 0 and 1",
            )
    return {
        "confidence": choose(Confidence, MKG + "confidence", Confidence(IMPORT_CONFIDENCE)),
        "direction": choose(Direction, MKG + "direction", Direction.ASSOCIATED),
        "evidence_types": tuple(evidence_types),
        "organism": choose(Organism, MKG + "organism", None),
        "frequency": frequency,
        "knowledge_level": choose(
            KnowledgeLevel,
            BIOLINK + "knowledge_level",
            KnowledgeLevel.NOT_PROVIDED,
            lenient=True,
        ),
        "agent_type": choose(
            AgentType, BIOLINK + "agent_type", AgentType.NOT_PROVIDED, lenient=True
        ),
    }


def origin_of(iri: str, entry: Subject, edge: EdgeRecord, fallback: str) -> str:
    """The origin whose association id is ``iri``, among those the file could prove."""
    wanted = compress(iri)
    candidates = []
    if entry.graph.startswith(METAKG + "source/"):
        candidates.append(unquote(entry.graph[len(METAKG + "source/") :]))
    candidates.append("curated")
    for source_file in entry.all(MKG + "sourceFile"):
        parts = Path(source_file).parts
        candidates.append(f"file:{Path(source_file).name}")
        candidates += [f"dir:{part}" for part in parts[:-1]]
    for origin in candidates:
        if replace(edge, origin=origin).id == wanted:
            return origin
    return fallback
