"""Gene sets in GMT (Gene Matrix Transposed), the format of MSigDB, Enrichr and GSEA.

One line per gene set, tab-separated: the set's name, a description (often a web address or
free text, may be empty), then its member genes (symbols, aliases, ``NCBIGene:`` CURIEs or
bare NCBI Gene ids). Empty trailing cells are ignored (Enrichr's files end every line with a
tab). A member written ``SYMBOL,weight`` (Enrichr's weighted libraries) keeps the symbol.

How a set enters the closed vocabulary:

* the set is a ``gene_class`` node ``metakg:geneset/<slug>`` (the name in lower case, every
  run of other characters replaced by ``_``), labelled with the name, with ``scheme``
  ``gene_set`` (apart from the review's classes and the graph's roles), the description as
  its description and, when the description is one web address, that address as ``url``;
* every member is a ``has_class`` assertion from the gene to the set, resolved by the
  pipeline like any assertion's subject (so ``COX2`` gives PTGS2, and an unknown symbol is an
  ``unknown-gene`` error naming the file, the line and the symbol).

Evidence, as every assertion needs:

* ``references``: the PMIDs, PMCIDs and DOIs written in the description (``PMID:17420468``,
  ``doi:10.1038/nature05760``, or a PubMed, PMC or doi.org address), plus those of a
  ``#metakg references:`` line above the set. Nothing else is taken for a reference: a set
  with none is a ``missing-reference`` error that says how to give one;
* ``confidence``: ``medium`` unless a ``#metakg confidence:`` line says otherwise (by the
  rubric of docs/sources.md, the membership was seen in a file that is not the paper's
  abstract);
* ``note``: says the gene is listed in that set, in that file and line, followed by the text
  of a ``#metakg note:`` line if there is one;
* ``direction`` is ``associated`` (membership claims no direction); ``evidence_type``,
  ``knowledge_level`` and ``agent_type`` come from ``#metakg`` lines (defaults: none,
  ``knowledge_assertion``, ``not_provided``).

Lines starting with ``#metakg KEY: VALUE`` set ``KEY`` for every set below them (until the
next line for the same key); other lines starting with ``#`` are comments. The file is read
line by line: memory holds one line and the slugs seen so far.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from graph.model import EdgeRecord, NodeRecord, Record, SourceLocation
from graph.vocab import (
    AgentType,
    Category,
    Confidence,
    Direction,
    EvidenceType,
    GeneClassScheme,
    KnowledgeLevel,
    Predicate,
)
from ingest.gmt_format import (
    WEIGHTED,
    lines,
    normalise_reference,
    references_in,
    slug,
    split_line,
)
from ingest.problems import Level, Problems
from ingest.registry import register
from ingest.tabular import split_multi

NODE_PREFIX = "metakg:geneset/"
DIRECTIVE = "#metakg"
DIRECTIVES = ("references", "confidence", "note", "evidence_type", "knowledge_level", "agent_type")
DEFAULT_CONFIDENCE = Confidence.MEDIUM
#: Sets without a reference reported one by one; the rest are counted in one problem.
SHOWN_MISSING = 5

_URL = re.compile(r"^https?://\S+$")
#: The forms a ``#metakg references:`` value may take: those of the assertions table's
#: references cell (review numbers, publication CURIEs, documented sources).
_REFERENCE = re.compile(
    r"^(\d+|PMID:\d+|PMCID:PMC\d+|doi:10\.\d{4,9}/\S+|source:[a-z0-9]+(?:[-_][a-z0-9]+)*)$",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------- pure helpers


def node_id(name: str) -> str:
    return NODE_PREFIX + slug(name)


def sniff_gmt(path: Path) -> bool:
    """A file named ``*.gmt`` or ``*.gmt.gz``."""
    name = path.name.casefold()
    return path.is_file() and (name.endswith(".gmt") or name.endswith(".gmt.gz"))


# --------------------------------------------------------------------------- the ingestor


@dataclass(frozen=True)
class _Evidence:
    """What the ``#metakg`` lines above a set have given, or the defaults."""

    references: tuple[str, ...] = ()
    confidence: Confidence = DEFAULT_CONFIDENCE
    note: str = ""
    evidence_types: tuple[EvidenceType, ...] = ()
    knowledge_level: KnowledgeLevel = KnowledgeLevel.KNOWLEDGE_ASSERTION
    agent_type: AgentType = AgentType.NOT_PROVIDED


@dataclass
class _State:
    file: str
    origin: str
    evidence: _Evidence = field(default_factory=_Evidence)
    slugs: dict[str, tuple[str, int]] = field(default_factory=dict)
    missing: list[tuple[int, str]] = field(default_factory=list)
    weighted: int = 0
    sets: int = 0


@register(
    "gmt",
    sniff=sniff_gmt,
    description="Gene sets in GMT (name, description, genes; .gmt or .gmt.gz): one gene_class "
    "node per set (scheme gene_set) and a has_class assertion per member; see "
    "docs/formats-gmt-obo.md.",
    skip_unresolved=True,
)
def ingest_gmt(path: Path, problems: Problems) -> Iterator[Record]:
    """Yield, per gene set, its node and then one ``has_class`` edge per member."""
    state = _State(str(path), f"file:{path.name}")
    for number, text in lines(path, problems):
        if not text.strip():
            continue
        if text.startswith("#"):
            _directive(state, number, text, problems)
            continue
        yield from _gene_set(state, number, text, problems)
    _report_missing(state, problems)
    if state.weighted:
        problems.add(
            state.file,
            0,
            "genes",
            "weights-ignored",
            f"{state.weighted} member(s) carry a weight ('SYMBOL,1.0'); metakg keeps the "
            "genes and not the weights",
            Level.WARNING,
        )
    if state.sets == 0 and not any(p.file == state.file for p in problems):
        problems.add(
            state.file,
            0,
            "",
            "empty-file",
            "no gene set in the file; a GMT line is: name<TAB>description<TAB>gene<TAB>gene...",
        )


