"""The dataset description a build writes: a named graph of VoID/DCAT and the manifest's
release, with a release id that is a digest of the default graph's content."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from graph import shacl, stats
from graph.dataset import (
    DESCRIPTION_GRAPH,
    RELEASE_QUERY,
    ReleaseDateError,
    read_release,
    release_date,
    release_id,
)
from graph.property_graph import SUBCLASS_PREDICATE
from graph.rdf import canonical_ntriples
from graph.store import KnowledgeStore, write_store
from graph.vocab import RDF, SUBCLASS_OF, Category, Predicate
from ingest.pipeline import KnowledgeBase
from server.cli.commands import main
from server.settings import release_date as release_date_setting
from tests.conftest import free_port, tree_digest

VOID = "http://rdfs.org/ns/void#"
PREFIXES = {
    "void": VOID,
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
}
DATASET = f"<{DESCRIPTION_GRAPH}>"
USER_TSV = (
    "subject\tpredicate\tobject\tcancer_type\torgan\treferences\tconfidence\tevidence_type\tnote\n"
    "COX2\tmediates_metastasis_to\tbrain\tbreast cancer\t\tPMID:19421193;61\tmedium\txenograft\t"
    "COX2 also helped breast cancer cells cross the blood-brain barrier.\n"
)


def default_quads(store: ox.Store) -> list[ox.Quad]:
    return list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))


def described(store: ox.Store, pattern: str) -> list[dict[str, str]]:
    """Rows of ``pattern`` matched inside the description graph (values as strings)."""
    query = f"SELECT * FROM NAMED {DATASET} WHERE {{ GRAPH {DATASET} {{ {pattern} }} }}"
    result = store.query(query, prefixes=PREFIXES)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built by `metakg build` with a user's assertions file as a second input."""
    root = tmp_path_factory.mktemp("described")
    (root / "mine.tsv").write_text(USER_TSV, encoding="utf-8")
    store = root / "store"
    result = CliRunner().invoke(
        main, ["build", "--store", str(store), "--source", str(root / "mine.tsv")]
    )
    assert result.exit_code == 0, result.output
    return store


def test_the_store_holds_its_description_in_a_named_graph(store: KnowledgeStore) -> None:
    assert {g.value for g in store.rdf.named_graphs()} == {DESCRIPTION_GRAPH}
    release = store.manifest["release"]
    assert set(release) == {"id", "date", "version"}
    assert release["version"] == "test"
    assert read_release(store.rdf) == release["id"] == release_id(store.rdf)
    (row,) = described(
        store.rdf,
        f"{DATASET} a void:Dataset, dcat:Dataset ; dcterms:identifier ?id ; dcterms:issued ?date ;"
        " dcat:version ?version ; dcterms:license ?licence",
    )
    assert row == {
        "id": release["id"],
        "date": release["date"],
        "version": "test",
        "licence": "https://spdx.org/licenses/CC-BY-4.0",
    }


def test_release_id_is_the_digest_of_the_default_graph(store: KnowledgeStore) -> None:
    quads = default_quads(store.rdf)
    text = "".join(sorted(f"{q.subject} {q.predicate} {q.object} .\n" for q in quads))
    assert release_id(store.rdf) == "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    # The same triples in another order and without the description: the same id.
    copy = ox.Store()
    copy.extend(reversed(quads))
    assert read_release(copy) is None
    assert release_id(copy) == release_id(store.rdf)
    # One triple more: another id.
    first = quads[0]
    copy.add(ox.Quad(first.subject, first.predicate, ox.Literal("one more")))
    assert release_id(copy) != release_id(store.rdf)


def test_the_counts_describe_the_default_graph(store: KnowledgeStore) -> None:
    summary = stats.from_rdf(store.rdf)
    (row,) = described(store.rdf, f"{DATASET} void:triples ?triples ; void:entities ?entities")
    assert int(row["triples"]) == len(default_quads(store.rdf))
    assert int(row["entities"]) == store.graph.number_of_nodes()
    classes = {
        r["class"]: int(r["n"])
        for r in described(
            store.rdf, f"{DATASET} void:classPartition ?p . ?p void:class ?class ; void:entities ?n"
        )
    }
    expected = {c.rdf_types[0]: summary["nodes"][c.key] for c in Category}
    expected[RDF + "Statement"] = (
        store.graph.number_of_edges() - summary["edges"][SUBCLASS_PREDICATE]
    )
    assert classes == expected
    by_predicate = {p.iri: p.key for p in Predicate}
    assertions = {
        by_predicate[r["p"]]: int(r["n"])
        for r in described(
            store.rdf, f"{DATASET} void:subset ?s . ?s dcterms:subject ?p ; void:entities ?n"
        )
    }
    edges = {k: v for k, v in summary["edges"].items() if k != SUBCLASS_PREDICATE}
    assert assertions == edges
    properties = {
        r["p"]: int(r["n"])
        for r in described(
            store.rdf,
            f"{DATASET} void:propertyPartition ?x . ?x void:property ?p ; void:triples ?n",
        )
    }
    assert set(properties) == {p.iri for p in Predicate} | {SUBCLASS_OF}
    for iri, count in properties.items():
        rows = list(store.rdf.query(f"SELECT (COUNT(*) AS ?c) WHERE {{ ?s <{iri}> ?o }}"))
        assert count == int(rows[0]["c"].value), iri  # type: ignore[index]


