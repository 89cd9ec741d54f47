"""The on-disk store: atomic builds, determinism, single writer, projection parity."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph import stats
from graph.property_graph import SUBCLASS_PREDICATE
from graph.rdf import canonical_ntriples
from graph.store import (
    GRAPH_FILE,
    MANIFEST_FILE,
    KnowledgeStore,
    StoreError,
    StoreInvalid,
    StoreLocked,
    StoreMissing,
    write_store,
)
from graph.vocab import RDF, Category, Predicate
from ingest.pipeline import KnowledgeBase
from server.settings import release_date
from tests.conftest import lock_held_by_another_thread, tree_digest


def _build(kb: KnowledgeBase, path: Path) -> None:
    write_store(
        path, kb.nodes, kb.edges, kb.hierarchy, sources=[], version="test", date=release_date()
    )


def test_building_twice_gives_identical_stores(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The release date is the one thing a build takes from outside its sources; the
    # reproducible-builds variable fixes it (graph/dataset.py).
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first, second = tmp_path / "a", tmp_path / "b"
    _build(kb, first)
    _build(kb, second)
    one, two = KnowledgeStore(first), KnowledgeStore(second)
    assert canonical_ntriples(one.rdf) == canonical_ntriples(two.rdf)
    for name in (GRAPH_FILE, MANIFEST_FILE):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    assert one.manifest["release"]["date"] == "2023-11-14T22:13:20Z"


def test_without_a_fixed_date_only_the_date_may_differ(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first, second = tmp_path / "a", tmp_path / "b"
    _build(kb, first)
    _build(kb, second)
    one, two = KnowledgeStore(first), KnowledgeStore(second)
    assert (first / GRAPH_FILE).read_bytes() == (second / GRAPH_FILE).read_bytes()
    manifests = [json.loads((p / MANIFEST_FILE).read_text()) for p in (first, second)]
    for manifest in manifests:
        del manifest["release"]["date"]
    assert manifests[0] == manifests[1]
    default = ox.DefaultGraph()
    assert set(one.rdf.quads_for_pattern(None, None, None, default)) == set(
        two.rdf.quads_for_pattern(None, None, None, default)
    )


def test_rebuild_replaces_the_store(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = tmp_path / "store"
    _build(kb, path)
    first = os.readlink(path)
    (path / "stray-file").write_text("left from before")
    _build(kb, path)
    assert not (path / "stray-file").exists()
    # The store path is a relative link to the newest release; the previous one is kept.
    second = os.readlink(path)
    assert first != second and second.startswith(".store.releases/")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".store.lock", ".store.releases", "store"]
    kept = sorted(p.name for p in (tmp_path / ".store.releases").iterdir())
    assert kept == sorted([first.split("/")[1], second.split("/")[1]])
    assert (tmp_path / first / "stray-file").exists()


def test_failed_write_leaves_the_previous_store(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = tmp_path / "store"
    _build(kb, path)
    before = tree_digest(path)
    # An association that cites nothing breaks the SHACL shapes after the RDF was written.
    broken = [replace(kb.edges[0], references=())]
    with pytest.raises(StoreInvalid, match="SHACL violation"):
        write_store(path, kb.nodes, broken, (), sources=[], version="test")
    assert tree_digest(path) == before
    assert {p.name for p in tmp_path.iterdir()} == {"store", ".store.lock", ".store.releases"}
    # Only the one release: the failed build's staging directory is gone.
    assert [p.name for p in (tmp_path / ".store.releases").iterdir()] == [
        os.readlink(path).split("/")[1]
    ]


def test_second_writer_is_refused_at_once(kb: KnowledgeBase, tmp_path: Path) -> None:
    # The lock is re-entrant within a thread (tests/test_store_swap.py); another thread of
    # the same process is refused like another process.
    path = tmp_path / "store"
    with lock_held_by_another_thread(path):
        with pytest.raises(StoreLocked, match="another thread of this process is writing"):
            _build(kb, path)
    assert not path.exists()


def test_lock_is_held_across_processes(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = tmp_path / "store"
    code = (
        "import sys; from pathlib import Path; from graph.store import writer_lock\n"
        "with writer_lock(Path(sys.argv[1])):\n    print('held', flush=True); sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreLocked, match="another metakg process is writing the store") as e:
            _build(kb, path)
        assert f"process {holder.pid} " in str(e.value)
    finally:
        holder.communicate("")
    _build(kb, path)
    assert KnowledgeStore(path).manifest["format"] == 1


def test_refuses_to_overwrite_a_directory_that_is_not_a_store(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "thesis.txt").write_text("do not delete")
    with pytest.raises(StoreError, match="exists and is not a metakg store"):
        _build(kb, precious)
    assert (precious / "thesis.txt").read_text() == "do not delete"


def test_opening_a_missing_store_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StoreMissing, match="run `metakg build` first"):
        KnowledgeStore(tmp_path / "nothing")


def test_rdf_and_networkx_hold_the_same_graph(store: KnowledgeStore) -> None:
    assert stats.from_rdf(store.rdf) == stats.from_graph(store.graph)
    # Same node ids per category and the same (subject, predicate, object) edges.
    graph = store.graph
    rdf_nodes: Counter[str] = Counter()
    for category in Category:
        rows = store.rdf.query(f"SELECT ?n WHERE {{ ?n a <{category.rdf_types[0]}> }}")
        rdf_nodes[category.key] = len({row["n"].value for row in rows})
    assert rdf_nodes == Counter(d["category"] for _, d in graph.nodes(data=True))
    keys = {p.iri: p.key for p in Predicate}
    rdf_edges = {
        (row["a"].value.rsplit("/", 1)[1], keys[row["p"].value])
        for row in store.rdf.query(f"SELECT ?a ?p WHERE {{ ?a <{RDF}predicate> ?p }}")
    }
    nx_edges = {
        (k.rsplit("/", 1)[1], d["predicate"])
        for _, _, k, d in graph.edges(keys=True, data=True)
        if d["predicate"] != SUBCLASS_PREDICATE
    }
    assert rdf_edges == nx_edges

