"""A unit's page: headline figures, trends with events, change, resilience curves, trend
test, Cronbach's alpha and participation, all from released figures."""

from __future__ import annotations

import streamlit as st

from bgm_dashboard.analytics.change import unit_changes
from bgm_dashboard.analytics.common import latest_units, shown_series
from bgm_dashboard.analytics.curves import event_curves, unit_curve_series
from bgm_dashboard.analytics.events import events_for_unit, list_events
from bgm_dashboard.analytics.overview import latest_period, periods, unit_series
from bgm_dashboard.analytics.reliability import ALPHA_MIN, alpha_table
from bgm_dashboard.analytics.timeline import event_markers
from bgm_dashboard.formatting import day, number, percent, period
from bgm_dashboard.i18n import t
from bgm_dashboard.ui import tables
from bgm_dashboard.ui.analytics_data import all_trends, both, min_group_size, participation_tables
from bgm_dashboard.ui.audit import log_view
from bgm_dashboard.ui.charts import digits_for, rate_figure, trend_figure
from bgm_dashboard.ui.chartview import plotly_chart
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.guard import require_roles
from bgm_dashboard.ui.lang import lang, tr
from bgm_dashboard.ui.plain import chart_text, plain

TARGET_KEY = "unit_page_target"
HEADLINE = ("ori", "who5", "brs", "enps")

viewer = require_roles("hr", "leadership", "council")
ctx = app_context()
bank = ctx.bank
L = lang()
monthly, quarterly = both(viewer)
st.title(tr("unit.title"))
if quarterly.empty:
    st.info(tr("overview.nothing_published"))
    st.stop()
k = min_group_size()
units = latest_units(quarterly)
codes = units["code"].tolist()
names = dict(zip(units["code"], units["name"], strict=True))
depth = dict(zip(units["code"], units["depth"], strict=True))
target = st.session_state.pop(TARGET_KEY, None)
if target in codes:
    st.session_state["unit_code"] = target
quarters = periods(quarterly)
present = [c for c in bank.indicator_codes if c in set(quarterly["indicator"])]
title = {c: bank.scale(c).title[L] for c in present}

c1, c2, c3 = st.columns([2, 1, 1])
code = c1.selectbox(
    tr("unit.unit"),
    codes,
    key="unit_code",
    format_func=lambda c: "\u2003" * int(depth[c]) + names[c],
)
quarter = c2.selectbox(
    tr("unit.quarter"),
    quarters,
    index=quarters.index(latest_period(quarterly) or quarters[-1]),
    format_func=lambda q: period(q, L),
    key="unit_quarter",
)
granularity = (
    c3.segmented_control(
        tr("unit.granularity"),
        ["quarter", "month"],
        default="quarter",
        format_func=lambda g: t(f"unit.granularity_{g}", L),
        key="unit_granularity",
    )
    or "quarter"
)
log_view(viewer, "unit", unit=code, period=quarter)
st.header(plain(names[code]))

# ----------------------------------------------------------------------------- key figures
cells = quarterly[(quarterly["code"] == code) & (quarterly["period"] == quarter)]
cells = cells.drop_duplicates("indicator", keep="last").set_index("indicator")
columns = st.columns(len(HEADLINE))
for column, indicator in zip(columns, HEADLINE, strict=True):
    if indicator not in cells.index:
        continue
    cell = cells.loc[indicator]
    digits = tables.value_digits(indicator, bank)
    shown = cell["status"] == "shown"
    column.metric(
        bank.scale(indicator).title[L],
        number(cell["mean"], L, digits) if shown else tr("ui.suppressed_short", k=k),
        border=True,
    )
    if shown and indicator == "who5":
        column.caption(
            tr("unit.who5_shares", a=percent(cell["share_a"], L), b=percent(cell["share_b"], L))
        )
    if shown and bank.scale(indicator).kind == "nps":
        column.caption(
            tr("unit.nps_shares", a=percent(cell["share_a"], L), b=percent(cell["share_b"], L))
        )
    if shown:
        column.caption(f"n = {number(cell['n'], L, 0)}")
st.caption(tr("unit.ori_note"))

# ----------------------------------------------------------------------------- trends
st.subheader(tr("unit.trends"))
chosen = st.multiselect(
    tr("unit.indicators"),
    present,
    default=[c for c in HEADLINE if c in present],
    format_func=lambda c: title[c],
    key="unit_indicators",
)
with ctx.read() as session:
    events = list_events(session)
