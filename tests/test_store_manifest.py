"""``manifest.json`` checked against expectations computed here, not by the code that wrote it.

A build with a user's source file is made once (in process, ``SOURCE_DATE_EPOCH`` fixed);
then every field of its manifest is compared with a value this file works out on its own:
the SHA-256 of each input with :mod:`hashlib` over the bytes on disk, the counts from the
records the build was given (not from the store), the release id from pyoxigraph's own
N-Triples dump, sorted here, and the date from the epoch. A writer that counted, hashed or
dated anything wrongly, dropped a record, or listed an input it did not read fails here.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from graph.store import MANIFEST_FILE
from graph.vocab import Category, Confidence, Predicate
from ingest.curated import default_data_dir
from ingest.pipeline import KnowledgeBase, assemble, plan_sources
from server.cli.commands import main

EPOCH = "1700000000"
EPOCH_DATE = "2023-11-14T22:13:20Z"  # date -u -d @1700000000
ROW = (
    "COX2\tmediates_metastasis_to\tbrain\tbreast cancer\t\tPMID:19421193;61\tmedium\t"
    "xenograft\tA row of the user's own."
)
HEADER = "subject\tpredicate\tobject\tcancer_type\torgan\treferences\tconfidence\t" + (
    "evidence_type\tnote"
)


def _sha256_of_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sha256_of_folder(root: Path) -> str:
    """The documented digest of a folder input: its files in name order, each as its
    relative path followed by its bytes."""
    sha = hashlib.sha256()
    files = []
    for folder, _, names in os.walk(root):
        files += [Path(folder, name) for name in names]
    for file in sorted(files, key=lambda p: p.relative_to(root).parts):
        sha.update(file.relative_to(root).as_posix().encode())
        sha.update(file.read_bytes())
    return sha.hexdigest()


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, Any]]:
    """(store, the user's file, its manifest) of `metakg build --source mine.tsv`."""
    folder = tmp_path_factory.mktemp("manifest")
    mine = folder / "mine.tsv"
    store, manifest = _build_with(folder, mine, ROW)
    return store, mine, manifest


def _build_with(folder: Path, source: Path, row: str) -> tuple[Path, dict[str, Any]]:
    """`metakg build --source SOURCE` (SOURCE holding one ``row``) into FOLDER/store, with a
    fixed SOURCE_DATE_EPOCH; the store and its manifest."""
    source.write_text(f"{HEADER}\n{row}\n", encoding="utf-8")
    store = folder / "store"
    result = CliRunner().invoke(
        main,
        ["build", "--store", str(store), "--source", str(source)],
        env={"SOURCE_DATE_EPOCH": EPOCH, "METAKG_STORE": str(folder / "default")},
    )
    assert result.exit_code == 0, result.output
    return store, json.loads((store / MANIFEST_FILE).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def records(build: tuple[Path, Path, dict[str, Any]]) -> KnowledgeBase:
    """The records the build was given (the same sources, read again)."""
    return assemble(plan_sources([build[1]]))


def test_the_manifest_has_exactly_the_documented_fields(
    build: tuple[Path, Path, dict[str, Any]],
) -> None:
    manifest = build[2]
    assert sorted(manifest) == ["format", "metakg_version", "release", "sources", "summary"]
    assert manifest["format"] == 1
    assert manifest["metakg_version"] == metadata.version("metakg")
    assert manifest["release"]["version"] == metadata.version("metakg")
    assert manifest["release"]["date"] == EPOCH_DATE


def test_every_input_is_listed_once_with_the_sha256_of_its_bytes(
    build: tuple[Path, Path, dict[str, Any]],
) -> None:
    _, mine, manifest = build
    curated = default_data_dir()
    assert manifest["sources"] == [
        {"name": "ingest/data", "ingestor": "curated_directory",
         "sha256": _sha256_of_folder(curated)},
        {"name": str(mine), "ingestor": "assertions", "sha256": _sha256_of_file(mine)},
    ]
    # The description graph in the store names the same digests (docs/releases.md).
    store = ox.Store.read_only(str(build[0] / "oxigraph"))
    found = {
        row["id"].value
        for row in store.query(
            "SELECT ?id WHERE { GRAPH ?g { ?d <http://www.w3.org/ns/prov#wasDerivedFrom> ?e . "
            "?e <http://purl.org/dc/terms/identifier> ?id } }"
        )
    }
    assert found == {"sha256:" + _sha256_of_folder(curated), "sha256:" + _sha256_of_file(mine)}


def test_a_changed_input_changes_only_its_own_digest(
    build: tuple[Path, Path, dict[str, Any]], tmp_path: Path
) -> None:
    _, mine, manifest = build
    other = tmp_path / "mine.tsv"
    _, again = _build_with(tmp_path, other, ROW.replace("medium", "low"))
    assert again["sources"][0] == manifest["sources"][0]
    assert again["sources"][1]["sha256"] == _sha256_of_file(other)
    assert again["sources"][1]["sha256"] != manifest["sources"][1]["sha256"]
    assert again["summary"]["confidence"]["low"] == manifest["summary"]["confidence"]["low"] + 1


def test_the_summary_counts_the_records_the_build_was_given(
    build: tuple[Path, Path, dict[str, Any]], records: KnowledgeBase
) -> None:
    summary = build[2]["summary"]
    nodes = Counter(n.category.key for n in records.nodes)
    edges = Counter(e.predicate.key for e in records.edges)
    subclass = len({(h.child, h.parent) for h in records.hierarchy})
    expected = {
        "nodes": {c.key: nodes[c.key] for c in Category},
        "edges": {**{p.key: edges[p.key] for p in Predicate}, "subclass_of": subclass},
        "associations": len(records.edges),
        "confidence": {
            c.value: sum(1 for e in records.edges if e.confidence is c) for c in Confidence
        },
        "genes_and_mirnas": nodes["gene"] + nodes["microrna"],
        "ordered_cascade_steps": sum(
            1 for n in records.nodes if n.category is Category.CASCADE_STEP and n.prop("order")
        ),
        "review_references": sum(1 for n in records.nodes if n.prop("referenceNumber")),
        "associations_without_reference": sum(1 for e in records.edges if not e.references),
        "associations_resting_only_on_retracted": sum(
            1 for e in records.edges if e.rests_only_on_retracted
        ),
    }
    assert summary == expected
    # The user's row is one of them.
    assert any(e.origin != "curated" for e in records.edges)


def test_the_summary_agrees_with_counts_asked_of_the_store(
    build: tuple[Path, Path, dict[str, Any]],
) -> None:
    """The same numbers from the built store, asked with queries written here."""
    summary = build[2]["summary"]
    store = ox.Store.read_only(str(build[0] / "oxigraph"))

    def count(where: str) -> int:
        (row,) = store.query(
            "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
            f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"
        )
        return int(row["n"].value)

    statements = count("?a a rdf:Statement")
    assert statements == summary["associations"]
    for predicate in Predicate:
        assert count(f"?a rdf:predicate <{predicate.iri}>") == summary["edges"][predicate.key]
    assert count(
        "?c <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?p"
    ) == summary["edges"]["subclass_of"]


def test_the_release_id_is_the_sha256_of_the_sorted_default_graph(
    build: tuple[Path, Path, dict[str, Any]],
) -> None:
    store = ox.Store.read_only(str(build[0] / "oxigraph"))
    dump = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    lines = sorted(line for line in dump.decode("utf-8").splitlines() if line.strip())
    assert len(lines) > 1000
    canonical = "".join(line + "\n" for line in lines).encode("utf-8")
    assert build[2]["release"]["id"] == "sha256:" + hashlib.sha256(canonical).hexdigest()
