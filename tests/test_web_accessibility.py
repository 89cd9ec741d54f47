"""Every control of every page has a label, and every page has a title and one main heading."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

PAGES = [
    "/",
    "/entity/NCBIGene:5743",
    "/entity/UBERON:0002048",
    "/entity/metakg:ref/61",
    "/search?q=cox",
    "/query",
    "/simulate",
    "/simulate?cancer=breast+cancer&genes=EREG%2C+PTGS2",
]
CONTROLS = {"input", "select", "textarea"}
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset"}


class Controls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str]] = []
        self.label_for: set[str] = set()
        self.label_depth = 0
        self.title = ""
        self.h1 = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "label":
            self.label_depth += 1
            if values.get("for"):
                self.label_for.add(values["for"])
        elif tag in CONTROLS and values.get("type", "") not in UNLABELLED_TYPES:
            self.controls.append({**values, "_tag": tag, "_wrapped": str(self.label_depth > 0)})
        elif tag == "title":
            self._in_title = True
        elif tag == "h1":
            self.h1 += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.label_depth -= 1
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


@pytest.mark.parametrize("url", PAGES)
def test_every_control_is_labelled(client: Any, url: str) -> None:
    response = client.get(url, headers={"Accept": "text/html"})
    assert response.status_code == 200, url
    page = Controls()
    page.feed(response.get_data(as_text=True))
    assert page.controls, url
    for control in page.controls:
        labelled = (
            control["_wrapped"] == "True"
            or control.get("id", "") in page.label_for
            or control.get("aria-label")
            or control.get("aria-labelledby")
        )
        assert labelled, (url, control)
    assert page.title.strip() and page.h1 == 1, url
