"""Crisis events recorded by HR (cyber attack, flood, hiring freeze, migration …): record,
list and delete them, each change written to the audit log.

An event names the units it hit; an event without units hit the whole administration. Its
resilience curves are computed for the units named and every unit below them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bgm_dashboard.analytics.common import subtree_codes
from bgm_dashboard.auth.audit import record
from bgm_dashboard.auth.viewer import Viewer, require
from bgm_dashboard.db.models import CrisisEvent, CrisisEventUnit, Department
from bgm_dashboard.errors import ValidationError

KINDS = (
    "cyber",
    "flood",
    "heat",
    "pandemic",
    "hiring_freeze",
    "migration",
    "reorganisation",
    "other",
)
TITLE_MAX = 200
DESCRIPTION_MAX = 2000
EVENT_ROLES = ("hr",)


@dataclass(frozen=True)
class EventInfo:
    """A recorded event with the codes of the units it hit (empty: the whole administration)."""

    id: int
    title: str
    kind: str
    description: str
    starts_on: date
    ends_on: date | None
    unit_codes: tuple[str, ...]
    created_by: str

    @property
    def whole_administration(self) -> bool:
        return not self.unit_codes


def list_events(session: Session) -> list[EventInfo]:
    """All events, newest first."""
    codes = dict(session.execute(select(Department.id, Department.code)).all())
    units: dict[int, list[str]] = {}
    for event_id, department_id in session.execute(
        select(CrisisEventUnit.event_id, CrisisEventUnit.department_id)
    ):
        units.setdefault(event_id, []).append(codes.get(department_id, str(department_id)))
    events = session.scalars(
        select(CrisisEvent).order_by(CrisisEvent.starts_on.desc(), CrisisEvent.id.desc())
    )
    return [
        EventInfo(
            id=e.id,
            title=e.title,
            kind=e.kind,
            description=e.description,
            starts_on=e.starts_on,
            ends_on=e.ends_on,
            unit_codes=tuple(sorted(units.get(e.id, []))),
            created_by=e.created_by,
        )
        for e in events
    ]


def record_event(
    session: Session,
    viewer: Viewer,
    *,
    title: str,
    kind: str,
    starts_on: date,
    ends_on: date | None = None,
    unit_codes: Sequence[str] = (),
    description: str = "",
) -> int:
    """Store an event (HR only) and audit it; returns its id. Nothing is stored on bad input."""
    require(viewer, *EVENT_ROLES)
    title = (title or "").strip()
    description = (description or "").strip()
    if not title:
        raise ValidationError("crisis.title_required")
    if len(title) > TITLE_MAX:
        raise ValidationError("crisis.title_too_long", max=TITLE_MAX)
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError("crisis.description_too_long", max=DESCRIPTION_MAX)
    if kind not in KINDS:
        raise ValidationError("crisis.bad_kind", kind=kind)
    if not isinstance(starts_on, date):
        raise ValidationError("crisis.start_required")
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError("crisis.end_before_start")
    ids = dict(session.execute(select(Department.code, Department.id)).all())
    unknown = [c for c in unit_codes if c not in ids]
    if unknown:
        raise ValidationError("crisis.unknown_unit", codes=", ".join(unknown))
    event = CrisisEvent(
        title=title,
        kind=kind,
        description=description,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=viewer.name,
    )
    session.add(event)
    session.flush()
    for code in dict.fromkeys(unit_codes):
        session.add(CrisisEventUnit(event_id=event.id, department_id=ids[code]))
    record(
        session,
        viewer.name,
        "crisis_event_recorded",
        f"crisis_event:{event.id}",
        {
            "title": title,
            "kind": kind,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat() if ends_on else None,
            "units": list(dict.fromkeys(unit_codes)),
        },
    )
    session.flush()
    return event.id


def delete_event(session: Session, viewer: Viewer, event_id: int) -> None:
    """Remove an event (HR only) and audit it."""
    require(viewer, *EVENT_ROLES)
    event = session.get(CrisisEvent, event_id)
    if event is None:
        raise ValidationError("crisis.unknown_event", id=event_id)
    details = {"title": event.title, "starts_on": event.starts_on.isoformat()}
    session.execute(delete(CrisisEventUnit).where(CrisisEventUnit.event_id == event_id))
    session.delete(event)
    record(session, viewer.name, "crisis_event_deleted", f"crisis_event:{event_id}", details)
    session.flush()


def affected_codes(event: EventInfo, units: pd.DataFrame) -> list[str]:
    """The units an event's curves are computed for: the units named and all below them
    (the whole tree for an event without units), in tree order."""
    if units.empty:
        return []
    if event.whole_administration:
        return units["code"].tolist()
    out: list[str] = []
    for code in event.unit_codes:
        for sub in subtree_codes(units, code):
            if sub not in out:
                out.append(sub)
    order = {c: i for i, c in enumerate(units["code"])}
    return sorted((c for c in out if c in order), key=order.__getitem__)


def events_for_unit(events: Sequence[EventInfo], code: str, units: pd.DataFrame) -> list[EventInfo]:
    """The events that hit a unit: whole-administration events, and events naming the unit
    or a unit above it."""
    return [e for e in events if code in affected_codes(e, units)]


def events_table(events: Sequence[EventInfo]) -> pd.DataFrame:
    """The events as a plain table (for display and export)."""
    return pd.DataFrame(
        [
            {
                "id": e.id,
                "title": e.title,
                "kind": e.kind,
                "starts_on": e.starts_on,
                "ends_on": e.ends_on,
                "units": ";".join(e.unit_codes),
                "description": e.description,
            }
            for e in events
        ],
        columns=["id", "title", "kind", "starts_on", "ends_on", "units", "description"],
    )
