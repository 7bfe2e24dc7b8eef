"""The cookies in the app (AppTest; SQLite and PostgreSQL): a password login hands the browser
its session token and a new browser session with that cookie is still logged in; after a
logout, with a tampered cookie or a changed role it is not, and the cookie is deleted. The
survey sets a marker naming only the wave ids answered, and a browser that comes back with it
sees no second form. The cookie script is the one the documented CSP allows by its hash.
The real browser (reload, bookmark) is tests/e2e/test_reload_keeps_login.py."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from datetime import date
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from bgm_dashboard.auth.accounts import set_roles
from bgm_dashboard.auth.sessions import LIFETIME, SESSION_RESUMED
from bgm_dashboard.auth.viewer import SYSTEM, Viewer
from bgm_dashboard.context import Context
from bgm_dashboard.db.models import LoginSession, Response
from bgm_dashboard.i18n import t
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.periods import month_of
from bgm_dashboard.survey.waves import open_wave
from bgm_dashboard.ui import cookies
from bgm_dashboard.ui.auth import SESSION_COOKIE
from bgm_dashboard.ui.survey_marker import ANSWERED_COOKIE
from tests.auth_helpers import app_test, audit_rows, figure_elements
from tests.ballot_helpers import allow_open_link
from tests.conftest import REFERENCE, ROOT
from tests.test_auth_session import add_account, login_page, submit, viewer_of

MEIER = Viewer("meier", frozenset({"hr"}))


class _CookieWrites(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, tuple[str, int]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        name = values.get("data-bgm-cookie")
        if name:
            self.found[name] = (values.get("data-value") or "", int(values["data-max-age"] or 0))


def cookie_writes(at: AppTest) -> dict[str, tuple[str, int]]:
    """What the page tells the browser to store: name -> (value, max-age; 0 deletes)."""
    parser = _CookieWrites()
    for element in at.html:
        if "data-bgm-cookie" not in element.proto.body:
            continue  # the page's style rules (ui/layout.py): no script
        parser.feed(element.proto.body)
        assert element.proto.unsafe_allow_javascript
        scripts = re.findall(r"<script>(.*?)</script>", element.proto.body, re.S)
        assert scripts == [cookies.COOKIE_SCRIPT], "only the one constant script"
    return parser.found


def browser_with(monkeypatch: pytest.MonkeyPatch, sent: Mapping[str, str]) -> None:
    """The cookies the next browser session sends (AppTest itself sends none)."""
    monkeypatch.setattr(cookies, "browser_cookies", lambda: dict(sent))


def new_browser_session(db_url: str, monkeypatch: pytest.MonkeyPatch, token: str) -> AppTest:
    browser_with(monkeypatch, {SESSION_COOKIE: token})
    return app_test(db_url, monkeypatch).run()


def log_in(ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[AppTest, str]:
    add_account(ctx, "meier", ("hr",))
    at = login_page(db_url, monkeypatch)
    submit(at, "meier", "Frühlingsfest-2026")
    assert viewer_of(at) == MEIER
    token, max_age = cookie_writes(at)[SESSION_COOKIE]
    assert max_age == int(LIFETIME.total_seconds())
    return at, token


def test_login_sets_the_cookie_and_a_new_browser_session_resumes(
    ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, token = log_in(ctx, db_url, monkeypatch)
    with ctx.read() as session:
        hashes = list(session.scalars(select(LoginSession.token_hash)))
    assert hashes == [hashlib.sha256(token.encode()).hexdigest()]
    reloaded = new_browser_session(db_url, monkeypatch, token)
    assert not reloaded.exception, reloaded.exception
    assert viewer_of(reloaded) == MEIER
    assert any("meier" in c.value for c in reloaded.sidebar.caption)
    assert cookie_writes(reloaded) == {}, "the browser already holds it"
    reloaded.switch_page("pages/overview.py").run()  # a bookmarked page
    assert not reloaded.main.warning
    assert [e.actor for e in audit_rows(ctx, SESSION_RESUMED)] == ["meier"]


def test_logout_deletes_the_cookie_and_the_token_no_longer_opens(
    ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at, token = log_in(ctx, db_url, monkeypatch)
    at.button(key="login_page_logout").click().run()
    assert viewer_of(at) is None
    assert cookie_writes(at) == {SESSION_COOKIE: ("", 0)}
    reloaded = new_browser_session(db_url, monkeypatch, token)
    assert viewer_of(reloaded) is None
    assert not figure_elements(reloaded.switch_page("pages/overview.py").run())
    assert cookie_writes(reloaded) == {SESSION_COOKIE: ("", 0)}
    assert audit_rows(ctx, SESSION_RESUMED) == []


def test_a_tampered_cookie_or_a_role_change_logs_nobody_in(
    ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at, token = log_in(ctx, db_url, monkeypatch)
    tampered = new_browser_session(db_url, monkeypatch, token[:-2] + "xx")
    assert viewer_of(tampered) is None
    assert cookie_writes(tampered) == {SESSION_COOKIE: ("", 0)}
    with ctx.write() as session:
        set_roles(session, SYSTEM, "meier", ["hr", "council"])
    assert viewer_of(new_browser_session(db_url, monkeypatch, token)) is None
    at.run()  # the open session's next click
    assert viewer_of(at) is None
    assert [e.details["reason"] for e in audit_rows(ctx, "logout")] == ["revoked"]


def test_the_cookie_script_is_the_one_the_documented_csp_allows() -> None:
    digest = hashlib.sha256(cookies.COOKIE_SCRIPT.encode()).digest()
    source = f"'sha256-{base64.b64encode(digest).decode()}'"
    policy = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    lines = re.findall(r'Content-Security-Policy "([^"]+)"', policy)
    assert len(lines) == 2 and all(source in line for line in lines)


@pytest.fixture
def open_link_wave(ctx: Context) -> int:
    with ctx.write() as session:
        import_departments(session, REFERENCE / "departments.csv")
        allow_open_link(session, ctx.bank)
        wave = open_wave(
            session,
            month_of(date.today()),
            indicators=list(ctx.bank.indicator_codes),
            access="link",
        )
        return int(wave.id)


def answer(at: AppTest) -> AppTest:
    at.selectbox(key="department").set_value("A10")
    at.radio(key="item_enps").set_value(9)
    return at.button(key="submit").click().run()


def responses(ctx: Context) -> int:
    with ctx.read() as session:
        return int(session.scalar(select(func.count()).select_from(Response)) or 0)


def test_the_survey_marker_names_only_the_wave_and_hides_a_second_form(
    ctx: Context, db_url: str, open_link_wave: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser_with(monkeypatch, {ANSWERED_COOKIE: "999999"})  # an earlier wave's marker
    at = app_test(db_url, monkeypatch).run()
    assert at.button(key="submit"), "an old wave's marker does not hide this wave's form"
    answer(at)
    assert not at.exception, at.exception
    assert responses(ctx) == 1
    value, max_age = cookie_writes(at)[ANSWERED_COOKIE]
    assert sorted(value.split(".")) == sorted(["999999", str(open_link_wave)])
    assert max_age > 0
    # the reload: a new browser session that sends the marker back
    browser_with(monkeypatch, {ANSWERED_COOKIE: value})
    again = app_test(db_url, monkeypatch).run()
    assert not again.exception, again.exception
    assert [i.value for i in again.info] == [t("survey.answered_in_this_browser", "de")]
    assert not [b for b in again.button if b.key == "submit"], "no second form"
    assert not again.radio
    assert responses(ctx) == 1


def test_the_page_language_script_is_allowed_by_the_documented_csp() -> None:
    """`<html lang>` follows the user's language (screen readers choose the voice by it)
    through one constant script; the documented policy allows exactly that script."""
    from bgm_dashboard.ui.layout import LANG_SCRIPT

    digest = hashlib.sha256(LANG_SCRIPT.encode()).digest()
    source = f"'sha256-{base64.b64encode(digest).decode()}'"
    policy = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    lines = re.findall(r'Content-Security-Policy "([^"]+)"', policy)
    assert len(lines) == 2 and all(source in line for line in lines)
