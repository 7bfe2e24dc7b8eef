"""Drivers: which organisational dimensions move with well-being and with the ORI, across
units and over time, ranked as "what matters most here"."""

from __future__ import annotations

import streamlit as st

from bgm_dashboard.analytics.drivers import TARGETS, default_depth, drivers
from bgm_dashboard.analytics.overview import latest_period, periods
from bgm_dashboard.formatting import number, period
from bgm_dashboard.i18n import t
from bgm_dashboard.ui import tables
from bgm_dashboard.ui.audit import log_view
from bgm_dashboard.ui.charts import drivers_figure
from bgm_dashboard.ui.chartview import plotly_chart
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.data import figures
from bgm_dashboard.ui.guard import require_roles
from bgm_dashboard.ui.lang import lang, tr

viewer = require_roles("hr", "leadership", "council")
bank = app_context().bank
L = lang()
quarterly = figures(viewer, granularity="quarter")
st.title(tr("drivers.title"))
st.caption(tr("drivers.intro"))
if quarterly.empty:
    st.info(tr("overview.nothing_published"))
    st.stop()

quarters = periods(quarterly)
targets = [c for c in TARGETS if c in set(quarterly["indicator"])]
c1, c2, c3 = st.columns(3)
quarter = c1.selectbox(
    tr("drivers.quarter"),
    quarters,
    index=quarters.index(latest_period(quarterly) or quarters[-1]),
    format_func=lambda q: period(q, L),
    key="drivers_quarter",
)
target = (
    c2.segmented_control(
        tr("drivers.target"),
        targets,
        default=targets[0],
        format_func=lambda c: bank.scale(c).title[L],
        key="drivers_target",
    )
    or targets[0]
)
depths = sorted(int(d) for d in quarterly["depth"].unique())
depth = c3.selectbox(
    tr("drivers.level"),
    depths,
    index=depths.index(default_depth(quarterly, quarter, target)),
    format_func=lambda d: t("overview.level_n", L, level=d),
    key="drivers_depth",
)
log_view(viewer, "drivers", unit=None, period=quarter)
table = drivers(quarterly, bank, quarter, target=target, depth=depth)
labels = {s.code: s.title[L] for s in bank.scales}

st.subheader(tr("drivers.matters_title", target=bank.scale(target).title[L]))
clear = table[table["clear"]]
if len(clear):
    top = clear.iloc[0]
    st.markdown(
        tr(
            "drivers.top_sentence",
            dimension=labels[top["dimension"]],
            r=number(top["r_time"], L, 2),
            low=number(top["low_time"], L, 2),
            high=number(top["high_time"], L, 2),
            n=number(top["n_time"], L, 0),
        )
    )
else:
    st.info(tr("drivers.none_clear"))
plotly_chart(drivers_figure(table, labels, L), width="stretch", key="drivers_chart")
tables.show_table(
    tables.drivers_table(table, bank),
    f"drivers_{target}_{quarter}",
    key="drivers",
    digits=tables.drivers_digits(),
)
st.caption(tr("drivers.rules", quarter=period(quarter, L)))
if target == "ori":
    st.caption(tr("drivers.ori_note"))
