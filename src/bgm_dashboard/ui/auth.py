"""Login and logout in the app: built-in accounts (password form) and, when ``[auth]`` is
configured in secrets, single sign-on through ``st.login()``. Roles are looked up again on
every run, so a deactivated account or a removed role takes effect at the next click. A
password login keeps a server-side session whose token the browser holds in the cookie
``bgm_session``: a reload or a bookmark resumes it until logout, timeout or revocation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from bgm_dashboard.auth.accounts import LoginResult, viewer_for_account
from bgm_dashboard.auth.login import login
from bgm_dashboard.auth.oidc import OidcConfig, oidc_config, oidc_login, oidc_viewer
from bgm_dashboard.auth.sessions import (
    LIFETIME,
    check_login_session,
    digest,
    open_login_session,
    resume_login_session,
)
from bgm_dashboard.auth.viewer import STAFF, Viewer
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.cookies import delete_cookie, read_cookie, set_cookie
from bgm_dashboard.ui.lang import tr
from bgm_dashboard.ui.session import (
    EXPIRED_KEY,
    OIDC_LOGOUT_KEY,
    VIEWER_KEY,
    cookie_state,
    current_viewer,
    end_session,
    idle_timeout,
    login_info,
    start_session,
)

OIDC_ERROR_KEY = "auth_oidc_error"
ROLE_KEYS = {r: f"role.{r}" for r in ("hr", "leadership", "council", "admin")}
SESSION_COOKIE = "bgm_session"


def _secret_section(name: str) -> Mapping[str, Any] | None:
    """A secrets section, or None when there is no secrets file or no such section."""
    try:
        if name in st.secrets:
            section = st.secrets[name]
            return section if isinstance(section, Mapping) else None
    except Exception:  # no secrets.toml at all: Streamlit raises; that means "not configured"
        return None
    return None


def oidc_available() -> bool:
    return _secret_section("auth") is not None


def _oidc_config() -> OidcConfig:
    return oidc_config(_secret_section("bgm_oidc"))


def _oidc_claims() -> dict[str, Any] | None:
    try:
        if not st.user.get("is_logged_in"):
            return None
        return dict(st.user.to_dict())
    except Exception:  # st.user without a script context or auth set up
        return None


def login_with_password(username: str, password: str) -> LoginResult:
    """Check the password (throttled; audited either way; the password check runs outside
    any write transaction) and start the session, server-side too (its cookie is set by
    ``sync_session_cookie`` in the next run)."""
    result = login(app_context(), username, password)
    if result.viewer is not None:
        with app_context().write() as session:
            token = open_login_session(session, result.viewer, "password")
        start_session(result.viewer, "password", token_hash=digest(token), token=token)
    return result


def _resume_from_cookie() -> Viewer | None:
    """Once per browser session: the login the browser's cookie still opens, if any."""
    state = cookie_state()
    if state.get("tried"):
        return None
    state["tried"] = True
    token = read_cookie(SESSION_COOKIE)
    if token is None:
        return None
    found = resume_login_session(app_context(), token, idle_timeout())
    if found is None:
        return None
    viewer, token_hash = found
    start_session(viewer, "password", token_hash=token_hash)
    return viewer


def sync_session_cookie(viewer: Viewer) -> None:
    """Run once per script run in ``app.py``: set the cookie after a login in this browser
    session; delete it after a logout, or when the cookie the browser came with opens no
    session any more."""
    state = cookie_state()
    sent = read_cookie(SESSION_COOKIE)
    token = state.get("token")
    if not viewer.is_staff_only:
        if isinstance(token, str) and sent != token:
            set_cookie(SESSION_COOKIE, token, int(LIFETIME.total_seconds()))
    elif sent is not None or state.get("set"):
        delete_cookie(SESSION_COOKIE)


def logout() -> None:
    viewer = current_viewer()
    if not viewer.is_staff_only:
        end_session(viewer, reason="user")


def ensure_session() -> Viewer:
    """Run once at the top of ``app.py``: session timeout, single sign-on, and a fresh look
    at the account (deactivated or stripped of its roles: logged out)."""
    viewer = current_viewer()
    if st.session_state.pop(OIDC_LOGOUT_KEY, False) and oidc_available():
        st.logout()
        return STAFF
    claims = _oidc_claims() if oidc_available() else None
    if viewer.is_staff_only:
        resumed = _resume_from_cookie()
        if resumed is not None:
            return resumed
        retry = not (st.session_state.get(EXPIRED_KEY) or st.session_state.get(OIDC_ERROR_KEY))
        if claims is not None and retry:
            with app_context().write() as session:
                result = oidc_login(session, claims, _oidc_config())
            if result.viewer is not None:
                start_session(result.viewer, "oidc")
                return result.viewer
            st.session_state[OIDC_ERROR_KEY] = True
        return viewer
    info = login_info()
    if info is None:
        return viewer  # put into the session directly (tests): nothing to refresh
    token_hash = info.get("token_hash")
    if isinstance(token_hash, str):
        # the server-side session: ended by a logout elsewhere, a role change, deactivation
        fresh = check_login_session(app_context(), token_hash, idle_timeout())
    else:
        with app_context().read() as session:
            if info.get("method") == "oidc":
                fresh = oidc_viewer(session, claims or {}, _oidc_config())[0]
            else:
                fresh = viewer_for_account(session, viewer.name)
    if fresh is None:
        end_session(viewer, reason="revoked")
        return STAFF
    if fresh != viewer:
        st.session_state[VIEWER_KEY] = fresh
    return fresh


def role_names(viewer: Viewer) -> str:
    return ", ".join(tr(ROLE_KEYS[r]) for r in ROLE_KEYS if r in viewer.roles)


def identity_sidebar(viewer: Viewer) -> None:
    """Who is logged in, and the logout button; or a note that the session ran out."""
    if viewer.is_staff_only:
        if st.session_state.get(EXPIRED_KEY):
            st.sidebar.info(tr("login.expired"))
        return
    st.sidebar.caption(tr("login.signed_in_as", name=viewer.name, roles=role_names(viewer)))
    # a callback: it runs before the next script run, whichever page that run shows
    st.sidebar.button(
        tr("login.logout"), key="logout_button", icon=":material/logout:", on_click=logout
    )
