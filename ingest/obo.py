"""Ontologies in OBO 1.4 (``doid.obo``, ``uberon.obo`` ...): a dictionary of terms.

Parsing is done by ``fastobo`` (a maintained OBO 1.4 parser, the one behind ``pronto``), whose
:func:`fastobo.iter` yields one frame at a time, so memory holds one stanza, not the
ontology. Its frames carry no line numbers, so a second reader walks the same file in step
and gives each frame the line of its ``[Term]`` header: every problem names the file, the
line and the term.

Terms map onto the closed vocabulary by the prefix of their id (:data:`CATEGORIES`):

* ``DOID`` -> ``cancer_type`` (``biolink:Disease``), as the Disease Ontology report does
  (ingest/disease_ontology.py): the pipeline keeps the terms the graph names and their
  ancestors;
* ``UBERON`` -> ``organ``: an organ that a source names by its UBERON label or id comes from
  here.

Any other prefix is not mapped: a warning names the file, line and term (the first
:data:`SHOWN` of each prefix, then a count). From a mapped term metakg keeps:

* ``name`` as the label (a term without one is an error), ``def`` as the description;
* ``is_a`` to a term of the same prefix as a ``subClassOf`` edge (others are counted);
* ``synonym`` with scope ``EXACT`` as synonyms (``RELATED``, ``BROAD`` and ``NARROW`` are not
  names of the term and are left out);
* ``xref`` only in a form checked here (:data:`XREF_FORMS`: a known prefix and its id
  pattern), so every kept cross-reference expands to an IRI; the others are counted;
* obsolete terms are skipped, with a warning that counts them.

The role is ``dictionary``, like the DO report and NCBI's gene_info: the terms enrich and
supply the nodes that other sources name; the ontology is not added whole.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fastobo

from graph.model import NodeRecord, Record, SourceLocation, SubclassRecord
from graph.vocab import Category
from ingest.gene_info import open_binary
from ingest.problems import Level, Problems
from ingest.registry import register
from ingest.tabular import report_bad_utf8

ORIGIN = "obo"
#: Which id prefix becomes which category, and the pattern its local part must match.
CATEGORIES: Mapping[str, tuple[Category, re.Pattern[str]]] = {
    "DOID": (Category.CANCER_TYPE, re.compile(r"^\d+$")),
    "UBERON": (Category.ORGAN, re.compile(r"^\d{7}$")),
}
#: Cross-references kept: prefix (as the Biolink prefix map spells it) -> local id pattern.
XREF_FORMS: Mapping[str, re.Pattern[str]] = {
    "DOID": re.compile(r"^\d+$"),
    "UBERON": re.compile(r"^\d{7}$"),
    "MONDO": re.compile(r"^\d{7}$"),
    "EFO": re.compile(r"^\d{7}$"),
    "HP": re.compile(r"^\d{7}$"),
    "GO": re.compile(r"^\d{7}$"),
    "CL": re.compile(r"^\d{7}$"),
    "MA": re.compile(r"^\d{7}$"),
    "ZFA": re.compile(r"^\d{7}$"),
    "BTO": re.compile(r"^\d{7}$"),
    "FMA": re.compile(r"^\d+$"),
    "EMAPA": re.compile(r"^\d+$"),
    "NCBITaxon": re.compile(r"^\d+$"),
    "NCIT": re.compile(r"^C\d+$"),
    "MESH": re.compile(r"^[CD]\d{6,9}$"),
    "UMLS": re.compile(r"^C\d{7}$"),
    "OMIM": re.compile(r"^\d{6}$"),
}
#: Prefix spellings of OBO files that name a prefix above (the Disease Ontology writes
#: ``NCI:C2926`` for the NCI Thesaurus and ``UMLS_CUI:C0007131`` for UMLS concepts).
XREF_ALIASES: Mapping[str, str] = {"NCI": "NCIT", "UMLS_CUI": "UMLS"}
#: Unmapped terms reported one by one per prefix; the rest are counted.
SHOWN = 5

_STANZA = re.compile(rb"^\s*\[(Term|Typedef|Instance)\]\s*$")


def sniff_obo(path: Path) -> bool:
    """A file named ``*.obo`` or ``*.obo.gz``."""
    name = path.name.casefold()
    return path.is_file() and (name.endswith(".obo") or name.endswith(".obo.gz"))


def xref_curie(text: str) -> str | None:
    """The CURIE of an OBO xref when its form is one metakg checks, else None.

    >>> xref_curie("NCI:C2926"), xref_curie("UMLS_CUI:C0007131"), xref_curie("NCBITaxon:phylum")
    ('NCIT:C2926', 'UMLS:C0007131', None)
    """
    prefix, sep, local = text.strip().partition(":")
    prefix = XREF_ALIASES.get(prefix, prefix)
    pattern = XREF_FORMS.get(prefix)
    if not sep or pattern is None or not pattern.match(local):
        return None
    return f"{prefix}:{local}"


@dataclass(frozen=True, slots=True)
class Term:
    """What a term frame says that metakg uses."""

    id: str
    prefix: str | None
    name: str = ""
    definition: str = ""
    exact_synonyms: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    obsolete: bool = False


def read_term(frame: Any) -> Term:
    """The :class:`Term` of one fastobo ``TermFrame``."""
    ident = frame.id
    prefix = ident.prefix if isinstance(ident, fastobo.id.PrefixedIdent) else None
    name = definition = ""
    synonyms: list[str] = []
    xrefs: list[str] = []
    parents: list[str] = []
    obsolete = False
    for clause in frame:
        if isinstance(clause, fastobo.term.NameClause):
            name = clause.name.strip()
        elif isinstance(clause, fastobo.term.DefClause):
            definition = clause.definition.strip()
        elif isinstance(clause, fastobo.term.SynonymClause):
            if clause.synonym.scope == "EXACT":
                synonyms.append(clause.synonym.desc.strip())
        elif isinstance(clause, fastobo.term.XrefClause):
            xrefs.append(str(clause.xref.id))
        elif isinstance(clause, fastobo.term.IsAClause):
            parents.append(str(clause.term))
        elif isinstance(clause, fastobo.term.IsObsoleteClause):
            obsolete = bool(clause.obsolete)
    return Term(
        str(ident),
        prefix,
        name,
        definition,
        tuple(dict.fromkeys(s for s in synonyms if s)),
        tuple(dict.fromkeys(xrefs)),
        tuple(dict.fromkeys(parents)),
        obsolete,
    )


# --------------------------------------------------------------------------- the ingestor


@dataclass
class _Tally:
    """What was left out, reported once at the end."""

    unmapped: dict[str, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    obsolete: list[tuple[int, str]] = field(default_factory=list)
    xrefs: Counter[str] = field(default_factory=Counter)
    kept_xrefs: int = 0
    other_parents: Counter[str] = field(default_factory=Counter)
    #: is_a edges (child, parent, line) kept until the end: a parent may come further down.
    edges: list[tuple[str, str, int]] = field(default_factory=list)
    terms: int = 0
    mappable: int = 0
    mapped: int = 0


@register(
    "obo",
    sniff=sniff_obo,
    role="dictionary",
    description="An OBO 1.4 ontology (.obo or .obo.gz): DOID terms as disease (cancer type) "
    "nodes and UBERON terms as organ nodes, with is_a, exact synonyms and checked xrefs; see "
    "docs/formats-gmt-obo.md.",
)
def ingest_obo(path: Path, problems: Problems) -> Iterator[Record]:
    """Yield a node per mapped term, followed by its ``subClassOf`` edges."""
    file = str(path)
    tally = _Tally()
    seen: dict[str, int] = {}
    try:
        with open_binary(path) as handle, open_binary(path) as lines:
            stanzas = _stanza_lines(lines)
            for frame in fastobo.iter(handle, ordered=True, threads=1):
                line = next(stanzas, 0)
                if isinstance(frame, fastobo.term.TermFrame):
                    yield from _term(file, line, read_term(frame), seen, tally, problems)
    except SyntaxError as exc:
        problems.add(
            file,
            exc.lineno or 0,
            "",
            "bad-obo",
            f"not valid OBO 1.4 at line {exc.lineno}: {exc.msg}"
            + (f" (the line reads {exc.text.strip()[:80]!r})" if exc.text else "")
            + "; correct that line (the terms before it were read, nothing is kept)",
        )
    except TypeError as exc:
        # fastobo reports some streams it cannot read (bytes that are not UTF-8, a truncated
        # gzip) as a TypeError caused by an OSError.
        if not isinstance(exc.__cause__, OSError):
            raise
        _unreadable(file, path, exc.__cause__, problems)
    except (OSError, EOFError, ValueError) as exc:
        _unreadable(file, path, exc, problems)
    yield from _parents(file, tally, seen, problems)
    _report(file, tally, problems)


def _unreadable(file: str, path: Path, error: BaseException, problems: Problems) -> None:
    """Report why ``path`` could not be read: the first line that is not UTF-8 when that is
    the cause (fastobo does not say where), else ``error`` (or the decompressor's reason)."""
    reason = str(error)
    try:
        with open_binary(path) as raw:
            if report_bad_utf8(file, raw, problems):
                return
    except (OSError, EOFError, zlib.error) as exc:
        reason = str(exc)
    problems.add(file, 0, "", "unreadable-file", f"the file could not be read: {reason}")


def _parents(
    file: str, tally: _Tally, seen: Mapping[str, int], problems: Problems
) -> Iterator[SubclassRecord]:
    """The is_a edges whose parent is a term of the file; the others in one warning (an edge
    to a term that is absent or obsolete would leave a node without a category)."""
    missing: list[tuple[str, str, int]] = []
    for child, parent, line in tally.edges:
        if parent in seen:
            yield SubclassRecord(child, parent, SourceLocation(file, line), ORIGIN)
        else:
            missing.append((child, parent, line))
    if missing:
        shown = ", ".join(f"{c} -> {p} (line {n})" for c, p, n in missing[:SHOWN])
        more = f" and {len(missing) - SHOWN} more" if len(missing) > SHOWN else ""
        problems.add(
            file,
            missing[0][2],
            "is_a",
            "unknown-parent",
            f"left out {len(missing)} is_a edge(s) to a term this file does not define (or "
            f"marks obsolete): {shown}{more}",
            Level.WARNING,
        )


def _stanza_lines(handle: Any) -> Iterator[int]:
    """The line number of every stanza header (``[Term]``, ``[Typedef]`` ...), in order."""
    for number, raw in enumerate(handle, start=1):
        if _STANZA.match(raw):
            yield number


def _term(
    file: str, line: int, term: Term, seen: dict[str, int], tally: _Tally, problems: Problems
) -> Iterator[Record]:
    tally.terms += 1
    mapping = CATEGORIES.get(term.prefix or "")
    if mapping is None:
        tally.unmapped[term.prefix or "(no prefix)"].append((line, term.id))
        return
    tally.mappable += 1
    if term.obsolete:
        tally.obsolete.append((line, term.id))
        return
    category, pattern = mapping
    where = (file, line)
    local = term.id.partition(":")[2]
    if not pattern.match(local):
        problems.add(
            *where,
            "id",
            "bad-curie",
            f"{term.id!r} is not a {term.prefix} id; expected '{term.prefix}:' followed by "
            f"an id matching {pattern.pattern}",
        )
        return
    first = seen.setdefault(term.id, line)
    if first != line:
        problems.add(*where, "id", "duplicate-key", f"{term.id} is already defined at line {first}")
        return
    if not term.name:
        problems.add(
            *where, "name", "missing-value", f"{term.id} has no name; every term needs one"
        )
        return
    tally.mapped += 1
    xrefs: list[str] = []
    for raw in term.xrefs:
        curie = xref_curie(raw)
        if curie is None:
            tally.xrefs[raw.partition(":")[0] if ":" in raw else raw[:30]] += 1
        elif curie != term.id and curie not in xrefs:
            xrefs.append(curie)
    tally.kept_xrefs += len(xrefs)
    yield NodeRecord(
        id=term.id,
        category=category,
        label=term.name,
        source=SourceLocation(*where),
        synonyms=tuple(s for s in term.exact_synonyms if s.casefold() != term.name.casefold()),
        xrefs=tuple(xrefs),
        description=term.definition,
    )
    for parent in term.parents:
        if parent.partition(":")[0] != term.prefix:
            tally.other_parents[parent.partition(":")[0]] += 1
        elif parent != term.id:
            tally.edges.append((term.id, parent, line))


def _report(file: str, tally: _Tally, problems: Problems) -> None:
    mapped = ", ".join(f"{p} -> {c.key}" for p, (c, _) in CATEGORIES.items())
    for prefix, terms in sorted(tally.unmapped.items()):
        for line, term in terms[:SHOWN]:
            problems.add(
                file,
                line,
                "id",
                "unmapped-term",
                f"{term}: no category for the prefix {prefix} (mapped: {mapped}); the term is "
                "left out",
                Level.WARNING,
            )
        if len(terms) > SHOWN:
            problems.add(
                file,
                terms[SHOWN][0],
                "id",
                "unmapped-term",
                f"{len(terms) - SHOWN} more {prefix} term(s) left out for the same reason "
                f"(from line {terms[SHOWN][0]}: {terms[SHOWN][1]} on)",
                Level.WARNING,
            )
    if tally.obsolete:
        shown = ", ".join(f"{t} (line {n})" for n, t in tally.obsolete[:SHOWN])
        more = f" and {len(tally.obsolete) - SHOWN} more" if len(tally.obsolete) > SHOWN else ""
        problems.add(
            file,
            tally.obsolete[0][0],
            "is_obsolete",
            "obsolete-term",
            f"{len(tally.obsolete)} obsolete term(s) skipped: {shown}{more}",
            Level.WARNING,
        )
    if tally.xrefs:
        common = ", ".join(f"{p} x{n}" for p, n in tally.xrefs.most_common(8))
        problems.add(
            file,
            0,
            "xref",
            "xref-not-kept",
            f"kept {tally.kept_xrefs} cross-reference(s) in checked forms; left out "
            f"{sum(tally.xrefs.values())} whose prefix or id form metakg does not check "
            f"({common}); see XREF_FORMS in ingest/obo.py",
            Level.WARNING,
        )
    if tally.other_parents:
        common = ", ".join(f"{p} x{n}" for p, n in tally.other_parents.most_common(8))
        problems.add(
            file,
            0,
            "is_a",
            "other-ontology-parent",
            f"left out {sum(tally.other_parents.values())} is_a edge(s) to terms of another "
            f"prefix ({common})",
            Level.WARNING,
        )
    if tally.terms and not tally.mappable:
        problems.add(
            file,
            0,
            "",
            "nothing-mapped",
            f"none of the {tally.terms} terms could be mapped; metakg maps {mapped}",
            Level.WARNING,
        )
