"""Shared fixtures: the assembled curated knowledge base, a built store, a CLI runner.

Everything is real: the curated files, the pyoxigraph store on disk under ``tmp_path``, and
the real data in ``../shared/data`` where a test needs it (skipped with a reason if absent).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.store import KnowledgeStore, write_store
from ingest.pipeline import KnowledgeBase, assemble, plan_sources

SHARED = Path(__file__).resolve().parents[2] / "shared"
GENE_INFO = SHARED / "data" / "Homo_sapiens.gene_info.gz"
HUMAN_DO = SHARED / "data" / "HumanDO.tsv"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not available (the project's ../shared folder is absent)")
    return path


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The curated knowledge base, assembled and validated in memory."""
    return assemble(plan_sources())


@pytest.fixture(scope="session")
def store_path(kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built once from the curated sources, shared read-only by the tests."""
    path = tmp_path_factory.mktemp("built") / "store"
    write_store(path, kb.nodes, kb.edges, kb.hierarchy, sources=[], version="test")
    return path


@pytest.fixture(scope="session")
def store(store_path: Path) -> KnowledgeStore:
    return KnowledgeStore(store_path)


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    """A CLI runner whose default store lives under tmp_path (never the user's own)."""
    monkeypatch.setenv("METAKG_STORE", str(tmp_path / "default-store"))
    return CliRunner()


def tree_digest(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root`` by relative path: 'same bytes' made testable."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
