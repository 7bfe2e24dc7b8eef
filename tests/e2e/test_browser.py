"""A staff member answers on a phone; an HR user logs in and sees the dashboard."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.e2e
SCREENSHOTS = ROOT / "docs" / "screenshots"


def settle(page: Any) -> None:
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=30_000
    )
    page.wait_for_timeout(300)


def shoot(page: Any, name: str) -> None:
    """Screenshots for the README, written only when asked for (make screenshots)."""
    if os.environ.get("BGM_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=False)


def test_staff_answers_the_survey_on_a_phone(server: str, browser: Any) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="de-DE",
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.goto(server)
    settle(page)
    assert "Kurzbefragung" in page.locator("h1").first.inner_text()
    page.locator("[data-testid='stSelectbox']").first.click()
    page.get_by_role(
        "option", name="Dezernat II – Soziales, Jugend, Gesundheit › Jugendamt"
    ).click()
    groups = page.locator("[data-testid='stRadio']")
    assert groups.count() >= 20
    for index in range(5):  # WHO-5: "Meistens"
        groups.nth(index).get_by_text("Meistens", exact=True).click()
    groups.nth(0).scroll_into_view_if_needed()
    page.mouse.wheel(0, -260)
    page.wait_for_timeout(400)
    shoot(page, "survey-phone.png")
    page.get_by_role("button", name="Antworten absenden").click()
    settle(page)
    page.get_by_text("Vielen Dank!").first.wait_for(timeout=15_000)
    assert page.locator("[data-testid='stRadio']").count() == 0
    context.close()


def test_hr_logs_in_and_sees_the_heatmap(server: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="de-DE")
    page = context.new_page()
    page.goto(server)
    settle(page)
    page.get_by_role("link", name="Anmelden").click()
    settle(page)
    page.get_by_label("Benutzername").fill("hr")
    page.get_by_label("Passwort").fill("demo-hr")
    page.get_by_role("button", name="Anmelden").click()
    settle(page)
    page.get_by_role("link", name="Übersicht").click()
    settle(page)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    assert page.get_by_text("Alle Bereiche im").first.is_visible()
    page.wait_for_timeout(1000)
    shoot(page, "dashboard.png")
    context.close()
