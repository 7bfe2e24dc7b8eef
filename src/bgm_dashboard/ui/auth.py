"""Login and logout in the app: built-in accounts (password form) and, when ``[auth]`` is
configured in secrets, single sign-on through ``st.login()``. Roles are looked up again on
every run, so a deactivated account or a removed role takes effect at the next click."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from bgm_dashboard.auth.accounts import LoginResult, viewer_for_account
from bgm_dashboard.auth.login import login
from bgm_dashboard.auth.oidc import OidcConfig, oidc_config, oidc_login, oidc_viewer
from bgm_dashboard.auth.viewer import STAFF, Viewer
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.lang import tr
from bgm_dashboard.ui.session import (
    EXPIRED_KEY,
    OIDC_LOGOUT_KEY,
    VIEWER_KEY,
    current_viewer,
    end_session,
    login_info,
    start_session,
)

OIDC_ERROR_KEY = "auth_oidc_error"
ROLE_KEYS = {r: f"role.{r}" for r in ("hr", "leadership", "council", "admin")}


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
    any write transaction) and start the session."""
    result = login(app_context(), username, password)
    if result.viewer is not None:
        start_session(result.viewer, "password")
    return result


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
