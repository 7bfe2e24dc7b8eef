"""HR: survey waves — open, close (which publishes due quarters), participation tokens."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from bgm_dashboard.errors import UserError
from bgm_dashboard.formatting import day, number, period
from bgm_dashboard.periods import month_of
from bgm_dashboard.survey.management import close_wave_as, issue_tokens_as, open_wave_as, wave_rows
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.guard import require_roles
from bgm_dashboard.ui.lang import lang, tr

viewer = require_roles("hr", "council")
ctx = app_context()
st.title(tr("waves.title"))
st.caption(tr("waves.caption"))

with ctx.read() as session:
    rows = wave_rows(session, viewer)
table = pd.DataFrame(
    [
        {
            tr("waves.col_period"): period(r.period, lang()),
            tr("waves.col_status"): tr(f"waves.status_{r.status}"),
            tr("waves.col_access"): tr(f"waves.access_{r.access}"),
            tr("waves.col_closes"): day(r.closes_on, lang()),
            tr("waves.col_tokens"): f"{r.tokens_issued - r.tokens_unspent} / {r.tokens_issued}"
            if r.tokens_issued
            else "–",
            tr("waves.col_responses"): number(r.responses, lang(), 0)
            if r.responses is not None
            else tr("ui.suppressed", k=ctx.settings.min_group_size),
        }
        for r in rows
    ]
)
st.dataframe(table, hide_index=True, width="stretch")

if not viewer.has("hr"):
    st.stop()

open_periods = [r.period for r in rows if r.status == "open"]
st.subheader(tr("waves.open_title"))
with st.form("open_wave"):
    month = st.text_input(tr("waves.month"), value=month_of(date.today()), key="wave_month")
    title = st.text_input(tr("waves.wave_title"), key="wave_title")
    access = st.radio(
        tr("waves.access"),
        ["link", "tokens"],
        horizontal=True,
        key="wave_access",
        format_func=lambda a: tr(f"waves.access_{a}"),
    )
    closes = st.date_input(
        tr("waves.closes_on"), value=None, key="wave_closes", format="DD.MM.YYYY"
    )
    if st.form_submit_button(tr("waves.open_button"), key="wave_open"):
        try:
            with ctx.write() as session:
                open_wave_as(
                    session,
                    viewer,
                    ctx.bank,
                    month.strip(),
                    title=title,
                    access=access,
                    closes_on=closes,
                )
        except UserError as error:
            st.error(error.message(lang()))
        else:
            st.success(tr("cli.wave_opened", period=month))
            st.rerun()

if open_periods:
    st.subheader(tr("waves.manage_title"))
    chosen = st.selectbox(
        tr("waves.col_period"),
        open_periods,
        key="wave_chosen",
        format_func=lambda p: period(p, lang()),
    )
    left, right = st.columns(2)
    count = left.number_input(
        tr("waves.token_count"), min_value=1, max_value=100_000, value=50, key="token_count"
    )
    if left.button(tr("waves.tokens_button"), key="tokens_issue"):
        try:
            with ctx.write() as session:
                tokens = issue_tokens_as(session, viewer, chosen, int(count))
        except UserError as error:
            st.error(error.message(lang()))
        else:
            st.session_state["issued_tokens"] = (chosen, tokens)
    issued = st.session_state.get("issued_tokens")
    if issued and issued[0] == chosen:
        st.info(tr("waves.tokens_once"))
        st.download_button(
            tr("waves.tokens_download"),
            data="token\n" + "\n".join(issued[1]),
            file_name=f"teilnahmecodes-{chosen}.csv",
            mime="text/csv",
            key="tokens_download",
            on_click="ignore",
        )
    if right.button(tr("waves.close_button"), key="wave_close", type="primary"):
        try:
            with ctx.write() as session:
                published = close_wave_as(session, viewer, ctx.bank, chosen)
        except UserError as error:
            st.error(error.message(lang()))
        else:
            st.session_state.pop("issued_tokens", None)
            st.success(tr("cli.wave_closed", period=chosen))
            if published:
                st.success(tr("cli.published", quarters=", ".join(published)))
            st.rerun()
