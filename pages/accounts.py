"""Accounts and roles: administrators create accounts, change roles, reset passwords and
deactivate; the staff council sees the same list read-only (who may see what)."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from bgm_dashboard.auth.accounts import (
    LOGIN_ROLES,
    create_account,
    list_accounts,
    set_active,
    set_password,
    set_roles,
    unlock,
)
from bgm_dashboard.formatting import local_day, moment
from bgm_dashboard.ui.actions import act, show_flash
from bgm_dashboard.ui.confirm import confirm_button
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.guard import require_roles
from bgm_dashboard.ui.lang import lang, tr

viewer = require_roles("admin", "council")
ctx = app_context()
st.title(tr("accounts.title"))
st.caption(tr("accounts.caption"))
show_flash()


def roles_text(roles: tuple[str, ...] | list[str]) -> str:
    return ", ".join(tr(f"role.{r}") for r in roles) or "–"


with ctx.read() as session:
    accounts = list_accounts(session, viewer)
now = datetime.now(UTC)

if not accounts:
    st.info(tr("accounts.none"))
else:
    st.dataframe(
        [
            {
                tr("accounts.col_name"): a.username,
                tr("accounts.col_display"): a.display_name,
                tr("accounts.col_roles"): roles_text(a.roles),
                tr("accounts.col_scope"): a.scope or "–",
                tr("accounts.col_login"): " + ".join(
                    ([tr("accounts.login_password")] if a.has_password else [])
                    + (["SSO"] if a.oidc_subject else [])
                ),
                tr("accounts.col_state"): (
                    tr(
                        "accounts.locked_until",
                        until=moment(a.locked_until, lang()),
                    )
                    if a.locked_until is not None and a.locked_until > now
                    else tr("accounts.active" if a.active else "accounts.inactive")
                ),
                tr("accounts.col_created"): local_day(a.created_at, lang()),
            }
            for a in accounts
        ],
        hide_index=True,
        width="stretch",
    )

if not viewer.has("admin"):
    st.caption(tr("accounts.read_only"))
    st.stop()

st.subheader(tr("accounts.create"))
with st.form("account_create", clear_on_submit=True):
    c1, c2 = st.columns(2)
    name = c1.text_input(tr("accounts.col_name"), key="acc_new_name")
    display = c2.text_input(tr("accounts.col_display"), key="acc_new_display")
    roles = st.multiselect(
        tr("accounts.col_roles"),
        list(LOGIN_ROLES),
        format_func=lambda r: tr(f"role.{r}"),
        key="acc_new_roles",
        placeholder=tr("accounts.pick_roles"),
    )
    p1, p2 = st.columns(2)
    pw = p1.text_input(
        tr("accounts.password"), type="password", key="acc_new_pw", autocomplete="new-password"
    )
    pw2 = p2.text_input(
        tr("accounts.password_repeat"),
        type="password",
        key="acc_new_pw2",
        autocomplete="new-password",
    )
    subject = st.text_input(tr("accounts.oidc_subject"), key="acc_new_subject")
    created = st.form_submit_button(tr("accounts.create_submit"), type="primary")
if created:
    if pw != pw2:
        st.error(tr("account.password_mismatch"))
    else:
        act(
            lambda s: create_account(
                s,
                viewer,
                name or "",
                roles,
                password=pw or None,
                display_name=display or "",
                oidc_subject=subject or None,
            ),
            "accounts.created",
            name=(name or "").strip().lower(),
        )

if accounts:
    st.subheader(tr("accounts.change"))
    by_name = {a.username: a for a in accounts}
    chosen = st.selectbox(tr("accounts.col_name"), list(by_name), key="acc_pick")
    account = by_name[chosen]
    with st.form(f"account_roles_{chosen}"):
        new_roles = st.multiselect(
            tr("accounts.col_roles"),
            list(LOGIN_ROLES),
            default=list(account.roles),
            format_func=lambda r: tr(f"role.{r}"),
            placeholder=tr("accounts.pick_roles"),
        )
        if st.form_submit_button(tr("accounts.save_roles")):
            act(
                lambda s: set_roles(s, viewer, chosen, new_roles),
                "accounts.roles_saved",
                name=chosen,
            )
    with st.form(f"account_password_{chosen}", clear_on_submit=True):
        q1, q2 = st.columns(2)
        new_pw = q1.text_input(
            tr("accounts.password"), type="password", autocomplete="new-password"
        )
        new_pw2 = q2.text_input(
            tr("accounts.password_repeat"), type="password", autocomplete="new-password"
        )
        if st.form_submit_button(tr("accounts.set_password")):
            if new_pw != new_pw2:
                st.error(tr("account.password_mismatch"))
            else:
                act(
                    lambda s: set_password(s, viewer, chosen, new_pw or ""),
                    "accounts.password_saved",
                    name=chosen,
                )
    b1, b2 = st.columns(2)
    if account.active:
        confirm_button(
            tr("accounts.deactivate"),
            key=f"acc_deactivate_{chosen}",
            title=tr("confirm.deactivate_title"),
            consequence=tr("confirm.deactivate_consequence", name=chosen),
            confirm_label=tr("confirm.deactivate_confirm"),
            action=lambda s: set_active(s, viewer, chosen, False),
            done=lambda _: tr("accounts.deactivated", name=chosen),
            container=b1,
        )
    elif b1.button(tr("accounts.activate"), key=f"acc_activate_{chosen}"):
        act(lambda s: set_active(s, viewer, chosen, True), "accounts.activated", name=chosen)
    locked = account.locked_until is not None and account.locked_until > now
    if locked and b2.button(tr("accounts.unlock"), key=f"acc_unlock_{chosen}"):
        act(lambda s: unlock(s, viewer, chosen), "accounts.unlocked", name=chosen)