def _gene_set(state: _State, number: int, text: str, problems: Problems) -> Iterator[Record]:
    where = (state.file, number)
    found = split_line(number, text)
    if isinstance(found, str):
        problems.add(*where, "genes", "bad-row", found)
        return
    name, description = found.name, found.description
    key = slug(name)
    if not key:
        problems.add(
            *where,
            "name",
            "bad-id",
            f"gene set name {name!r} has no letter or digit to build an id from; rename it",
        )
        return
    first = state.slugs.setdefault(key, (name, number))
    if first[1] != number:
        same = "is already" if first[0] == name else f"gives the same id as {first[0]!r},"
        problems.add(
            *where,
            "name",
            "duplicate-key",
            f"gene set {name!r} {same} defined on line {first[1]} ({NODE_PREFIX}{key}); "
            "give each set a distinct name",
        )
        return
    state.sets += 1
    evidence = state.evidence
    references = tuple(dict.fromkeys((*references_in(description), *evidence.references)))
    node = NodeRecord(
        id=NODE_PREFIX + key,
        category=Category.GENE_CLASS,
        label=name,
        source=SourceLocation(*where),
        description=description,
        properties=_properties(description),
    )
    yield node
    state.weighted += sum(1 for cell in text.split("\t")[2:] if WEIGHTED.match(cell.strip()))
    if not references:
        state.missing.append((number, name))
        return
    note = f"Listed as a member of the gene set '{name}' ({Path(state.file).name}, line {number})."
    if evidence.note:
        note = f"{note} {evidence.note}"
    seen: dict[str, str] = {}
    for member in found.members:
        folded = member.casefold()
        if folded in seen:
            problems.add(
                *where,
                "genes",
                "duplicate-member",
                f"{member!r} is listed twice in gene set {name!r}; it is kept once",
                Level.WARNING,
            )
            continue
        seen[folded] = member
        yield EdgeRecord(
            subject=member,
            predicate=Predicate.HAS_CLASS,
            object=node.id,
            source=SourceLocation(*where),
            references=references,
            confidence=evidence.confidence,
            note=note,
            direction=Direction.ASSOCIATED,
            evidence_types=evidence.evidence_types,
            knowledge_level=evidence.knowledge_level,
            agent_type=evidence.agent_type,
            origin=state.origin,
        )


def _properties(description: str) -> tuple[tuple[str, object], ...]:
    properties: list[tuple[str, object]] = [("scheme", GeneClassScheme.GENE_SET.value)]
    if _URL.match(description):
        properties.append(("url", description))
    return tuple(sorted(properties))


def _directive(state: _State, number: int, text: str, problems: Problems) -> None:
    """Apply a ``#metakg KEY: VALUE`` line; any other ``#`` line is a comment."""
    if not text.startswith(DIRECTIVE + " ") and text.rstrip() != DIRECTIVE:
        return
    key, sep, value = text[len(DIRECTIVE) :].partition(":")
    key, value = key.strip(), value.strip()
    where = (state.file, number, key or "directive")
    if not sep or key not in DIRECTIVES:
        problems.add(
            *where,
            "bad-directive",
            f"'{text.strip()[:80]}' is not a metakg line; expected '#metakg KEY: VALUE' with "
            f"KEY one of: {', '.join(DIRECTIVES)}",
        )
        return
    evidence = state.evidence
    try:
        if key == "references":
            refs = split_multi(value)
            bad = [ref for ref in refs if not _REFERENCE.match(ref)]
            if bad or not refs:
                raise KeyError(
                    f"'{(bad or [value])[0]}' is not a reference: expected PMID:123, "
                    "PMCID:PMC123, doi:10.1000/xyz, a review reference number or source:ID, "
                    "';'-separated"
                )
            evidence = replace(evidence, references=tuple(_reference(r) for r in refs))
        elif key == "confidence":
            evidence = replace(evidence, confidence=Confidence.from_key(value))
        elif key == "note":
            evidence = replace(evidence, note=value)
        elif key == "evidence_type":
            types = tuple(EvidenceType.from_key(v) for v in split_multi(value))
            evidence = replace(evidence, evidence_types=types)
        elif key == "knowledge_level":
            evidence = replace(evidence, knowledge_level=KnowledgeLevel.from_key(value))
        else:
            evidence = replace(evidence, agent_type=AgentType.from_key(value))
    except KeyError as exc:
        problems.add(*where, f"bad-{key.replace('_', '-')}", exc.args[0])
        return
    state.evidence = evidence


def _reference(ref: str) -> str:
    if ref.isdigit() or ref.casefold().startswith("source:"):
        return ref
    return normalise_reference(ref)


def _report_missing(state: _State, problems: Problems) -> None:
    fix = (
        "write its PMID or DOI in the description (PMID:17420468, doi:10.1038/nature05760), "
        "or put a line '#metakg references: PMID:...' above it (it applies to every set "
        "below); see docs/formats-gmt-obo.md"
    )
    for number, name in state.missing[:SHOWN_MISSING]:
        problems.add(
            state.file,
            number,
            "description",
            "missing-reference",
            f"gene set {name!r} cites no publication, so its members cannot be asserted; {fix}",
        )
    rest = state.missing[SHOWN_MISSING:]
    if rest:
        lines = ", ".join(str(n) for n, _ in rest[:10]) + (", ..." if len(rest) > 10 else "")
        problems.add(
            state.file,
            rest[0][0],
            "description",
            "missing-reference",
            f"{len(rest)} more gene set(s) cite no publication (lines {lines}); the same fix "
            "applies",
        )
