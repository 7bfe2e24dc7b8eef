"""Login for HR, leadership, the staff council and administrators (staff need none)."""

from __future__ import annotations

import streamlit as st

from bgm_dashboard.auth.demo_accounts import DEMO_ACCOUNTS
from bgm_dashboard.ui.auth import (
    OIDC_ERROR_KEY,
    login_with_password,
    logout,
    oidc_available,
    role_names,
)
from bgm_dashboard.ui.demo import demo_notice
from bgm_dashboard.ui.lang import tr
from bgm_dashboard.ui.session import EXPIRED_KEY, current_viewer

viewer = current_viewer()
st.title(tr("login.title"))

if not viewer.is_staff_only:
    st.success(tr("login.signed_in_as", name=viewer.name, roles=role_names(viewer)))
    st.button(tr("login.logout"), key="login_page_logout", on_click=logout)
    st.stop()

st.caption(tr("login.staff_need_none"))
if st.session_state.get(EXPIRED_KEY):
    st.info(tr("login.expired"))
if st.session_state.get(OIDC_ERROR_KEY):
    st.error(tr("login.sso_refused"))

with st.form("login_form", clear_on_submit=True, border=True):
    username = st.text_input(tr("login.username"), key="login_username", autocomplete="username")
    password = st.text_input(
        tr("login.password"),
        type="password",
        key="login_password",
        autocomplete="current-password",
    )
    sent = st.form_submit_button(tr("login.submit"), type="primary", key="login_submit")

if sent:
    result = login_with_password(username or "", password or "")
    if result.ok:
        st.rerun()
    st.error(tr(result.message_key()))

if oidc_available():
    st.divider()
    if st.button(tr("login.sso"), key="login_sso", icon=":material/key:"):
        st.login()

# the demo passwords are listed only in demo mode, never in production
if demo_notice(sidebar=False) == "demo":
    st.divider()
    st.subheader(tr("login.demo_title"))
    st.markdown(tr("login.demo_intro"))
    st.markdown(
        "\n".join(
            tr(
                "login.demo_line",
                name=a.username,
                password=a.password,
                roles=", ".join(tr(f"role.{r}") for r in a.roles),
            )
            for a in DEMO_ACCOUNTS
        )
    )
