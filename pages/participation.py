"""Participation: response rate per unit and wave against headcount (only where the minimum
group size allows), per quarter, and its trend."""

from __future__ import annotations

import streamlit as st

from bgm_dashboard.analytics.common import latest_units
from bgm_dashboard.analytics.overview import latest_period, periods
from bgm_dashboard.formatting import period
from bgm_dashboard.ui import tables
from bgm_dashboard.ui.analytics_data import both, min_group_size, participation_tables
from bgm_dashboard.ui.audit import log_view
from bgm_dashboard.ui.charts import rate_figure
from bgm_dashboard.ui.chartview import plotly_chart
from bgm_dashboard.ui.guard import require_roles
from bgm_dashboard.ui.lang import lang, tr
from bgm_dashboard.ui.plain import chart_text, plain

viewer = require_roles("hr", "leadership", "council")
L = lang()
monthly, quarterly = both(viewer)
st.title(tr("participation.title"))
if quarterly.empty:
    st.info(tr("overview.nothing_published"))
    st.stop()
k = min_group_size()
units = latest_units(quarterly)
names = dict(zip(units["code"], units["name"], strict=True))
depth = dict(zip(units["code"], units["depth"], strict=True))
waves, quarter_table, trend_table = participation_tables(monthly, quarterly)

quarters = periods(quarterly)
c1, c2 = st.columns(2)
quarter = c1.selectbox(
    tr("participation.quarter"),
    quarters,
    index=quarters.index(latest_period(quarterly) or quarters[-1]),
    format_func=lambda q: period(q, L),
    key="participation_quarter",
)
code = c2.selectbox(
    tr("participation.unit"),
    units["code"].tolist(),
    format_func=lambda c: "\u2003" * int(depth[c]) + names[c],
    key="participation_unit",
)
log_view(viewer, "participation", unit=None, period=quarter)

st.subheader(tr("participation.quarter_title", period=period(quarter, L)))
tables.show_table(
    tables.rate_table(quarter_table[quarter_table["period"] == quarter], names),
    f"participation_{quarter}",
    key="quarter",
)
st.caption(tr("participation.rules", k=k))

st.subheader(tr("participation.unit_title", unit=plain(names[code])))
own = waves[waves["code"] == code]
if not (own["status"] == "shown").any():
    own = quarter_table[quarter_table["code"] == code]
    st.info(tr("unit.no_monthly", k=k))
plotly_chart(
    rate_figure(own, chart_text(f"{names[code]} – {tr('unit.rate')}"), L, k=k),
    width="stretch",
    key="participation_chart",
)
tables.show_table(tables.rate_table(own, names), f"participation_{code}", key="unit_rates")

st.subheader(tr("participation.trend_title"))
tables.show_table(
    tables.rate_trend_table(trend_table),
    "participation_trends",
    key="trends",
    digits={tr("an_col.rate_slope"): 2, tr("an_col.slope_low"): 2, tr("an_col.slope_high"): 2,
            tr("an_col.p"): 3},
)  # fmt: skip
st.caption(tr("participation.trend_rules"))
