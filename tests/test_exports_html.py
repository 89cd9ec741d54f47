"""The standalone HTML export: offline, the graph embedded as JSON, and a real browser run.

The browser test opens the page from disk in Debian's chromium through Playwright, with every
request outside ``file:`` counted as a failure, and saves a screenshot to
``tests/artifacts/export-html.png``.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest

from graph.exports import DatasetInfo, DirectoryOutput, StreamOutput, export_graph
from graph.exports.html import json_for_script

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


class PageScan(HTMLParser):
    """Collects src/href attributes and the text of the metakg-data element."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []
        self.data_parts: list[str] = []
        self.data_elements = 0
        self._in_data = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("src", "href"):
            if found.get(name):
                self.links.append((tag, name, found[name] or ""))
        if tag == "script" and found.get("id") == "metakg-data":
            assert found.get("type") == "application/json"
            self.data_elements += 1
            self._in_data = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_data = False

    def handle_data(self, data: str) -> None:
        if self._in_data:
            self.data_parts.append(data)


def export_html(graph: nx.MultiDiGraph, directory: Path, selection: str = "test") -> Path:
    output = DirectoryOutput(directory)
    export_graph(graph, "html", output, info=DatasetInfo(selection=selection))
    assert output.names == ["metakg.html"]
    return directory / "metakg.html"


def scan(path: Path) -> PageScan:
    parser = PageScan()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    assert parser.data_elements == 1
    return parser


def small_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    gene = next(n for n, d in graph.nodes(data=True) if d.get("symbol") == "PTGS2")
    keep = {gene, *graph.successors(gene)}
    return nx.MultiDiGraph(graph.subgraph(keep))


@pytest.fixture(scope="module")
def page(graph: nx.MultiDiGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_html(graph, tmp_path_factory.mktemp("html"), selection="whole graph")


def test_page_is_offline_and_embeds_the_graph(page: Path, graph: nx.MultiDiGraph) -> None:
    parsed = scan(page)
    remote = [link for link in parsed.links if re.match(r"\s*(https?:)?//", link[2], re.I)]
    assert remote == []
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link)\b[^>]*\b(src|href)\s*=\s*[\"']?\s*(https?:)?//", text)
    assert "vis.Network" in text and "window.metakgNetwork" in text
    document = json.loads("".join(parsed.data_parts))
    assert len(document["nodes"]) == graph.number_of_nodes()
    assert len(document["edges"]) == graph.number_of_edges()
    assert {n["id"] for n in document["nodes"]} == set(graph.nodes)
    assert {e["id"] for e in document["edges"]} == {k for _, _, k in graph.edges(keys=True)}
    edge = next(e for e in document["edges"] if e["kind"] == "association" and e["references"])
    data = graph.edges[edge["from"], edge["to"], edge["id"]]
    assert [r["id"] for r in edge["references"]] == data["references"]
    assert edge["confidence"] == data["confidence"]
    assert edge["retracted"] == data["rests_only_on_retracted"]
    numbered = [r for e in document["edges"] for r in e["references"] if r["number"]]
    assert numbered and all(isinstance(r["number"], int) for r in numbered)
    assert sum(c["count"] for c in document["categories"]) == graph.number_of_nodes()


