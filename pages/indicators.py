"""Indicator pages: items in the user's language, scoring, direction, source, licence,
validation, and Cronbach's alpha for the chosen period with the below-.70 flag."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from bgm_dashboard.analytics.common import latest_units
from bgm_dashboard.analytics.overview import latest_period, periods
from bgm_dashboard.analytics.reliability import ALPHA_MIN, alpha_summary, alpha_table
from bgm_dashboard.formatting import number, period
from bgm_dashboard.ui import tables
from bgm_dashboard.ui.analytics_data import min_group_size
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.data import figures
from bgm_dashboard.ui.guard import require_roles
from bgm_dashboard.ui.lang import lang, tr
from bgm_dashboard.ui.plain import plain

viewer = require_roles("hr", "leadership", "council")
bank = app_context().bank
L = lang()
quarterly = figures(viewer, granularity="quarter")
st.title(tr("indicator_page.title"))
st.caption(tr("indicator_page.intro"))
codes = list(bank.indicator_codes)
quarters = periods(quarterly) if not quarterly.empty else []

c1, c2 = st.columns(2)
code = c1.selectbox(
    tr("indicator_page.indicator"),
    codes,
    index=codes.index("ori") if "ori" in codes else 0,
    format_func=lambda c: bank.scale(c).title[L],
    key="indicators_code",
)
quarter = (
    c2.selectbox(
        tr("indicator_page.quarter"),
        quarters,
        index=quarters.index(latest_period(quarterly) or quarters[-1]),
        format_func=lambda q: period(q, L),
        key="indicators_quarter",
    )
    if quarters
    else None
)
scale = bank.scale(code)
lo, hi = scale.range

st.header(scale.title[L])
st.markdown(scale.description[L])
facts = [
    (tr("indicator_page.scoring"), tr(f"indicator_page.scoring_{scale.kind}",
                                      min_answered=scale.min_answered)),
    (tr("indicator_page.range"), f"{number(lo, L, 0)} – {number(hi, L, 0)}"),
    (tr("indicator_page.direction"), tr(f"indicator_page.direction_{scale.direction}")),
    (
        tr("indicator_page.meaningful"),
        number(scale.meaningful_change, L, 1 if scale.meaningful_change < 1 else 0),
    ),
    (
        tr("indicator_page.validated"),
        tr("indicator_page.yes_validated") if scale.validated
        else tr("indicator_page.not_validated"),
    ),
    (tr("indicator_page.source"), scale.source),
    (tr("indicator_page.licence"), scale.licence),
]  # fmt: skip
st.markdown("\n".join(f"- **{name}:** {value}" for name, value in facts))
if scale.kind == "who5":
    st.caption(tr("indicator_page.who5_bands"))
if scale.kind == "composite":
    st.markdown(tr("indicator_page.components"))
    st.markdown("\n".join(f"- {bank.scale(c).title[L]}" for c in scale.of))
    st.caption(tr("indicator_page.ori_doc"))

if scale.items:
    st.subheader(tr("indicator_page.items_title"))
    if scale.stem[L]:
        st.caption(scale.stem[L])
    items = pd.DataFrame(
        {
            tr("indicator_page.item_code"): [i.code for i in scale.items],
            tr("indicator_page.item_text"): [i.text[L] for i in scale.items],
            tr("indicator_page.item_reverse"): [
                tr("indicator_page.reversed") if i.reverse else "" for i in scale.items
            ],
        }
    )
    tables.show_table(items, f"items_{code}", key="items")
    if scale.answer_scale is not None:
        answer = scale.answer_scale
        labels = ", ".join(f"{v} = {answer.label(v, L)}" for v in range(answer.min, answer.max + 1))
        st.caption(tr("indicator_page.answers", labels=labels))

st.subheader(tr("indicator_page.alpha_title"))
if quarter is None:
    st.info(tr("overview.nothing_published"))
elif not scale.has_reliability:
    st.info(tr("indicator_page.no_alpha_kind"))
else:
    k = min_group_size()
    units = latest_units(quarterly)
    names = dict(zip(units["code"], units["name"], strict=True))
    alphas = alpha_table(quarterly, bank, quarter)
    mine = alphas[alphas["indicator"] == code]
    if mine.empty:
        st.info(tr("unit.no_alpha", k=k))
    else:
        top = mine.iloc[0]
        flag = tr("reliability.low") if top["low"] else tr("reliability.ok")
        st.markdown(
            tr(
                "indicator_page.alpha_sentence",
                unit=plain(names.get(str(top["code"]), str(top["code"]))),
                period=period(quarter, L),
                alpha=number(top["alpha"], L, 2),
                n=number(top["alpha_n"], L, 0),
                flag=flag,
            )
        )
        tables.show_table(
            tables.alpha_display(mine, bank, names),
            f"alpha_{code}_{quarter}",
            key="alpha",
            digits={tr("an_col.alpha"): 2},
        )
    st.caption(tr("reliability.rules", min=number(ALPHA_MIN, L, 2)))

if quarter is not None:
    st.subheader(tr("indicator_page.summary_title", period=period(quarter, L)))
    summary = alpha_summary(quarterly, bank, quarter)
    tables.show_table(
        pd.DataFrame(
            {
                tr("an_col.indicator"): [bank.scale(c).title[L] for c in summary["indicator"]],
                tr("an_col.alpha"): summary["alpha"],
                tr("an_col.alpha_n"): summary["alpha_n"],
                tr("indicator_page.units_with_alpha"): summary["units"],
                tr("indicator_page.units_low"): summary["units_low"],
            }
        ),
        f"alpha_summary_{quarter}",
        key="alpha_summary",
        digits={tr("an_col.alpha"): 2, tr("an_col.alpha_n"): 0},
    )
