"""Login, logout and session timeout in the app (AppTest): the login form with its audit
entries and lockout message, logout from the sidebar and the login page, the inactivity
timeout, a deactivated account losing its open session, and demo accounts only in demo mode.
SQLite and PostgreSQL (the demo walk-through on the shared SQLite demo database)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from streamlit.testing.v1 import AppTest

from bgm_dashboard.auth.accounts import MAX_FAILURES, create_account, set_active, set_roles
from bgm_dashboard.auth.demo_accounts import DEMO_ACCOUNTS
from bgm_dashboard.auth.viewer import SYSTEM, Viewer
from bgm_dashboard.context import Context
from bgm_dashboard.i18n import t
from bgm_dashboard.ui.auth import OIDC_ERROR_KEY
from bgm_dashboard.ui.session import ACTIVITY_KEY, EXPIRED_KEY, LOGIN_KEY, VIEWER_KEY
from tests.auth_helpers import app_test, audit_rows, figure_elements

PASSWORD = "Frühlingsfest-2026"


def add_account(ctx: Context, name: str = "meier", roles: tuple[str, ...] = ("hr",)) -> None:
    with ctx.write() as session:
        create_account(session, SYSTEM, name, roles, password=PASSWORD)


def login_page(db_url: str, monkeypatch: pytest.MonkeyPatch, **env: str) -> AppTest:
    at = app_test(db_url, monkeypatch, **env)
    at.run()
    at.switch_page("pages/login.py").run()
    assert not at.exception, at.exception
    return at


def submit(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="login_username").input(name)
    at.text_input(key="login_password").input(password)
    return at.button(key="login_submit").click().run()


def logged_in(at: AppTest, viewer: Viewer, *, idle_seconds: float = 0.0) -> AppTest:
    """A session as the login form leaves it (``idle_seconds`` since the last click)."""
    at.session_state[VIEWER_KEY] = viewer
    at.session_state[LOGIN_KEY] = {"method": "password", "at": time.time() - idle_seconds}
    at.session_state[ACTIVITY_KEY] = time.time() - idle_seconds
    return at


def viewer_of(at: AppTest) -> Viewer | None:
    return at.session_state.get(VIEWER_KEY, None)


def test_login_form_logs_in_and_records_success_and_failure(
    ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_account(ctx, "meier", ("hr", "council"))
    at = login_page(db_url, monkeypatch)
    submit(at, "meier", "falsches-passwort")
    assert viewer_of(at) is None
    assert [e.value for e in at.error] == [t("login.failed", "de")]
    submit(at, "meier", PASSWORD)
    assert viewer_of(at) == Viewer("meier", frozenset({"hr", "council"}))
    assert not at.error
    assert any("meier" in s.value for s in at.success)  # "Angemeldet als meier"
    assert [e.details["reason"] for e in audit_rows(ctx, "login_failed")] == ["password"]
    assert [e.actor for e in audit_rows(ctx, "login")] == ["meier"]
    assert "login_password" not in [w.key for w in at.text_input]  # the form is gone


def test_login_form_shows_the_lockout(
    ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_account(ctx)
    at = login_page(db_url, monkeypatch)
    for _ in range(MAX_FAILURES):
        submit(at, "meier", "falsches-passwort")
    # the same message as for a wrong password or an unknown name: nothing to enumerate
    assert [e.value for e in at.error] == [t("login.failed", "de")]
    submit(at, "meier", PASSWORD)
    assert viewer_of(at) is None, "a locked account stays locked even with the right password"


def test_logout_from_the_sidebar_ends_the_session(
    ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_account(ctx)
    at = logged_in(app_test(db_url, monkeypatch), Viewer("meier", frozenset({"hr"})))
    at.run()
    assert not at.exception, at.exception
    assert any("meier" in c.value for c in at.sidebar.caption)
    at.sidebar.button(key="logout_button").click().run()
    assert viewer_of(at) is None
    assert LOGIN_KEY not in at.session_state
    assert [(e.actor, e.details["reason"]) for e in audit_rows(ctx, "logout")] == [
        ("meier", "user")
    ]
    assert not figure_elements(at)


def test_logout_from_the_login_page(
    ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_account(ctx)
    at = login_page(db_url, monkeypatch)
    submit(at, "meier", PASSWORD)
    at.button(key="login_page_logout").click().run()
    assert viewer_of(at) is None
    assert [e.details["reason"] for e in audit_rows(ctx, "logout")] == ["user"]


def test_session_times_out_after_inactivity(
    ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_account(ctx)
    minutes = 30
    fresh = app_test(db_url, monkeypatch, BGM_SESSION_TIMEOUT_MINUTES=str(minutes))
    logged_in(fresh, Viewer("meier", frozenset({"hr"})), idle_seconds=(minutes - 1) * 60)
    fresh.run()
    assert viewer_of(fresh) == Viewer("meier", frozenset({"hr"}))
    idle = app_test(db_url, monkeypatch, BGM_SESSION_TIMEOUT_MINUTES=str(minutes))
    logged_in(idle, Viewer("meier", frozenset({"hr"})), idle_seconds=(minutes + 1) * 60)
    idle.run()
    assert not idle.exception, idle.exception
    assert viewer_of(idle) is None
    assert idle.session_state[EXPIRED_KEY] is True
    assert [i.value for i in idle.sidebar.info] == [t("login.expired", "de")]
    assert not figure_elements(idle), "an expired session must see no figures"
    assert [e.details["reason"] for e in audit_rows(ctx, "logout")] == ["timeout"]


def test_timeout_also_guards_a_page_opened_directly(
    ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_test(db_url, monkeypatch)
    logged_in(at, Viewer("meier", frozenset({"hr"})), idle_seconds=3 * 3600)
    at.switch_page("pages/overview.py").run()  # before any run: the page file itself runs
    assert viewer_of(at) is None
    assert [w.value for w in at.warning] == [t("ui.login_required", "de")]
    assert not figure_elements(at)


def test_deactivation_or_role_change_reaches_an_open_session(
    ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_account(ctx, "chefin", ("admin",))
    add_account(ctx, "meier", ("hr", "council"))

    def next_click() -> AppTest:
        """The session's next run through ``app.py`` (AppTest reruns only the page)."""
        at = logged_in(app_test(db_url, monkeypatch), Viewer("meier", frozenset({"hr", "council"})))
        return at.run()

    assert viewer_of(next_click()) == Viewer("meier", frozenset({"hr", "council"}))
    with ctx.write() as session:
        set_roles(session, SYSTEM, "meier", ["hr"])
    assert viewer_of(next_click()) == Viewer("meier", frozenset({"hr"}))
    with ctx.write() as session:
        set_active(session, SYSTEM, "meier", False)
    at = next_click()
    assert viewer_of(at) is None
    assert not figure_elements(at)
    assert [e.details["reason"] for e in audit_rows(ctx, "logout")] == ["revoked"]


