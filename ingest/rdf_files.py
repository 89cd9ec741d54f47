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
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox

from graph.curie import compress
from graph.exports.rdf import DESCRIPTION_GRAPH
from graph.model import EdgeRecord, NodeRecord, Record, SourceLocation, SubclassRecord
from graph.vocab import (
    BIOLINK,
    DCTERMS,
    MKG,
    RDF,
    RDFS,
    SKOS,
    SUBCLASS_OF,
    AgentType,
    Confidence,
    Direction,
    KnowledgeLevel,
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
from ingest.rdf_shape import (
    ASSOCIATION_TYPES,
    NODE_FIELDS,
    NODE_PROPERTY_IRIS,
    PREDICATES,
    PRIMARY,
    TYPE,
    Subject,
    evidence,
    literal_value,
    origin_of,
)
from ingest.registry import register


class RdfReader:
    """Records from one RDF file (in memory: the record path is for files that fit)."""

    def __init__(self, path: Path, problems: Problems) -> None:
        self.path = path
        self.file = str(path)
        self.problems = problems
        self.unmapped = Unmapped()
        self.origin = f"file:{path.name}"
        self.source_id = f"metakg:source/rdf-{slug(path.stem)}"
        self.subjects: dict[str, Subject] = defaultdict(Subject)
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
            line = next(lines, 0) if lines is not None else 0
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
            if predicate in PREDICATES and isinstance(obj, ox.NamedNode):
                self.direct.append((subject.value, predicate, obj.value, line))
                continue
            if not isinstance(obj, (ox.NamedNode, ox.Literal, ox.BlankNode)):
                continue
            entry.values[predicate].append(obj)
            entry.lines.setdefault(predicate, line)
            if predicate == TYPE:
                entry.lines.setdefault((predicate, obj.value), line)
        return count

    # -- nodes -------------------------------------------------------------------------
    def _nodes(self) -> Iterator[NodeRecord]:
        for iri, entry in self.subjects.items():
            types = set(entry.all(TYPE))
            if types & ASSOCIATION_TYPES:
                continue
            node = self._node(iri, entry, types)
            if node is not None:
                self.nodes[node.id] = node
                yield node

    def _node(self, iri: str, entry: Subject, types: set[str]) -> NodeRecord | None:
        categories = {PRIMARY[t] for t in types if t in PRIMARY}
        for unknown in sorted(types - KNOWN_CLASSES):
            line = entry.line_of(TYPE, unknown)
            self.unmapped.add("unmapped-class", self.file, line, "rdf:type", unknown)
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
            if predicate in NODE_PROPERTY_IRIS:
                properties += [(NODE_PROPERTY_IRIS[predicate], literal_value(t)) for t in terms]
            elif predicate not in NODE_FIELDS and predicate not in (TYPE, SUBCLASS_OF):
                self._unknown_predicate(predicate, entry.line_of(predicate))
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
            if set(entry.all(TYPE)) & ASSOCIATION_TYPES:
                key = (entry.one(RDF + "subject"), entry.one(RDF + "predicate"))
                reified.add((*key, entry.one(RDF + "object")))
                yield from self._association(iri, entry)
            for parent in entry.all(SUBCLASS_OF):
                yield from self._subclass(iri, parent, entry.line)
        for s, p, o, line in self.direct:
            if (s, p, o) not in reified:
                yield from self._direct(s, p, o, line)

    def _association(self, iri: str, entry: Subject) -> Iterator[Record]:
        line = entry.line
        predicate = PREDICATES.get(entry.one(RDF + "predicate"))
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
                self._unknown_predicate(predicate_iri, entry.line_of(predicate_iri))
        references = tuple(
            ref
            for ref in (
                self._reference(compress(r), line) for r in entry.all(BIOLINK + "publications")
            )
            if ref
        )
        before = len(self.problems.errors)
        found = evidence(entry, self.file, self.problems, self.unmapped)
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
            **found,
        )
        edge = replace(edge, origin=origin_of(iri, entry, edge, self.origin))
        yield from self._cite_file_if_needed(edge)

    def _direct(self, s: str, p: str, o: str, line: int) -> Iterator[Record]:
        subject = self._curie(s, line, "subject")
        obj = self._curie(o, line, "object")
        if subject is None or obj is None:
            return
        edge = EdgeRecord(
            subject=subject,
            predicate=PREDICATES[p],
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
