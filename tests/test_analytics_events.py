"""Crisis events: HR records and deletes them, each change audited; other roles are refused;
bad input stores nothing; the units an event hits include those below the units named."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import func, select

from bgm_dashboard.analytics.events import (
    EventInfo,
    affected_codes,
    delete_event,
    events_for_unit,
    list_events,
    record_event,
)
from bgm_dashboard.analytics.timeline import Marker, event_markers
from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.context import Context
from bgm_dashboard.db.models import AuditEntry, CrisisEvent, CrisisEventUnit
from bgm_dashboard.errors import AccessDenied, ValidationError
from bgm_dashboard.org.service import import_departments
from tests.conftest import REFERENCE

HR = Viewer("hr1", frozenset({"hr"}))
LEADERSHIP = Viewer("boss", frozenset({"leadership"}))


@pytest.fixture
def org(ctx: Context) -> Context:
    with ctx.write() as session:
        import_departments(session, REFERENCE / "departments.csv")
    return ctx


def _count(ctx: Context, model: type) -> int:
    with ctx.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_hr_records_lists_and_deletes_with_audit(org: Context) -> None:
    with org.write() as session:
        event_id = record_event(
            session, HR, title=" Hochwasser ", kind="flood", starts_on=date(2026, 2, 9),
            ends_on=date(2026, 2, 20), unit_codes=["D1"], description="Einsatz",
        )  # fmt: skip
    with org.read() as session:
        events = list_events(session)
        audit = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.id, e.title, e.unit_codes) for e in events] == [(event_id, "Hochwasser", ("D1",))]
    assert audit[-1].action == "crisis_event_recorded" and audit[-1].actor == "hr1"
    assert audit[-1].details["units"] == ["D1"]
    with org.write() as session:
        delete_event(session, HR, event_id)
    assert _count(org, CrisisEvent) == 0 and _count(org, CrisisEventUnit) == 0
    with org.read() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert last is not None and last.action == "crisis_event_deleted"


def test_only_hr_may_record(org: Context) -> None:
    with pytest.raises(AccessDenied), org.write() as session:
        record_event(session, LEADERSHIP, title="x", kind="other", starts_on=date(2026, 1, 1))
    assert _count(org, CrisisEvent) == 0


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"title": "  "}, "crisis.title_required"),
        ({"kind": "meteor"}, "crisis.bad_kind"),
        ({"ends_on": date(2025, 1, 1)}, "crisis.end_before_start"),
        ({"unit_codes": ["D1", "NOPE"]}, "crisis.unknown_unit"),
        ({"title": "x" * 201}, "crisis.title_too_long"),
    ],
)
def test_bad_input_stores_nothing(org: Context, kwargs: dict[str, object], key: str) -> None:
    args: dict[str, object] = {"title": "Ereignis", "kind": "other", "starts_on": date(2026, 1, 1)}
    args.update(kwargs)
    with pytest.raises(ValidationError) as caught, org.write() as session:
        record_event(session, HR, **args)  # type: ignore[arg-type]
    assert caught.value.key == key
    assert caught.value.message("de") and caught.value.message("en")
    assert _count(org, CrisisEvent) == 0 and _count(org, CrisisEventUnit) == 0


UNITS = pd.DataFrame(
    {
        "code": ["S", "D1", "A1", "A2", "D2", "B1"],
        "parent_code": [None, "S", "D1", "D1", "S", "D2"],
    }
)


def _event(codes: tuple[str, ...]) -> EventInfo:
    return EventInfo(1, "E", "other", "", date(2025, 6, 3), None, codes, "hr")


def test_affected_units_and_markers() -> None:
    assert affected_codes(_event(()), UNITS) == ["S", "D1", "A1", "A2", "D2", "B1"]
    assert affected_codes(_event(("D1",)), UNITS) == ["D1", "A1", "A2"]
    assert events_for_unit([_event(("D1",))], "B1", UNITS) == []
    assert event_markers([_event(("D1",))], "A2", UNITS) == [Marker(date(2025, 6, 3), "E", "event")]
