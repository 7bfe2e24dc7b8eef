"""Released comments of a quarter, shuffled and undated, as plain text; HR can withhold one
that names a person (the reason goes to the audit log)."""

from __future__ import annotations

import uuid

import streamlit as st

from bgm_dashboard.errors import UserError
from bgm_dashboard.formatting import period
from bgm_dashboard.privacy.comments import withhold_comment
from bgm_dashboard.privacy.gate import (
    latest_publications,
    quarter_versions,
    released_comments,
    unit_table,
)
from bgm_dashboard.ui.audit import log_view
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.guard import require_roles
from bgm_dashboard.ui.lang import lang, tr
from bgm_dashboard.ui.plain import plain

viewer = require_roles("hr", "leadership", "council")
ctx = app_context()
st.title(tr("comments.title"))
st.caption(tr("comments.caption"))

with ctx.read() as session:
    publications = latest_publications(session)
if not publications:
    st.info(tr("overview.nothing_published"))
    st.stop()
quarters = [p.quarter for p in reversed(publications)]
quarter = st.selectbox(
    tr("overview.quarter"),
    quarters,
    format_func=lambda q: period(q, lang()),
    key="comments_quarter",
)
try:
    with ctx.read() as session:
        comments = released_comments(session, viewer, quarter)
except UserError as error:
    st.warning(error.message(lang()))
    st.stop()
log_view(viewer, "comments", period=quarter)

publication = next(p for p in publications if p.quarter == quarter)
with ctx.read() as session:
    versions = quarter_versions(session, quarter)  # later versions' names win
names = dict(zip(*unit_table(versions)[["department_id", "name"]].T.to_numpy(), strict=True))
if comments.empty:
    st.info(tr("comments.none", k=publication.comment_min_group_size))
    st.stop()

for unit_id, group in comments.groupby("department_id", sort=False):
    st.subheader(tr("comments.group", unit=plain(names.get(unit_id, "?"))))
    for row in group.itertuples(index=False):
        with st.container(border=True):
            st.text(row.text)  # plain text: HTML and Markdown are never rendered
            if viewer.has("hr"):
                with st.popover(tr("comments.withhold")):
                    reason = st.text_input(tr("comments.reason"), key=f"reason_{row.comment_id}")
                    if st.button(tr("comments.withhold_confirm"), key=f"hold_{row.comment_id}"):
                        try:
                            with ctx.write() as session:
                                withhold_comment(
                                    session, viewer, uuid.UUID(str(row.comment_id)), reason
                                )
                        except UserError as error:
                            st.error(error.message(lang()))
                        else:
                            st.rerun()
