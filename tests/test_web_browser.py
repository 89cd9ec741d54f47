"""The web pages in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright)
against a live `metakg serve`: search, the graph view and its expansion, the SPARQL editor and
the simulator, with no console message or page error on the way. Screenshots of every step go
to tests/artifacts/web-*.png."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None,
    reason=f"no Chromium at {CHROMIUM} (install the Debian package 'chromium')",
)


@pytest.fixture(scope="module")
def browser() -> Any:
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.messages = []  # every console message and page error, checked at the end
    opened.on("console", lambda m: opened.messages.append(f"console {m.type}: {m.text}"))
    opened.on("pageerror", lambda e: opened.messages.append(f"page error: {e}"))
    opened.on(
        "requestfailed", lambda r: opened.messages.append(f"request failed: {r.url} {r.failure}")
    )
    yield opened
    context.close()


def shot(page: Any, name: str, full: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web-{name}.png"), full_page=full)


def wait_until(page: Any, expression: str, timeout: float = 20.0) -> None:
    """Poll a JavaScript expression until it is truthy (``wait_for_function`` evaluates its
    predicate with ``eval``, which the pages' Content-Security-Policy rightly forbids)."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(100)


def node_count(page: Any) -> int:
    return int(page.evaluate("window.metakgGraph.nodes.length"))


def test_search_graph_expand(page: Any, live_server: Any) -> None:
    page.goto(live_server.url + "/")
    assert page.title().startswith("Home")
    shot(page, "1-home")
    box = page.get_by_label("Search entities")
    box.fill("COX2")
    page.wait_for_selector("#site-search-list li")  # the suggestions from /api/v1/search
    assert "PTGS2" in page.inner_text("#site-search-list")
    shot(page, "2-suggestions")
    box.press("Escape")
    assert page.locator("#site-search-list").is_hidden()
    assert box.input_value() == "COX2"
    box.press("Enter")
    page.wait_for_url("**/entity/NCBIGene:5743")
    assert page.inner_text("h1").startswith("PTGS2")
    wait_until(page, "window.metakgGraph && window.metakgGraph.nodes.length > 1")
    wait_until(page, "window.metakgGraph.stabilized")
    before = node_count(page)
    assert before > 1
    shot(page, "3-entity")
    # Expand a neighbour (the lung) by clicking its node on the canvas (scrolled fully into
    # view first: the canvas takes the focus on a click, which would scroll it under the mouse).
    page.evaluate("() => document.getElementById('graph-view').scrollIntoView({block: 'center'})")
    target = page.evaluate(
        """() => {
        const g = window.metakgGraph;
        const id = g.nodes.getIds().find(i => i === 'UBERON:0002048') ||
                   g.nodes.getIds().find(i => !g.nodes.get(i).seed);
        const p = g.network.canvasToDOM(g.network.getPositions([id])[id]);
        return {id: id, x: p.x, y: p.y};
    }"""
    )
    canvas = page.locator("#graph-view canvas").bounding_box()
    page.mouse.click(canvas["x"] + target["x"], canvas["y"] + target["y"])
    wait_until(page, f"window.metakgGraph.nodes.length > {before}")
    assert node_count(page) > before
    assert target["id"] in page.evaluate("Array.from(window.metakgGraph.expanded)")
    href = page.get_attribute("#g-download", "href")
    assert "around=" in href and "format=turtle" in href
    page.wait_for_timeout(1500)
    shot(page, "4-expanded")
    assert page.messages == []


def test_sparql_editor(page: Any, live_server: Any) -> None:
    page.goto(live_server.url + "/sparql", wait_until="networkidle")
    assert page.title().startswith("SPARQL editor")
    assert page.locator("#sparql-highlight .tok-kw").count() > 3
    page.get_by_role("button", name="Genes that mediate a cancer type").first.click()
    page.get_by_label("Query").press("Control+Enter")
    page.wait_for_selector("#sparql-table tbody tr")
    rows = page.locator("#sparql-table tbody tr").count()
    assert rows > 0
    assert f"{rows} row" in page.inner_text("#sparql-count")
    page.locator("#results-h").scroll_into_view_if_needed()
    page.evaluate("() => document.getElementById('sparql-run').scrollIntoView()")
    shot(page, "5-sparql")
    page.get_by_label("Query").fill("SELECT * WHERE { ?s ?p }")
    page.get_by_role("button", name="Run").click()
    page.wait_for_selector("#sparql-error:not([hidden])")
    assert "syntax" in page.inner_text("#sparql-error").casefold()
    page.evaluate("() => document.getElementById('sparql-run').scrollIntoView()")
    shot(page, "6-sparql-error")
    # A 400 answer is reported by Chromium as a failed resource load: expected here.
    page.messages[:] = [m for m in page.messages if "400 (BAD REQUEST)" not in m.upper()]
    assert page.messages == []


def test_simulator(page: Any, live_server: Any) -> None:
    page.goto(live_server.url + "/simulate")
    page.get_by_label("Cancer type").select_option(label="Breast cancer")
    page.get_by_label("Genes").fill("EREG, COX2, MMP1, ANGPTL4")
    page.get_by_role("button", name="Simulate").click()
    page.wait_for_selector("#risk-chart")
    assert page.locator("#risk-chart rect.bar-risk").count() >= 5
    assert "Lung" in page.locator("#risk-chart").text_content()
    shot(page, "7-simulate", full=False)
    page.locator("#paths-h").scroll_into_view_if_needed()
    shot(page, "8-simulate-paths")
    assert page.messages == []
