"""`metakg diff`: two real builds that differ by one user source file, and the IO-free core."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from graph.diff import diff_graphs
from graph.model import EdgeRecord, NodeRecord, SourceLocation
from graph.property_graph import NetworkxSink
from graph.sinks import write_all
from graph.vocab import Category, Confidence, Predicate
from ingest.pipeline import KnowledgeBase, assemble, plan_sources
from server.cli.commands import main

USER_TSV = (
    "subject\tpredicate\tobject\tcancer_type\torgan\treferences\tconfidence\tevidence_type\tnote\n"
    "COX2\tmediates_metastasis_to\tbrain\tbreast cancer\t\tPMID:19421193;61\tmedium\txenograft\t"
    "COX2 also helped breast cancer cells cross the blood-brain barrier.\n"
    "EREG\tmediates_metastasis_to\tlung\t\t\t66\thigh\t\tA second row, citing a review reference.\n"
)


class Builds:
    """Two stores built by `metakg build`: the curated base, and the base plus mine.tsv."""

    def __init__(self, root: Path) -> None:
        self.tsv = root / "mine.tsv"
        self.tsv.write_text(USER_TSV, encoding="utf-8")
        self.base, self.plus = root / "base", root / "plus"
        runner = CliRunner()
        for store, extra in ((self.base, []), (self.plus, ["--source", str(self.tsv)])):
            result = runner.invoke(main, ["build", "--store", str(store), *extra])
            assert result.exit_code == 0, result.output
        self.kb_base: KnowledgeBase = assemble(plan_sources())
        self.kb_plus: KnowledgeBase = assemble(plan_sources([self.tsv]))

    def summary(self, store: Path) -> dict[str, Any]:
        return json.loads((store / "manifest.json").read_text(encoding="utf-8"))["summary"]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    return Builds(tmp_path_factory.mktemp("diff"))


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["diff", *args])
    assert result.exit_code == code, result.output
    return result.stdout


def assertions(kb: KnowledgeBase) -> set[tuple[str, str, str, str]]:
    return {(e.id, e.subject, e.predicate.key, e.object) for e in kb.edges}


@pytest.mark.slow
def test_diff_shows_exactly_what_the_extra_source_adds(builds: Builds) -> None:
    found = json.loads(run(str(builds.base), str(builds.plus), "--json"))
    assert found["identical"] is False
    new_nodes = {n.id for n in builds.kb_plus.nodes} - {n.id for n in builds.kb_base.nodes}
    assert {n["id"] for n in found["nodes"]["added"]} == new_nodes
    new_edges = assertions(builds.kb_plus) - assertions(builds.kb_base)
    assert len(new_edges) == 2
    assert {
        (a["id"], a["subject"], a["predicate"], a["object"]) for a in found["assertions"]["added"]
    } == new_edges
    for part in ("nodes", "assertions"):
        assert found[part]["removed"] == [] and found[part]["changed"] == []

    before, after = builds.summary(builds.base), builds.summary(builds.plus)
    for key, group in (("nodes_by_category", "nodes"), ("edges_by_predicate", "edges")):
        changes = {row["name"]: row["change"] for row in found["counts"][key]}
        expected = {k: after[group][k] - before[group][k] for k in after[group]}
        assert {k: v for k, v in changes.items() if v} == {k: v for k, v in expected.items() if v}
        assert {row["name"]: row["after"] for row in found["counts"][key]} == {
            k: v for k, v in after[group].items() if v
        }
    by_source = {row["name"]: row for row in found["counts"]["associations_by_source"]}
    origins = Counter(e.origin for e in builds.kb_plus.edges)
    assert {k: row["after"] for k, row in by_source.items()} == origins
    assert by_source["file:mine.tsv"] == {
        "name": "file:mine.tsv",
        "before": 0,
        "after": 2,
        "change": 2,
    }
    changed_inputs = [i for i in found["inputs"] if i["status"] != "same"]
    assert changed_inputs == [
        {
            "name": str(builds.tsv),
            "status": "added",
            "before": None,
            "after": hashlib.sha256(USER_TSV.encode()).hexdigest(),
        }
    ]


def test_the_table_lists_every_change(builds: Builds) -> None:
    text = run(str(builds.base), str(builds.plus))
    new_edges = assertions(builds.kb_plus) - assertions(builds.kb_base)
    for identifier, subject, predicate, obj in new_edges:
        assert f"  + {identifier}  {subject} {predicate} {obj}  [file:mine.tsv]" in text
    assert f"Assertions added: {len(new_edges)}" in text
    assert "Assertions removed: 0" in text
    assert "  + PMID:19421193  [publication]" in text
    before, after = builds.summary(builds.base), builds.summary(builds.plus)
    row = re.search(r"^  publication +(\d+) +(\d+) +(\S+)$", text, re.M)
    assert row is not None, text
    assert row.groups() == (
        str(before["nodes"]["publication"]),
        str(after["nodes"]["publication"]),
        "+1",
    )


def test_the_other_way_round_removes_them(builds: Builds) -> None:
    forward = json.loads(run(str(builds.base), str(builds.plus), "--json"))
    backward = json.loads(run(str(builds.plus), str(builds.base), "--json"))
    for part in ("nodes", "assertions"):
        assert backward[part]["removed"] == forward[part]["added"]
        assert backward[part]["added"] == []
    for key, rows in backward["counts"].items():
        assert [r["change"] for r in rows] == [-r["change"] for r in forward["counts"][key]]


@pytest.mark.slow
def test_a_store_and_a_rebuild_of_it_do_not_differ(builds: Builds, tmp_path: Path) -> None:
    assert "No differences" in run(str(builds.base), str(builds.base))
    again = tmp_path / "again"
    result = CliRunner().invoke(main, ["build", "--store", str(again)])
    assert result.exit_code == 0, result.output
    found = json.loads(run(str(builds.base), str(again), "--json", "--exit-code"))
    assert found["identical"] is True
    assert found["old"]["release"]["id"] == found["new"]["release"]["id"]
    for part in ("nodes", "assertions"):
        assert found[part] == {"added": [], "removed": [], "changed": []}
    for rows in found["counts"].values():
        assert rows and all(r["change"] == 0 and r["before"] == r["after"] for r in rows)


def test_exit_code_and_stable_json(builds: Builds) -> None:
    run(str(builds.base), str(builds.plus), "--exit-code", code=1)
    first = run(str(builds.base), str(builds.plus), "--json")
    assert run(str(builds.base), str(builds.plus), "--json") == first
    document = json.loads(first)
    assert list(document) == [
        "identical", "old", "new", "counts", "inputs", "nodes", "assertions",
    ]  # fmt: skip
    assert list(document["old"]) == ["store", "release"]
    assert list(document["assertions"]["added"][0]) == [
        "id", "subject", "predicate", "object", "source",
    ]  # fmt: skip


def test_a_path_inside_a_store_names_the_store(builds: Builds) -> None:
    found = json.loads(run(str(builds.base / "manifest.json"), str(builds.plus), "--json"))
    assert len(found["assertions"]["added"]) == 2


def test_a_path_that_is_not_a_store_is_a_clear_error(builds: Builds, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["diff", str(tmp_path / "nothing"), str(builds.base)])
    assert result.exit_code == 2
    assert f"OLD {tmp_path / 'nothing'} is not a metakg store (does not exist)" in result.stderr
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("x")
    result = CliRunner().invoke(main, ["diff", str(builds.base), str(notes)])
    assert result.exit_code == 2
    assert "NEW" in result.stderr and "has no manifest.json and oxigraph/" in result.stderr
    half = tmp_path / "half"
    shutil.copytree(builds.base, half, ignore=shutil.ignore_patterns("oxigraph"))
    result = CliRunner().invoke(main, ["diff", str(half), str(builds.base)])
    assert result.exit_code == 2 and "is not a metakg store" in result.stderr


# --- the core, on small graphs ------------------------------------------------------------

HERE = SourceLocation("test.tsv", 1)
GENE = NodeRecord("NCBIGene:7040", Category.GENE, "TGFB1", HERE, symbol="TGFB1")
ORGAN = NodeRecord("UBERON:0002481", Category.ORGAN, "Bone", HERE)
EDGE = EdgeRecord(
    "NCBIGene:7040",
    Predicate.MEDIATES_METASTASIS_TO,
    "UBERON:0002481",
    HERE,
    ("PMID:1",),
    Confidence.HIGH,
    "a note",
)


def graph_of(nodes: list[NodeRecord], edges: list[EdgeRecord]) -> Any:
    sink = NetworkxSink()
    write_all(sink, nodes, edges)
    return sink.graph


def test_a_changed_assertion_names_its_fields_and_a_moved_row_is_no_change() -> None:
    old = graph_of([GENE, ORGAN], [EDGE])
    moved = replace(EDGE, source=SourceLocation("test.tsv", 7))
    same = diff_graphs(old, graph_of([GENE, ORGAN], [moved]), old_manifest={}, new_manifest={})
    assert same.is_empty
    weaker = replace(EDGE, confidence=Confidence.LOW, note="revised")
    found = diff_graphs(old, graph_of([GENE, ORGAN], [weaker]), old_manifest={}, new_manifest={})
    assert not found.is_empty
    assert [(c.id, c.fields) for c in found.changed_assertions] == [
        (EDGE.id, ("confidence", "note"))
    ]
    assert found.added_assertions == found.removed_assertions == ()
    assert all(c.change == 0 for c in (*found.categories, *found.predicates, *found.sources))


def test_a_changed_input_digest_is_a_difference() -> None:
    graph = graph_of([GENE], [])
    old = {"sources": [{"name": "a.tsv", "ingestor": "assertions", "sha256": "0" * 64}]}
    new = {"sources": [{"name": "a.tsv", "ingestor": "assertions", "sha256": "1" * 64}]}
    found = diff_graphs(graph, graph, old_manifest=old, new_manifest=new)
    assert [(i.name, i.status) for i in found.inputs] == [("a.tsv", "changed")]
    assert not found.is_empty
    assert diff_graphs(graph, graph, old_manifest=old, new_manifest=old).is_empty


# --- docs/releases.md runs as written -------------------------------------------------------

DOCS = Path(__file__).resolve().parents[1] / "docs" / "releases.md"
METAKG = Path(sys.executable).with_name("metakg")


def doc_blocks(language: str) -> list[str]:
    text = DOCS.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.S | re.M)


def test_the_releases_guide_runs(
    live_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mine.tsv").write_text(doc_blocks("tsv")[0], encoding="utf-8")
    release, categories = doc_blocks("sparql")
    (tmp_path / "release.rq").write_text(release, encoding="utf-8")
    (tmp_path / "categories.rq").write_text(categories, encoding="utf-8")
    commands = [
        line[2:] for block in doc_blocks("console") for line in block.splitlines()
        if line.startswith("$ ")
    ]  # fmt: skip
    assert len(commands) == 8
    env = {"PATH": "/usr/bin:/bin", "METAKG_STORE": str(tmp_path / "unused")}
    outputs = []
    for command in commands:
        argv = shlex.split(command.replace("http://127.0.0.1:8000", live_server.url))
        extra = dict(a.split("=", 1) for a in argv if re.fullmatch(r"[A-Z_]+=\S*", a))
        argv = [a for a in argv if not re.fullmatch(r"[A-Z_]+=\S*", a)]
        if argv[0] == "metakg":
            argv[0] = str(METAKG)
        elif shutil.which(argv[0]) is None:
            continue
        done = subprocess.run(
            argv, cwd=tmp_path, env={**env, **extra}, capture_output=True, timeout=300
        )
        assert done.returncode == 0, (command, done.stderr.decode())
        outputs.append(done.stdout.decode())
    manifest = json.loads((tmp_path / "release-1" / "manifest.json").read_text())
    assert manifest["release"]["date"] == "2023-11-14T22:13:20Z"
    assert f"{manifest['release']['id']},2023-11-14T22:13:20Z" in outputs[1]
    assert "https://w3id.org/biolink/vocab/JournalArticle," in outputs[2]
    assert "Assertions added: 1" in "".join(outputs)
    monkeypatch.chdir(tmp_path)
    exec(compile(doc_blocks("python")[0], str(DOCS), "exec"), {})
