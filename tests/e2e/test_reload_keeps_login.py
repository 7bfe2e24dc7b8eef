"""As a new user would, in Chromium: answer the survey once and reload — no second form; log
in, reload (F5) and open a bookmarked German address — still logged in; log out and reload —
logged out. The cookies the browser holds are checked too: what they contain and their
attributes (Path=/, SameSite=Strict; no Secure over plain http)."""

from __future__ import annotations

from typing import Any

import pytest

from bgm_dashboard.i18n import t
from tests.e2e.test_browser import settle

pytestmark = pytest.mark.e2e


def cookie(context: Any, name: str) -> dict[str, Any] | None:
    found = [c for c in context.cookies() if c["name"] == name]
    return found[0] if found else None


def wait_for_cookie(page: Any, name: str, *, present: bool) -> dict[str, Any] | None:
    for _ in range(50):
        value = cookie(page.context, name)
        if (value is not None) == present:
            return value
        page.wait_for_timeout(100)
    raise AssertionError(f"cookie {name} {'not set' if present else 'not deleted'}")


def signed_in(page: Any) -> bool:
    sidebar = page.locator("[data-testid='stSidebar']")
    return bool(sidebar.get_by_role("button", name=t("login.logout", "de")).count())


def test_reload_keeps_the_login_and_shows_no_second_survey_form(server: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()

    # answer once, reload: no second form
    page.goto(server)
    settle(page)
    page.locator("[data-testid='stSelectbox']").first.click()
    page.get_by_role("option").first.click()
    page.locator("[data-testid='stRadio']").first.get_by_text("Meistens", exact=True).click()
    page.get_by_role("button", name=t("survey.submit", "de")).click()
    settle(page)
    page.get_by_text("Vielen Dank!").first.wait_for(timeout=15_000)
    marker = wait_for_cookie(page, "bgm_answered", present=True)
    assert marker is not None and marker["value"].isdigit(), "only a wave id"
    assert (marker["path"], marker["sameSite"], marker["secure"]) == ("/", "Strict", False)
    page.reload()
    settle(page)
    page.get_by_text(t("survey.answered_in_this_browser", "de")).wait_for(timeout=15_000)
    assert page.locator("[data-testid='stRadio']").count() == 0
    assert page.get_by_role("button", name=t("survey.submit", "de")).count() == 0

    # log in, reload, open a bookmarked address: still logged in
    page.goto(f"{server}/anmelden")
    settle(page)
    page.get_by_label(t("login.username", "de")).fill("hr")
    page.get_by_label(t("login.password", "de")).fill("demo-hr")
    page.get_by_role("button", name=t("login.submit", "de")).click()
    settle(page)
    token = wait_for_cookie(page, "bgm_session", present=True)
    assert token is not None and len(token["value"]) >= 43
    assert (token["path"], token["sameSite"], token["secure"]) == ("/", "Strict", False)
    page.reload()
    settle(page)
    assert signed_in(page), "F5 keeps the login"
    page.goto(f"{server}/befragung")  # the staff landing page's address, now just a page
    settle(page)
    assert signed_in(page) and page.get_by_text("Page not found").count() == 0
    page.goto(f"{server}/uebersicht")
    settle(page)
    assert signed_in(page), "a bookmarked address keeps the login"
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    assert page.get_by_text(t("ui.login_required", "de")).count() == 0
    assert page.get_by_text("Page not found").count() == 0, "the landing page's address too"

    # log out, reload: logged out, and the cookie is gone
    page.locator("[data-testid='stSidebar']").get_by_role(
        "button", name=t("login.logout", "de")
    ).click()
    settle(page)
    wait_for_cookie(page, "bgm_session", present=False)
    page.reload()
    settle(page)
    assert not signed_in(page)
    page.get_by_text(t("ui.login_required", "de")).wait_for(timeout=15_000)
    context.close()
