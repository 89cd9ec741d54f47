"""RDF exports: Turtle, N-Triples, N-Quads, RDF/XML and JSON-LD.

Every format carries the RDF the store holds, built by :mod:`graph.rdf` from the same records
(``node_triples``, ``edge_triples``, ``subclass_triples``): each association is its direct
triple plus a reified ``rdf:Statement`` carrying the evidence, hierarchy edges are
``rdfs:subClassOf``. Triples are deduplicated and sorted, so a file is the same bytes for the
same graph. Turtle, N-Triples, N-Quads and RDF/XML are written by pyoxigraph's serializers with
the prefixes of :data:`BASE_PREFIXES` plus those of the CURIEs in the graph.

N-Quads puts provenance in named graphs:

* the default graph holds the node triples, the direct triple of every association and the
  ``rdfs:subClassOf`` triples: what the graph says;
* the named graph ``<https://w3id.org/metakg/id/source/ORIGIN>`` (``ORIGIN`` is
  ``EdgeRecord.origin``, e.g. ``.../source/curated``) holds the reified statement of every
  association from that source: its ``rdf:subject``/``rdf:predicate``/``rdf:object``,
  publications, confidence, contexts and the other evidence;
* the named graph ``<https://w3id.org/metakg/id/dataset>`` describes the export (title,
  version, licence, source, selection) and each source graph (a ``void:Dataset`` with its
  triple count).

The union of all graphs but the description is exactly the store's default graph.

JSON-LD is compacted with metakg's published context (``context.jsonld`` in this package, see
:func:`jsonld_context`), which is embedded in the document so that it reads offline. The
compaction is written here for the flat shape this graph has (IRI subjects, no blank nodes, no
lists): one node object per subject, sorted, with the context's short terms as keys and
compact IRIs as identifiers. Expanding the document gives back exactly the exported triples.
"""

from __future__ import annotations

import copy
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from typing import IO, Any
from urllib.parse import quote

import pyoxigraph as ox
from rdflib.namespace import DCTERMS as RDFLIB_DCTERMS
from rdflib.namespace import FOAF, OWL, VOID

from graph.curie import expand
from graph.exports import register_exporter
from graph.exports.formats import ExportFormat
from graph.exports.output import DatasetInfo, Output
from graph.model import EdgeRecord, NodeRecord, SubclassRecord
from graph.rdf import edge_triples, iri, literal, node_triples, subclass_triples
from graph.vocab import BIOLINK, DCTERMS, FABIO, METAKG, MKG, RDF, RDFS, SKOS, XSD

#: Prefixes every RDF export declares; the prefixes of the graph's CURIEs are added.
BASE_PREFIXES = {
    "rdf": RDF,
    "rdfs": RDFS,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "xsd": XSD,
    "biolink": BIOLINK,
    "mkg": MKG,
    "metakg": METAKG,
    "fabio": FABIO,
}

#: The named graph describing an N-Quads export, and a built store (:mod:`graph.dataset`).
DESCRIPTION_GRAPH = METAKG + "dataset"

_TYPE = RDF + "type"
_STRING = XSD + "string"


def source_graph(origin: str) -> str:
    """The IRI of the named graph holding the evidence of associations from ``origin``."""
    return expand(f"metakg:source/{quote(origin, safe='-._~')}")


@cache
def _context_text() -> str:
    return (resources.files("graph.exports") / "context.jsonld").read_text(encoding="utf-8")


def jsonld_context() -> dict[str, Any]:
    """metakg's JSON-LD context document (``{"@context": {...}}``), as published.

    A fresh copy each call: prefixes for the CURIEs metakg writes and short names for the
    main properties (``label``, ``symbol``, ``publications``, ``confidence``, the predicates).
    """
    return copy.deepcopy(json.loads(_context_text()))


def _curies(record: NodeRecord | EdgeRecord | SubclassRecord) -> Iterator[str]:
    if isinstance(record, NodeRecord):
        yield record.id
        yield from record.xrefs
        if record.taxon:
            yield record.taxon
    elif isinstance(record, EdgeRecord):
        yield from (record.subject, record.object, record.id, *record.references)
        yield from (c for c in (record.cancer_type, record.organ, record.step) if c)
    else:
        yield from (record.child, record.parent)


