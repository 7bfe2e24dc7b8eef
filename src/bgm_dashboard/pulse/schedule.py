"""HR's rhythm of pulse waves: the plan, its checks, and the dates of each wave it makes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.auth.audit import record
from bgm_dashboard.auth.viewer import Viewer, require
from bgm_dashboard.db.models import Department, PulseSchedule
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.periods import PeriodError, month_label, month_of, parse_month
from bgm_dashboard.survey.waves import ACCESS_LINK, ACCESS_TOKENS, require_link_approval

RHYTHMS = {"monthly": 1, "bimonthly": 2, "quarterly": 3}
"""Rhythm name -> months between two waves."""
LAST_SAFE_DAY = 28
"""A wave lies inside its month in every month (February too): it opens and closes by day 28."""
MAX_REMINDERS = 2


@dataclass(frozen=True)
class Plan:
    """The schedule as HR sets it once."""

    rhythm: str
    first_month: str
    open_day: int
    duration_days: int
    reminder_days: tuple[int, ...]
    """Days after the opening day on which a reminder goes out (at most two)."""
    indicators: tuple[str, ...]
    units: tuple[str, ...]
    """Unit codes whose staff (with their sub-units) are invited; empty: everybody."""
    access: str = ACCESS_TOKENS
    active: bool = True


@dataclass(frozen=True)
class Occurrence:
    """One wave of the plan: its month and dates."""

    period: str
    opens_on: date
    closes_on: date
    """The last day answers are accepted."""
    reminders: tuple[date, ...]


def add_months(month: str, count: int) -> str:
    year, mon = parse_month(month)
    index = year * 12 + (mon - 1) + count
    return month_label(index // 12, index % 12 + 1)


def occurrence(plan: Plan, period: str) -> Occurrence:
    year, mon = parse_month(period)
    opens = date(year, mon, plan.open_day)
    return Occurrence(
        period=period,
        opens_on=opens,
        closes_on=opens + timedelta(days=plan.duration_days - 1),
        reminders=tuple(opens + timedelta(days=d) for d in plan.reminder_days),
    )


def occurrences(plan: Plan, until: date) -> Iterator[Occurrence]:
    """Every wave of the plan that opens on or before ``until``, oldest first."""
    step = RHYTHMS[plan.rhythm]
    period = plan.first_month
    while True:
        found = occurrence(plan, period)
        if found.opens_on > until:
            return
        yield found
        period = add_months(period, step)


def upcoming(plan: Plan, today: date, count: int = 4) -> list[Occurrence]:
    """The next waves that have not closed yet (what HR and the council will see happen)."""
    step = RHYTHMS[plan.rhythm]
    period = plan.first_month
    found: list[Occurrence] = []
    while len(found) < count:
        item = occurrence(plan, period)
        if item.closes_on >= today:
            found.append(item)
        period = add_months(period, step)
    return found


def check_plan(plan: Plan, bank: ItemBank, unit_codes: Sequence[str], today: date) -> Plan:
    """The plan with its lists in a fixed order, or a clear refusal."""
    if plan.rhythm not in RHYTHMS:
        raise ValidationError("pulse.bad_rhythm")
    try:
        parse_month(plan.first_month)
    except PeriodError:
        raise ValidationError("wave.bad_period", period=plan.first_month) from None
    if plan.first_month < month_of(today):
        raise ValidationError("pulse.first_month_past")
    if not 1 <= plan.open_day <= LAST_SAFE_DAY - 1:
        raise ValidationError("pulse.bad_open_day", last=LAST_SAFE_DAY - 1)
    if not plan.duration_days >= 2 or plan.open_day + plan.duration_days - 1 > LAST_SAFE_DAY:
        raise ValidationError(
            "pulse.bad_duration", most=LAST_SAFE_DAY - plan.open_day + 1, last=LAST_SAFE_DAY
        )
    reminders = tuple(sorted(set(plan.reminder_days)))
    if len(reminders) > MAX_REMINDERS:
        raise ValidationError("pulse.too_many_reminders", most=MAX_REMINDERS)
    if any(not 1 <= d < plan.duration_days for d in reminders):
        raise ValidationError("pulse.bad_reminder_day", most=plan.duration_days - 1)
    if not plan.indicators:
        raise ValidationError("governance.no_indicator")
    unknown = sorted(set(plan.indicators) - set(bank.indicator_codes))
    if unknown:
        raise ValidationError("governance.unknown_indicator", codes=", ".join(unknown))
    missing = sorted(set(plan.units) - set(unit_codes))
    if missing:
        raise ValidationError("pulse.unknown_units", codes=", ".join(missing))
    if plan.access not in (ACCESS_LINK, ACCESS_TOKENS):
        raise ValidationError("wave.bad_access", access=plan.access)
    return Plan(
        rhythm=plan.rhythm,
        first_month=plan.first_month,
        open_day=plan.open_day,
        duration_days=plan.duration_days,
        reminder_days=reminders,
        indicators=tuple(c for c in bank.indicator_codes if c in set(plan.indicators)),
        units=tuple(c for c in unit_codes if c in set(plan.units)),
        access=plan.access,
        active=plan.active,
    )


def _plan(row: PulseSchedule) -> Plan:
    return Plan(
        rhythm=row.rhythm,
        first_month=row.first_month,
        open_day=row.open_day,
        duration_days=row.duration_days,
        reminder_days=tuple(int(d) for d in row.reminder_days),
        indicators=tuple(row.indicators),
        units=tuple(row.units),
        access=row.access,
        active=row.active,
    )


def load_plan(session: Session) -> Plan | None:
    row = session.get(PulseSchedule, 1)
    return None if row is None else _plan(row)


def save_plan(
    session: Session,
    viewer: Viewer,
    plan: Plan,
    *,
    bank: ItemBank,
    today: date | None = None,
) -> Plan:
    """HR sets (or changes) the rhythm; waves already open keep their dates."""
    require(viewer, "hr")
    today = today or date.today()
    codes = list(
        session.scalars(
            select(Department.code)
            .where(Department.active.is_(True))
            .order_by(Department.position, Department.id)
        )
    )
    clean = check_plan(plan, bank, codes, today)
    require_link_approval(session, clean.access)
    row = session.get(PulseSchedule, 1)
    if row is None:
        row = PulseSchedule(id=1)
        session.add(row)
    row.rhythm = clean.rhythm
    row.first_month = clean.first_month
    row.open_day = clean.open_day
    row.duration_days = clean.duration_days
    row.reminder_days = list(clean.reminder_days)
    row.indicators = list(clean.indicators)
    row.units = list(clean.units)
    row.access = clean.access
    row.active = clean.active
    row.updated_by = viewer.name
    row.updated_at = datetime.now(UTC).replace(microsecond=0)
    session.flush()
    record(
        session,
        viewer.name,
        "schedule_saved",
        clean.rhythm,
        {
            "first_month": clean.first_month,
            "open_day": clean.open_day,
            "duration_days": clean.duration_days,
            "reminder_days": list(clean.reminder_days),
            "indicators": list(clean.indicators),
            "units": list(clean.units),
            "access": clean.access,
            "active": clean.active,
        },
    )
    return clean


def set_active(session: Session, viewer: Viewer, active: bool) -> None:
    """Pause or resume the schedule (open waves run to their closing day either way)."""
    require(viewer, "hr")
    row = session.get(PulseSchedule, 1)
    if row is None:
        raise ValidationError("pulse.no_schedule")
    row.active = active
    row.updated_by = viewer.name
    row.updated_at = datetime.now(UTC).replace(microsecond=0)
    session.flush()
    record(session, viewer.name, "schedule_resumed" if active else "schedule_paused", row.rhythm)
