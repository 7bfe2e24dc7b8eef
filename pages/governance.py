"""Governance with the staff council: the anonymity settings in force, proposals (HR,
administrators), the council's four-eyes decision, and every setting's history."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

import streamlit as st

from bgm_dashboard.auth.viewer import FIGURE_ROLES, ROLES
from bgm_dashboard.formatting import moment
from bgm_dashboard.governance.changes import (
    APPROVER_ROLES,
    INT_KEYS,
    PENDING,
    PROPOSER_ROLES,
    RETENTION_FLOORS,
    approve,
    history,
    propose,
    reject,
    settings_in_force,
    withdraw,
)
from bgm_dashboard.governance.documents import FORMATS, KINDS, MEDIA, build, file_name, render
from bgm_dashboard.governance.labels import format_setting, setting_help, setting_name
from bgm_dashboard.governance.settings import KEYS
from bgm_dashboard.settings import ABSOLUTE_MIN_GROUP_SIZE
from bgm_dashboard.ui.actions import act, show_flash
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.downloads import audited_download
from bgm_dashboard.ui.guard import require_roles
from bgm_dashboard.ui.lang import lang, tr
from bgm_dashboard.ui.plain import plain

viewer = require_roles("hr", "admin", "council")
ctx = app_context()
bank = ctx.bank
st.title(tr("governance.title"))
st.info(tr("governance.applies_later"))
show_flash()


def show(key: str, value: Any) -> str:
    return str(format_setting(key, value, bank, lang()))


def when(value: Any) -> str:
    return moment(value, lang()) if value is not None else "–"


with ctx.read() as session:
    in_force = settings_in_force(session, viewer, ctx.settings)
    changes = history(session, viewer)

st.subheader(tr("governance.in_force"))
st.dataframe(
    [
        {
            tr("governance.col_setting"): setting_name(s.key, lang()),
            tr("governance.col_value"): show(s.key, s.value),
            tr("governance.col_source"): (
                tr("governance.source_approved", when=when(s.since), by=s.approved_by or "–")
                if s.approved
                else tr("governance.source_default")
            ),
        }
        for s in in_force
    ],
    hide_index=True,
    width="stretch",
)


def document(kind: str, fmt: str) -> bytes:
    with ctx.read() as session:
        return render(build(session, kind, bank, lang=lang(), config=ctx.settings), fmt)


# the documents for the staff council and the data protection officer, from these settings
st.subheader(tr("doc.page_title"))
st.caption(tr("doc.page_caption"))
for column, kind in zip(st.columns(len(KINDS)), KINDS, strict=True):
    column.markdown(f"**{tr(f'doc.{kind}.short')}**")
    for fmt in FORMATS:
        audited_download(
            column,
            tr(f"doc.format_{fmt}"),
            build=partial(document, kind, fmt),
            file_name=file_name(kind, fmt, lang(), date.today()),
            mime=MEDIA[fmt],
            key=f"doc_{kind}_{fmt}",
            target=kind,
            details={"format": fmt},
            action="document_export",
        )

st.subheader(tr("governance.pending"))
pending = [c for c in changes if c.status == PENDING]
if not pending:
    st.caption(tr("governance.no_pending"))
for change in pending:
    with st.container(border=True):
        st.markdown(
            tr(
                "governance.proposal_line",
                setting=setting_name(change.key, lang()),
                old=show(change.key, change.old_value),
                new=show(change.key, change.new_value),
                by=change.proposed_by,
                when=when(change.proposed_at),
            )
        )
        if change.reason:
            st.caption(tr("governance.reason_shown", reason=plain(change.reason)))
        if viewer.has(*APPROVER_ROLES) and change.proposed_by != viewer.name:
            left, right = st.columns(2)
            if left.button(tr("governance.approve"), key=f"approve_{change.id}", type="primary"):
                act(
                    partial(
                        approve, viewer=viewer, change_id=change.id, bank=bank, config=ctx.settings
                    ),
                    "governance.approved",
                )
            if right.button(tr("governance.reject"), key=f"reject_{change.id}"):
                act(partial(reject, viewer=viewer, change_id=change.id), "governance.rejected")
        elif change.proposed_by == viewer.name:
            st.caption(tr("governance.own_proposal"))
            if st.button(tr("governance.withdraw"), key=f"withdraw_{change.id}"):
                act(partial(withdraw, viewer=viewer, change_id=change.id), "governance.withdrawn")

if viewer.has(*PROPOSER_ROLES):
    st.subheader(tr("governance.propose"))
    current_values = {s.key: s.value for s in in_force}
    key = st.selectbox(
        tr("governance.col_setting"),
        list(KEYS),
        format_func=lambda k: setting_name(k, lang()),
        key="gov_key",
    )
    st.caption(setting_help(key, lang()))
    now_value = current_values[key]
    value: Any
    if key in INT_KEYS:
        floor = {
            "min_group_size": ABSOLUTE_MIN_GROUP_SIZE,
            "difference_min": 2,
            **RETENTION_FLOORS,
        }.get(key, 0)
        value = st.number_input(
            tr("governance.new_value"),
            min_value=floor,
            max_value=240 if key in RETENTION_FLOORS else 100,
            value=int(now_value),
            step=1,
            key=f"gov_value_{key}",
        )
    elif key == "reported_depth":
        options: list[int | None] = [None, 0, 1, 2, 3, 4, 5]
        value = st.selectbox(
            tr("governance.new_value"),
            options,
            index=options.index(now_value) if now_value in options else 0,
            format_func=lambda v: show("reported_depth", v),
            key="gov_value_depth",
        )
    elif key == "reported_indicators":
        every = st.checkbox(
            tr("setting.all_indicators"), value=now_value is None, key="gov_value_all"
        )
        value = None
        if not every:
            value = st.multiselect(
                tr("governance.new_value"),
                list(bank.indicator_codes),
                default=list(now_value or bank.indicator_codes),
                format_func=lambda c: bank.scale(c).title[lang()],
                key="gov_value_indicators",
                placeholder=tr("governance.pick_indicators"),
            )
    elif key in ("keep_mail_addresses", "open_link_allowed"):
        yes_no_key = key
        value = st.radio(
            tr("governance.new_value"),
            [False, True],
            index=int(bool(now_value)),
            format_func=lambda v: show(yes_no_key, v),
            horizontal=True,
            key=f"gov_value_{key}",
        )
    else:
        value = st.multiselect(
            tr("governance.new_value"),
            [r for r in ROLES if r in FIGURE_ROLES],
            default=list(now_value),
            format_func=lambda r: tr(f"role.{r}"),
            key="gov_value_roles",
            placeholder=tr("setting.nobody"),
        )
    reason = st.text_area(tr("governance.reason"), key="gov_reason", max_chars=2000)
    if st.button(tr("governance.submit_proposal"), key="gov_propose", type="primary"):
        act(
            lambda s: propose(s, viewer, key, value, bank=bank, reason=reason, config=ctx.settings),
            "governance.proposed",
        )

st.subheader(tr("governance.history"))
if not changes:
    st.caption(tr("governance.no_history"))
else:
    st.dataframe(
        [
            {
                "#": c.id,
                tr("governance.col_setting"): setting_name(c.key, lang()),
                tr("governance.col_old"): show(c.key, c.old_value),
                tr("governance.col_new"): show(c.key, c.new_value),
                tr("governance.col_status"): tr(f"governance.status_{c.status}"),
                tr("governance.col_proposed"): f"{c.proposed_by}, {when(c.proposed_at)}",
                tr("governance.col_decided"): (
                    f"{c.decided_by}, {when(c.decided_at)}" if c.decided_by else "–"
                ),
                tr("governance.col_reason"): c.reason,
            }
            for c in changes
        ],
        hide_index=True,
        width="stretch",
    )
