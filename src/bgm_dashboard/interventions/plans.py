"""Action plans: create, edit, change status, record the evaluation, list (HR; audited)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.auth.audit import record
from bgm_dashboard.auth.viewer import Viewer, require
from bgm_dashboard.db.models import ActionPlan, ActionPlanUnit, Department
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.indicators.moments import RESPONSES
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.interventions.catalogue import find, load_catalogue
from bgm_dashboard.org.service import load_tree

if TYPE_CHECKING:
    from bgm_dashboard.interventions.effect import Evaluation

PLANNED = "planned"
RUNNING = "running"
DONE = "done"
STOPPED = "stopped"
STATUSES = (PLANNED, RUNNING, DONE, STOPPED)
ENDED = (DONE, STOPPED)
TRANSITIONS = {
    PLANNED: (RUNNING, STOPPED),
    RUNNING: (DONE, STOPPED),
    DONE: (),
    STOPPED: (),
}
MAX_TITLE = 200
MAX_OWNER = 200
MAX_NOTES = 4000


@dataclass(frozen=True)
class PlanInput:
    """What HR enters for a plan (units by code)."""

    intervention_code: str
    title: str
    owner: str
    units: tuple[str, ...]
    starts_on: date
    planned_end: date
    target_indicator: str
    target_change: float
    notes: str = ""
    standing_practice: bool = False


@dataclass(frozen=True)
class PlanView:
    """A stored plan with its units, detached from the session."""

    id: int
    intervention_code: str
    title: str
    owner: str
    starts_on: date
    planned_end: date
    ended_on: date | None
    evaluated_on: date | None
    status: str
    target_indicator: str
    target_change: float
    standing_practice: bool
    good_example: bool
    notes: str
    created_by: str
    unit_ids: tuple[int, ...]
    unit_codes: tuple[str, ...]

    @property
    def end(self) -> date:
        """The actual end, or the planned end while the plan has not ended."""
        return self.ended_on or self.planned_end

    def is_overdue(self, today: date) -> bool:
        """The planned end has passed and the plan is neither done nor stopped."""
        return self.status not in ENDED and self.planned_end < today


def _view(plan: ActionPlan, units: Sequence[tuple[int, str]]) -> PlanView:
    return PlanView(
        id=plan.id,
        intervention_code=plan.intervention_code,
        title=plan.title,
        owner=plan.owner,
        starts_on=plan.starts_on,
        planned_end=plan.planned_end,
        ended_on=plan.ended_on,
        evaluated_on=plan.evaluated_on,
        status=plan.status,
        target_indicator=plan.target_indicator,
        target_change=float(plan.target_change),
        standing_practice=bool(plan.standing_practice),
        good_example=bool(plan.good_example),
        notes=plan.notes,
        created_by=plan.created_by,
        unit_ids=tuple(u for u, _ in units),
        unit_codes=tuple(c for _, c in units),
    )


def all_plans(session: Session) -> list[PlanView]:
    """Every plan, newest start first."""
    units: dict[int, list[tuple[int, str]]] = {}
    rows = session.execute(
        select(ActionPlanUnit.plan_id, Department.id, Department.code)
        .join(Department, Department.id == ActionPlanUnit.department_id)
        .order_by(Department.position, Department.id)
    ).all()
    for plan_id, unit_id, code in rows:
        units.setdefault(plan_id, []).append((unit_id, code))
    plans = session.scalars(
        select(ActionPlan).order_by(ActionPlan.starts_on.desc(), ActionPlan.id.desc())
    )
    return [_view(p, units.get(p.id, [])) for p in plans]


def get_plan(session: Session, plan_id: int) -> PlanView:
    for plan in all_plans(session):
        if plan.id == plan_id:
            return plan
    raise ValidationError("plans.error.not_found", id=plan_id)


def _subtree_codes(session: Session, code: str) -> set[str]:
    rows = session.execute(select(Department.id, Department.code, Department.parent_id)).all()
    by_code = {c: i for i, c, _ in rows}
    if code not in by_code:
        raise ValidationError("plans.error.unknown_unit", code=code)
    children: dict[int | None, list[tuple[int, str]]] = {}
    for unit_id, unit_code, parent in rows:
        children.setdefault(parent, []).append((unit_id, unit_code))
    out, stack = set(), [by_code[code]]
    codes = {i: c for i, c, _ in rows}
    while stack:
        node = stack.pop()
        out.add(codes[node])
        stack.extend(i for i, _ in children.get(node, []))
    return out


def list_plans(
    session: Session,
    *,
    today: date,
    unit: str | None = None,
    status: str | None = None,
    overdue: bool = False,
) -> list[PlanView]:
    """Plans filtered by unit (run in the unit or below it), status and overdue."""
    plans = all_plans(session)
    if unit:
        inside = _subtree_codes(session, unit)
        plans = [p for p in plans if inside & set(p.unit_codes)]
    if status:
        if status not in STATUSES:
            raise ValidationError("plans.error.unknown_status", status=status)
        plans = [p for p in plans if p.status == status]
    if overdue:
        plans = [p for p in plans if p.is_overdue(today)]
    return plans


@dataclass(frozen=True)
class UnitChoice:
    code: str
    name: str
    depth: int


def unit_choices(session: Session, *, active_only: bool = True) -> list[UnitChoice]:
    """Units in org-chart order (for choosing where a plan runs, and for names)."""
    tree = load_tree(session, include_inactive=not active_only)
    return [UnitChoice(u.code, u.name, u.depth) for u in tree.units]


# ----------------------------------------------------------------------------- changes


def _checked(session: Session, data: PlanInput, bank: ItemBank) -> tuple[PlanInput, list[int]]:
    title = data.title.strip()
    owner = data.owner.strip()
    notes = data.notes.strip()
    if not title:
        raise ValidationError("plans.error.title_missing")
    if len(title) > MAX_TITLE:
        raise ValidationError("plans.error.title_too_long", limit=MAX_TITLE)
    if not owner:
        raise ValidationError("plans.error.owner_missing")
    if len(owner) > MAX_OWNER:
        raise ValidationError("plans.error.owner_too_long", limit=MAX_OWNER)
    if len(notes) > MAX_NOTES:
        raise ValidationError("plans.error.notes_too_long", limit=MAX_NOTES)
    if find(load_catalogue(session), data.intervention_code) is None:
        raise ValidationError("plans.error.unknown_intervention", code=data.intervention_code)
    codes = list(dict.fromkeys(c.strip() for c in data.units if c.strip()))
    if not codes:
        raise ValidationError("plans.error.no_units")
    known = dict(
        session.execute(
            select(Department.code, Department.id).where(Department.active.is_(True))
        ).all()
    )
    for code in codes:
        if code not in known:
            raise ValidationError("plans.error.unknown_unit", code=code)
    if not isinstance(data.starts_on, date) or not isinstance(data.planned_end, date):
        raise ValidationError("plans.error.dates_missing")
    if data.planned_end < data.starts_on:
        raise ValidationError("plans.error.end_before_start")
    indicator = data.target_indicator
    if indicator == RESPONSES or indicator not in bank.indicator_codes:
        raise ValidationError("plans.error.unknown_indicator", indicator=indicator)
    scale = bank.scale(indicator)
    width = scale.range[1] - scale.range[0]
    try:
        change = float(data.target_change)
    except (TypeError, ValueError):
        raise ValidationError("plans.error.target_change", limit=f"{width:g}") from None
    if not 0 < change <= width:
        raise ValidationError("plans.error.target_change", limit=f"{width:g}")
    clean = PlanInput(
        intervention_code=data.intervention_code,
        title=title,
        owner=owner,
        units=tuple(codes),
        starts_on=data.starts_on,
        planned_end=data.planned_end,
        target_indicator=indicator,
        target_change=change,
        notes=notes,
        standing_practice=bool(data.standing_practice),
    )
    return clean, [known[c] for c in codes]


def create_plan(session: Session, viewer: Viewer, data: PlanInput, *, bank: ItemBank) -> PlanView:
    """A new plan (status "planned"). HR only; audited."""
    require(viewer, "hr")
    return insert_plan(session, viewer, data, bank=bank)


def insert_plan(session: Session, viewer: Viewer, data: PlanInput, *, bank: ItemBank) -> PlanView:
    """Store a checked new plan; the caller has checked the role (HR here, leadership
    turning its decision into a plan in snapshots.reflection). Audited."""
    clean, unit_ids = _checked(session, data, bank)
    plan = ActionPlan(
        intervention_code=clean.intervention_code,
        title=clean.title,
        owner=clean.owner,
        starts_on=clean.starts_on,
        planned_end=clean.planned_end,
        status=PLANNED,
        target_indicator=clean.target_indicator,
        target_change=clean.target_change,
        standing_practice=clean.standing_practice,
        good_example=False,
        notes=clean.notes,
        created_by=viewer.name,
    )
    session.add(plan)
    session.flush()
    for unit_id in unit_ids:
        session.add(ActionPlanUnit(plan_id=plan.id, department_id=unit_id))
    session.flush()
    record(session, viewer.name, "plan_create", f"plan:{plan.id}", _details(clean))
    return get_plan(session, plan.id)


def update_plan(
    session: Session, viewer: Viewer, plan_id: int, data: PlanInput, *, bank: ItemBank
) -> PlanView:
    """Edit a plan's content (its status changes through :func:`change_status`)."""
    require(viewer, "hr")
    plan = _row(session, plan_id)
    clean, unit_ids = _checked(session, data, bank)
    if plan.ended_on is not None and plan.ended_on < clean.starts_on:
        raise ValidationError("plans.error.ended_before_start")
    plan.intervention_code = clean.intervention_code
    plan.title = clean.title
    plan.owner = clean.owner
    plan.starts_on = clean.starts_on
    plan.planned_end = clean.planned_end
    plan.target_indicator = clean.target_indicator
    plan.target_change = clean.target_change
    plan.standing_practice = clean.standing_practice
    plan.notes = clean.notes
    for link in session.scalars(select(ActionPlanUnit).where(ActionPlanUnit.plan_id == plan_id)):
        session.delete(link)
    session.flush()
    for unit_id in unit_ids:
        session.add(ActionPlanUnit(plan_id=plan_id, department_id=unit_id))
    session.flush()
    record(session, viewer.name, "plan_edit", f"plan:{plan_id}", _details(clean))
    return get_plan(session, plan_id)


