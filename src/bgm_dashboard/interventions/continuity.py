"""Structures, not Projektitis: how many measures last, how many were evaluated, and how many
short ones ended unevaluated, per unit and for the whole administration.

Rules: a measure counts once it has started (status running, done or stopped). It is
*structural* when it became standing practice or runs at least 12 months (from its start to its
end; while running, to its planned end or today, whichever is later). The share evaluated is
taken over the measures that have ended (done or stopped); "evaluated" means HR recorded the
check of its effect. A *short measure ended without evaluation* has ended, is not structural
and was not evaluated. A unit's measures are those run in the unit or in any unit below it;
the administration counts every measure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.db.models import Department
from bgm_dashboard.interventions.plans import ENDED, PLANNED, RUNNING, PlanView, all_plans

MIN_MONTHS = 12


@dataclass(frozen=True)
class Continuity:
    started: int
    structural: int
    ended: int
    evaluated: int
    short_unevaluated: int

    @property
    def share_structural(self) -> float | None:
        return self.structural / self.started if self.started else None

    @property
    def share_evaluated(self) -> float | None:
        return self.evaluated / self.ended if self.ended else None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where it is shorter)."""
    stamp = pd.Timestamp(day) + pd.DateOffset(months=months)
    return stamp.date()


def runs_long(plan: PlanView, today: date) -> bool:
    """Whether the measure runs at least 12 months (its last day included)."""
    if plan.status == RUNNING:
        last = max(plan.planned_end, today)
    else:
        last = plan.ended_on or plan.planned_end
    return add_months(plan.starts_on, MIN_MONTHS) <= last + timedelta(days=1)


def is_structural(plan: PlanView, today: date) -> bool:
    return plan.standing_practice or runs_long(plan, today)


def continuity(plans: Iterable[PlanView], today: date) -> Continuity:
    started = [p for p in plans if p.status != PLANNED]
    ended = [p for p in started if p.status in ENDED]
    structural = [p for p in started if is_structural(p, today)]
    evaluated = [p for p in ended if p.evaluated_on is not None]
    short = [p for p in ended if p.evaluated_on is None and not is_structural(p, today)]
    return Continuity(len(started), len(structural), len(ended), len(evaluated), len(short))


@dataclass(frozen=True)
class UnitContinuity:
    code: str
    name: str
    depth: int
    figures: Continuity


def by_unit(session: Session, today: date) -> tuple[Continuity, list[UnitContinuity]]:
    """The administration's figures, and each active unit's (in org-chart order) that has
    at least one started measure in it or below it."""
    plans = all_plans(session)
    units = session.execute(
        select(Department.id, Department.code, Department.name, Department.parent_id)
        .where(Department.active.is_(True))
        .order_by(Department.position, Department.id)
    ).all()
    return continuity(plans, today), unit_rows(plans, units, today)


def unit_rows(
    plans: Sequence[PlanView],
    units: Sequence[tuple[int, str, str, int | None]],
    today: date,
) -> list[UnitContinuity]:
    parent = {u[0]: u[3] for u in units}

    def lineage(unit: int) -> set[int]:
        out = {unit}
        node = parent.get(unit)
        while node is not None and node not in out:
            out.add(node)
            node = parent.get(node)
        return out

    touched: dict[int, list[PlanView]] = {}
    for plan in plans:
        reached: set[int] = set()
        for unit in plan.unit_ids:
            reached |= lineage(unit)
        for unit in reached:
            touched.setdefault(unit, []).append(plan)
    rows = []
    for unit_id, code, name, _ in units:
        figures = continuity(touched.get(unit_id, []), today)
        if figures.started:
            rows.append(UnitContinuity(code, name, len(lineage(unit_id)) - 1, figures))
    return rows
