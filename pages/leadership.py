"""Leadership: the whole administration in the latest published quarter, each indicator with
its change against the quarter before and its trend."""

from __future__ import annotations

import math

import streamlit as st

from bgm_dashboard.analytics.administration import administration_view
from bgm_dashboard.formatting import arrow, number, period, signed
from bgm_dashboard.governance.settings import current
from bgm_dashboard.ui.audit import log_view
from bgm_dashboard.ui.charts import digits_for, trend_figure
from bgm_dashboard.ui.chartview import plotly_chart
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.data import figures
from bgm_dashboard.ui.guard import require_roles
from bgm_dashboard.ui.lang import lang, tr

viewer = require_roles("leadership", "hr", "council")
ctx = app_context()
bank = ctx.bank
quarterly = figures(viewer, granularity="quarter")
monthly = figures(viewer, granularity="month")
st.title(tr("leadership.title"))

view = administration_view(quarterly, monthly, bank)
if not view:
    st.info(tr("leadership.nothing_published"))
    st.stop()

quarter = view[0].period
code = view[0].code
log_view(viewer, "leadership", unit=code, period=quarter)
with ctx.read() as session:
    k = current(session).min_group_size

st.caption(tr("leadership.caption", period=period(quarter, lang())))
columns = st.columns(3)
for i, row in enumerate(view):
    scale = bank.scale(row.indicator)
    digits = digits_for(row.indicator, bank)
    title = scale.title[lang()]
    box = columns[i % 3]
    if not row.shown:
        box.metric(title, tr("ui.suppressed_short", k=k), border=True)
        continue
    delta = None if math.isnan(row.diff) else signed(row.diff, lang(), digits)
    box.metric(
        title,
        number(row.value, lang(), digits),
        delta=delta,
        # colour only a meaningful change (green better, red worse); the arrow shows the sign
        delta_color="green"
        if row.verdict == "better"
        else "red"
        if row.verdict == "worse"
        else "gray",
        delta_arrow=arrow(None if math.isnan(row.diff) else row.diff, digits),
        delta_description=tr("leadership.vs_previous") if delta else None,
        chart_data=[v for _, v in row.history] or None,
        help=tr(
            f"leadership.verdict_{row.verdict}",
            change=number(scale.meaningful_change, lang(), digits),
        )
        + " "
        + tr(f"leadership.trend_{row.trend}"),
        border=True,
    )

st.caption(tr("leadership.rules"))
st.subheader(tr("leadership.trend_title"))
shown = [r.indicator for r in view if r.history]
if shown:
    indicator = st.selectbox(
        tr("overview.indicator"),
        shown,
        format_func=lambda c: bank.scale(c).title[lang()],
        key="lead_indicator",
    )
    series = quarterly[(quarterly["code"] == code) & (quarterly["indicator"] == indicator)]
    series = series.sort_values("period").reset_index(drop=True)
    plotly_chart(
        trend_figure(
            series,
            bank.scale(indicator).title[lang()],
            lang(),
            value_range=bank.scale(indicator).range,
            k=k,
            digits=digits_for(indicator, bank),
        ),
        width="stretch",
    )