def change_status(
    session: Session, viewer: Viewer, plan_id: int, status: str, *, on: date
) -> PlanView:
    """planned → running | stopped; running → done | stopped. Ending sets the end date."""
    require(viewer, "hr")
    plan = _row(session, plan_id)
    if status not in STATUSES:
        raise ValidationError("plans.error.unknown_status", status=status)
    if status not in TRANSITIONS[plan.status]:
        raise ValidationError("plans.error.transition")
    if status in ENDED:
        if on < plan.starts_on and status == DONE:
            raise ValidationError("plans.error.ended_before_start")
        plan.ended_on = max(on, plan.starts_on)
    old = plan.status
    plan.status = status
    session.flush()
    record(
        session,
        viewer.name,
        "plan_status",
        f"plan:{plan_id}",
        {"from": old, "to": status, "on": on.isoformat()},
    )
    return get_plan(session, plan_id)


def set_standing_practice(
    session: Session, viewer: Viewer, plan_id: int, standing: bool
) -> PlanView:
    """Mark a plan as having become standing practice (or not)."""
    require(viewer, "hr")
    plan = _row(session, plan_id)
    plan.standing_practice = bool(standing)
    session.flush()
    record(session, viewer.name, "plan_standing", f"plan:{plan_id}", {"standing": standing})
    return get_plan(session, plan_id)


