"""Every analytics table as the pages compute it, for the command line: declines, effects,
crisis curves and drivers. Read through the disclosure gate (released, shown figures only),
so an export can show nothing a page would not."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session

from bgm_dashboard.analytics.common import latest_units
from bgm_dashboard.analytics.curves import event_curves
from bgm_dashboard.analytics.decline import trends
from bgm_dashboard.analytics.drivers import TARGETS, default_depth, drivers
from bgm_dashboard.analytics.events import affected_codes, list_events
from bgm_dashboard.analytics.sentences import decline_sentence
from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.interventions.effect import evaluate_all
from bgm_dashboard.interventions.plans import all_plans
from bgm_dashboard.privacy.gate import released_figures

TABLES = ("declines", "effects", "crises", "drivers")


def _figures(session: Session, viewer: Viewer) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        released_figures(session, viewer, granularity="month"),
        released_figures(session, viewer, granularity="quarter"),
    )


def declines_table(session: Session, viewer: Viewer, bank: ItemBank, lang: str) -> pd.DataFrame:
    """The trend test of every unit and indicator (the decline list is status "decline"),
    with the page's plain sentence for each decline."""
    monthly, quarterly = _figures(session, viewer)
    table = trends(monthly, quarterly, bank)
    sentences = [
        decline_sentence(row, str(row.get("name") or row["code"]), bank, lang)
        if row["status"] == "decline"
        else ""
        for row in ({str(k): v for k, v in r.items()} for r in table.to_dict("records"))
    ]
    return table.assign(sentence=sentences)


def effects_table(session: Session, viewer: Viewer, bank: ItemBank) -> pd.DataFrame:
    """The evaluation of every action plan, as on the measures page."""
    _, quarterly = _figures(session, viewer)
    plans = all_plans(session)
    evaluations = evaluate_all(quarterly, plans, bank) if len(quarterly) else {}
    rows = []
    for plan in plans:
        ev = evaluations.get(plan.id)
        if ev is None:
            continue
        effect = ev.effect
        rows.append(
            {
                "plan_id": plan.id,
                "title": plan.title,
                "indicator": plan.target_indicator,
                "units": ";".join(plan.unit_codes),
                "before": ";".join(ev.before_periods),
                "after": ";".join(ev.after_periods),
                "plan_units_used": ";".join(ev.treated.units) if ev.treated else "",
                "comparison_units": len(ev.comparison.units) if ev.comparison else 0,
                "method": "unit_level_did" if ev.has_comparison else "before_after_only",
                "effect": effect.value if effect else float("nan"),
                "ci_low": effect.low if effect else float("nan"),
                "ci_high": effect.high if effect else float("nan"),
                "threshold": ev.threshold,
                "verdict": ev.verdict,
                "reason": ev.reason,
            }
        )
    return pd.DataFrame(rows)


def crises_table(session: Session, viewer: Viewer, bank: ItemBank) -> pd.DataFrame:
    """The curve figures of every recorded event, affected unit and indicator."""
    monthly, quarterly = _figures(session, viewer)
    if quarterly.empty:
        return pd.DataFrame()
    units = latest_units(quarterly)
    present = [c for c in bank.indicator_codes if c in set(quarterly["indicator"])]
    parts = []
    for event in list_events(session):
        codes = affected_codes(event, units)
        if not codes:
            continue
        curves = event_curves(monthly, quarterly, bank, event.starts_on, codes, present)
        parts.append(curves.assign(event_id=event.id, event=event.title,
                                   starts_on=event.starts_on.isoformat()))  # fmt: skip
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    front = ["event_id", "event", "starts_on"]
    return out[front + [c for c in out.columns if c not in front]]


def drivers_table(session: Session, viewer: Viewer, bank: ItemBank) -> pd.DataFrame:
    """The drivers of each target in the latest published quarter, as the page shows them."""
    _, quarterly = _figures(session, viewer)
    if quarterly.empty:
        return pd.DataFrame()
    quarter = str(quarterly["period"].max())
    parts = []
    for target in TARGETS:
        if target not in set(quarterly["indicator"]):
            continue
        depth = default_depth(quarterly, quarter, target)
        table = drivers(quarterly, bank, quarter, target=target, depth=depth)
        parts.append(table.assign(target=target, period=quarter, depth=depth))
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    front = ["target", "period", "depth"]
    return out[front + [c for c in out.columns if c not in front]]


def analytics_table(
    session: Session, viewer: Viewer, bank: ItemBank, what: str, lang: str
) -> pd.DataFrame:
    if what == "declines":
        return declines_table(session, viewer, bank, lang)
    if what == "effects":
        return effects_table(session, viewer, bank)
    if what == "crises":
        return crises_table(session, viewer, bank)
    if what == "drivers":
        return drivers_table(session, viewer, bank)
    raise ValueError(f"unknown table {what!r}")
