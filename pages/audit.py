"""The audit log for the staff council and administrators: filter, check the hash chain,
download as CSV (the download itself is recorded)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import streamlit as st

from bgm_dashboard.auth.audit import (
    READER_ROLES,
    actions_in_log,
    csv_bytes,
    entries,
    head,
    record_export,
    verify_chain,
)
from bgm_dashboard.auth.audit_text import (
    action_label,
    actor_text,
    names_for_log,
    readable,
)
from bgm_dashboard.formatting import TIMEZONE, number
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.guard import require_roles
from bgm_dashboard.ui.lang import lang, tr
from bgm_dashboard.ui.navigation import ALL_PAGES

LIMIT = 5000

viewer = require_roles(*READER_ROLES)
ctx = app_context()
st.title(tr("audit.title"))
st.caption(tr("audit.caption"))

with ctx.read() as session:
    check = verify_chain(session, viewer)
    actions = actions_in_log(session, viewer)
    top = head(session, viewer)
    units, roles = names_for_log(session, lang())
# the page names recorded by log_view, as the menu shows them
pages = {
    spec.path.removeprefix("pages/").removesuffix(".py"): tr(spec.title_key) for spec in ALL_PAGES
}
if check.ok:
    st.success(tr("audit.chain_ok", count=number(check.entries, lang(), 0)))
else:
    st.error(
        tr(
            "audit.chain_broken_at",
            seq=check.first_bad_seq,
            problem=tr(f"audit.problem_{check.problem}"),
        )
    )
# the head of the chain, for the staff council to note down outside the database
with st.container(border=True):
    st.markdown(f"**{tr('audit.head_title')}**")
    st.caption(tr("audit.head_text", seq=number(top.seq, lang(), 0), hash=top.hash))

left, mid, right = st.columns([2, 2, 3])
chosen = left.multiselect(
    tr("audit.filter_action"),
    actions,
    key="audit_actions",
    placeholder=tr("audit.all_actions"),
    format_func=lambda a: action_label(a, lang()),
)
with ctx.read() as session:
    people = sorted(set(entries(session, viewer, limit=LIMIT)["actor"]))
actor = mid.selectbox(
    tr("audit.filter_actor"),
    ["", *people],
    key="audit_actor",
    format_func=lambda a: tr("audit.all_people") if not a else actor_text(a, lang(), roles),
)
today = date.today()
span = right.date_input(
    tr("audit.filter_dates"),
    value=(today - timedelta(days=90), today),
    format="DD.MM.YYYY",
    key="audit_dates",
)
since = until = None
if isinstance(span, tuple) and len(span) == 2:
    since = datetime.combine(span[0], time.min, TIMEZONE).astimezone(UTC)
    until = datetime.combine(span[1] + timedelta(days=1), time.min, TIMEZONE).astimezone(UTC)

with ctx.read() as session:
    frame = entries(
        session,
        viewer,
        actor=actor or None,
        actions=chosen or None,
        since=since,
        until=until,
        limit=LIMIT,
    )

if frame.empty:
    st.info(tr("audit.empty"))
    st.stop()
if len(frame) == LIMIT:
    st.caption(tr("audit.limited", count=number(LIMIT, lang(), 0)))

shown = readable(frame, lang(), units=units, roles=roles, pages=pages)
st.dataframe(shown, hide_index=True, width="stretch")


def _record_download() -> None:
    with ctx.write() as session:
        record_export(session, viewer, frame, viewer.name)


st.download_button(
    tr("audit.download"),
    data=csv_bytes(frame),
    file_name=f"audit-log-{today.isoformat()}.csv",
    mime="text/csv",
    on_click=_record_download,
    key="audit_download",
    icon=":material/download:",
)