def record_evaluation(
    session: Session, viewer: Viewer, plan_id: int, evaluation: Evaluation, *, on: date
) -> PlanView:
    """Record that HR checked the plan's effect (needs a verdict other than "too little
    data"). The verdict and figures go into the audit log; the plan keeps the date."""
    require(viewer, "hr")
    plan = _row(session, plan_id)
    if evaluation.plan_id != plan_id:
        raise ValidationError("plans.error.not_found", id=plan_id)
    if evaluation.verdict == "too_little_data":
        raise ValidationError("plans.error.evaluation_no_data")
    plan.evaluated_on = on
    session.flush()
    record(session, viewer.name, "plan_evaluate", f"plan:{plan_id}", _evaluation(evaluation))
    return get_plan(session, plan_id)


def set_good_example(
    session: Session,
    viewer: Viewer,
    plan_id: int,
    publish: bool,
    evaluation: Evaluation | None = None,
    *,
    on: date,
) -> PlanView:
    """Publish a plan as a good example (only with a measured positive effect) or withdraw it.
    Publishing records the evaluation too."""
    require(viewer, "hr")
    plan = _row(session, plan_id)
    if publish:
        if evaluation is None or evaluation.plan_id != plan_id or evaluation.verdict != "effective":
            raise ValidationError("plans.error.good_example_needs_effect")
        plan.evaluated_on = plan.evaluated_on or on
    plan.good_example = bool(publish)
    session.flush()
    details = _evaluation(evaluation) if publish and evaluation is not None else {}
    record(
        session,
        viewer.name,
        "good_example_publish" if publish else "good_example_withdraw",
        f"plan:{plan_id}",
        details,
    )
    return get_plan(session, plan_id)


def _row(session: Session, plan_id: int) -> ActionPlan:
    plan = session.get(ActionPlan, plan_id)
    if plan is None:
        raise ValidationError("plans.error.not_found", id=plan_id)
    return plan


def _details(data: PlanInput) -> dict[str, object]:
    return {
        "intervention": data.intervention_code,
        "title": data.title,
        "units": list(data.units),
        "starts_on": data.starts_on.isoformat(),
        "planned_end": data.planned_end.isoformat(),
        "target": data.target_indicator,
        "change": data.target_change,
    }


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, 2)


def _evaluation(evaluation: Evaluation) -> dict[str, object]:
    effect = evaluation.effect
    return {
        "verdict": evaluation.verdict,
        "before": evaluation.before_period,
        "after": evaluation.after_period,
        "indicator": evaluation.indicator,
        "effect": None if effect is None else _finite(effect.value),
        "low": None if effect is None else _finite(effect.low),
        "high": None if effect is None else _finite(effect.high),
        "comparison": evaluation.has_comparison,
    }