def _sort_key(triple: ox.Triple) -> tuple[str, str, str]:
    return (str(triple.subject), str(triple.predicate), str(triple.object))


def _comment(info: DatasetInfo) -> bytes:
    """A one-line ``#`` header naming the export (Turtle, N-Triples and N-Quads allow it)."""
    text = f"{info.title}, version {info.version}; {info.selection}"
    if info.created:
        text += f"; created {info.created}"
    return ("# " + re.sub(r"\s+", " ", text) + "\n").encode("utf-8")


_VOID_DATASET = ox.NamedNode(str(VOID.Dataset))


def describe_dataset(subject: str, info: DatasetInfo) -> Iterator[ox.Triple]:
    """The common part of every dataset description, an export's or a built store's.

    ``subject`` is a ``void:Dataset`` with its title, version (``owl:versionInfo``), source,
    selection, creation date (when ``info.created`` is set), licence (an SPDX IRI when the
    licence is an SPDX identifier) and home page.
    """
    dataset = ox.NamedNode(subject)
    yield ox.Triple(dataset, ox.NamedNode(_TYPE), _VOID_DATASET)
    for prop, value in (
        (RDFLIB_DCTERMS.title, info.title),
        (OWL.versionInfo, info.version),
        (RDFLIB_DCTERMS.source, info.source),
        (RDFLIB_DCTERMS.description, f"Selection: {info.selection}"),
        (RDFLIB_DCTERMS.created, info.created),
    ):
        if value:
            yield ox.Triple(dataset, ox.NamedNode(str(prop)), ox.Literal(value))
    if re.fullmatch(r"[A-Za-z0-9.+-]+", info.licence):
        licence: ox.NamedNode | ox.Literal = ox.NamedNode(
            "https://spdx.org/licenses/" + info.licence
        )
    else:
        licence = ox.Literal(info.licence)
    yield ox.Triple(dataset, ox.NamedNode(str(RDFLIB_DCTERMS.license)), licence)
    if info.homepage:
        yield ox.Triple(dataset, ox.NamedNode(str(FOAF.homepage)), ox.NamedNode(info.homepage))


class RdfExporter:
    """Collects the triples of the records; ``finalize`` writes them in ``fmt``."""

    keeps_evidence = True
    persistent = True
    fmt: ExportFormat = ExportFormat.NTRIPLES

    def __init__(self, output: Output, *, info: DatasetInfo) -> None:
        self.output = output
        self.info = info
        self.triples: set[ox.Triple] = set()
        #: Reified statements (evidence) by the source they came from.
        self.evidence: dict[str, set[ox.Triple]] = defaultdict(set)
        self._prefixes: set[str] = set()

    def write_node(self, node: NodeRecord) -> None:
        self._note(node)
        self.triples.update(node_triples(node))

    def write_edge(self, edge: EdgeRecord) -> None:
        self._note(edge)
        association = iri(edge.id)
        for triple in edge_triples(edge):
            self.triples.add(triple)
            if triple.subject == association:
                self.evidence[edge.origin].add(triple)

    def write_subclass(self, edge: SubclassRecord) -> None:
        self._note(edge)
        self.triples.update(subclass_triples(edge))

    def _note(self, record: NodeRecord | EdgeRecord | SubclassRecord) -> None:
        self._prefixes.update(c.split(":", 1)[0] for c in _curies(record))

    def prefixes(self) -> dict[str, str]:
        """The base prefixes and those of the graph's CURIEs, sorted by name."""
        found = dict(BASE_PREFIXES)
        for prefix in self._prefixes:
            if prefix not in found:
                found[prefix] = expand(prefix + ":")
        return dict(sorted(found.items(), key=lambda item: item[0].casefold()))

    def sorted_triples(self) -> list[ox.Triple]:
        return sorted(self.triples, key=_sort_key)

    def finalize(self) -> None:
        with self.output.open(self.fmt.filename()) as handle:
            self.write(handle)

    def write(self, handle: IO[bytes]) -> None:
        raise NotImplementedError


