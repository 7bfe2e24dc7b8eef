"""Action plans on SQLite and PostgreSQL: creation with clear messages for bad input (and
nothing stored), HR only, audited; status changes; lists by unit, status and overdue;
recording an evaluation and publishing a good example need a measured result."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bgm_dashboard.auth.viewer import STAFF
from bgm_dashboard.context import Context
from bgm_dashboard.db.models import ActionPlan, ActionPlanUnit, AuditEntry
from bgm_dashboard.errors import AccessDenied, ValidationError
from bgm_dashboard.interventions.effect import Evaluation
from bgm_dashboard.interventions.plans import (
    PlanInput,
    change_status,
    create_plan,
    get_plan,
    list_plans,
    record_evaluation,
    set_good_example,
    update_plan,
)
from bgm_dashboard.org.service import import_departments
from tests.conftest import SAMPLE
from tests.interventions_helpers import HR, LEADER

TODAY = date(2026, 11, 26)


@pytest.fixture
def org(ctx: Context) -> Context:
    with ctx.write() as session:
        import_departments(session, SAMPLE / "departments.csv")
    return ctx


def good_input(**changes: object) -> PlanInput:
    data: dict[str, object] = {
        "intervention_code": "platzwechsel",
        "title": "Platzwechsel Kämmerei ↔ Stadtkasse",
        "owner": "BGM-Team",
        "units": ("A20", "A21"),
        "starts_on": date(2026, 1, 1),
        "planned_end": date(2026, 6, 30),
        "target_indicator": "collaboration",
        "target_change": 10.0,
        "notes": "Hospitation",
    }
    data.update(changes)
    return PlanInput(**data)  # type: ignore[arg-type]


def counts(ctx: Context) -> tuple[int, int, int]:
    with ctx.read() as session:
        return (
            session.scalar(select(func.count()).select_from(ActionPlan)) or 0,
            session.scalar(select(func.count()).select_from(ActionPlanUnit)) or 0,
            session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        )


def test_create_stores_the_plan_and_audits_it(org: Context) -> None:
    with org.write() as session:
        created = create_plan(session, HR, good_input(), bank=org.bank)
    with org.read() as session:
        stored = get_plan(session, created.id)
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert stored.status == "planned"
    assert stored.unit_codes == ("A20", "A21")
    assert stored.owner == "BGM-Team" and stored.created_by == HR.name
    assert entry is not None and entry.action == "plan_create"
    assert entry.actor == HR.name and entry.target == f"plan:{created.id}"
    assert entry.details["units"] == ["A20", "A21"]


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"title": "   "}, "plans.error.title_missing"),
        ({"title": "x" * 201}, "plans.error.title_too_long"),
        ({"owner": ""}, "plans.error.owner_missing"),
        ({"units": ()}, "plans.error.no_units"),
        ({"units": ("A20", "XYZ")}, "plans.error.unknown_unit"),
        ({"planned_end": date(2025, 12, 31)}, "plans.error.end_before_start"),
        ({"target_indicator": "responses"}, "plans.error.unknown_indicator"),
        ({"target_indicator": "happiness"}, "plans.error.unknown_indicator"),
        ({"target_change": 0.0}, "plans.error.target_change"),
        ({"target_change": 150.0}, "plans.error.target_change"),
        ({"intervention_code": "nothing_like_it"}, "plans.error.unknown_intervention"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_stores_nothing(
    org: Context, changes: dict[str, object], key: str
) -> None:
    before = counts(org)
    with pytest.raises(ValidationError) as caught, org.write() as session:
        create_plan(session, HR, good_input(**changes), bank=org.bank)
    assert caught.value.key == key
    german, english = caught.value.message("de"), caught.value.message("en")
    assert german and english and german != english
    assert counts(org) == before


def test_only_hr_changes_plans(org: Context) -> None:
    for viewer in (LEADER, STAFF):
        with pytest.raises(AccessDenied), org.write() as session:
            create_plan(session, viewer, good_input(), bank=org.bank)
    assert counts(org)[0] == 0


def test_status_changes_and_their_rules(org: Context) -> None:
    with org.write() as session:
        plan_id = create_plan(session, HR, good_input(), bank=org.bank).id
    with pytest.raises(ValidationError) as caught, org.write() as session:
        change_status(session, HR, plan_id, "done", on=TODAY)
    assert caught.value.key == "plans.error.transition"
    with org.write() as session:
        running = change_status(session, HR, plan_id, "running", on=date(2026, 1, 5))
    assert running.status == "running" and running.ended_on is None
    with pytest.raises(ValidationError) as caught, org.write() as session:
        change_status(session, HR, plan_id, "done", on=date(2025, 12, 1))
    assert caught.value.key == "plans.error.ended_before_start"
    with org.write() as session:
        done = change_status(session, HR, plan_id, "done", on=date(2026, 7, 3))
    assert done.status == "done" and done.ended_on == date(2026, 7, 3)
    with pytest.raises(ValidationError), org.write() as session:
        change_status(session, HR, plan_id, "running", on=TODAY)
    with pytest.raises(ValidationError) as caught, org.write() as session:
        change_status(session, HR, plan_id, "paused", on=TODAY)
    assert caught.value.key == "plans.error.unknown_status"
    with org.read() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.target == f"plan:{plan_id}")
        ).all()
    assert actions == ["plan_create", "plan_status", "plan_status"]


def test_lists_by_unit_status_and_overdue(org: Context) -> None:
    with org.write() as session:
        late = create_plan(
            session,
            HR,
            good_input(title="Überfällig", units=("A51",), planned_end=date(2026, 9, 30)),
            bank=org.bank,
        )
        change_status(session, HR, late.id, "running", on=date(2026, 1, 2))
        finished = create_plan(
            session,
            HR,
            good_input(title="Fertig", units=("A10",), planned_end=date(2026, 3, 31)),
            bank=org.bank,
        )
        change_status(session, HR, finished.id, "running", on=date(2026, 1, 2))
        change_status(session, HR, finished.id, "done", on=date(2026, 3, 31))
        future = create_plan(
            session,
            HR,
            good_input(
                title="Später",
                units=("D3",),
                starts_on=date(2027, 1, 1),
                planned_end=date(2027, 12, 31),
            ),
            bank=org.bank,
        )
    with org.read() as session:

        def titles(**kw: object) -> set[str]:
            return {p.title for p in list_plans(session, today=TODAY, **kw)}  # type: ignore[arg-type]

        assert titles() == {"Überfällig", "Fertig", "Später"}
        assert titles(overdue=True) == {"Überfällig"}
        assert titles(status="done") == {"Fertig"}
        assert titles(unit="D2") == {"Überfällig"}  # Jugendamt lies in Dezernat II
        assert titles(unit="A51") == {"Überfällig"}
        assert titles(unit="STADT") == {"Überfällig", "Fertig", "Später"}
        assert titles(unit="A37") == set()  # a plan for Dezernat III is not a plan of one office
        assert titles(unit="D3", status="planned") == {"Später"}
        with pytest.raises(ValidationError):
            list_plans(session, today=TODAY, unit="NOPE")
    assert future.is_overdue(TODAY) is False


def test_update_replaces_content_and_units(org: Context) -> None:
    with org.write() as session:
        plan_id = create_plan(session, HR, good_input(), bank=org.bank).id
    with org.write() as session:
        updated = update_plan(
            session, HR, plan_id, good_input(title="Neu", units=("A50",)), bank=org.bank
        )
    assert updated.title == "Neu" and updated.unit_codes == ("A50",)
    with pytest.raises(ValidationError), org.write() as session:
        update_plan(session, HR, plan_id, good_input(owner=" "), bank=org.bank)
    with org.read() as session:
        assert get_plan(session, plan_id).owner == "BGM-Team"


def _evaluation(plan_id: int, verdict: str) -> Evaluation:
    return Evaluation(
        plan_id, "collaboration", 10.0, 10.0, "2025-Q4", "2026-Q3", None, None, None, verdict, "x"
    )


def test_evaluation_and_good_example_need_a_measured_result(org: Context) -> None:
    with org.write() as session:
        plan_id = create_plan(session, HR, good_input(), bank=org.bank).id
    with pytest.raises(ValidationError) as caught, org.write() as session:
        record_evaluation(session, HR, plan_id, _evaluation(plan_id, "too_little_data"), on=TODAY)
    assert caught.value.key == "plans.error.evaluation_no_data"
    with pytest.raises(ValidationError) as caught, org.write() as session:
        set_good_example(session, HR, plan_id, True, _evaluation(plan_id, "no_effect"), on=TODAY)
    assert caught.value.key == "plans.error.good_example_needs_effect"
    with org.write() as session:
        recorded = record_evaluation(
            session, HR, plan_id, _evaluation(plan_id, "no_effect"), on=TODAY
        )
    assert recorded.evaluated_on == TODAY and not recorded.good_example
    with org.write() as session:
        published = set_good_example(
            session, HR, plan_id, True, _evaluation(plan_id, "effective"), on=TODAY
        )
    assert published.good_example
    with org.read() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.action == "good_example_publish"
    assert entry.details["verdict"] == "effective"
    with pytest.raises(AccessDenied), org.write() as session:
        set_good_example(session, LEADER, plan_id, False, on=TODAY)
