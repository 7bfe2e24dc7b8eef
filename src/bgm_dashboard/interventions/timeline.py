"""Markers for trend charts: the starts and ends of action plans and the starts of crisis events
that concern a unit, as ``(date, label, kind)`` tuples (kind "plan" or "event", the line styles
of ``ui.charts``).

A plan or event concerns a unit when it ran in the unit itself, in a unit above it (it applied
to the unit too; an event without units hit the whole administration) or in a unit below it
(it happened inside the unit's area). Without a unit, everything concerns the chart. Plans that
never started are left out; a plan's end is its actual end, or its planned end."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.db.models import CrisisEvent, CrisisEventUnit, Department
from bgm_dashboard.i18n import t
from bgm_dashboard.interventions.plans import PLANNED, all_plans

EVENT = "event"
PLAN = "plan"
KINDS = (EVENT, PLAN)


class Marker(NamedTuple):
    """One vertical line: when, what, and its kind ("event" or "plan")."""

    when: date
    label: str
    kind: str


def related_units(session: Session, unit: str | None) -> set[int] | None:
    """Ids of the unit, its ancestors and its descendants (None: every unit)."""
    if unit is None:
        return None
    rows = session.execute(select(Department.id, Department.code, Department.parent_id)).all()
    ids = {code: i for i, code, _ in rows}
    if unit not in ids:
        return set()
    parent = {i: p for i, _, p in rows}
    children: dict[int | None, list[int]] = {}
    for i, _, p in rows:
        children.setdefault(p, []).append(i)
    out = {ids[unit]}
    node = parent.get(ids[unit])
    while node is not None and node not in out:
        out.add(node)
        node = parent.get(node)
    stack = [ids[unit]]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in out:
                out.add(child)
                stack.append(child)
    return out


def markers(
    session: Session,
    unit: str | None,
    lang: str,
    *,
    start: date | None = None,
    end: date | None = None,
    kinds: tuple[str, ...] = KINDS,
) -> list[Marker]:
    """Markers concerning ``unit`` between ``start`` and ``end``, in date order."""
    related = related_units(session, unit)
    out: list[Marker] = []
    if EVENT in kinds:
        hit: dict[int, set[int]] = {}
        for event_id, unit_id in session.execute(
            select(CrisisEventUnit.event_id, CrisisEventUnit.department_id)
        ):
            hit.setdefault(event_id, set()).add(unit_id)
        for event in session.scalars(select(CrisisEvent).order_by(CrisisEvent.starts_on)):
            units = hit.get(event.id)
            if related is None or not units or units & related:
                out.append(Marker(event.starts_on, event.title, EVENT))
    if PLAN in kinds:
        for plan in all_plans(session):
            if plan.status == PLANNED:
                continue
            if related is not None and not set(plan.unit_ids) & related:
                continue
            out.append(
                Marker(plan.starts_on, t("plan_timeline.plan_start", lang, title=plan.title), PLAN)
            )
            out.append(Marker(plan.end, t("plan_timeline.plan_end", lang, title=plan.title), PLAN))
    out = [m for m in out if (start is None or m.when >= start) and (end is None or m.when <= end)]
    return sorted(out, key=lambda m: (m.when, KINDS.index(m.kind), m.label))


def plan_markers(
    session: Session,
    unit: str | None,
    lang: str,
    *,
    start: date | None = None,
    end: date | None = None,
) -> list[Marker]:
    """Only the plans' markers (for charts that draw crisis events themselves)."""
    return markers(session, unit, lang, start=start, end=end, kinds=(PLAN,))
