"""HR overview: heatmap of units x indicators for a quarter, a trend with its 95 % band,
and a drill-down along the org chart ("übrige Bereiche" included)."""

from __future__ import annotations

import streamlit as st

from bgm_dashboard.analytics.overview import (
    children_table,
    heatmap_table,
    indicators_in,
    latest_period,
    periods,
    unit_series,
)
from bgm_dashboard.formatting import number, period
from bgm_dashboard.governance.settings import current
from bgm_dashboard.ui.charts import digits_for, heatmap_figure, trend_figure
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.data import figures
from bgm_dashboard.ui.guard import require_roles
from bgm_dashboard.ui.lang import lang, tr

viewer = require_roles("hr", "leadership", "council")
ctx = app_context()
bank = ctx.bank
quarterly = figures(viewer, granularity="quarter", include_rest=True)
st.title(tr("overview.title"))

if quarterly.empty:
    st.info(tr("overview.nothing_published"))
    st.stop()

with ctx.read() as session:
    k = current(session).min_group_size
units = quarterly.drop_duplicates("code").sort_values("order")
names = dict(zip(units["code"], units["name"], strict=True))
quarters = periods(quarterly)
default_q = latest_period(quarterly) or quarters[-1]
codes = indicators_in(quarterly, bank)
title = {c: bank.scale(c).title[lang()] for c in codes}

left, mid, right = st.columns(3)
quarter = left.selectbox(
    tr("overview.quarter"),
    quarters,
    index=quarters.index(default_q),
    format_func=lambda q: period(q, lang()),
    key="ov_quarter",
)
depth = mid.selectbox(
    tr("overview.level"),
    [0, 1, 2, 3, 4][: int(units["depth"].max()) + 1],
    index=min(2, int(units["depth"].max())),
    format_func=lambda d: tr("overview.level_n", level=d),
    key="ov_depth",
)
chosen = right.multiselect(
    tr("overview.indicators"), codes, default=codes, key="ov_ind", format_func=lambda c: title[c]
)

table = heatmap_table(
    quarterly[quarterly["kind"] == "unit"], quarter, bank, max_depth=depth, indicators=chosen
)
st.subheader(tr("overview.heatmap_title", period=period(quarter, lang())))
st.caption(tr("overview.heatmap_caption", k=k))
if not table.empty:
    st.plotly_chart(heatmap_figure(table, bank, lang(), k=k), width="stretch")

st.subheader(tr("overview.trend_title"))
c1, c2 = st.columns(2)
unit_code = c1.selectbox(
    tr("overview.unit"), list(names), format_func=lambda c: names[c], key="ov_unit"
)
indicator = c2.selectbox(
    tr("overview.indicator"), codes, format_func=lambda c: title[c], key="ov_trend_ind"
)
scale = bank.scale(indicator)
series = unit_series(quarterly, unit_code, indicator)
st.plotly_chart(
    trend_figure(
        series,
        f"{names[unit_code]} – {title[indicator]}",
        lang(),
        value_range=scale.range,
        k=k,
        digits=digits_for(indicator, bank),
    ),
    width="stretch",
)

st.subheader(tr("overview.drill_title", unit=names[unit_code], period=period(quarter, lang())))
rows = children_table(quarterly, quarter, unit_code, indicator)
digits = digits_for(indicator, bank)
display = [
    {
        tr("overview.col_unit"): (
            tr("overview.rest_label", unit=r.name) if r.role == "rest" else r.name
        ),
        "n": number(r.n, lang(), 0) if r.status == "shown" else "",
        tr("overview.col_value"): (
            number(r.mean, lang(), digits) if r.status == "shown" else tr("ui.suppressed", k=k)
        ),
        tr("overview.col_ci"): (
            f"{number(r.ci_low, lang(), digits)} – {number(r.ci_high, lang(), digits)}"
            if r.status == "shown"
            else ""
        ),
    }
    for r in rows.itertuples(index=False)
]
st.dataframe(display, hide_index=True, width="stretch")
st.caption(tr("overview.rest_caption", k=k))