def test_script_closing_tags_in_values_are_escaped(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    small = small_graph(graph)
    gene = next(n for n, d in small.nodes(data=True) if d.get("symbol") == "PTGS2")
    hostile = "</script><script>alert(1)</script> & <!-- x"
    small.nodes[gene]["description"] = hostile
    path = export_html(small, tmp_path)
    parsed = scan(path)  # one data element: the value did not close it
    document = json.loads("".join(parsed.data_parts))
    node = next(n for n in document["nodes"] if n["id"] == gene)
    assert node["attributes"]["description"] == hostile
    assert "alert(1)</script>" not in path.read_text(encoding="utf-8")
    assert json.loads(json_for_script({"a": "</b>"})) == {"a": "</b>"}


def test_deterministic_and_single_stream(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    small = small_graph(graph)
    first = export_html(small, tmp_path / "a").read_bytes()
    assert first == export_html(small, tmp_path / "b").read_bytes()
    stream = (tmp_path / "stream.html").open("wb")
    with stream:
        export_graph(small, "html", StreamOutput(stream), info=DatasetInfo(selection="test"))
    assert (tmp_path / "stream.html").read_bytes() == first


def browser_page(playwright):  # type: ignore[no-untyped-def]
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)


def click_edge(tab, graph: nx.MultiDiGraph, gene: str) -> None:  # type: ignore[no-untyped-def]
    """Click the middle of one of ``gene``'s edges with the mouse; check the evidence shown."""
    key, u, v = next(
        (k, u, v) for u, v, k, d in graph.out_edges(gene, keys=True, data=True)
        if d.get("references")
    )
    point = tab.evaluate(
        """([u, v]) => {
          const net = window.metakgNetwork;
          const p = net.getPositions([u, v]);
          return net.canvasToDOM({x: (p[u].x + p[v].x) / 2, y: (p[u].y + p[v].y) / 2});
        }""",
        [u, v],
    )
    box = tab.locator("#network").bounding_box()
    assert box is not None
    tab.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    details = tab.inner_text("#details")
    assert "confidence" in details and "References" in details, details
    assert graph.edges[u, v, key]["confidence"] in details
    assert graph.edges[u, v, key]["note"][:40] in details


CHROMIUM_MISSING = f"{CHROMIUM} is not installed (Debian package chromium)"


@pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING)
def test_page_works_in_chromium(page: Path, graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    errors: list[str] = []
    failed: list[str] = []
    outside: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = browser_page(playwright)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 900})
            tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.on("requestfailed", lambda r: failed.append(r.url))
            tab.on("request", lambda r: None if r.url.startswith(("file:", "data:"))
                   else outside.append(r.url))
            tab.goto(page.as_uri())
            tab.wait_for_function("window.metakgReady === true", timeout=60_000)
            loose = sum(
                1 for n, d in graph.nodes(data=True)
                if d["category"] == "publication" and graph.degree(n) == 0
            )
            total = tab.evaluate("window.metakgNetwork.body.data.nodes.length")
            assert total == graph.number_of_nodes()
            drawn = tab.evaluate("Object.keys(window.metakgNetwork.getPositions()).length")
            assert drawn == graph.number_of_nodes() - loose
            assert tab.locator("#network canvas").count() == 1
            legend = tab.locator("#legend li").all_inner_texts()
            assert any(text.startswith("gene (") for text in legend)

            # Search focuses a node and shows its attributes.
            tab.fill("#search", "PTGS2")
            tab.press("#search", "Enter")
            details = tab.inner_text("#details")
            assert "NCBIGene:" in details and "symbol" in details
            ptgs2 = next(n for n, d in graph.nodes(data=True) if d.get("symbol") == "PTGS2")
            selected = tab.evaluate("window.metakgNetwork.getSelectedNodes()")
            assert selected == [ptgs2]

            # The confidence filter hides low-confidence associations.
            tab.select_option("#confidence", "high")
            hidden = tab.evaluate(
                "window.metakgNetwork.body.data.edges.get({filter: e => e.hidden}).length"
            )
            expected = sum(
                1 for *_, d in graph.edges(data=True)
                if d["kind"] == "association" and d["confidence"] != "high"
            )
            assert hidden == expected
            tab.select_option("#confidence", "low")

            # Publications that no edge links are hidden until asked for.
            hidden_nodes = "metakgNetwork.body.data.nodes.get({filter: n => n.hidden}).length"
            assert loose > 0 and tab.evaluate(hidden_nodes) == loose
            tab.check("#publications")
            assert tab.evaluate(hidden_nodes) == 0
            tab.uncheck("#publications")

            tab.fill("#search", "PTGS2")
            tab.press("#search", "Enter")
            tab.evaluate("window.metakgNetwork.fit()")
            ARTIFACTS.mkdir(exist_ok=True)
            tab.screenshot(path=str(ARTIFACTS / "export-html.png"))

            # On a small subgraph, edges do not cross: a real click on an edge's middle.
            small = small_graph(graph)
            tab.goto(export_html(small, tmp_path).as_uri())
            tab.wait_for_function("window.metakgReady === true", timeout=60_000)
            count = tab.evaluate("Object.keys(window.metakgNetwork.getPositions()).length")
            assert count == small.number_of_nodes()  # no publications in it
            click_edge(tab, small, ptgs2)
            tab.screenshot(path=str(ARTIFACTS / "export-html-small.png"))
        finally:
            browser.close()
    assert errors == []
    assert failed == []
    assert outside == []
