"""SHACL validation of the RDF projection with pyshacl, against ``graph/shapes.ttl``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import pyoxigraph as ox
import rdflib
from pyshacl import validate

from graph.rdf import canonical_ntriples

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


def to_rdflib(store: ox.Store) -> rdflib.Graph:
    return rdflib.Graph().parse(data=canonical_ntriples(store), format="nt")


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
