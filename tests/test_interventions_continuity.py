"""Structures, not Projektitis: the continuity figures on a hand-countable set of measures,
per unit along the org chart, and on the demo; trend-chart markers of plans and crises."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bgm_dashboard.context import make_context
from bgm_dashboard.interventions.continuity import by_unit, continuity, unit_rows
from bgm_dashboard.interventions.plans import PlanView
from bgm_dashboard.interventions.timeline import EVENT, PLAN, markers
from bgm_dashboard.settings import load_settings

TODAY = date(2026, 11, 26)


def make(
    plan_id: int,
    status: str,
    start: date,
    end: date,
    *,
    units: tuple[int, ...] = (3,),
    evaluated: bool = False,
    standing: bool = False,
) -> PlanView:
    return PlanView(
        id=plan_id,
        intervention_code="platzwechsel",
        title=f"Plan {plan_id}",
        owner="BGM-Team",
        starts_on=start,
        planned_end=end,
        ended_on=end if status in ("done", "stopped") else None,
        evaluated_on=date(2026, 1, 1) if evaluated else None,
        status=status,
        target_indicator="collaboration",
        target_change=10.0,
        standing_practice=standing,
        good_example=False,
        notes="",
        created_by="test",
        unit_ids=units,
        unit_codes=(),
    )


# 1 planned: not counted · 2 running, planned for 15 months: lasting · 3 running, 4 months:
# short but not ended · 4 done after exactly 12 months: lasting · 5 done one day short of 12
# months, evaluated · 6 stopped after 2 months, never evaluated: Projektitis · 7 done after
# 2 months but standing practice · 8 done after 3 months, never evaluated: Projektitis
PLANS = [
    make(1, "planned", date(2027, 1, 1), date(2027, 12, 31)),
    make(2, "running", date(2026, 1, 1), date(2027, 3, 31), units=(4,)),
    make(3, "running", date(2026, 9, 1), date(2026, 12, 31), units=(4,)),
    make(4, "done", date(2025, 1, 1), date(2025, 12, 31)),
    make(5, "done", date(2025, 1, 1), date(2025, 12, 30), evaluated=True, units=(5,)),
    make(6, "stopped", date(2025, 3, 1), date(2025, 4, 30), units=(5,)),
    make(7, "done", date(2025, 3, 1), date(2025, 4, 30), standing=True, units=(1,)),
    make(8, "done", date(2025, 5, 1), date(2025, 7, 31), units=(3, 5)),
]


def test_continuity_of_a_hand_counted_set() -> None:
    figures = continuity(PLANS, TODAY)
    assert figures.started == 7  # plans 2–8
    assert figures.structural == 3  # plans 2, 4, 7
    assert figures.ended == 5  # plans 4–8
    assert figures.evaluated == 1  # plan 5
    assert figures.short_unevaluated == 2  # plans 6 and 8
    assert figures.share_structural == 3 / 7
    assert figures.share_evaluated == 1 / 5


def test_running_past_its_planned_end_counts_the_time_until_today() -> None:
    late = make(9, "running", date(2025, 10, 1), date(2026, 3, 31))
    assert continuity([late], TODAY).structural == 1  # 14 months by today
    assert continuity([late], date(2026, 6, 30)).structural == 0


def test_continuity_per_unit_follows_the_org_chart() -> None:
    # 1 = administration, 2 = directorate, 3 and 4 = offices in it, 5 = office directly below 1
    units = [(1, "STADT", "Stadt", None), (2, "D", "Dezernat", 1), (3, "X", "Amt X", 2),
             (4, "Y", "Amt Y", 2), (5, "Z", "Amt Z", 1)]  # fmt: skip
    rows = {r.code: r.figures for r in unit_rows(PLANS, units, TODAY)}
    assert rows["X"] == continuity([PLANS[i - 1] for i in (4, 8)], TODAY)
    assert rows["Y"] == continuity([PLANS[i - 1] for i in (2, 3)], TODAY)
    assert rows["Z"] == continuity([PLANS[i - 1] for i in (5, 6, 8)], TODAY)
    assert rows["D"] == continuity([PLANS[i - 1] for i in (2, 3, 4, 8)], TODAY)
    assert rows["STADT"] == continuity(PLANS, TODAY)  # everything lies below the administration
    assert rows["Z"].short_unevaluated == 2 and rows["X"].short_unevaluated == 1


def test_demo_shows_the_projektitis_example(demo_db: str) -> None:
    ctx = make_context(replace(load_settings({}), database_url=demo_db))
    try:
        with ctx.read() as session:
            admin, rows = by_unit(session, TODAY)
            found = markers(session, "A50", "de")
            d3 = markers(session, "D3", "en", start=date(2025, 1, 1), end=date(2026, 12, 31))
    finally:
        ctx.engine.dispose()
    assert admin.short_unevaluated == 1  # the two-month fruit basket, never evaluated
    codes = {r.code: r.figures for r in rows}
    assert codes["D1"].short_unevaluated == 1 and codes["D2"].short_unevaluated == 0
    assert codes["STADT"] == admin

    labels = {(m.kind, m.label) for m in found}
    assert (EVENT, "Cyberangriff auf die Stadtverwaltung") in labels  # the whole administration
    assert (PLAN, "Beginn: Platzwechsel Sozialamt ↔ Gesundheitsamt") in labels
    assert (PLAN, "Ende: Platzwechsel Sozialamt ↔ Gesundheitsamt") in labels
    assert (PLAN, "Beginn: Auswertung nach dem Cyberangriff") in labels  # a plan above A50
    assert not any("Jugendamt" in label or "Hochwasser" in label for _, label in labels)
    assert [m.when for m in found] == sorted(m.when for m in found)

    d3_labels = {m.label for m in d3}
    assert "Hochwasser an der Mulde" in d3_labels
    assert "Start: Resilienz-Training für Führungskräfte in Dezernat III" in d3_labels
    assert all(date(2025, 1, 1) <= m.when <= date(2026, 12, 31) for m in d3)
    assert all(len(m) == 3 for m in d3)  # (date, label, kind) for ui.charts
