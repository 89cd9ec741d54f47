"""How imported terms map onto metakg's closed vocabulary: one declarative table per kind.

The KGX and RDF ingestors (``ingest/kgx.py``, ``ingest/rdf_files.py``) and the bulk loader
(``ingest/bulk.py``) read other people's graphs. Their categories and predicates are Biolink
CURIEs or IRIs; this module says which of them are metakg's, and nothing else does. A term
that is not here is not guessed at: the record that uses it is left out and the term is
reported with the file and the first line it was seen on (:class:`Unmapped`).

The mapping is deliberately narrow. ``biolink:Disease`` is read as a cancer type because
``cancer_type`` is metakg's only disease category; ``biolink:related_to`` or
``biolink:disease_has_location`` are *not* read as metakg predicates, although metakg's KGX
export writes some of its own predicates that way, because in someone else's file they do not
mean "mediates metastasis to" or "metastasizes to". A KGX edge says which metakg predicate it
carries with ``original_predicate`` (metakg's export writes it), and that column wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from graph.curie import compress, expand
from graph.model import NodeRecord, SourceLocation
from graph.vocab import (
    BIOLINK,
    DCTERMS,
    MKG,
    MKG_TERMS,
    RDF,
    RDFS,
    SKOS,
    SUBCLASS_OF,
    Category,
    Predicate,
)
from ingest.problems import Level, Problems

#: KGX node categories (and RDF classes, compressed) metakg reads, and what they become.
CATEGORY_TERMS: dict[str, Category] = {
    "biolink:Gene": Category.GENE,
    "biolink:MicroRNA": Category.MICRORNA,
    # metakg's one disease category; a non-cancer disease read this way is the file's claim
    "biolink:Disease": Category.CANCER_TYPE,
    "biolink:GrossAnatomicalStructure": Category.ORGAN,
    "biolink:Pathway": Category.PATHWAY,
    "biolink:JournalArticle": Category.PUBLICATION,
    "biolink:Article": Category.PUBLICATION,
    "biolink:Publication": Category.PUBLICATION,
    # metakg's own classes by CURIE: mkg:GeneClass, mkg:CascadeStep, mkg:BarrierType ...
    **{compress(c.rdf_types[0]): c for c in Category},
}

#: metakg's own ids whose KGX category is generic (``biolink:NamedThing`` or
#: ``biolink:BiologicalProcess`` in metakg's export): the id path says the category.
OWN_ID_PATHS: dict[str, Category] = {
    "metakg:class/": Category.GENE_CLASS,
    "metakg:step/": Category.CASCADE_STEP,
    "metakg:barrier/": Category.BARRIER_TYPE,
    "metakg:latency/": Category.LATENCY_CLASS,
}

#: KGX predicates (and RDF predicates, compressed) that are metakg predicates: metakg's own
#: IRIs, five of which are Biolink's (member_of, contributes_to, participates_in, regulates,
#: physically_interacts_with).
PREDICATE_TERMS: dict[str, Predicate] = {compress(p.iri): p for p in Predicate}

#: Predicates read as hierarchy (``rdfs:subClassOf``) edges.
SUBCLASS_TERMS = frozenset({"biolink:subclass_of", compress(SUBCLASS_OF)})

#: Every RDF predicate metakg's own RDF uses (graph/rdf.py): the closed vocabulary of a bulk
#: load.
KNOWN_PREDICATES = frozenset(
    {
        RDF + "type",
        RDF + "subject",
        RDF + "predicate",
        RDF + "object",
        RDFS + "label",
        SUBCLASS_OF,
        SKOS + "altLabel",
        SKOS + "hiddenLabel",
        SKOS + "exactMatch",
        DCTERMS + "description",
        BIOLINK + "symbol",
        BIOLINK + "in_taxon",
        BIOLINK + "full_name",
        BIOLINK + "publications",
        BIOLINK + "knowledge_level",
        BIOLINK + "agent_type",
        BIOLINK + "primary_knowledge_source",
        *(MKG + term for term in MKG_TERMS if term[0].islower()),
        *(p.iri for p in Predicate),
    }
)

#: Every class metakg's own RDF uses.
KNOWN_CLASSES = frozenset(
    {
        RDF + "Statement",
        BIOLINK + "Association",
        *(rdf_type for c in Category for rdf_type in c.rdf_types),
    }
)

#: The default confidence of an imported edge that does not say its own: the rubric's
#: ``low`` (docs/sources.md), since nobody at metakg has seen where the claim was made.
IMPORT_CONFIDENCE = "low"

#: What a references cell accepts (the same forms as an assertions table).
_PUBLICATION = re.compile(
    r"^(PMID:\d+|PMCID:PMC\d+|PMC:PMC\d+|doi:10\.\d{4,9}/\S+)$", re.IGNORECASE
)
_OWN_REFERENCE = re.compile(r"^metakg:ref/(\d+)$")
_OWN_SOURCE = re.compile(r"^metakg:source/([a-z0-9]+(?:[-_][a-z0-9]+)*)$")


def categories_of(node_id: str, terms: Iterable[str]) -> set[Category]:
    """The metakg categories a node with KGX ``category`` values ``terms`` can be.

    An empty set means none maps; more than one means the file is ambiguous.
    """
    terms = [t.strip() for t in terms if t.strip()]
    for path, category in OWN_ID_PATHS.items():
        if node_id.startswith(path) and export_category(category) in terms:
            return {category}
    return {CATEGORY_TERMS[t] for t in terms if t in CATEGORY_TERMS}


def export_category(category: Category) -> str:
    """The KGX category metakg's export writes for ``category`` (graph/exports/kgx.py)."""
    return "biolink:Publication" if category is Category.PUBLICATION else category.biolink