def test_the_description_leaves_queries_of_the_default_graph_alone(store: KnowledgeStore) -> None:
    assert stats.from_rdf(store.rdf) == store.manifest["summary"]
    assert shacl.check(store.rdf) == []
    assert not store.rdf.query(f"ASK {{ ?d a <{VOID}Dataset> }}")
    assert store.rdf.query(f"ASK {{ GRAPH ?g {{ ?d a <{VOID}Dataset> }} }}")


def test_shacl_and_the_canonical_form_read_the_default_graph_only(store: KnowledgeStore) -> None:
    default = default_quads(store.rdf)
    assert len(canonical_ntriples(store.rdf).splitlines()) == len(default)
    assert len(shacl.to_rdflib(store.rdf)) == len(default)


@pytest.mark.slow
def test_every_input_is_described_with_its_digest(cli_store: Path) -> None:
    store = KnowledgeStore(cli_store)
    sources = store.manifest["sources"]
    assert [s["name"] for s in sources] == ["ingest/data", str(cli_store.parent / "mine.tsv")]
    digest = hashlib.sha256(USER_TSV.encode()).hexdigest()
    assert sources[1]["sha256"] == digest
    rows = described(
        store.rdf,
        f"{DATASET} prov:wasDerivedFrom ?e . ?e a prov:Entity ; rdfs:label ?name ; "
        "dcterms:identifier ?id",
    )
    assert sorted((r["name"], r["id"]) for r in rows) == sorted(
        (s["name"], "sha256:" + s["sha256"]) for s in sources
    )


def test_a_bad_source_date_epoch_changes_nothing(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "store"
    write_store(path, kb.nodes, kb.edges, kb.hierarchy, sources=[], version="test")
    before = tree_digest(path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "last tuesday")
    with pytest.raises(ReleaseDateError, match="SOURCE_DATE_EPOCH='last tuesday' is not a num"):
        release_date_setting()
    built = CliRunner().invoke(main, ["build", "--store", str(path)])
    assert built.exit_code != 0
    assert "SOURCE_DATE_EPOCH='last tuesday'" in built.output
    assert tree_digest(path) == before


@pytest.mark.parametrize(
    ("epoch", "expected"),
    [("0", "1970-01-01T00:00:00Z"), (" 1700000000 ", "2023-11-14T22:13:20Z")],
)
def test_release_date_from_source_date_epoch(epoch: str, expected: str) -> None:
    assert release_date({"SOURCE_DATE_EPOCH": epoch}) == expected


def test_release_date_without_source_date_epoch_is_now() -> None:
    before = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
    found = release_date({})
    after = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1))
    assert before <= found <= after


def test_the_sparql_endpoint_answers_from_the_description(
    client: Any, store: KnowledgeStore
) -> None:
    def select(query: str) -> list[dict[str, Any]]:
        response = client.get(
            "/sparql?" + urllib.parse.urlencode({"query": query}),
            headers={"Accept": "application/sparql-results+json"},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.json["results"]["bindings"]

    (row,) = select(RELEASE_QUERY)
    assert row["release"]["value"] == store.manifest["release"]["id"]
    named = (
        f"SELECT ?t FROM NAMED {DATASET} "
        f"WHERE {{ GRAPH {DATASET} {{ {DATASET} <{VOID}triples> ?t }} }}"
    )
    assert len(select(named)) == 1
    # The default graph is the knowledge graph alone.
    assert select(f"SELECT ?d WHERE {{ ?d a <{VOID}Dataset> }}") == []


@pytest.fixture
def remote(store: KnowledgeStore, tmp_path: Path) -> Iterator[str]:
    """A real `oxigraph serve-read-only` holding a copy of the store's quads (every graph)."""
    oxigraph = Path(sys.executable).parent / "oxigraph"
    if not oxigraph.is_file():
        pytest.skip(f"the oxigraph CLI is not installed next to {sys.executable}")
    location = tmp_path / "remote"
    copy = ox.Store(str(location))
    copy.extend(store.rdf.quads_for_pattern(None, None, None))
    copy.flush()
    del copy
    port = free_port()
    log = (tmp_path / "oxigraph.log").open("w")
    process = subprocess.Popen(
        [
            str(oxigraph),
            "serve-read-only",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/query?query=ASK%7B%7D", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("oxigraph serve did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def test_release_query_reads_a_remote_store(store: KnowledgeStore, remote: str) -> None:
    request = urllib.request.Request(
        remote + "/query?" + urllib.parse.urlencode({"query": RELEASE_QUERY}),
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        bindings = json.load(response)["results"]["bindings"]
    assert [b["release"]["value"] for b in bindings] == [store.manifest["release"]["id"]]
