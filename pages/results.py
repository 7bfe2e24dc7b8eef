"""Für alle Beschäftigten: "Sie haben gesagt, wir haben gehandelt" – per public unit the latest
results, the measures started there with their effect, and the good examples."""

from __future__ import annotations

import streamlit as st

from bgm_dashboard.formatting import arrow, day, number, period, signed
from bgm_dashboard.governance.settings import current
from bgm_dashboard.indicators.moments import RESPONSES
from bgm_dashboard.interventions.board import (
    EVALUATED,
    NOT_EVALUATED,
    latest_results,
    measures,
    plans_in,
)
from bgm_dashboard.interventions.catalogue import find, load_catalogue
from bgm_dashboard.interventions.effect import EFFECTIVE
from bgm_dashboard.interventions.good_example import build_summary
from bgm_dashboard.interventions.plans import all_plans, unit_choices
from bgm_dashboard.interventions.report import effect_digits, estimate_text, verdict_text
from bgm_dashboard.ui.audit import log_view
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.data import figures
from bgm_dashboard.ui.lang import lang, tr
from bgm_dashboard.ui.plain import plain
from bgm_dashboard.ui.session import current_viewer

ctx = app_context()
bank = ctx.bank
viewer = current_viewer()
st.title(tr("yousaid.title"))
st.write(tr("yousaid.intro"))

with ctx.read() as session:
    governance = current(session)
    names = {u.code: u.name for u in unit_choices(session, active_only=False)}
    entries = load_catalogue(session)
public = figures(viewer, granularity="quarter")
public = public[(public["depth"] <= governance.public_depth) & (public["kind"] == "unit")]
if public.empty:
    st.info(tr("yousaid.nothing_published"))
    st.stop()

units = public.drop_duplicates("code").sort_values("order")
codes = list(units["code"])
depth = dict(zip(units["code"], units["depth"], strict=True))
unit = st.selectbox(
    tr("yousaid.unit"),
    codes,
    format_func=lambda c: "\u2003" * int(depth[c]) + str(names.get(c, c)),
    key="res_unit",
)

# ----------------------------------------------------------------------------- you said
quarter, results, responses = latest_results(public, unit, bank)
if quarter is None:
    st.info(tr("yousaid.unit_hidden", k=governance.min_group_size))
else:
    log_view(viewer, "results", unit=unit, period=quarter)
    st.subheader(tr("yousaid.said", period=period(quarter, lang())))
    if responses is not None:
        st.caption(tr("yousaid.responses", n=number(responses.n, lang(), 0)))
    columns = st.columns(4)
    for i, result in enumerate(r for r in results if r.indicator != RESPONSES):
        digits = 2 if bank.scale(result.indicator).range[1] <= 5 else 0
        columns[i % 4].metric(
            bank.scale(result.indicator).title[lang()],
            number(result.value, lang(), digits),
            delta=signed(result.change, lang(), digits) if result.change is not None else None,
            # the arrow follows the sign; no colour: a change of a few points may be chance
            delta_arrow=arrow(result.change, digits),
            delta_color="gray",
            help=bank.scale(result.indicator).description[lang()],
        )
    st.caption(tr("yousaid.said_caption", k=governance.min_group_size))

# ----------------------------------------------------------------------------- we did
with ctx.read() as session:
    plans = all_plans(session)
    states = measures(session, public, bank)
    here = [p for p in plans_in(session, plans, unit) if p.id in states]

st.subheader(tr("yousaid.did"))
if not here:
    st.info(tr("yousaid.no_measures"))
for plan in here:
    item = states[plan.id]
    with st.container(border=True):
        st.markdown(f"**{plain(plan.title)}**")
        st.caption(
            tr(
                "yousaid.measure_facts",
                units=plain(", ".join(names.get(c, c) for c in plan.unit_codes)),
                start=day(plan.starts_on, lang()),
                end=day(plan.end, lang()),
                status=tr(f"plans.status.{plan.status}"),
                owner=plain(plan.owner),
            )
        )
        if item.state == EVALUATED and item.verdict is not None:
            text = tr("yousaid.verdict", verdict=verdict_text(item.verdict, lang()))
            evaluation = item.evaluation
            effect = evaluation.effect if evaluation is not None else None
            if effect is not None:
                indicator = bank.scale(plan.target_indicator).title[lang()]
                digits = effect_digits(plan.target_indicator, bank)
                text += " " + tr(
                    "yousaid.effect_numbers",
                    indicator=indicator,
                    effect=estimate_text(effect, lang(), digits),
                )
            elif item.verdict != "too_little_data":
                text += " " + tr("yousaid.numbers_hidden", depth=governance.public_depth)
            (st.success if item.verdict == EFFECTIVE else st.info)(text)
        elif item.state == NOT_EVALUATED:
            st.warning(tr("yousaid.not_evaluated"))
        else:
            st.info(tr("yousaid.running"))

# ----------------------------------------------------------------------------- good examples
examples = [
    p for p in plans if p.good_example and p.id in states and states[p.id].verdict == EFFECTIVE
]
st.subheader(tr("yousaid.examples"))
if not examples:
    st.info(tr("yousaid.no_examples"))
for plan in examples:
    item = states[plan.id]
    with st.container(border=True):
        evaluation = item.evaluation
        if evaluation is not None and evaluation.verdict == EFFECTIVE:
            summary = build_summary(
                plan,
                evaluation,
                find(entries, plan.intervention_code),
                bank,
                lang(),
                names,
                k=governance.min_group_size,
            )
            st.caption(plain(summary.kicker))
            st.markdown(f"**{plain(summary.title)}**")
            st.markdown(plain(summary.lead))
            for heading, body in summary.sections:
                st.markdown(f"*{plain(heading)}:* {plain(body)}")
        else:
            entry = find(entries, plan.intervention_code)
            st.caption(tr("good_example.kicker"))
            st.markdown(f"**{plain(plan.title)}**")
            if entry is not None:
                st.markdown(plain(entry.text("description", lang())))
            st.markdown(
                tr(
                    "yousaid.example_short",
                    units=plain(", ".join(names.get(c, c) for c in plan.unit_codes)),
                    start=day(plan.starts_on, lang()),
                    end=day(plan.end, lang()),
                    verdict=verdict_text(EFFECTIVE, lang()),
                )
            )
            st.caption(tr("yousaid.numbers_hidden", depth=governance.public_depth))
