"""Crises: HR records disruptions; every event's resilience curves with their figures; the
list of units in sustained decline ("Bereiche mit anhaltender Verschlechterung")."""

from __future__ import annotations

from datetime import date

import streamlit as st

from bgm_dashboard.analytics.common import latest_units
from bgm_dashboard.analytics.curves import event_curves, unit_curve_series
from bgm_dashboard.analytics.decline import sustained_declines
from bgm_dashboard.analytics.events import (
    KINDS,
    affected_codes,
    delete_event,
    list_events,
    record_event,
)
from bgm_dashboard.analytics.sentences import decline_sentence
from bgm_dashboard.errors import UserError, ValidationError
from bgm_dashboard.formatting import day
from bgm_dashboard.i18n import t
from bgm_dashboard.org.service import load_tree
from bgm_dashboard.ui import tables
from bgm_dashboard.ui.analytics_data import all_trends, both
from bgm_dashboard.ui.audit import log_view
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.guard import require_roles
from bgm_dashboard.ui.lang import lang, tr
from bgm_dashboard.ui.plain import chart_text, plain

viewer = require_roles("hr", "leadership", "council")
ctx = app_context()
bank = ctx.bank
L = lang()
monthly, quarterly = both(viewer)
st.title(tr("crises.title"))
st.caption(tr("crises.intro"))
units = latest_units(quarterly)
if units.empty:
    with ctx.read() as session:
        tree = load_tree(session)
    names = {u.code: u.name for u in tree.units}
    codes = [u.code for u in tree.units]
else:
    names = dict(zip(units["code"], units["name"], strict=True))
    codes = units["code"].tolist()

with ctx.read() as session:
    events = list_events(session)

# ----------------------------------------------------------------------------- the events
st.subheader(tr("crises.events_title"))
if events:
    tables.show_table(tables.events_display(events, names), "crisis_events", key="events")
else:
    st.info(tr("crises.no_events"))

if viewer.has("hr"):
    with (
        st.expander(tr("crises.add_title"), expanded=not events),
        st.form("crisis_event", clear_on_submit=True),
    ):
        title = st.text_input(tr("crises.field_title"), max_chars=200)
        c1, c2, c3 = st.columns(3)
        kind = c1.selectbox(
            tr("crises.field_kind"), KINDS, format_func=lambda k: t(f"crisis.kind_{k}", L)
        )
        starts_on = c2.date_input(tr("crises.field_start"), value=None, format="DD.MM.YYYY")
        ends_on = c3.date_input(tr("crises.field_end"), value=None, format="DD.MM.YYYY")
        hit = st.multiselect(
            tr("crises.field_units"),
            codes,
            format_func=lambda c: names.get(c, c),
            placeholder=tr("crisis.whole_administration"),
        )
        description = st.text_area(tr("crises.field_description"), max_chars=2000)
        if st.form_submit_button(tr("crises.save"), type="primary"):
            try:
                if not isinstance(starts_on, date):
                    raise ValidationError("crisis.start_required")
                with ctx.write() as session:
                    record_event(
                        session,
                        viewer,
                        title=title,
                        kind=kind,
                        starts_on=starts_on,
                        ends_on=ends_on if isinstance(ends_on, date) else None,
                        unit_codes=hit,
                        description=description,
                    )
                st.session_state["crises_saved"] = True
                st.rerun()
            except UserError as error:
                st.error(error.message(L))
    if st.session_state.pop("crises_saved", False):
        st.success(tr("crises.saved"))
    if events:
        with st.expander(tr("crises.delete_title")):
            doomed = st.selectbox(
                tr("crises.delete_which"),
                [e.id for e in events],
                format_func=lambda i: next(
                    f"{day(e.starts_on, L)} – {e.title}" for e in events if e.id == i
                ),
                key="crises_delete_pick",
            )
            sure = st.checkbox(tr("crises.delete_confirm"), key="crises_delete_sure")
            if st.button(tr("crises.delete"), disabled=not sure, key="crises_delete"):
                try:
                    with ctx.write() as session:
                        delete_event(session, viewer, int(doomed))
                    st.rerun()
                except UserError as error:
                    st.error(error.message(L))

