"""The version is one value: the package, `metakg --version`, the OpenAPI document, an export's
dataset description and the newest entry of CHANGES.md agree."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner

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
    result = CliRunner().invoke(
        main, ["export", "--store", str(store_path), "--all", str(release)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads((release / "dataset.json").read_text(encoding="utf-8"))["version"] == expected