class TurtleExporter(RdfExporter):
    fmt = ExportFormat.TURTLE

    def write(self, handle: IO[bytes]) -> None:
        handle.write(_comment(self.info))
        ox.serialize(self.sorted_triples(), handle, ox.RdfFormat.TURTLE, prefixes=self.prefixes())


class NTriplesExporter(RdfExporter):
    fmt = ExportFormat.NTRIPLES

    def write(self, handle: IO[bytes]) -> None:
        handle.write(_comment(self.info))
        ox.serialize(self.sorted_triples(), handle, ox.RdfFormat.N_TRIPLES)


class RdfXmlExporter(RdfExporter):
    fmt = ExportFormat.RDFXML

    def write(self, handle: IO[bytes]) -> None:
        ox.serialize(self.sorted_triples(), handle, ox.RdfFormat.RDF_XML, prefixes=self.prefixes())


class NQuadsExporter(RdfExporter):
    """The default graph, one named graph of evidence per source, and a description graph."""

    fmt = ExportFormat.NQUADS

    def quads(self) -> Iterator[ox.Quad]:
        reified = set().union(*self.evidence.values()) if self.evidence else set()
        default = ox.DefaultGraph()
        for t in self.sorted_triples():
            if t not in reified:
                yield ox.Quad(t.subject, t.predicate, t.object, default)
        for origin in sorted(self.evidence):
            graph = ox.NamedNode(source_graph(origin))
            for t in sorted(self.evidence[origin], key=_sort_key):
                yield ox.Quad(t.subject, t.predicate, t.object, graph)
        graph = ox.NamedNode(DESCRIPTION_GRAPH)
        for t in sorted(self.description(), key=_sort_key):
            yield ox.Quad(t.subject, t.predicate, t.object, graph)

    def description(self) -> Iterator[ox.Triple]:
        """VoID and Dublin Core: the export and its source graphs."""
        dataset = ox.NamedNode(DESCRIPTION_GRAPH)
        yield from describe_dataset(DESCRIPTION_GRAPH, self.info)
        for origin, triples in self.evidence.items():
            graph = ox.NamedNode(source_graph(origin))
            yield ox.Triple(graph, ox.NamedNode(_TYPE), _VOID_DATASET)
            yield ox.Triple(graph, ox.NamedNode(str(RDFLIB_DCTERMS.isPartOf)), dataset)
            yield ox.Triple(
                graph,
                ox.NamedNode(str(RDFLIB_DCTERMS.title)),
                ox.Literal(f"Evidence of the associations from source '{origin}'"),
            )
            yield ox.Triple(graph, ox.NamedNode(str(VOID.triples)), literal(len(triples)))

    def write(self, handle: IO[bytes]) -> None:
        handle.write(_comment(self.info))
        ox.serialize(self.quads(), handle, ox.RdfFormat.N_QUADS)


class JsonLdExporter(RdfExporter):
    fmt = ExportFormat.JSONLD

    def write(self, handle: IO[bytes]) -> None:
        document = compact(self.sorted_triples(), jsonld_context())
        text = json.dumps(document, indent=1, ensure_ascii=False)
        handle.write(text.encode("utf-8") + b"\n")


