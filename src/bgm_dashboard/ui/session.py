"""Who uses this browser session: anonymous staff unless someone has logged in. A login
ends after ``BGM_SESSION_TIMEOUT_MINUTES`` without any interaction; a password login is also
a server-side session (``auth.sessions``) that a reload resumes from the browser's cookie."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import streamlit as st

from bgm_dashboard.auth.accounts import record_logout
from bgm_dashboard.auth.sessions import revoke_login_session
from bgm_dashboard.auth.viewer import STAFF, Viewer
from bgm_dashboard.ui.context import app_context

VIEWER_KEY = "viewer"
LOGIN_KEY = "auth_login"
"""How the viewer logged in: ``{"method": "password" | "oidc", "at": epoch seconds}`` and,
for a password login, ``"token_hash"`` of its server-side session. Absent when a test put a
viewer into the session directly."""
ACTIVITY_KEY = "auth_last_activity"
EXPIRED_KEY = "auth_expired"
OIDC_LOGOUT_KEY = "auth_oidc_logout"
COOKIE_KEY = "auth_cookie"
"""What this browser session did with the session cookie: ``{"token": the token to set, or
None; "set": a cookie was set here; "tried": the cookie the browser came with was tried}``.
Kept through a logout, so the cookie is deleted and not tried again."""


def _timeout_seconds() -> float:
    return float(app_context().settings.session_timeout_minutes) * 60.0


def idle_timeout() -> timedelta:
    return timedelta(seconds=_timeout_seconds())


def cookie_state() -> dict[str, Any]:
    state = st.session_state.get(COOKIE_KEY)
    if not isinstance(state, dict):
        state = {"token": None, "set": False, "tried": False}
        st.session_state[COOKIE_KEY] = state
    return state


def login_info() -> dict[str, Any] | None:
    info = st.session_state.get(LOGIN_KEY)
    return info if isinstance(info, dict) else None


def current_viewer() -> Viewer:
    """The session's viewer; ends a login whose last interaction is older than the timeout."""
    viewer = st.session_state.get(VIEWER_KEY)
    if not isinstance(viewer, Viewer):
        return STAFF
    now = time.time()
    last = st.session_state.get(ACTIVITY_KEY)
    if isinstance(last, int | float) and now - float(last) > _timeout_seconds():
        end_session(viewer, reason="timeout")
        st.session_state[EXPIRED_KEY] = True
        return STAFF
    st.session_state[ACTIVITY_KEY] = now
    return viewer


def start_session(
    viewer: Viewer, method: str, *, token_hash: str | None = None, token: str | None = None
) -> None:
    """A successful login (or a resumed one): the viewer, how, its server-side session, and
    the start of the inactivity clock. ``token``: a new session whose cookie is to be set."""
    now = time.time()
    st.session_state[VIEWER_KEY] = viewer
    info: dict[str, Any] = {"method": method, "at": now}
    if token_hash is not None:
        info["token_hash"] = token_hash
    st.session_state[LOGIN_KEY] = info
    if token is not None:
        cookie_state().update(token=token, set=True)
    st.session_state[ACTIVITY_KEY] = now
    st.session_state.pop(EXPIRED_KEY, None)


def end_session(viewer: Viewer, reason: str) -> None:
    """Forget the login (and everything the session cached for it); record the logout."""
    info = login_info()
    token_hash = info.get("token_hash") if info is not None else None
    with app_context().write() as session:
        record_logout(session, viewer, reason)
        if isinstance(token_hash, str):
            revoke_login_session(session, token_hash)
    cookie_state().update(token=None)
    keep = {"lang", COOKIE_KEY}
    for key in list(st.session_state.keys()):
        if key not in keep:
            del st.session_state[key]
    if info is not None and info.get("method") == "oidc":
        st.session_state[OIDC_LOGOUT_KEY] = True


def set_viewer(viewer: Viewer | None) -> None:
    if viewer is None:
        for key in (VIEWER_KEY, LOGIN_KEY, ACTIVITY_KEY):
            st.session_state.pop(key, None)
    else:
        st.session_state[VIEWER_KEY] = viewer
