"""SHACL validation of the RDF projection with pyshacl, against ``graph/shapes.ttl``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import pyoxigraph as ox
import rdflib
from pyshacl import validate

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.focus} {self.path}: {self.message}"


@cache
def shapes() -> rdflib.Graph:
    text = (resources.files("graph") / "shapes.ttl").read_text(encoding="utf-8")
    return rdflib.Graph().parse(data=text, format="turtle")


def _term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == _STRING:
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype))


_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib(store: ox.Store) -> rdflib.Graph:
    """The default graph of ``store`` as an rdflib graph, term by term (no parsing: rdflib's
    N-Triples parser took most of a large build's time)."""
    graph = rdflib.Graph()
    add = graph.add
    for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        add((_term(quad.subject), _term(quad.predicate), _term(quad.object)))
    return graph


def check(store: ox.Store) -> list[Violation]:
    """Every SHACL violation in ``store``'s default graph, sorted; empty when it conforms."""
    data = to_rdflib(store)
    conforms, report, _ = validate(data, shacl_graph=shapes(), inference="none")
    if conforms:
        return []
    found = set()
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        found.add(
            Violation(
                str(report.value(result, SH.focusNode)),
                str(report.value(result, SH.resultPath)),
                str(report.value(result, SH.resultMessage)),
            )
        )
    return sorted(found, key=lambda v: (v.focus, v.path, v.message))
