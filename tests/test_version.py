"""The version is one value: the package, `metakg --version`, the OpenAPI document, an export's
dataset description, a built store's release (manifest and description graph) and the newest
entry of CHANGES.md agree."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from graph.dataset import DCAT, DESCRIPTION_GRAPH
from graph.store import KnowledgeStore
from server import version
from server.cli.commands import main

ROOT = Path(__file__).resolve().parents[1]


def test_one_version_everywhere(client: Any, store_path: Path, tmp_path: Path) -> None:
    changes = (ROOT / "CHANGES.md").read_text(encoding="utf-8")
    newest = re.search(r"^## (?:Unreleased \()?(\d+\.\d+\.\d+)", changes, re.M)
    assert newest is not None
    expected = newest[1]
    assert version() == expected
    assert CliRunner().invoke(main, ["--version"]).output.strip().endswith(expected)
    assert client.get("/openapi.json").json["info"]["version"] == expected
    release = tmp_path / "release"
    result = CliRunner().invoke(main, ["export", "--store", str(store_path), "--all", str(release)])
    assert result.exit_code == 0, result.output
    assert json.loads((release / "dataset.json").read_text(encoding="utf-8"))["version"] == expected
    built = tmp_path / "built"
    result = CliRunner().invoke(main, ["build", "--store", str(built)])
    assert result.exit_code == 0, result.output
    store = KnowledgeStore(built)
    assert store.manifest["release"]["version"] == expected
    dataset = f"<{DESCRIPTION_GRAPH}>"
    rows = store.rdf.query(
        f"SELECT ?owl ?dcat WHERE {{ GRAPH {dataset} {{ {dataset} "
        f"<http://www.w3.org/2002/07/owl#versionInfo> ?owl ; <{DCAT}version> ?dcat }} }}"
    )
    assert [(r["owl"].value, r["dcat"].value) for r in rows] == [(expected, expected)]  # type: ignore[union-attr]
