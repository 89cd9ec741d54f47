"""RDF in: N-Triples, N-Quads, Turtle, TriG, RDF/XML and JSON-LD files as records (``rdf``).

The file is parsed with pyoxigraph and read in metakg's own RDF shape (``graph/rdf.py``):

* a subject typed with a category's class (``biolink:Gene``, ``mkg:CascadeStep`` ...) is a node:
  ``rdfs:label``, ``biolink:symbol``, ``skos:altLabel``/``hiddenLabel``/``exactMatch``,
  ``dcterms:description``, ``biolink:in_taxon`` and the ``mkg:`` node properties (typed by
  their datatype);
* a subject typed ``rdf:Statement``/``biolink:Association`` with ``rdf:subject``,
  ``rdf:predicate`` and ``rdf:object`` is an association with its evidence (``mkg:confidence``,
  ``mkg:note``, ``biolink:publications`` ...). Its origin (part of its identity) is recovered
  when the association IRI proves it: the N-Quads evidence graph it sits in, or an origin whose
  hash gives that IRI; otherwise the file is the origin;
* a direct triple with a metakg predicate and no reified statement is an association with the
  defaults of an imported edge (confidence ``low``, direction ``associated``, a note naming the
  file and line, the file as its documented source, as for KGX);
* ``rdfs:subClassOf`` between two nodes of the file is a hierarchy edge.

Classes and predicates outside the vocabulary are reported once each (warnings) and their
triples left out; a file of which nothing maps is an error. Records keep the file and, for the
line-based formats (N-Triples, N-Quads), the line of the subject's first triple; the other
formats give no positions, so their line is 0. JSON-LD is read without fetching anything: a
document that needs a remote ``@context`` is refused with the URL named.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote

import pyoxigraph as ox

from graph.curie import compress
from graph.exports.rdf import DESCRIPTION_GRAPH
from graph.model import EdgeRecord, NodeRecord, Record, SourceLocation, SubclassRecord
from graph.vocab import (
    BIOLINK,
    DCTERMS,
    METAKG,
    MKG,
    MKG_TERMS,
    RDF,
    RDFS,
    SKOS,
    SUBCLASS_OF,
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
from ingest.import_map import (
    IMPORT_CONFIDENCE,
    KNOWN_CLASSES,
    KNOWN_PREDICATES,
    Unmapped,
    file_source,
    import_note,
    reference_of,
    slug,
)
from ingest.problems import Problems
from ingest.rdf_formats import LINE_FORMATS, content_lines, parse_problem, rdf_format
from ingest.registry import register

_TYPE = RDF + "type"
_ASSOCIATION_TYPES = frozenset({RDF + "Statement", BIOLINK + "Association"})
_PRIMARY = {c.rdf_types[0]: c for c in Category}
_PREDICATES = {p.iri: p for p in Predicate}
_NODE_PROPERTY_IRIS = {
    BIOLINK + "full_name": "fullName",
    **{MKG + t: t for t in MKG_TERMS if t[0].islower() and MKG + t not in _PREDICATES},
}
_NODE_FIELDS = {
    RDFS + "label",
    BIOLINK + "symbol",
    SKOS + "altLabel",
    SKOS + "hiddenLabel",
    SKOS + "exactMatch",
    DCTERMS + "description",
    BIOLINK + "in_taxon",
}


@dataclass
class _Subject:
    line: int = 0
    graph: str = ""
    values: dict[str, list[ox.NamedNode | ox.Literal | ox.BlankNode]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def one(self, iri: str) -> str:
        found = self.values.get(iri)
        return found[0].value if found else ""

    def all(self, iri: str) -> list[str]:
        return [term.value for term in self.values.get(iri, ())]


class RdfReader:
    """Records from one RDF file (in memory: the record path is for files that fit)."""

    def __init__(self, path: Path, problems: Problems) -> None:
        self.path = path
        self.file = str(path)
        self.problems = problems
        self.unmapped = Unmapped()
        self.origin = f"file:{path.name}"
        self.source_id = f"metakg:source/rdf-{slug(path.stem)}"
        self.subjects: dict[str, _Subject] = defaultdict(_Subject)
        self.direct: list[tuple[str, str, str, int]] = []
        self.nodes: dict[str, NodeRecord] = {}
        self._cited_file = False

    def records(self) -> Iterator[Record]:
        fmt = rdf_format(self.path)
        if fmt is None:
            return
        try:
            count = self._read(fmt)
        except SyntaxError as exc:
            parse_problem(self.path, exc, self.problems)
            return
        except OSError as exc:
            self.problems.add(self.file, 0, "", "unreadable", f"cannot read the file: {exc}")
            return
        yield from self._nodes()
        edges = list(self._edges())
        yield from edges
        self.unmapped.report(self.problems)
        if count and not self.nodes and not edges:
            self.problems.add(
                self.file,
                0,
                "",
                "no-mappable-triple",
                f"none of the {count} triples of this file maps onto metakg's vocabulary (see "
                "the warnings above); nothing would be imported",
            )

    def _read(self, fmt: ox.RdfFormat) -> int:
        quads = ox.parse(path=self.path, format=fmt)
        lines = content_lines(self.path) if fmt in LINE_FORMATS else None
        count = 0
        for quad in quads:
            line = next(lines) if lines is not None else 0
            graph = quad.graph_name
            graph_iri = graph.value if isinstance(graph, ox.NamedNode) else ""
            if graph_iri == DESCRIPTION_GRAPH:
                continue  # the description of an export, not data
            count += 1
            subject, predicate, obj = quad.subject, quad.predicate.value, quad.object
            if not isinstance(subject, ox.NamedNode):
                self.unmapped.add("untyped-subject", self.file, line, "subject", str(subject))
                continue
            entry = self.subjects[subject.value]
            if not entry.values:
                entry.line = line
            if graph_iri:
                entry.graph = graph_iri
            if predicate in _PREDICATES and isinstance(obj, ox.NamedNode):
                self.direct.append((subject.value, predicate, obj.value, line))
                continue
            if not isinstance(obj, (ox.NamedNode, ox.Literal, ox.BlankNode)):
                continue
            entry.values[predicate].append(obj)
        return count

    # -- nodes -------------------------------------------------------------------------
    def _nodes(self) -> Iterator[NodeRecord]:
        for iri, entry in self.subjects.items():
            types = set(entry.all(_TYPE))
            if types & _ASSOCIATION_TYPES:
                continue
            node = self._node(iri, entry, types)
            if node is not None:
                self.nodes[node.id] = node
                yield node

    def _node(self, iri: str, entry: _Subject, types: set[str]) -> NodeRecord | None:
        categories = {_PRIMARY[t] for t in types if t in _PRIMARY}
        for unknown in sorted(types - KNOWN_CLASSES):
            self.unmapped.add("unmapped-class", self.file, entry.line, "rdf:type", unknown)
        if len(categories) != 1:
            if not types and set(entry.values) - {SUBCLASS_OF}:
                self.unmapped.add("untyped-subject", self.file, entry.line, "subject", iri)
            elif len(categories) > 1:
                terms = "|".join(sorted(compress(t) for t in types))
                self.unmapped.add("ambiguous-category", self.file, entry.line, "rdf:type", terms)
            return None
        node_id = self._curie(iri, entry.line, "subject")
        if node_id is None:
            return None
        category = categories.pop()
        properties = []
        for predicate, terms in entry.values.items():
            if predicate in _NODE_PROPERTY_IRIS:
                properties += [(_NODE_PROPERTY_IRIS[predicate], _value(t)) for t in terms]
            elif predicate not in _NODE_FIELDS and predicate not in (_TYPE, SUBCLASS_OF):
                self._unknown_predicate(predicate, entry.line)
        label = entry.one(RDFS + "label") or node_id
        symbol = entry.one(BIOLINK + "symbol") or None
        xrefs = [
            self._curie(x, entry.line, "skos:exactMatch") for x in entry.all(SKOS + "exactMatch")
        ]
        taxon = entry.one(BIOLINK + "in_taxon")
        return NodeRecord(
            id=node_id,
            category=category,
            label=label,
            source=SourceLocation(self.file, entry.line),
            symbol=symbol,
            synonyms=tuple(entry.all(SKOS + "altLabel")),
            xrefs=tuple(x for x in xrefs if x),
            description=entry.one(DCTERMS + "description"),
            taxon=self._curie(taxon, entry.line, "biolink:in_taxon") if taxon else None,
            properties=tuple(sorted(properties)),
            weak_synonyms=tuple(entry.all(SKOS + "hiddenLabel")),
        )

    # -- edges -------------------------------------------------------------------------
    def _edges(self) -> Iterator[Record]:
        reified: set[tuple[str, str, str]] = set()
        for iri, entry in self.subjects.items():
            if set(entry.all(_TYPE)) & _ASSOCIATION_TYPES:
                key = (entry.one(RDF + "subject"), entry.one(RDF + "predicate"))
                reified.add((*key, entry.one(RDF + "object")))
                yield from self._association(iri, entry)
            for parent in entry.all(SUBCLASS_OF):
                yield from self._subclass(iri, parent, entry.line)
        for s, p, o, line in self.direct:
            if (s, p, o) not in reified:
                yield from self._direct(s, p, o, line)

    def _association(self, iri: str, entry: _Subject) -> Iterator[Record]:
        line = entry.line
        predicate = _PREDICATES.get(entry.one(RDF + "predicate"))
        if predicate is None:
            self._unknown_predicate(entry.one(RDF + "predicate") or "(none)", line, edge=True)
            return
        subject = self._curie(entry.one(RDF + "subject"), line, "rdf:subject")
        obj = self._curie(entry.one(RDF + "object"), line, "rdf:object")
        contexts = {
            name: self._curie(entry.one(MKG + term), line, f"mkg:{term}")
            if entry.one(MKG + term)
            else None
            for name, term in (
                ("cancer_type", "cancerTypeContext"),
                ("organ", "organContext"),
                ("step", "stepContext"),
            )
        }
        if subject is None or obj is None:
            return
        for predicate_iri in entry.values:
            if predicate_iri not in KNOWN_PREDICATES:
                self._unknown_predicate(predicate_iri, line)
        references = tuple(
            ref
            for ref in (
                self._reference(compress(r), line) for r in entry.all(BIOLINK + "publications")
            )
            if ref
        )
        before = len(self.problems.errors)
        evidence = self._evidence(entry)
        if len(self.problems.errors) > before:
            return
        edge = EdgeRecord(
            subject=subject,
            predicate=predicate,
            object=obj,
            source=SourceLocation(self.file, line),
            references=references,
            note=" ".join(sorted(entry.all(MKG + "note")))
            or self._note(line, default=not entry.one(MKG + "confidence")),
            cancer_type=contexts["cancer_type"],
            organ=contexts["organ"],
            step=contexts["step"],
            origin=self.origin,
            **evidence,
        )
        edge = replace(edge, origin=self._origin(iri, entry, edge))
        yield from self._cite_file_if_needed(edge)

    def _evidence(self, entry: _Subject) -> dict[str, object]:
        def choose(enum, term: str, default, *, lenient: bool = False):  # type: ignore[no-untyped-def]
            raw = entry.one(term)
            try:
                return enum.from_key(raw) if raw else default
            except KeyError as exc:
                if lenient:
                    self.unmapped.add("bad-enum", self.file, entry.line, compress(term), raw)
                else:
                    self.problems.add(
                        self.file, entry.line, compress(term), "bad-value", exc.args[0]
                    )
                return default

        evidence_types = []
        for raw in sorted(entry.all(MKG + "evidenceType")):
            try:
                evidence_types.append(EvidenceType.from_key(raw))
            except KeyError as exc:
                self.problems.add(
                    self.file, entry.line, "mkg:evidenceType", "bad-value", exc.args[0]
                )
        frequency: float | None = None
        if entry.one(MKG + "frequency"):
            try:
                frequency = float(entry.one(MKG + "frequency"))
            except ValueError:
                self.problems.add(
                    self.file,
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

    def _origin(self, iri: str, entry: _Subject, edge: EdgeRecord) -> str:
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
        return self.origin

    def _direct(self, s: str, p: str, o: str, line: int) -> Iterator[Record]:
        subject = self._curie(s, line, "subject")
        obj = self._curie(o, line, "object")
        if subject is None or obj is None:
            return
        edge = EdgeRecord(
            subject=subject,
            predicate=_PREDICATES[p],
            object=obj,
            source=SourceLocation(self.file, line),
            references=(),
            confidence=Confidence(IMPORT_CONFIDENCE),
            note=self._note(line, default=True),
            direction=Direction.ASSOCIATED,
            knowledge_level=KnowledgeLevel.NOT_PROVIDED,
            agent_type=AgentType.NOT_PROVIDED,
            origin=self.origin,
        )
        yield from self._cite_file_if_needed(edge)

    def _cite_file_if_needed(self, edge: EdgeRecord) -> Iterator[Record]:
        if not edge.references:
            if not self._cited_file:
                self._cited_file = True
                yield file_source(self.source_id, "RDF", self.path)
            edge = replace(edge, references=("source:" + self.source_id.rsplit("/", 1)[1],))
        yield edge

    def _subclass(self, child_iri: str, parent_iri: str, line: int) -> Iterator[Record]:
        child, parent = compress(child_iri), compress(parent_iri)
        for column, value in (("subject", child), ("object", parent)):
            if value not in self.nodes:
                self.unmapped.add("unknown-node", self.file, line, column, value)
                return
        yield SubclassRecord(child, parent, SourceLocation(self.file, line), origin=self.origin)

    # -- helpers -----------------------------------------------------------------------
    def _note(self, line: int, *, default: bool) -> str:
        return import_note("RDF", self.path, line, default=default)

    def _reference(self, curie: str, line: int) -> str | None:
        reference = reference_of(curie)
        if reference is None:
            prefix = curie.split(":", 1)[0] + ":" if ":" in curie else curie
            self.unmapped.add("bad-publication", self.file, line, "biolink:publications", prefix)
        return reference

    def _curie(self, iri: str, line: int, column: str) -> str | None:
        curie = compress(iri)
        if curie == iri:
            self.unmapped.add("unknown-prefix", self.file, line, column, iri)
            return None
        return curie

    def _unknown_predicate(self, iri: str, line: int, *, edge: bool = False) -> None:
        if edge or iri not in KNOWN_PREDICATES:
            self.unmapped.add("unmapped-predicate", self.file, line, "predicate", iri)


def _value(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> object:
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


def _sniff(path: Path) -> bool:
    return path.is_file() and rdf_format(path) is not None


@register(
    "rdf",
    sniff=_sniff,
    description="An RDF file (.nt, .nq, .ttl, .trig, .rdf/.owl, .jsonld) in metakg's own "
    "shape (reified associations with their evidence); see docs/ingest.md.",
)
def read_rdf(path: Path, problems: Problems) -> Iterator[Record]:
    """Yield the nodes, associations and hierarchy edges of the RDF file at ``path``."""
    yield from RdfReader(path, problems).records()