if quarterly.empty:
    st.info(tr("overview.nothing_published"))
    st.stop()

# ----------------------------------------------------------------------------- curves
st.subheader(tr("crises.curves_title"))
st.caption(tr("curves.rules"))
present = [c for c in bank.indicator_codes if c in set(quarterly["indicator"])]
title_of = {c: bank.scale(c).title[L] for c in present}
if events:
    ordered = sorted(events, key=lambda e: (not e.whole_administration, -e.starts_on.toordinal()))
    c1, c2, c3 = st.columns([2, 1, 1])
    event_id = c1.selectbox(
        tr("crises.event"),
        [e.id for e in ordered],
        format_func=lambda i: next(
            f"{day(e.starts_on, L)} – {e.title}" for e in ordered if e.id == i
        ),
        key="crises_event",
    )
    event = next(e for e in ordered if e.id == event_id)
    hit_codes = affected_codes(event, units)
    indicator = c2.selectbox(
        tr("crises.indicator"),
        present,
        index=present.index("who5") if "who5" in present else 0,
        format_func=lambda c: title_of[c],
        key="crises_indicator",
    )
    code = c3.selectbox(
        tr("crises.unit"), hit_codes, format_func=lambda c: names.get(c, c), key="crises_unit"
    )
    log_view(viewer, "crises", unit=code, period=None)
    curves = event_curves(monthly, quarterly, bank, event.starts_on, hit_codes, [indicator])
    row = curves[curves["code"] == code].iloc[0]
    series = unit_curve_series(monthly, quarterly, bank, code, indicator, event.starts_on)
    if row["outcome"] == "no_baseline":
        st.info(tr("curves.sentence_no_baseline"))
    else:
        tables.show_curve(
            series,
            row,
            chart_text(f"{names.get(code, code)} – {title_of[indicator]}"),
            indicator,
            bank,
            chart_text(event.title),
            key="crises_curve",
        )
    st.markdown(f"**{tr('crises.all_units', indicator=title_of[indicator])}**")
    tables.show_table(
        tables.curve_table(curves, bank, names),
        f"curves_event{event.id}_{indicator}",
        key="curves_units",
        digits=tables.curve_digits(curves, bank),
    )
    everything = event_curves(monthly, quarterly, bank, event.starts_on, [code], present)
    st.markdown(f"**{tr('crises.all_indicators', unit=plain(names.get(code, code)))}**")
    tables.show_table(
        tables.curve_table(everything, bank, names),
        f"curves_event{event.id}_{code}",
        key="curves_indicators",
        digits=tables.curve_digits(everything, bank),
    )

# ----------------------------------------------------------------------------- chronic decline
st.subheader(tr("crises.decline_title"))
trend_rows = all_trends(monthly, quarterly, bank)
declines = sustained_declines(trend_rows)
if declines.empty:
    st.success(tr("plain.no_decline"))
else:
    for decline in declines.to_dict("records"):
        name = plain(names.get(str(decline["code"]), str(decline["code"])))
        st.warning(decline_sentence({str(k): v for k, v in decline.items()}, name, bank, lang()))
st.caption(tr("plain.decline_false_alarms"))
with st.expander(tr("plain.method")):
    st.caption(tr("decline.rules"))
    if len(declines):
        tables.show_table(
            tables.decline_table(declines, bank, names),
            "sustained_decline",
            key="declines",
            digits=tables.trend_digits()
            | {tr("an_col.window_change"): tables.row_digits(declines, bank)},
        )
watch = trend_rows[trend_rows["status"] == "watch"]
if len(watch):
    with st.expander(tr("crises.watch_title", count=len(watch))):
        tables.show_table(
            tables.trend_table(watch, bank, names),
            "watch_list",
            key="watch",
            digits=tables.trend_digits()
            | {tr("an_col.window_change"): tables.row_digits(watch, bank)},
        )
