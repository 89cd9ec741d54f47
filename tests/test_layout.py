"""The architecture holds: the core imports no web framework, reads no settings, and the
graph layer does not depend on ingestion."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {(path.name, alias.name) for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add((path.name, node.module))
    return found


@pytest.mark.parametrize("package", ["graph", "ingest", "queries"])
def test_core_imports_no_framework_or_settings(package: str) -> None:
    bad = {
        (file, module)
        for file, module in _imports(package)
        if module.split(".")[0] in {"flask", "apiflask", "click", "server"}
    }
    assert bad == set()


def test_graph_does_not_depend_on_ingest() -> None:
    assert {m for _, m in _imports("graph") if m.startswith("ingest")} == set()


def test_no_settings_read_at_import() -> None:
    for package in ("graph", "ingest", "queries", "server"):
        for path in (ROOT / package).rglob("*.py"):
            # settings.py reads them; wsgi.py hands them on to server worker processes.
            text = path.read_text(encoding="utf-8")
            assert "os.environ" not in text or path.name in ("settings.py", "wsgi.py"), path
