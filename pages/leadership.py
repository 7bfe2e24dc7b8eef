"""Leadership's quarter: the latest published quarter at a glance (five things that matter,
the indicators with their change against the quarter before and a year earlier, trends over
eight quarters), a quarter picker, two quarters side by side, and the quarter's snapshot with
leadership's reflection, decisions, release and report."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from bgm_dashboard.auth.scopes import held_scopes
from bgm_dashboard.formatting import arrow, day, moment, number, percent, period, signed
from bgm_dashboard.governance.settings import current
from bgm_dashboard.interventions.catalogue import load_catalogue
from bgm_dashboard.interventions.plans import unit_choices
from bgm_dashboard.snapshots.document import digits, root_name
from bgm_dashboard.snapshots.reflection import (
    FIELDS,
    add_decision,
    decision_to_plan,
    decisions,
    freeze_reflection,
    reflections,
    save_reflection,
)
from bgm_dashboard.snapshots.report import MEDIA, snapshot_report
from bgm_dashboard.snapshots.store import (
    SnapshotView,
    create_snapshot,
    list_snapshots,
    release_snapshot,
)
from bgm_dashboard.ui.actions import act, show_flash
from bgm_dashboard.ui.audit import log_view
from bgm_dashboard.ui.charts import trend_figure
from bgm_dashboard.ui.chartview import plotly_chart
from bgm_dashboard.ui.confirm import confirm_button
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.data import figures
from bgm_dashboard.ui.guard import require_roles
from bgm_dashboard.ui.lang import lang, tr
from bgm_dashboard.ui.plain import plain
from bgm_dashboard.ui.quarter import quarter_view

viewer = require_roles("leadership", "hr", "council", scoped=True)
ctx = app_context()
bank = ctx.bank
quarterly = figures(viewer, granularity="quarter")
st.title(tr("leadership.title"))
show_flash()

quarters = sorted(set(quarterly["period"])) if len(quarterly) else []
if not quarters:
    st.info(tr("leadership.nothing_published"))
    st.stop()

pick, compare = st.columns(2)
quarter = pick.selectbox(
    tr("quarter.pick"),
    quarters[::-1],
    format_func=lambda q: period(q, lang()),
    key="lead_quarter",
)
other = compare.selectbox(
    tr("quarter.compare"),
    [None, *[q for q in quarters[::-1] if q != quarter]],
    format_func=lambda q: tr("quarter.compare_none") if q is None else period(q, lang()),
    key="lead_compare",
)
with ctx.read() as session:
    k = current(session).min_group_size
    scopes = held_scopes(session, viewer) if viewer.has("hr") else {}
summary = quarter_view(viewer, quarter)
if viewer.scope:
    st.caption(tr("quarter.scope_caption", unit=plain(root_name(summary))))
log_view(viewer, "leadership", unit=summary["root"], period=quarter)


def _title(indicator: str) -> str:
    return bank.scale(indicator).title[lang()]


def _five(data: dict[str, Any]) -> list[str]:
    """The five things that matter, as plain-text lines (unit names are user text)."""
    none = tr("snapshot.report.none")
    lines = []
    for verdict in ("better", "worse"):
        items = [
            f"{plain(m['name'])}: {_title(m['indicator'])} "
            + signed(m["diff"], lang(), digits(bank, m["indicator"]))
            for m in data["moves"][verdict]
        ]
        lines.append(tr(f"snapshot.report.moves_{verdict}") + " " + ("; ".join(items) or none))
    declines = [
        tr(
            "snapshot.report.decline_item",
            unit=plain(d["name"]),
            indicator=_title(d["indicator"]),
            since=period(d["since"], lang()),
        )
        for d in data["declines"]
    ]
    lines.append(tr("snapshot.report.declines") + " " + ("; ".join(declines) or none))
    worked = [plain(m["title"]) for m in data["measures"] if m["verdict"] == "effective"]
    failed = [plain(m["title"]) for m in data["measures"] if m["verdict"] == "no_effect"]
    lines.append(
        tr(
            "snapshot.report.measures_line",
            worked="; ".join(worked) or none,
            failed="; ".join(failed) or none,
        )
    )
    rates = {r["period"]: r for r in data["participation"]}
    now = rates.get(quarter)
    before = rates.get(data["quarters"][-2]) if len(data["quarters"]) > 1 else None
    lines.append(
        tr(
            "snapshot.report.participation_line",
            unit=plain(root_name(data)),
            rate=percent(now["rate"] / 100, lang()) if now and now["rate"] is not None else "–",
            responses=number(now["responses"], lang(), 0)
            if now and now["responses"] is not None
            else "–",
            before=percent(before["rate"] / 100, lang())
            if before and before["rate"] is not None
            else "–",
        )
    )
    return lines


glance_tab, compare_tab, snapshot_tab = st.tabs(
    [tr("quarter.tab_glance"), tr("quarter.tab_compare"), tr("quarter.tab_snapshot")]
)

with glance_tab:
    st.caption(tr("quarter.caption", period=period(quarter, lang())))
    st.subheader(tr("snapshot.report.five"))
    st.markdown("\n".join(f"{i}. {line}" for i, line in enumerate(_five(summary), start=1)))
    st.subheader(tr("snapshot.report.indicators"))
    columns = st.columns(3)
    for i, row in enumerate(summary["glance"]):
        places = digits(bank, row["indicator"])
        box = columns[i % 3]
        if row["value"] is None:
            box.metric(_title(row["indicator"]), tr("ui.suppressed_short", k=k), border=True)
            continue
        previous, year = row["previous"], row["year"]
        diff = previous["diff"] if previous else math.nan
        verdict = previous["verdict"] if previous else "none"
        year_text = (
            tr("quarter.vs_year", change=signed(year["diff"], lang(), places))
            + (" ▲" if year["verdict"] == "better" else " ▼" if year["verdict"] == "worse" else "")
            if year
            else tr("quarter.no_year")
        )
        box.metric(
            _title(row["indicator"]),
            number(row["value"], lang(), places),
            delta=None if math.isnan(diff) else signed(diff, lang(), places),
            delta_color="green" if verdict == "better" else "red" if verdict == "worse" else "gray",
            delta_arrow=arrow(None if math.isnan(diff) else diff, places),
            delta_description=tr("leadership.vs_previous") if not math.isnan(diff) else None,
            chart_data=[v for _, v in row["history"]] or None,
            help=tr(
                f"leadership.verdict_{verdict}",
                change=number(bank.scale(row["indicator"]).meaningful_change, lang(), places),
            )
            + " "
            + tr(f"leadership.trend_{row['trend']}"),
            border=True,
        )
        box.caption(year_text)
    st.caption(tr("leadership.rules"))
    st.subheader(tr("quarter.trend_title"))
    shown = [r["indicator"] for r in summary["glance"] if r["history"]]
    if shown:
        indicator = st.selectbox(
            tr("overview.indicator"), shown, format_func=_title, key="lead_indicator"
        )
        series = quarterly[
            (quarterly["code"] == summary["root"])
            & (quarterly["indicator"] == indicator)
            & (quarterly["kind"] == "unit")
            & (quarterly["period"].isin(summary["quarters"]))
        ]
        plotly_chart(
            trend_figure(
                series.sort_values("period").reset_index(drop=True),
                _title(indicator),
                lang(),
                value_range=bank.scale(indicator).range,
                k=k,
                digits=digits(bank, indicator),
            ),
            width="stretch",
        )

with compare_tab:
    if other is None:
        st.info(tr("quarter.compare_hint"))
    else:
        # two quarters side by side: released values of the whole administration
        base = quarter_view(viewer, other)
        left = {r["indicator"]: r for r in summary["glance"]}
        right = {r["indicator"]: r for r in base["glance"]}
        rows = []
        for code in [c for c in bank.indicator_codes if c in left or c in right]:
            places = digits(bank, code)
            a = left.get(code, {}).get("value")
            b = right.get(code, {}).get("value")
            rows.append(
                {
                    tr("snapshot.report.indicator"): _title(code),
                    period(quarter, lang()): number(a, lang(), places),
                    period(other, lang()): number(b, lang(), places),
                    tr("quarter.difference"): signed(a - b, lang(), places)
                    if a is not None and b is not None
                    else "–",
                }
            )
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        st.caption(tr("quarter.compare_note", k=k))
        one, two = st.columns(2)
        for box, data, label in ((one, summary, quarter), (two, base, other)):
            box.subheader(period(label, lang()))
            box.markdown("\n".join(f"{i}. {line}" for i, line in enumerate(_five(data), 1)))


def _report_bytes(snap: SnapshotView, fmt: str, depth: int | None) -> bytes:
    with ctx.write() as session:
        return snapshot_report(session, viewer, snap, bank=bank, fmt=fmt, lang=lang(), depth=depth)


def _deferred(snap: SnapshotView, fmt: str, depth: int | None) -> Callable[[], bytes]:
    """The report is made (and audited) only when the button is clicked."""
    return lambda: _report_bytes(snap, fmt, depth)


def _snapshot_facts(snap: SnapshotView) -> None:
    status = tr(f"snapshot.status.{snap.status}")
    st.markdown(
        tr(
            "quarter.snapshot_facts",
            version=snap.version,
            status=status,
            who=plain(snap.created_by),
            at=moment(snap.created_at, lang()),
            checksum=snap.checksum[:16],
        )
    )
    if snap.released:
        st.success(
            tr(
                "snapshot.report.released_by",
                who=plain(snap.released_by),
                at=moment(snap.released_at, lang()),
            )
        )
    if snap.changes:
        st.caption(tr("quarter.changes", count=len(snap.changes)))
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        tr("snapshot.report.what"): tr(f"snapshot.change.{c['what']}"),
                        tr("snapshot.report.key"): c["key"],
                        tr("snapshot.report.before"): str(c["before"]),
                        tr("snapshot.report.after"): str(c["after"]),
                    }
                    for c in snap.changes
                ]
            ),
            hide_index=True,
        )


def _reflection(snap: SnapshotView, writable: bool) -> None:
    with ctx.read() as session:
        versions = reflections(session, viewer, snap.id)
        taken = decisions(session, viewer, snap.id)
    latest = versions[0] if versions else None
    st.subheader(tr("snapshot.report.reflection"))
    if writable:
        with st.form(f"lead_reflection_{snap.id}"):
            texts = {
                field: st.text_area(
                    tr(f"snapshot.question.{field}"),
                    value=getattr(latest, field) if latest else "",
                    key=f"lead_ref_{field}_{snap.id}",
                )
                for field in FIELDS
            }
            if st.form_submit_button(tr("quarter.save_reflection"), type="primary"):
                act(
                    lambda s: save_reflection(s, viewer, snap.id, texts),
                    lambda r: tr("quarter.reflection_saved", version=r.version),
                )
    elif latest is None:
        st.info(tr("snapshot.report.no_reflection"))
    if latest is not None:
        st.caption(
            tr(
                "quarter.reflection_version",
                version=latest.version,
                who=plain(latest.written_by),
                at=moment(latest.written_at, lang()),
            )
        )
        if not writable:
            for field in FIELDS:
                if getattr(latest, field):
                    st.markdown(f"**{tr(f'snapshot.question.{field}')}**")
                    st.markdown(plain(getattr(latest, field)))
    st.subheader(tr("snapshot.report.decisions"))
    for item in taken:
        line = tr(
            "quarter.decision_line",
            text=plain(item.text),
            owner=plain(item.owner),
            due=day(item.due_on, lang()),
        )
        if item.plan_id is not None:
            line += " " + tr("quarter.decision_plan", id=item.plan_id)
        st.markdown(f"- {line}")
        if item.plan_id is None and viewer.has("leadership"):
            _plan_form(item.id, item.text)
    if not taken:
        st.caption(tr("snapshot.report.none"))
    if writable:
        with st.form(f"lead_decision_{snap.id}", clear_on_submit=True):
            text = st.text_area(tr("snapshot.report.decision"), key=f"lead_dec_text_{snap.id}")
            owner = st.text_input(tr("snapshot.report.owner"), key=f"lead_dec_owner_{snap.id}")
            due = st.date_input(
                tr("snapshot.report.due"),
                value=date.today() + timedelta(days=90),
                format="DD.MM.YYYY",
                key=f"lead_dec_due_{snap.id}",
            )
            if st.form_submit_button(tr("quarter.add_decision")):
                act(
                    lambda s: add_decision(s, viewer, snap.id, text, owner, due),
                    "quarter.decision_added",
                )


def _plan_form(decision_id: int, text: str) -> None:
    with (
        st.expander(tr("quarter.to_plan")),
        st.form(f"lead_plan_{decision_id}"),
    ):
        with ctx.read() as session:
            entries = load_catalogue(session)
            units = unit_choices(session)
        entry = st.selectbox(
            tr("quarter.plan_measure"),
            entries,
            format_func=lambda e: e.texts["title"][lang()],
            key=f"lead_plan_entry_{decision_id}",
        )
        chosen = st.multiselect(
            tr("snapshot.report.units_col"),
            [u.code for u in units],
            format_func=lambda c: next(u.name for u in units if u.code == c),
            key=f"lead_plan_units_{decision_id}",
        )
        target = st.selectbox(
            tr("snapshot.report.indicator"),
            list(bank.indicator_codes),
            index=list(bank.indicator_codes).index(entry.target_indicator)
            if entry.target_indicator in bank.indicator_codes
            else 0,
            format_func=_title,
            key=f"lead_plan_ind_{decision_id}",
        )
        if st.form_submit_button(tr("quarter.create_plan"), type="primary"):
            act(
                lambda s: decision_to_plan(
                    s,
                    viewer,
                    decision_id,
                    intervention_code=entry.code,
                    units=tuple(chosen),
                    target_indicator=target,
                    bank=bank,
                ),
                lambda p: tr("quarter.plan_created", id=p.id),
            )


with snapshot_tab:
    st.caption(tr("quarter.snapshot_caption"))
    scope = viewer.scope
    if viewer.has("hr") and scopes:
        # HR prepares the snapshots of the subtrees that scoped leadership accounts hold too
        scope = st.selectbox(
            tr("quarter.snapshot_scope"),
            ["", *sorted(set(scopes.values()))],
            format_func=lambda c: c or tr("quarter.whole"),
            key="lead_scope",
        )
    with ctx.read() as session:
        snaps = list_snapshots(session, viewer, quarter=quarter, scope=scope)
    if viewer.has("hr") and st.button(
        tr("quarter.create_snapshot"), key="lead_create", type="primary"
    ):
        act(
            lambda s: create_snapshot(s, viewer, quarter, bank=bank, scope=scope),
            lambda snap: tr("quarter.snapshot_created", version=snap.version),
        )
    if not snaps:
        st.info(tr("quarter.no_snapshot", period=period(quarter, lang())))
    else:
        chosen = st.selectbox(
            tr("quarter.version"),
            snaps,
            format_func=lambda s: f"V{s.version} – {tr(f'snapshot.status.{s.status}')}",
            key=f"lead_version_{quarter}",
        )
        _snapshot_facts(chosen)
        writable = viewer.has("leadership") and not chosen.released
        _reflection(chosen, writable)
        st.subheader(tr("quarter.report"))
        with ctx.read() as session:
            public_depth = current(session).public_depth
        depth = st.radio(
            tr("quarter.report_depth"),
            [None, public_depth],
            format_func=lambda d: (
                tr("quarter.depth_all") if d is None else tr("quarter.depth_public", depth=d)
            ),
            horizontal=True,
            key=f"lead_depth_{chosen.id}",
        )
        row = st.container(horizontal=True, gap="small")
        for fmt in ("pdf", "html"):
            row.download_button(
                tr(f"quarter.download_{fmt}"),
                data=_deferred(chosen, fmt, depth),
                file_name=f"quartalsbericht-{chosen.quarter}-v{chosen.version}.{fmt}",
                mime=MEDIA[fmt],
                key=f"lead_dl_{fmt}_{chosen.id}",
                on_click="ignore",
                icon=":material/download:",
            )
        if viewer.has("leadership") and not chosen.released:
            with ctx.read() as session:
                frozen = freeze_reflection(session, chosen.id)
            confirm_button(
                tr("quarter.release"),
                key=f"lead_release_{chosen.id}",
                title=tr("quarter.release_title"),
                consequence=tr(
                    "quarter.release_consequence",
                    decisions=len(frozen["decisions"]),
                    version=frozen["version"],
                ),
                confirm_label=tr("quarter.release_confirm"),
                action=lambda s: release_snapshot(
                    s, viewer, quarter, chosen.version, scope=chosen.scope
                ),
                done=lambda snap: tr("quarter.released", version=snap.version),
            )