def test_no_accounts_and_no_demo_hint_outside_demo_mode(
    ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = login_page(db_url, monkeypatch)
    text = " ".join(m.value for m in at.markdown)
    assert "demo-hr" not in text and t("login.demo_title", "de") not in [
        s.value for s in at.subheader
    ]
    for demo in DEMO_ACCOUNTS:
        submit(at, demo.username, demo.password)
        assert viewer_of(at) is None
    assert {e.details["reason"] for e in audit_rows(ctx, "login_failed")} == {"unknown_account"}


@pytest.fixture
def demo_copy(demo_db: str, tmp_path: Path) -> str:
    """A private copy of the shared demo database (logins write audit entries)."""
    source = Path(str(make_url(demo_db).database))
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copy(f"{source}{suffix}", tmp_path / f"demo.sqlite3{suffix}")
    return f"sqlite:///{tmp_path / 'demo.sqlite3'}"


def test_demo_walk_through(demo_copy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a new user after ``make run``: the login page lists the demo accounts; HR sees the
    dashboards; the staff council sees the settings history and the audit log; a staff
    browser reaches neither."""
    at = login_page(demo_copy, monkeypatch, BGM_ENV="demo")
    listing = " ".join(m.value for m in at.markdown)
    for demo in DEMO_ACCOUNTS:
        assert f"`{demo.password}`" in listing and demo.username in listing
    submit(at, "hr", "demo-hr")
    assert viewer_of(at) == Viewer("hr", frozenset({"hr"}))
    at.switch_page("pages/overview.py").run()
    assert not at.exception and not at.main.warning
    assert figure_elements(at), "HR sees the dashboard's figures"

    council = login_page(demo_copy, monkeypatch, BGM_ENV="demo")
    submit(council, "personalrat", "demo-personalrat")
    council.switch_page("pages/governance.py").run()
    assert not council.exception and not council.main.warning
    assert [s.value for s in council.subheader][:1] == [t("governance.in_force", "de")]
    assert t("governance.history", "de") in [s.value for s in council.subheader]
    council.switch_page("pages/audit.py").run()
    assert not council.exception and not council.main.warning
    assert council.success[0].value.startswith("Prüfkette intakt")
    log = " ".join(council.dataframe[0].value["Was geschah"])
    assert ": hr (BGM-Team) hat sich angemeldet." in log
    assert "hat die Zahlen aller Bereiche" in log and "view_figures" not in log

    for page in ("pages/overview.py", "pages/governance.py", "pages/audit.py"):
        staff = app_test(demo_copy, monkeypatch)
        staff.switch_page(page).run()
        assert [w.value for w in staff.warning] == [t("ui.login_required", "de")]
        assert not figure_elements(staff)


OIDC_SECRETS = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret",
    "client_id": "bgm",
    "client_secret": "secret",
    "server_metadata_url": "https://login.example.de/.well-known/openid-configuration",
}


def test_single_sign_on_maps_roles_from_the_account_table(
    ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ctx.write() as session:
        create_account(session, SYSTEM, "schulz", ["leadership"], oidc_subject="sub-42")
    at = app_test(db_url, monkeypatch)
    at.secrets["auth"] = OIDC_SECRETS
    at.user = {"is_logged_in": True, "sub": "sub-42", "email": "schulz@stadt.de"}
    at.run()
    assert not at.exception, at.exception
    assert viewer_of(at) == Viewer("schulz", frozenset({"leadership"}))
    assert at.session_state[LOGIN_KEY]["method"] == "oidc"
    assert [(e.actor, e.details) for e in audit_rows(ctx, "login")] == [
        ("schulz", {"method": "oidc"})
    ]


def test_single_sign_on_with_a_roles_claim_and_an_unknown_identity(
    ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_test(db_url, monkeypatch)
    at.secrets["auth"] = OIDC_SECRETS
    at.secrets["bgm_oidc"] = {"roles_claim": "groups", "role_map": {"BGM-Team": "hr"}}
    at.user = {
        "is_logged_in": True,
        "sub": "s-1",
        "preferred_username": "lena",
        "groups": ["BGM-Team"],
    }
    at.run()
    assert viewer_of(at) == Viewer("lena", frozenset({"hr"}))
    stranger = app_test(db_url, monkeypatch)
    stranger.secrets["auth"] = OIDC_SECRETS
    stranger.user = {"is_logged_in": True, "sub": "s-2", "email": "x@stadt.de"}
    stranger.run()
    assert viewer_of(stranger) is None, "no roles claim configured, no account: no access"
    assert not figure_elements(stranger)
    assert [e.details["reason"] for e in audit_rows(ctx, "login_failed")] == ["unknown_account"]
    assert stranger.session_state[OIDC_ERROR_KEY] is True
    # the session's next click through app.py does not try (and record) again
    again = app_test(db_url, monkeypatch)
    again.secrets["auth"] = OIDC_SECRETS
    again.user = {"is_logged_in": True, "sub": "s-2", "email": "x@stadt.de"}
    again.session_state[OIDC_ERROR_KEY] = True
    again.run()
    assert viewer_of(again) is None
    assert len(audit_rows(ctx, "login_failed")) == 1
