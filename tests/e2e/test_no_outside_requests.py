"""In Chromium, on a demo whose texts are all hostile (outside images in Markdown and HTML,
javascript: links): walking every page as staff and as HR sends no request to any host but
the app's own, and no image or link from user text appears in the page."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest

from bgm_dashboard.ui.plain import WORD_JOINER
from tests.conftest import SAMPLE
from tests.e2e.conftest import serve
from tests.hostile import EVIL_HOST, hostile, make_hostile

pytestmark = pytest.mark.e2e

STAFF_PAGES = ["Befragung", "Gesagt und getan"]
HR_PAGES = ["Übersicht", "Bereichsseite", "Krisen und Erholung", "Maßnahmen", "Beteiligung"]


@pytest.fixture(scope="module")
def hostile_server(
    browser_available: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("hostile_e2e")
    url = f"sqlite:///{folder / 'hostile.sqlite3'}"
    make_hostile(url, SAMPLE, folder / "sample")
    with serve(url) as base:
        yield base


def settle(page: Any) -> None:
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=30_000
    )
    page.wait_for_timeout(700)


def visit(page: Any, name: str) -> None:
    link = page.get_by_role("link", name=name).first
    if link.get_attribute("aria-current") != "page":
        link.click()
    settle(page)


def test_no_request_leaves_for_an_outside_host(hostile_server: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()
    hosts: list[str] = []
    page.on("request", lambda request: hosts.append(urlparse(request.url).hostname or ""))
    page.goto(hostile_server)
    settle(page)
    for name in STAFF_PAGES:
        visit(page, name)
    visit(page, "Anmelden")
    page.get_by_label("Benutzername").fill("hr")
    page.get_by_label("Passwort").fill("demo-hr")
    page.get_by_role("button", name="Anmelden").click()
    settle(page)
    seen_text = ""
    for name in HR_PAGES:
        visit(page, name)
        assert page.locator(f"img[src*='{EVIL_HOST}']").count() == 0, name
        assert page.locator("a[href^='javascript']").count() == 0, name
        links = page.locator(f"a[href*='{EVIL_HOST}']")  # Streamlit links bare URLs itself
        assert links.count() == 0, [links.nth(i).evaluate("e => e.outerHTML") for i in range(2)]
        expected = {"Übersicht": "Unit ![x]", "Maßnahmen": "Plan ![x]"}.get(name)
        if expected:  # the overview's chart draws its labels after the run ends
            with contextlib.suppress(Exception):
                page.wait_for_function(
                    "t => document.querySelector(\"[data-testid='stMain']\").innerText.includes(t)",
                    arg=expected,
                    timeout=8_000,
                )
        seen_text += page.locator("[data-testid='stMain']").inner_text().replace(WORD_JOINER, "")
    context.close()
    assert hosts, "the browser made no request at all"
    outside = sorted({h for h in hosts if h not in ("127.0.0.1", "localhost")})
    assert outside == [], f"requests left for {outside}"
    # the hostile texts were on the pages, as typed
    assert hostile("Unit") in seen_text and hostile("Plan") in seen_text
