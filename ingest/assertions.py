"""The generic assertions table: one row per association, the same columns for every kind.

The curated files in ``ingest/data/assertions/`` and a user's own evidence file share this
format (documented in ``docs/sources.md``). Rows become :class:`~graph.model.EdgeRecord`
values that still name their subject, object and qualifiers as the file does; the pipeline
resolves those names against the graph's nodes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from graph.model import EdgeRecord, Record, SourceLocation
from graph.vocab import (
    AgentType,
    Confidence,
    Direction,
    EvidenceType,
    KnowledgeLevel,
    Organism,
    Predicate,
)
from ingest import documented_sources
from ingest.problems import Problems
from ingest.registry import register
from ingest.tabular import Row, read_table

REQUIRED = ("subject", "predicate", "object", "references", "confidence", "note")
OPTIONAL = (
    "direction",
    "cancer_type",
    "organ",
    "step",
    "evidence_type",
    "organism",
    "frequency",
    "knowledge_level",
    "agent_type",
)

#: A reference cell holds review reference numbers, publication CURIEs or documented sources
#: (``source:ID``, defined in a ``sources.tsv`` table; see ingest/documented_sources.py).
_REF_NUMBER = re.compile(r"^\d+$")
_PUBLICATION_CURIE = re.compile(
    r"^(PMID:\d+|PMCID:PMC\d+|PMC:PMC\d+|doi:10\.\d{4,9}/\S+)$", re.IGNORECASE
)


def _sniff(path: Path) -> bool:
    """Any table file: as the fallback for .tsv/.csv sources, a table with a misspelt header
    is read as assertions and its header problems are reported."""
    return path.is_file() and path.suffix.lower() in (".tsv", ".csv", ".tab")


@register(
    "assertions",
    sniff=_sniff,
    fallback=True,
    description="A table of associations (subject, predicate, object, references, confidence, "
    "note ...), tab- or comma-separated; see docs/sources.md.",
)
def read_assertions(
    path: Path, problems: Problems, *, origin: str | None = None
) -> Iterator[Record]:
    """Yield one :class:`EdgeRecord` per valid row of ``path``."""
    origin = origin or f"file:{path.name}"
    seen: dict[tuple[str, ...], int] = {}
    for row in read_table(path, problems, required=REQUIRED, optional=OPTIONAL):
        edge = parse_row(path, row, problems, origin=origin)
        if edge is None:
            continue
        key = tuple(part.casefold() for part in edge.key)
        if key in seen:
            problems.add(
                str(path),
                row.line,
                "subject",
                "duplicate-key",
                f"the same assertion ({edge.subject} {edge.predicate.key} {edge.object}, same "
                f"qualifiers) is already on line {seen[key]}; merge the two rows into one",
            )
            continue
        seen[key] = row.line
        yield edge


def parse_row(path: Path, row: Row, problems: Problems, *, origin: str) -> EdgeRecord | None:
    """Turn one row into an edge, or report every problem in it and return None."""
    file = str(path)
    before = len(problems.errors)

    def need(name: str) -> str:
        value = row.get(name)
        if not value:
            problems.add(
                file, row.line, name, "missing-value", f"'{name}' is empty; it is required"
            )
        return value

    subject, obj, note = need("subject"), need("object"), need("note")
    predicate = _enum(Predicate, need("predicate"), file, row, "predicate", problems)
    confidence = _enum(Confidence, need("confidence"), file, row, "confidence", problems)
    direction = _enum(
        Direction, row.get("direction") or "promotes", file, row, "direction", problems
    )
    organism = (
        _enum(Organism, row.get("organism"), file, row, "organism", problems)
        if row.get("organism")
        else None
    )
    knowledge_level = _enum(
        KnowledgeLevel,
        row.get("knowledge_level") or "knowledge_assertion",
        file,
        row,
        "knowledge_level",
        problems,
    )
    agent_type = _enum(
        AgentType, row.get("agent_type") or "manual_agent", file, row, "agent_type", problems
    )
    evidence = tuple(
        e
        for e in (
            _enum(EvidenceType, value, file, row, "evidence_type", problems)
            for value in row.multi("evidence_type")
        )
        if e is not None
    )
    references = row.multi("references")
    if not references and row.get("references") == "":
        problems.add(
            file,
            row.line,
            "references",
            "missing-value",
            "'references' is empty; cite at least one review reference number (1-119) or a "
            "publication CURIE such as PMID:17420468 (or source:ID for a documented source)",
        )
    for ref in references:
        if documented_sources.is_reference(ref):
            if not documented_sources.REFERENCE.match(ref):
                problems.add(
                    file,
                    row.line,
                    "references",
                    "bad-reference",
                    f"'{ref}' is not a documented source reference: expected source:ID with the "
                    "id of a row of sources.tsv (lower-case letters and digits joined by '-' or "
                    "'_', for example source:nci-metastatic-cancer)",
                )
            continue
        if not (_REF_NUMBER.match(ref) or _PUBLICATION_CURIE.match(ref)):
            problems.add(
                file,
                row.line,
                "references",
                "bad-reference",
                f"'{ref}' is not a reference: expected a review reference number (1-119) or a "
                "publication CURIE (PMID:123, PMCID:PMC123, doi:10.1000/xyz) or a documented "
            "source (source:ID, a row of sources.tsv)",
            )
    frequency = _frequency(row.get("frequency"), file, row, problems)
    if len(problems.errors) > before or predicate is None or confidence is None:
        return None
    return EdgeRecord(
        subject=subject,
        predicate=predicate,
        object=obj,
        source=SourceLocation(file, row.line),
        references=tuple(dict.fromkeys(references)),
        confidence=confidence,
        note=note,
        direction=direction or Direction.PROMOTES,
        evidence_types=evidence,
        organism=organism,
        cancer_type=row.get("cancer_type") or None,
        organ=row.get("organ") or None,
        step=row.get("step") or None,
        frequency=frequency,
        knowledge_level=knowledge_level or KnowledgeLevel.KNOWLEDGE_ASSERTION,
        agent_type=agent_type or AgentType.MANUAL_AGENT,
        origin=origin,
    )


def _enum(enum, value: str, file: str, row: Row, field: str, problems: Problems):  # type: ignore[no-untyped-def]
    if not value:
        return None
    try:
        return enum.from_key(value.strip())
    except KeyError as exc:
        problems.add(file, row.line, field, f"bad-{field.replace('_', '-')}", exc.args[0])
        return None


def _frequency(value: str, file: str, row: Row, problems: Problems) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0.0 <= number <= 1.0:
        problems.add(
            file,
            row.line,
            "frequency",
            "bad-frequency",
            f"'{value}' is not a share between 0 and 1; write 85% as 0.85",
        )
        return None
    return number
