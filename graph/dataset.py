"""The dataset description of a built store: which release it is, what it holds, where from.

``metakg build`` writes it into the RDF store as the named graph
``<https://w3id.org/metakg/id/dataset>`` (:data:`DESCRIPTION_GRAPH`, the graph name an N-Quads
export uses for its own description) and the release's id, date and version into
``manifest.json`` under ``"release"``. The knowledge graph itself stays in the default graph,
which is all the named queries, the statistics and the SHACL shapes read.

In VoID, DCAT and Dublin Core terms the dataset ``<https://w3id.org/metakg/id/dataset>`` has:

* the common part shared with exports (:func:`graph.exports.rdf.describe_dataset`): title,
  ``owl:versionInfo``, source, licence, home page; plus ``dcat:version``;
* ``dcterms:identifier``: the release id, ``"sha256:"`` and the SHA-256 of the default graph's
  canonical N-Triples (:func:`release_id`), the same for the same content on any machine;
* ``dcterms:issued``: the release date (:func:`release_date`);
* ``void:triples`` (triples in the default graph) and ``void:entities`` (nodes);
* a ``void:classPartition`` per node category (``void:class``, ``void:entities``) and one for
  ``rdf:Statement`` whose ``void:entities`` is the number of assertions (associations);
* a ``void:propertyPartition`` per predicate (``void:property``, ``void:triples``: the direct
  triples in the default graph) and a ``void:subset`` per predicate counting its assertions
  (``void:entities``, ``dcterms:subject`` the predicate);
* ``prov:wasDerivedFrom`` each input: a ``prov:Entity`` with its name (``rdfs:label``),
  ingestor (``dcterms:description``) and ``dcterms:identifier`` ``"sha256:<hex>"``.

Every node of the description has an IRI under the dataset's, so the graph has no blank nodes
and is the same triples for the same release.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox

from graph.errors import MetakgError
from graph.exports.output import DatasetInfo
from graph.exports.rdf import DESCRIPTION_GRAPH, describe_dataset
from graph.property_graph import SUBCLASS_PREDICATE
from graph.rdf import canonical_ntriples, literal
from graph.vocab import BIOLINK, DCTERMS, MKG, RDF, RDFS, SUBCLASS_OF, Category, Predicate

__all__ = [
    "DESCRIPTION_GRAPH",
    "RELEASE_QUERY",
    "Release",
    "ReleaseDateError",
    "description_quads",
    "read_release",
    "release_date",
    "release_id",
]

#: Reads the release id of a store (local or remote) that holds a metakg dataset description.
#: One row with ``?release`` (a literal ``"sha256:<hex>"``), or no row.
RELEASE_QUERY = (
    "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
    "SELECT ?release WHERE {\n"
    f"  GRAPH <{DESCRIPTION_GRAPH}> {{ <{DESCRIPTION_GRAPH}> dcterms:identifier ?release }}\n"
    "}\n"
    "ORDER BY ?release\n"
    "LIMIT 1\n"
)

#: The environment variable of reproducible builds (https://reproducible-builds.org/specs/
#: source-date-epoch/): seconds since 1970-01-01 UTC to use as the release date.
SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
PROV = "http://www.w3.org/ns/prov#"

_TYPE = ox.NamedNode(RDF + "type")
_LABEL = ox.NamedNode(RDFS + "label")
_DATETIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")


def _term(namespace: str, name: str) -> ox.NamedNode:
    return ox.NamedNode(namespace + name)


class ReleaseDateError(MetakgError):
    status = 400
    title = "Invalid release date"


@dataclass(frozen=True)
class Release:
    """What ``manifest.json`` records under ``"release"``."""

    id: str
    date: str
    version: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def release_id(store: ox.Store) -> str:
    """``"sha256:"`` and the hex SHA-256 of the default graph's canonical N-Triples.

    The graph holds no blank nodes, so sorted N-Triples lines are a canonical form: two stores
    with the same triples have the same id, whatever order they were written in, and any added,
    removed or changed triple changes it. The description graph is not part of it.
    """
    return "sha256:" + hashlib.sha256(canonical_ntriples(store)).hexdigest()


def release_date(environ: Mapping[str, str]) -> str:
    """The release date, ISO 8601 in UTC to the second (``2025-01-31T12:00:00Z``).

    ``SOURCE_DATE_EPOCH`` in ``environ`` fixes it (the reproducible-builds convention), so that
    two builds of the same sources are the same bytes; otherwise it is the current time.
    """
    text = environ.get(SOURCE_DATE_EPOCH, "").strip()
    if text:
        try:
            moment = dt.datetime.fromtimestamp(int(text), tz=dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise ReleaseDateError(
                f"{SOURCE_DATE_EPOCH}={text!r} is not a number of seconds since 1970-01-01 UTC; "
                f"set it to an integer such as $(git log -1 --format=%ct), or unset it to use "
                "the current time"
            ) from None
    else:
        moment = dt.datetime.now(dt.UTC)
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _count(store: ox.Store, text: str) -> int:
    rows = list(store.query(text))
    return int(rows[0][0].value) if rows and rows[0][0] is not None else 0


def _predicate_triples(store: ox.Store) -> dict[str, int]:
    """Triples in the default graph by predicate IRI."""
    rows = store.query("SELECT ?p (COUNT(*) AS ?c) WHERE { ?s ?p ?o } GROUP BY ?p")
    return {row["p"].value: int(row["c"].value) for row in rows}


def _part(name: str) -> ox.NamedNode:
    return ox.NamedNode(f"{DESCRIPTION_GRAPH}/{quote(name, safe='/-._~')}")


def description_triples(
    store: ox.Store,
    release: Release,
    *,
    summary: Mapping[str, Any],
    sources: Sequence[Mapping[str, str]],
    info: DatasetInfo | None = None,
) -> Iterator[ox.Triple]:
    """The description of ``store``'s default graph as ``release`` (see the module docstring).

    ``summary`` is :func:`graph.stats.from_rdf` of the store; ``sources`` are the manifest's
    inputs (``name``, ``ingestor``, ``sha256``).
    """
    info = info or DatasetInfo(version=release.version)
    dataset = ox.NamedNode(DESCRIPTION_GRAPH)
    yield from describe_dataset(DESCRIPTION_GRAPH, info)
    yield ox.Triple(dataset, _TYPE, _term(DCAT, "Dataset"))
    yield ox.Triple(dataset, _term(DCAT, "version"), ox.Literal(release.version))
    yield ox.Triple(dataset, _term(DCTERMS, "identifier"), ox.Literal(release.id))
    yield ox.Triple(dataset, _term(DCTERMS, "issued"), ox.Literal(release.date, datatype=_DATETIME))
    for vocabulary in (BIOLINK, MKG):
        yield ox.Triple(dataset, _term(VOID, "vocabulary"), ox.NamedNode(vocabulary))
    triples = _count(store, "SELECT (COUNT(*) AS ?c) WHERE { ?s ?p ?o }")
    yield ox.Triple(dataset, _term(VOID, "triples"), literal(triples))
    nodes: Mapping[str, int] = summary["nodes"]
    yield ox.Triple(dataset, _term(VOID, "entities"), literal(sum(nodes.values())))

    for category in Category:
        part = _part(f"class/{category.key}")
        yield ox.Triple(dataset, _term(VOID, "classPartition"), part)
        yield ox.Triple(part, _term(VOID, "class"), ox.NamedNode(category.rdf_types[0]))
        yield ox.Triple(part, _term(VOID, "entities"), literal(nodes.get(category.key, 0)))
    part = _part("class/association")
    yield ox.Triple(dataset, _term(VOID, "classPartition"), part)
    yield ox.Triple(part, _term(VOID, "class"), ox.NamedNode(RDF + "Statement"))
    yield ox.Triple(part, _term(VOID, "entities"), literal(summary["associations"]))

    by_iri = _predicate_triples(store)
    edges: Mapping[str, int] = summary["edges"]
    predicates = [(p.key, p.iri) for p in Predicate] + [(SUBCLASS_PREDICATE, SUBCLASS_OF)]
    for key, iri in predicates:
        part = _part(f"property/{key}")
        yield ox.Triple(dataset, _term(VOID, "propertyPartition"), part)
        yield ox.Triple(part, _term(VOID, "property"), ox.NamedNode(iri))
        yield ox.Triple(part, _term(VOID, "triples"), literal(by_iri.get(iri, 0)))
        if key == SUBCLASS_PREDICATE:
            continue
        subset = _part(f"assertions/{key}")
        yield ox.Triple(dataset, _term(VOID, "subset"), subset)
        yield ox.Triple(subset, _TYPE, _term(VOID, "Dataset"))
        yield ox.Triple(subset, _term(DCTERMS, "subject"), ox.NamedNode(iri))
        yield ox.Triple(
            subset, _term(DCTERMS, "title"), ox.Literal(f"Assertions with predicate {key}")
        )
        yield ox.Triple(subset, _term(VOID, "entities"), literal(edges.get(key, 0)))

    for source in sources:
        digest = source["sha256"]
        entity = _part(f"input/{digest}")
        yield ox.Triple(dataset, _term(PROV, "wasDerivedFrom"), entity)
        yield ox.Triple(entity, _TYPE, _term(PROV, "Entity"))
        yield ox.Triple(entity, _LABEL, ox.Literal(source["name"]))
        yield ox.Triple(entity, _term(DCTERMS, "identifier"), ox.Literal(f"sha256:{digest}"))
        if source.get("ingestor"):
            yield ox.Triple(
                entity,
                _term(DCTERMS, "description"),
                ox.Literal(f"read by the '{source['ingestor']}' ingestor"),
            )


def description_quads(
    store: ox.Store,
    release: Release,
    *,
    summary: Mapping[str, Any],
    sources: Sequence[Mapping[str, str]],
    info: DatasetInfo | None = None,
) -> list[ox.Quad]:
    """:func:`description_triples` in the graph :data:`DESCRIPTION_GRAPH`, deduplicated and
    sorted."""
    graph = ox.NamedNode(DESCRIPTION_GRAPH)
    triples = set(description_triples(store, release, summary=summary, sources=sources, info=info))
    ordered = sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in ordered]


def read_release(store: ox.Store) -> str | None:
    """The release id recorded in ``store``'s description graph, or None when it has none."""
    rows = list(store.query(RELEASE_QUERY))
    if not rows or rows[0]["release"] is None:
        return None
    return str(rows[0]["release"].value)
