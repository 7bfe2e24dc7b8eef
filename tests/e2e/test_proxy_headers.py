"""The Content-Security-Policy proposed for the reverse proxy (docs/security.md) lets the app
work: with the header on every response, the survey and the HR dashboard (Plotly) render in
Chromium and the browser reports no CSP violation. The policy is read from the docs, so the
documented lines are the tested ones."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.e2e


def documented_policy() -> str:
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    found = re.search(r'add_header Content-Security-Policy "([^"]+)" always;', text)
    assert found, "docs/security.md must hold the nginx CSP line"
    caddy = re.search(r'Content-Security-Policy "([^"]+)"\n', text)
    assert caddy and caddy.group(1) == found.group(1), "nginx and Caddy lines must agree"
    return found.group(1)


def settle(page: Any) -> None:
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=30_000
    )
    page.wait_for_timeout(700)


@pytest.fixture
def proxied_browser(browser_available: None) -> Iterator[Any]:
    """Chromium that lets a page whose responses the test rewrote open the app's WebSocket
    (otherwise its local-network check blocks it: a test artefact, not the policy)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks"],
            headless=True,
        )
        yield chromium
        chromium.close()


def test_the_documented_csp_lets_the_app_work(server: str, proxied_browser: Any) -> None:
    policy = documented_policy()
    browser = proxied_browser
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )

    def with_headers(route: Any) -> None:
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": policy, "x-frame-options": "DENY"}
        route.fulfill(response=response, headers=headers)

    page.route("**/*", with_headers)
    page.goto(server)
    settle(page)
    assert "Kurzbefragung" in page.locator("h1").first.inner_text()  # the survey works
    page.get_by_role("link", name="Anmelden").click()
    settle(page)
    page.get_by_label("Benutzername").fill("hr")
    page.get_by_label("Passwort").fill("demo-hr")
    page.get_by_role("button", name="Anmelden").click()
    settle(page)
    page.get_by_role("link", name="Übersicht").click()  # the login page stays after a login
    settle(page)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)  # the dashboard draws
    # the cookie script (allowed by its hash) ran: the login survives a reload
    assert "bgm_session" in {c["name"] for c in context.cookies()}
    context.close()
    assert violations == []