def reference_of(curie: str) -> str | None:
    """A publication CURIE as an assertions ``references`` cell would cite it, or None.

    ``metakg:ref/61`` is review reference ``61``; ``metakg:source/ID`` is ``source:ID``;
    PMIDs, PMCIDs and DOIs stay as they are.
    """
    curie = curie.strip()
    if match := _OWN_REFERENCE.match(curie):
        return match.group(1)
    if match := _OWN_SOURCE.match(curie):
        return "source:" + match.group(1)
    if _PUBLICATION.match(curie):
        return curie
    return None


def reference_node_id(reference: str) -> str:
    """The publication node id of a ``references`` value (what the pipeline resolves it to)."""
    if reference.isdigit():
        return f"metakg:ref/{int(reference)}"
    prefix, _, local = reference.partition(":")
    if prefix.casefold() == "source":
        return "metakg:source/" + local.casefold()
    canonical = {"pmid": "PMID", "pmcid": "PMCID", "pmc": "PMCID", "doi": "doi"}[prefix.casefold()]
    return f"{canonical}:{local.casefold() if canonical == 'doi' else local}"


def expandable(curie: str) -> bool:
    """Whether ``curie`` has a prefix of the project's prefix map (so it has an IRI)."""
    try:
        expand(curie)
    except ValueError:
        return False
    return True


def slug(text: str) -> str:
    """Lower-case letters and digits joined by ``-``: a source id or a graph name."""
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "source"


def file_source(node_id: str, kind: str, path: Path) -> NodeRecord:
    """The documented source (a publication node) standing for an imported file: what an
    imported edge cites when it names no PMID, PMCID or DOI."""
    return NodeRecord(
        id=node_id,
        category=Category.PUBLICATION,
        label=f"{kind} file {path.name}",
        source=SourceLocation(str(path), 0),
        description=(
            f"A {kind} graph imported into metakg. Its associations that cite no PMID, PMCID or "
            "DOI cite this file; each association's note gives the line it was read from."
        ),
        properties=(("seen", f"read by metakg's {kind} ingestor from {path}"),),
    )


