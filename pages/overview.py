"""HR overview: heatmap of units x indicators for a quarter (filtered by tree level, unit
subtree and indicators), a trend over a chosen period range with events, and a drill-down
along the org chart ("übrige Bereiche" included) to each unit's page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from bgm_dashboard.analytics.common import latest_units, subtree_codes
from bgm_dashboard.analytics.events import list_events
from bgm_dashboard.analytics.overview import (
    children_table,
    heatmap_table,
    indicators_in,
    latest_period,
    periods,
    unit_series,
)
from bgm_dashboard.analytics.timeline import event_markers
from bgm_dashboard.formatting import period
from bgm_dashboard.governance.settings import current
from bgm_dashboard.i18n import t
from bgm_dashboard.ui import tables
from bgm_dashboard.ui.audit import log_view
from bgm_dashboard.ui.charts import digits_for, heatmap_figure, trend_figure
from bgm_dashboard.ui.chartview import plotly_chart
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.data import figures
from bgm_dashboard.ui.downloads import formatted
from bgm_dashboard.ui.guard import require_roles
from bgm_dashboard.ui.lang import lang, tr
from bgm_dashboard.ui.measures import continuity_section, plan_markers_for
from bgm_dashboard.ui.plain import chart_text, plain

UNIT_PAGE_TARGET = "unit_page_target"

viewer = require_roles("hr", "leadership", "council")
ctx = app_context()
bank = ctx.bank
L = lang()
quarterly = figures(viewer, granularity="quarter", include_rest=True)
st.title(tr("overview.title"))

if quarterly.empty:
    st.info(tr("overview.nothing_published"))
    st.stop()

with ctx.read() as session:
    k = current(session).min_group_size
units = latest_units(quarterly[quarterly["kind"] == "unit"])
names = dict(zip(units["code"], units["name"], strict=True))
depth_of = dict(zip(units["code"], units["depth"], strict=True))
quarters = periods(quarterly)
default_q = latest_period(quarterly) or quarters[-1]
codes = indicators_in(quarterly, bank)
title = {c: bank.scale(c).title[L] for c in codes}
max_depth = int(units["depth"].max())

c1, c2, c3 = st.columns(3)
quarter = c1.selectbox(
    tr("overview.quarter"),
    quarters,
    index=quarters.index(default_q),
    format_func=lambda q: period(q, L),
    key="ov_quarter",
)
root = c2.selectbox(
    tr("ov.subtree"),
    units["code"].tolist(),
    format_func=lambda c: "\u2003" * int(depth_of[c]) + names[c],
    key="ov_root",
)
depth = c3.selectbox(
    tr("overview.level"),
    list(range(max_depth + 1)),
    index=min(2, max_depth),
    format_func=lambda d: t("overview.level_n", L, level=d),
    key="ov_depth",
)
chosen = st.multiselect(
    tr("overview.indicators"), codes, default=codes, key="ov_ind", format_func=lambda c: title[c]
)

table = heatmap_table(
    quarterly[quarterly["kind"] == "unit"], quarter, bank, max_depth=depth, indicators=chosen
)
table = table[table["code"].isin(subtree_codes(units, root))]
log_view(viewer, "overview", period=quarter)
st.subheader(tr("overview.heatmap_title", period=period(quarter, L)))
st.caption(tr("overview.heatmap_caption", k=k))
# on a phone the map of units × indicators is too small to read: a list per unit instead
view = st.segmented_control(
    tr("ov.view"),
    ["map", "list"],
    default="map",
    format_func=lambda v: tr(f"ov.view_{v}"),
    key="ov_view",
)
if not table.empty and view == "list":
    listed = table.drop_duplicates("code")
    picked = st.selectbox(
        tr("overview.unit"),
        listed["code"].tolist(),
        format_func=lambda c: names.get(c, c),
        key="ov_list_unit",
    )
    rows = table[table["code"] == picked]
    visible = rows["status"] == "shown"
    st.dataframe(
        formatted(
            pd.DataFrame(
                {
                    tr("an_col.indicator"): [title.get(c, c) for c in rows["indicator"]],
                    tr("an_col.value"): rows["mean"].where(visible),
                    tr("ov.col_admin"): rows["admin_mean"],
                    tr("ov.col_distance"): rows["distance"].where(visible),
                }
            ),
            {
                tr("an_col.value"): tables.row_digits(rows, bank),
                tr("ov.col_admin"): tables.row_digits(rows, bank),
                tr("ov.col_distance"): tables.row_digits(rows, bank),
            },
        ),
        hide_index=True,
        width="stretch",
    )
    if not visible.all():
        st.caption(tr("ov.list_hidden", k=k))
if not table.empty:
    if view != "list":
        plotly_chart(heatmap_figure(table, bank, L, k=k), width="stretch", key="ov_heatmap")
    shown = table["status"] == "shown"
    export = pd.DataFrame(
        {
            tr("an_col.unit"): table["name"],
            tr("an_col.indicator"): [title.get(c, c) for c in table["indicator"]],
            "n": table["n"].where(shown).astype("Int64"),
            tr("an_col.value"): table["mean"],
            tr("an_col.ci_low"): table["ci_low"],
            tr("an_col.ci_high"): table["ci_high"],
            tr("ov.col_admin"): table["admin_mean"],
            tr("ov.col_distance"): table["distance"],
            tr("an_col.status"): [
                tr("participation.shown") if s else tr("participation.hidden") for s in shown
            ],
        }
    )
    with st.expander(tr("ov.heatmap_table")):
        heat_digits = tables.row_digits(table, bank)
        tables.show_table(
            export,
            f"heatmap_{quarter}",
            key="ov_heatmap_table",
            digits={
                tr("an_col.value"): heat_digits,
                tr("an_col.ci_low"): heat_digits,
                tr("an_col.ci_high"): heat_digits,
                tr("ov.col_admin"): heat_digits,
                tr("ov.col_distance"): 2,
            },
        )

# ----------------------------------------------------------------------------- trend
st.subheader(tr("overview.trend_title"))
t1, t2, t3 = st.columns([2, 2, 1])
unit_code = t1.selectbox(
    tr("overview.unit"),
    subtree_codes(units, root),
    format_func=lambda c: "\u2003" * int(depth_of[c]) + names[c],
    key="ov_unit",
)
indicator = t2.selectbox(
    tr("overview.indicator"), codes, format_func=lambda c: title[c], key="ov_trend_ind"
)
granularity = (
    t3.segmented_control(
        tr("unit.granularity"),
        ["quarter", "month"],
        default="quarter",
        format_func=lambda g: t(f"unit.granularity_{g}", L),
        key="ov_granularity",
    )
    or "quarter"
)
log_view(viewer, "overview", unit=unit_code, period=quarter)
source = figures(viewer, granularity="month") if granularity == "month" else quarterly
series = unit_series(source, unit_code, indicator)
if granularity == "month" and not (series["status"] == "shown").any():
    st.info(tr("unit.no_monthly", k=k))
    source = quarterly
    series = unit_series(source, unit_code, indicator)
span = periods(source)
if len(span) > 1:
    first, last = st.select_slider(
        tr("ov.range"),
        options=span,
        value=(span[0], span[-1]),
        format_func=lambda p: period(p, L),
        key=f"ov_range_{granularity}",
    )
    series = series[(series["period"] >= first) & (series["period"] <= last)]
with ctx.read() as session:
    events = list_events(session)
scale = bank.scale(indicator)
plotly_chart(
    trend_figure(
        series.reset_index(drop=True),
        chart_text(f"{names[unit_code]} – {title[indicator]}"),
        L,
        value_range=scale.range,
        k=k,
        digits=digits_for(indicator, bank),
        markers=[*event_markers(events, unit_code, units), *plan_markers_for(unit_code, series)],
    ),
    width="stretch",
    key="ov_trend",
)

# ----------------------------------------------------------------------------- drill-down
st.subheader(tr("overview.drill_title", unit=plain(names[unit_code]), period=period(quarter, L)))
rows = children_table(quarterly, quarter, unit_code, indicator)
shown = rows["status"] == "shown"
drill = pd.DataFrame(
    {
        tr("overview.col_unit"): [
            tr("overview.rest_label", unit=r.name) if r.role == "rest" else r.name
            for r in rows.itertuples(index=False)
        ],
        "n": rows["n"].where(shown).astype("Int64"),
        tr("overview.col_value"): rows["mean"],
        tr("an_col.ci_low"): rows["ci_low"],
        tr("an_col.ci_high"): rows["ci_high"],
        tr("an_col.status"): [
            tr("participation.shown") if s else tr("ui.suppressed", k=k) for s in shown
        ],
    }
)
d = digits_for(indicator, bank) or 1
tables.show_table(
    drill,
    f"drilldown_{unit_code}_{indicator}_{quarter}",
    key="ov_drill",
    digits={tr("overview.col_value"): d, tr("an_col.ci_low"): d, tr("an_col.ci_high"): d},
)
st.caption(tr("overview.rest_caption", k=k))
children = [
    str(r.code) for r in rows.itertuples(index=False) if r.role == "child" and r.code in names
]
b1, b2 = st.columns([1, 2])
if b1.button(tr("ov.open_unit", unit=plain(names[unit_code])), key="ov_open", type="primary"):
    st.session_state[UNIT_PAGE_TARGET] = unit_code
    st.switch_page("pages/unit.py")
if children:

    def _drill() -> None:
        picked = st.session_state.get("ov_child")
        if picked:
            st.session_state["ov_unit"] = picked
        st.session_state["ov_child"] = ""

    b2.selectbox(
        tr("ov.drill_into"),
        ["", *children],
        format_func=lambda c: names.get(c, "–") if c else "–",
        key="ov_child",
        on_change=_drill,
    )

# ----------------------------------------------------------------------------- continuity
continuity_section()