class _Compactor:
    """Compaction of IRI-subject triples with one JSON-LD context (the subset metakg needs)."""

    def __init__(self, context: dict[str, Any]) -> None:
        definitions: dict[str, Any] = context["@context"]
        self.prefixes: list[tuple[str, str]] = []
        for name, value in definitions.items():
            if name.startswith("@"):
                continue
            if isinstance(value, str) and value.endswith(("/", "#", ":", "?", "[", "]", "@")):
                self.prefixes.append((value, name))
            elif isinstance(value, dict) and value.get("@prefix") is True:
                self.prefixes.append((value["@id"], name))
        self.prefixes.sort(key=lambda item: -len(item[0]))
        by_prefix = {name: uri for uri, name in self.prefixes}
        #: (property IRI, value kind) -> (term, is a set); kind is "@id" or a datatype IRI.
        self.terms: dict[tuple[str, str], tuple[str, bool]] = {}
        for name, value in definitions.items():
            if name.startswith("@") or name in by_prefix or not isinstance(value, (str, dict)):
                continue
            spec = {"@id": value} if isinstance(value, str) else value
            if spec["@id"].startswith("@"):
                continue  # a keyword alias (id, type)
            kind = spec.get("@type", _STRING)
            if kind != "@id":
                kind = self._expand(kind, by_prefix)
            key = (self._expand(spec["@id"], by_prefix), kind)
            self.terms[key] = (name, spec.get("@container") == "@set")
        self.id_key = next((k for k, v in definitions.items() if v == "@id"), "@id")
        self.type_key = next((k for k, v in definitions.items() if v == "@type"), "@type")

    @staticmethod
    def _expand(value: str, prefixes: dict[str, str]) -> str:
        prefix, sep, rest = value.partition(":")
        if sep and prefix in prefixes:
            return prefixes[prefix] + rest
        return value

    def iri(self, value: str) -> str:
        """The compact IRI of ``value`` with the longest matching prefix, or ``value``."""
        for uri, name in self.prefixes:
            rest = value[len(uri) :]
            if value.startswith(uri) and rest and not rest.startswith("//"):
                return f"{name}:{rest}"
        return value

    def _value(self, term: ox.NamedNode | ox.Literal, typed: bool) -> Any:
        if isinstance(term, ox.NamedNode):
            return self.iri(term.value) if typed else {self.id_key: self.iri(term.value)}
        if typed or (term.datatype.value == _STRING and term.language is None):
            return term.value
        if term.language is not None:
            return {"@value": term.value, "@language": term.language}
        return {"@value": term.value, self.type_key: self.iri(term.datatype.value)}

    def node(self, subject: str, triples: Iterable[ox.Triple]) -> dict[str, Any]:
        values: dict[str, list[Any]] = defaultdict(list)
        sets: set[str] = set()
        for t in triples:
            p, o = t.predicate.value, t.object
            if p == _TYPE and isinstance(o, ox.NamedNode):
                values[self.type_key].append(self.iri(o.value))
                continue
            kind = "@id" if isinstance(o, ox.NamedNode) else o.datatype.value
            found = self.terms.get((p, kind))
            if found is not None:
                key, is_set = found
                if is_set:
                    sets.add(key)
                values[key].append(self._value(o, typed=kind != _STRING))
            else:
                values[self.iri(p)].append(self._value(o, typed=False))
        node: dict[str, Any] = {self.id_key: self.iri(subject)}
        for key in sorted(values, key=lambda k: (k != self.type_key, k)):
            items = sorted(values[key], key=lambda v: json.dumps(v, sort_keys=True))
            node[key] = items if len(items) > 1 or key in sets else items[0]
        return node


def compact(triples: Iterable[ox.Triple], context: dict[str, Any]) -> dict[str, Any]:
    """A compacted JSON-LD document of ``triples`` (IRI subjects) with ``context`` embedded."""
    compactor = _Compactor(context)
    by_subject: dict[str, list[ox.Triple]] = defaultdict(list)
    for t in triples:
        if not isinstance(t.subject, ox.NamedNode):
            raise ValueError(f"JSON-LD export expects IRI subjects, got {t.subject}")
        by_subject[t.subject.value].append(t)
    graph = sorted(
        (compactor.node(s, by_subject[s]) for s in by_subject),
        key=lambda node: node[compactor.id_key],
    )
    return {"@context": context["@context"], "@graph": graph}


register_exporter(ExportFormat.TURTLE, TurtleExporter)
register_exporter(ExportFormat.NTRIPLES, NTriplesExporter)
register_exporter(ExportFormat.NQUADS, NQuadsExporter)
register_exporter(ExportFormat.RDFXML, RdfXmlExporter)
register_exporter(ExportFormat.JSONLD, JsonLdExporter)
