"""The canonical model: frozen node and edge records.

Ingestors yield these records and nothing else. An edge record first names its subject,
object and qualifiers the way the source file does (a symbol, an alias, a label or a CURIE);
the pipeline's resolver replaces those names by node ids with :func:`dataclasses.replace`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from graph.vocab import (
    AgentType,
    Category,
    Confidence,
    Direction,
    EvidenceType,
    KnowledgeLevel,
    Organism,
    Predicate,
)


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where a record came from: a file (as given) and a 1-based line, 0 when not line-based."""

    file: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True, slots=True)
class NodeRecord:
    """One entity. ``id`` is a CURIE (``NCBIGene:2069``, ``UBERON:0002048``, ``metakg:...``).

    ``properties`` holds category-specific values as sorted ``(name, value)`` pairs, with names
    from :data:`graph.vocab.MKG_TERMS` (for example ``("order", 4)``).
    """

    id: str
    category: Category
    label: str
    source: SourceLocation
    symbol: str | None = None
    synonyms: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()
    description: str = ""
    taxon: str | None = None
    properties: tuple[tuple[str, object], ...] = ()
    #: Names that resolve to this node with low priority (for example NCBI synonyms).
    weak_synonyms: tuple[str, ...] = ()

    def prop(self, name: str, default: object = None) -> object:
        for key, value in self.properties:
            if key == name:
                return value
        return default


@dataclass(frozen=True, slots=True)
class EdgeRecord:
    """One association: subject, predicate, object, qualifiers and evidence.

    ``references`` holds review reference numbers as strings (``"61"``) or publication CURIEs
    (``"PMID:17420468"``) before resolution, and publication node ids after it.
    """

    subject: str
    predicate: Predicate
    object: str
    source: SourceLocation
    references: tuple[str, ...]
    confidence: Confidence
    note: str
    direction: Direction = Direction.PROMOTES
    evidence_types: tuple[EvidenceType, ...] = ()
    organism: Organism | None = None
    cancer_type: str | None = None
    organ: str | None = None
    step: str | None = None
    frequency: float | None = None
    knowledge_level: KnowledgeLevel = KnowledgeLevel.KNOWLEDGE_ASSERTION
    agent_type: AgentType = AgentType.MANUAL_AGENT
    #: Set by the pipeline: every reference behind it is retracted.
    rests_only_on_retracted: bool = False
    #: Name of the source (ingestor instance) that produced it; part of the identity.
    origin: str = "curated"

    @property
    def key(self) -> tuple[str, ...]:
        """What makes two rows the same assertion within one source."""
        return (
            self.subject,
            self.predicate.key,
            self.object,
            self.cancer_type or "",
            self.organ or "",
            self.step or "",
        )

    @property
    def id(self) -> str:
        """A deterministic association id built from the key and the origin."""
        digest = hashlib.sha1("\x1f".join((*self.key, self.origin)).encode()).hexdigest()
        return f"metakg:assoc/{digest[:16]}"


@dataclass(frozen=True, slots=True)
class SubclassRecord:
    """A structural ``rdfs:subClassOf`` edge (an ontology hierarchy, not an assertion)."""

    child: str
    parent: str
    source: SourceLocation
    origin: str = "curated"


Record = NodeRecord | EdgeRecord | SubclassRecord


@dataclass(frozen=True, slots=True)
class Reference:
    """A parsed entry of a numbered, Nature-style reference list."""

    number: int
    authors: tuple[str, ...]
    title: str
    journal: str
    volume: str
    pages: str
    year: int
    source: SourceLocation = field(default_factory=lambda: SourceLocation(""))
    et_al: bool = False
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    retracted: bool = False
    retraction_note: str = ""