markers = event_markers(events, code, units)
source = monthly if granularity == "month" else quarterly
if granularity == "month" and shown_series(monthly, code, "responses").empty:
    st.info(tr("unit.no_monthly", k=k))
    source = quarterly
for indicator in chosen:
    series = unit_series(source, code, indicator)
    if series.empty:
        continue
    plotly_chart(
        trend_figure(
            series,
            chart_text(f"{names[code]} – {title[indicator]}"),
            L,
            value_range=bank.scale(indicator).range,
            k=k,
            digits=digits_for(indicator, bank),
            markers=markers,
        ),
        width="stretch",
        key=f"unit_trend_{indicator}",
    )

# ----------------------------------------------------------------------------- change
st.subheader(tr("unit.change_title", period=period(quarter, L)))
st.caption(tr("change.rules"))
change = unit_changes(quarterly, bank, code, quarter)
if change.empty:
    st.info(tr("unit.no_change"))
else:
    tables.show_table(
        tables.change_table(change, bank),
        f"change_{code}_{quarter}",
        key="chg",
        digits=tables.change_digits(change, bank),
    )

# ----------------------------------------------------------------------------- events and curves
st.subheader(tr("unit.curves_title"))
hit = events_for_unit(events, code, units)
if not hit:
    st.info(tr("unit.no_events"))
for number_, event in enumerate(hit):
    with st.expander(f"{day(event.starts_on, L)} – {plain(event.title)}", expanded=number_ == 0):
        curves = event_curves(monthly, quarterly, bank, event.starts_on, [code], present)
        pick = st.selectbox(
            tr("unit.indicator"),
            present,
            index=present.index("who5") if "who5" in present else 0,
            format_func=lambda c: title[c],
            key=f"unit_curve_ind_{event.id}",
        )
        row = curves[curves["indicator"] == pick].iloc[0]
        series = unit_curve_series(monthly, quarterly, bank, code, pick, event.starts_on)
        if row["outcome"] != "no_baseline":
            tables.show_curve(
                series,
                row,
                chart_text(f"{names[code]} – {title[pick]}"),
                pick,
                bank,
                chart_text(event.title),
                key=f"unit_curve_{event.id}",
            )
        tables.show_table(
            tables.curve_table(curves, bank, names),
            f"curves_{code}_{event.id}",
            key=f"curves_{event.id}",
            digits=tables.curve_digits(curves, bank),
        )
st.caption(tr("curves.rules"))

# ----------------------------------------------------------------------------- decline
st.subheader(tr("unit.trend_test_title"))
trend_rows = all_trends(monthly, quarterly, bank)
mine = trend_rows[trend_rows["code"] == code]
if mine.empty:
    st.info(tr("unit.no_trend"))
else:
    tables.show_table(
        tables.trend_table(mine, bank, names),
        f"trends_{code}",
        key="trends",
        digits=tables.trend_digits() | {tr("an_col.window_change"): tables.row_digits(mine, bank)},
    )
st.caption(tr("decline.rules"))

# ----------------------------------------------------------------------------- reliability
st.subheader(tr("unit.alpha_title", period=period(quarter, L)))
alphas = alpha_table(quarterly, bank, quarter, codes=[code])
if alphas.empty:
    st.info(tr("unit.no_alpha", k=k))
else:
    tables.show_table(
        tables.alpha_display(alphas, bank, names), f"alpha_{code}_{quarter}", key="alpha",
        digits={tr("an_col.alpha"): 2},
    )  # fmt: skip
st.caption(tr("reliability.rules", min=number(ALPHA_MIN, L, 2)))

# ----------------------------------------------------------------------------- participation
st.subheader(tr("unit.participation_title"))
waves, quarter_table, rate_trend_table = participation_tables(monthly, quarterly)
own_waves = waves[waves["code"] == code]
rates = own_waves if (own_waves["status"] == "shown").any() else quarter_table[
    quarter_table["code"] == code
]  # fmt: skip
if len(rates):
    plotly_chart(
        rate_figure(
            rates, chart_text(f"{names[code]} – {tr('unit.rate')}"), L, k=k, markers=markers
        ),
        width="stretch",
        key="unit_rate",
    )
own_quarters = quarter_table[quarter_table["code"] == code]
tables.show_table(tables.rate_table(own_quarters, names), f"participation_{code}", key="rates")
own_trend = rate_trend_table[rate_trend_table["code"] == code]
if len(own_trend):
    st.markdown(tables.rate_trend_sentence(own_trend.iloc[0]))
st.caption(tr("participation.rules", k=k))
