"""Builds are reproducible: every bundled source, built twice in separate processes with
different hash seeds, gives byte-identical files.

The sources are the curated directory (``ingest/data``) plus the two reference tables the
project ships beside it in ``../shared/data``: the Disease Ontology report and NCBI's
``gene_info``. The Disease Ontology states some subClassOf pairs the curated
``cancer_types.tsv`` also states; which file such an edge cites used to depend on set
iteration order, so on ``PYTHONHASHSEED``.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.rdf import canonical_ntriples
from graph.store import GRAPH_FILE, MANIFEST_FILE, RDF_DIR, release_directory
from tests.conftest import GENE_INFO, HUMAN_DO, need

REPOSITORY = Path(__file__).resolve().parents[1]
#: Seeds under which the old set-ordered merge gave the two different provenances.
SEEDS = ("1", "3")


def _metakg() -> list[str]:
    script = Path(sys.executable).with_name("metakg")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from server.cli import main; main()"]


def _build(store: Path, seed: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONHASHSEED": seed,
        "SOURCE_DATE_EPOCH": "1700000000",
        "METAKG_STORE": str(store),
    }
    command = [*_metakg(), "build", "--store", str(store)]
    for source in (need(HUMAN_DO), need(GENE_INFO)):
        command += ["--source", str(source)]
    return subprocess.Popen(
        command, cwd=REPOSITORY, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def _outputs(store: Path) -> dict[str, bytes]:
    release = release_directory(store)
    rdf = ox.Store.read_only(str(release / RDF_DIR))
    return {
        "graph.json": (release / GRAPH_FILE).read_bytes(),
        "manifest.json": (release / MANIFEST_FILE).read_bytes(),
        "canonical N-Triples": canonical_ntriples(rdf),
    }


@pytest.mark.slow
def test_two_builds_with_every_bundled_source_are_byte_identical(tmp_path: Path) -> None:
    stores = [tmp_path / f"store-{seed}" for seed in SEEDS]
    runs = [_build(store, seed) for store, seed in zip(stores, SEEDS, strict=True)]
    for run in runs:
        out, err = run.communicate(timeout=600)
        assert run.returncode == 0, err.decode()
    first, second = (_outputs(store) for store in stores)
    for name in first:
        assert first[name] == second[name], f"{name} differs between PYTHONHASHSEED={SEEDS}"
    manifests = [json.loads(out["manifest.json"]) for out in (first, second)]
    assert manifests[0]["release"]["id"] == manifests[1]["release"]["id"]
    expected = "sha256:" + hashlib.sha256(first["canonical N-Triples"]).hexdigest()
    assert manifests[0]["release"]["id"] == expected
    # The build really read the Disease Ontology (its ancestors of curated cancer types).
    assert b"DOID:162" in first["graph.json"]


def test_a_pair_both_curated_and_in_the_ontology_cites_the_curated_row() -> None:
    """The merge order in one process: the first record of a (child, parent) pair wins,
    whatever order a set would have given."""
    from graph.model import SourceLocation, SubclassRecord
    from ingest.pipeline import merge_hierarchy

    curated = SubclassRecord("DOID:3910", "DOID:3908", SourceLocation("cancer_types.tsv", 9))
    ontology = SubclassRecord(
        "DOID:3910", "DOID:3908", SourceLocation("HumanDO.tsv", 7777), origin="dictionary"
    )
    other = SubclassRecord("DOID:1", "DOID:0", SourceLocation("HumanDO.tsv", 2))
    assert merge_hierarchy([curated, ontology, other]) == (other, curated)
    assert merge_hierarchy([ontology, curated]) == (ontology,)
