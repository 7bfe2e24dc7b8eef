"""HR in the browser: the rhythm page and the confirmation before closing a wave, in German
and English, on a desktop and a phone (Debian's Chromium)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_browser import settle

pytestmark = pytest.mark.e2e

VIEWS = [("de", 1280, 900), ("en", 390, 844)]


def shots(tmp_path: Path) -> Path:
    """Where screenshots go: BGM_PULSE_SHOTS to look at them, else the test's folder."""
    folder = Path(os.environ.get("BGM_PULSE_SHOTS", str(tmp_path)))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sidebar(page: Any, phone: bool, action: Any) -> None:
    """Do ``action`` in the sidebar (on a phone: open it first, close it afterwards)."""
    if phone:
        page.get_by_test_id("stExpandSidebarButton").click()
        page.wait_for_timeout(500)
    action(page.get_by_test_id("stSidebar"))
    settle(page)
    if phone:
        page.get_by_test_id("stSidebarCollapseButton").click()
        page.wait_for_timeout(500)


def go(page: Any, name: str, phone: bool) -> None:
    """Open a page from the navigation."""
    sidebar(page, phone, lambda bar: bar.get_by_role("link", name=name, exact=True).click())


def login(page: Any, server: str, lang: str, phone: bool) -> None:
    page.goto(server)
    settle(page)
    go(page, "Anmelden", phone)
    page.get_by_label("Benutzername").fill("hr")
    page.get_by_label("Passwort").fill("demo-hr")
    page.get_by_role("button", name="Anmelden").click()
    settle(page)
    if lang == "en":
        sidebar(page, phone, lambda bar: bar.get_by_text("English", exact=True).click())


@pytest.mark.parametrize(("lang", "width", "height"), VIEWS)
def test_hr_sees_the_rhythm_page_and_closing_asks_first(
    server: str, browser: Any, tmp_path: Path, lang: str, width: int, height: int
) -> None:
    phone = width < 500
    context = browser.new_context(
        viewport={"width": width, "height": height},
        locale="de-DE" if lang == "de" else "en-GB",
        is_mobile=phone,
        has_touch=phone,
    )
    page = context.new_page()
    folder = shots(tmp_path)
    login(page, server, lang, phone)
    rhythm = "Befragungsrhythmus" if lang == "de" else "Survey rhythm"
    go(page, rhythm, phone)
    assert page.locator("h1").first.inner_text().startswith(rhythm)
    page.screenshot(path=str(folder / f"pulse-{lang}-{width}.png"), full_page=True)

    go(page, "Befragungen" if lang == "de" else "Survey waves", phone)
    close = "Befragung endgültig schließen" if lang == "de" else "Close wave for good"
    page.get_by_role("button", name=close).click()
    settle(page)
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=15_000)
    dialog.get_by_role("button", name="Abbrechen" if lang == "de" else "Cancel").wait_for()
    assert ("nicht rückgängig" if lang == "de" else "cannot be undone") in dialog.inner_text()
    page.screenshot(path=str(folder / f"close-dialog-{lang}-{width}.png"))
    dialog.get_by_role("button", name="Abbrechen" if lang == "de" else "Cancel").click()
    settle(page)
    page.get_by_role("dialog").wait_for(state="detached", timeout=15_000)
    context.close()