def import_note(kind: str, path: Path, line: int, detail: str = "", *, default: bool) -> str:
    """The evidence note of an imported association, in metakg's words."""
    where = f", line {line}" if line else ""
    return (
        f"Imported from the {kind} file {path.name}{where}{detail}. Not reviewed by metakg's "
        "curators"
        + ("; confidence 'low' is metakg's default for imported associations." if default else ".")
    )


_MESSAGES = {
    "unmapped-category": (
        "node category {term} is not in metakg's vocabulary; {count} node(s) left out, the "
        "first on line {line}. Categories metakg reads: {choices}"
    ),
    "ambiguous-category": (
        "the categories {term} map to more than one metakg category; {count} node(s) left "
        "out, the first on line {line}. Give each node one of: {choices}"
    ),
    "unmapped-predicate": (
        "predicate {term} is not in metakg's vocabulary; {count} edge(s) left out, the first "
        "on line {line}. Predicates metakg reads: {choices}"
    ),
    "unmapped-class": (
        "class {term} is not in metakg's vocabulary; {count} subject(s) left out, the first "
        "on line {line}"
    ),
    "unknown-prefix": (
        "the CURIE prefix of {term} is not in the Biolink prefix map; {count} value(s) left "
        "out, the first on line {line}"
    ),
    "left-out-node": (
        "{count} edge(s) left out because their {field} is a node that was left out (first "
        "{term}, line {line})"
    ),
    "unknown-node": (
        "{count} hierarchy edge(s) left out because their {field} is not a node of this file "
        "(first {term}, line {line})"
    ),
    "bad-publication": (
        "{term} is not a PMID, PMCID or DOI, the publications metakg cites; {count} value(s) "
        "left out, the first on line {line}"
    ),
    "bad-enum": (
        "{term} is not a Biolink 4 value of '{field}'; read as not_provided in {count} row(s), "
        "the first on line {line}"
    ),
    "duplicate-node": (
        "{count} row(s) repeat a node id already defined in this file and were left out (the "
        "first: {term}, defined on line {line}); the first definition is kept"
    ),
    "duplicate-edge": (
        "{count} row(s) repeat the subject, predicate, object and contexts of an earlier edge "
        "and were left out (the first: {term}, line {line})"
    ),
    "untyped-subject": (
        "{count} subject(s) with no rdf:type metakg knows left out, the first {term} on line {line}"
    ),
}


#: Codes counted per field rather than per term (every id is a different term).
_PER_FIELD = frozenset(
    {"left-out-node", "unknown-node", "duplicate-node", "duplicate-edge", "untyped-subject"}
)


@dataclass
class _Seen:
    line: int
    count: int
    term: str


class Unmapped:
    """What could not be mapped, counted per (code, file, field, term) and reported once each:
    a file with a million edges of one unknown predicate gives one warning, not a million."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, str, str], _Seen] = {}

    def add(self, code: str, file: str, line: int, field: str, term: str) -> None:
        """Count one miss; codes about identifiers are counted per field, the first named."""
        key = (code, file, field, "" if code in _PER_FIELD else term)
        seen = self._seen.get(key)
        if seen is None:
            self._seen[key] = _Seen(line, 1, term)
        else:
            seen.count += 1

    def count(self, code: str) -> int:
        return sum(s.count for (c, *_), s in self._seen.items() if c == code)

    def __bool__(self) -> bool:
        return bool(self._seen)

    def report(self, problems: Problems, level: Level = Level.WARNING) -> None:
        for (code, file, field, _), seen in sorted(self._seen.items()):
            choices = {
                "unmapped-predicate": ", ".join(sorted(PREDICATE_TERMS)),
            }.get(code, ", ".join(sorted(CATEGORY_TERMS)))
            message = _MESSAGES[code].format(
                term=seen.term, count=seen.count, line=seen.line, field=field, choices=choices
            )
            problems.add(file, seen.line, field, code, message, level)
