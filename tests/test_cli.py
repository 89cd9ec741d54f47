"""The `metakg` command line, in process (click's runner) and as the installed console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from server.cli.commands import main
from tests.conftest import SHARED, tree_digest


@pytest.fixture
def built(runner: CliRunner, tmp_path: Path) -> Path:
    store = tmp_path / "store"
    result = runner.invoke(main, ["build", "--store", str(store)])
    assert result.exit_code == 0, result.output
    return store


def test_build_prints_a_summary(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["build", "--store", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    assert "Nodes by category:" in result.stdout
    assert "Edges by predicate:" in result.stdout
    assert "Assertions by confidence: high" in result.stdout
    assert "reading ingest/data" in result.stderr


def test_build_uses_metakg_store(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "default-store" / "manifest.json").is_file()
    stats = runner.invoke(main, ["stats", "--json"])
    assert json.loads(stats.stdout)["store"] == str(tmp_path / "default-store")


def test_stats_json(runner: CliRunner, built: Path) -> None:
    result = runner.invoke(main, ["stats", "--json", "--store", str(built)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["review_references"] == 119
    assert data["ordered_cascade_steps"] == 6
    assert sum(data["confidence"].values()) == data["associations"]


def test_show_resolves_an_alias(runner: CliRunner, built: Path) -> None:
    result = runner.invoke(main, ["show", "COX2", "--store", str(built)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("PTGS2  [gene]  NCBIGene:5743")


def test_show_ereg_json_lists_class_steps_lung_breast_cancer_and_references(
    runner: CliRunner, built: Path
) -> None:
    result = runner.invoke(main, ["show", "EREG", "--json", "--store", str(built)])
    assert result.exit_code == 0, result.output
    entity = json.loads(result.stdout)
    assert entity["symbol"] == "EREG" and entity["id"] == "NCBIGene:2069"
    groups = entity["assertions"]
    assert any(a["object"]["label"] == "Metastasis progression gene" for a in groups["class"])
    steps = {a["object"]["id"].rsplit("/", 1)[1] for a in groups["step"]}
    assert {"intravasation", "arrest_extravasation"} <= steps
    assert any(a["object"]["id"] == "UBERON:0002048" for a in groups["organ"])
    assert any(a["object"]["id"] == "DOID:1612" for a in groups["cancer_type"])
    for items in groups.values():
        for item in items:
            assert item["references"], item
            for ref in item["references"]:
                assert ref["number"] and ref["citation"]


def test_show_by_curie_and_by_label(runner: CliRunner, built: Path) -> None:
    by_curie = runner.invoke(main, ["show", "HGNC:3443", "--json", "--store", str(built)])
    assert json.loads(by_curie.stdout)["symbol"] == "EREG"
    by_label = runner.invoke(main, ["show", "lung", "--store", str(built)])
    assert by_label.exit_code == 0
    assert "[organ]  UBERON:0002048" in by_label.stdout


def test_show_unknown_name_suggests(runner: CliRunner, built: Path) -> None:
    result = runner.invoke(main, ["show", "EREGG", "--store", str(built)])
    assert result.exit_code == 1
    assert "nothing is called 'EREGG'; did you mean ereg?" in result.stderr


def test_show_without_a_store(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["show", "EREG", "--store", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "run `metakg build` first" in result.stderr


def test_failed_build_leaves_the_store_byte_for_byte(
    runner: CliRunner, built: Path, tmp_path: Path
) -> None:
    before = tree_digest(built)
    bad = tmp_path / "mine.tsv"
    bad.write_text(
        "subject\tpredicate\tobject\treferences\tconfidence\tnote\n"
        "EREG\tmediates_metastasis_to\tlung\t61\thigh\tfine\n"
        "EREG\tmediates_metastasis_to\tliver\t61\tsure\tbad confidence\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["build", "--store", str(built), "--source", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3: [confidence] error: unknown confidence 'sure'" in result.stderr
    assert f"build failed; the store at {built} was not changed" in result.stderr
    assert tree_digest(built) == before


def test_validate(runner: CliRunner, tmp_path: Path) -> None:
    good = tmp_path / "good.tsv"
    good.write_text(
        "subject\tpredicate\tobject\treferences\tconfidence\tnote\n"
        "EREG\tmediates_metastasis_to\tlung\t61\thigh\tA fine row.\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["validate", str(good)])
    assert result.exit_code == 0, result.output
    assert "SHACL conforms" in result.stdout
    bad = tmp_path / "bad.tsv"
    bad.write_text(good.read_text().replace("EREG", "NOTAGENE"), encoding="utf-8")
    result = runner.invoke(main, ["validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2: [subject] error: 'NOTAGENE' is not a known gene" in result.stderr
    assert not (tmp_path / "default-store").exists()


def test_validate_the_curated_directory(runner: CliRunner) -> None:
    from ingest.curated import default_data_dir

    result = runner.invoke(main, ["validate", str(default_data_dir())])
    assert result.exit_code == 0, result.output


def test_references_command_regenerates_the_table(runner: CliRunner, tmp_path: Path) -> None:
    page = SHARED / "sources" / "nrc2622-review-page.txt"
    if not page.exists():
        pytest.skip(f"{page} is not available (the project's ../shared folder is absent)")
    from ingest.curated import default_data_dir

    data = default_data_dir()
    result = runner.invoke(
        main, ["references", str(page), "--ids", str(data / "reference_ids.tsv")]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == (data / "references.tsv").read_text(encoding="utf-8")


@pytest.mark.slow
def test_console_script(tmp_path: Path) -> None:
    beside = Path(sys.executable).parent / "metakg"
    exe = str(beside) if beside.exists() else shutil.which("metakg")
    if exe is None:
        pytest.skip("the metakg console script is not installed (pip install -e .)")
    env = {**os.environ, "METAKG_STORE": str(tmp_path / "store")}
    done = subprocess.run([exe, "build"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    shown = subprocess.run([exe, "show", "COX2"], env=env, capture_output=True, text=True)
    assert shown.returncode == 0 and "PTGS2" in shown.stdout
    help_text = subprocess.run([exe, "--help"], capture_output=True, text=True).stdout
    for command in ("build", "stats", "validate", "show", "references"):
        assert command in help_text
    assert "METAKG_STORE" in help_text
