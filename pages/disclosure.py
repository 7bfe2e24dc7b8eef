"""For the staff council: what leaves the system. Every publication with its rules and how
many cells it shows or suppresses, and every recorded export."""

from __future__ import annotations

import json

import streamlit as st
from sqlalchemy import select

from bgm_dashboard.db.models import Publication
from bgm_dashboard.formatting import moment, number, period
from bgm_dashboard.governance.labels import format_setting
from bgm_dashboard.privacy.disclosure import exports, publications, withheld_cells
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.guard import require_roles
from bgm_dashboard.ui.lang import lang, tr

viewer = require_roles("council")
ctx = app_context()
bank = ctx.bank
st.title(tr("disclosure.title"))
st.caption(tr("disclosure.caption"))

with ctx.read() as session:
    pubs = publications(session, viewer)
    out = exports(session, viewer)


def count(value: int | None) -> str:
    return "–" if value is None else number(value, lang(), 0)


st.subheader(tr("disclosure.publications"))
if not pubs:
    st.info(tr("disclosure.no_publications"))
else:
    st.dataframe(
        [
            {
                tr("disclosure.col_quarter"): period(p.quarter, lang()),
                tr("disclosure.col_version"): (
                    f"{p.version}" if p.current else tr("disclosure.replaced", version=p.version)
                ),
                tr("disclosure.col_published"): moment(p.published_at, lang()),
                tr("disclosure.col_k"): count(p.min_group_size),
                tr("disclosure.col_comment_k"): count(p.comment_min_group_size),
                tr("disclosure.col_depth"): format_setting(
                    "reported_depth", p.reported_depth, bank, lang()
                ),
                tr("disclosure.col_units"): count(p.units),
                tr("disclosure.col_quarter_cells"): tr(
                    "disclosure.cells",
                    shown=count(p.quarter_shown),
                    hidden=count(p.quarter_suppressed),
                ),
                tr("disclosure.col_month_cells"): tr(
                    "disclosure.cells",
                    shown=count(p.month_shown),
                    hidden=count(p.month_suppressed),
                ),
                tr("disclosure.col_comments"): count(p.comments),
            }
            for p in pubs
        ],
        hide_index=True,
        width="stretch",
    )
    st.caption(tr("disclosure.cells_caption"))
    st.subheader(tr("disclosure.withheld"))
    st.caption(tr("disclosure.withheld_caption"))
    with ctx.read() as session:
        trees = {p.id: p.tree for p in session.scalars(select(Publication))}
    withheld = [
        {
            tr("disclosure.col_quarter"): period(p.quarter, lang()),
            tr("disclosure.col_version"): f"{p.version}",
            tr("disclosure.col_indicator"): cell.indicator,
            tr("disclosure.col_unit"): cell.unit,
            tr("disclosure.col_granularity"): cell.granularity,
            tr("disclosure.col_reason"): cell.reason,
        }
        for p in pubs
        for cell in withheld_cells(p.withheld, trees[p.publication_id], bank, lang())
    ]
    if withheld:
        st.dataframe(withheld, hide_index=True, width="stretch")
    else:
        st.info(tr("disclosure.withheld_none"))

st.subheader(tr("disclosure.exports"))
if out.empty:
    st.info(tr("disclosure.no_exports"))
else:
    st.dataframe(
        [
            {
                tr("audit.col_at"): moment(e["at"], lang()),
                tr("audit.col_actor"): e["actor"],
                tr("audit.col_action"): e["action"],
                tr("audit.col_target"): e["target"],
                tr("audit.col_details"): json.dumps(
                    e["details"], ensure_ascii=False, sort_keys=True
                ),
            }
            for e in out.to_dict("records")
        ],
        hide_index=True,
        width="stretch",
    )
