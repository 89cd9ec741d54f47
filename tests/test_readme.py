"""The README's examples run: the Python snippet against a built store, and the quickstart
blocks are where fresh-clone-check looks for them."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

import graph.store
from graph.store import KnowledgeStore

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_python_example_runs(store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch) -> None:
    (code,) = _blocks("python")
    monkeypatch.setattr(graph.store, "default_store_path", lambda: store.path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    rows = {tuple(line.split()) for line in out.getvalue().splitlines()}
    genes = {gene for gene, _ in rows}
    assert {"PTHLH", "IL11", "CCN2", "CSF2"} <= genes  # bone colonization genes of the review
    assert all(ref.isdigit() and 1 <= int(ref) <= 119 for _, ref in rows)


def test_quickstart_markers() -> None:
    text = README.read_text(encoding="utf-8")
    for tag in ("run", "test"):
        after = text.split(f"<!-- quickstart:{tag} -->", 1)[1]
        assert after.lstrip().startswith("```"), tag
    assert "metakg serve" in text.split("<!-- quickstart:run -->", 1)[1].split("```")[1]
