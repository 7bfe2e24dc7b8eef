"""The pulse schedule: wave dates from the rhythm, the plan's checks, and the scheduler run
with injected days — opening, closing and publishing by itself, idempotent, catching up
after downtime, never opening into a published quarter (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.context import Context
from bgm_dashboard.db.models import AuditEntry, Publication, ScheduledWave, Wave
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.pulse.runner import run_schedule
from bgm_dashboard.pulse.schedule import (
    Plan,
    check_plan,
    load_plan,
    occurrences,
    save_plan,
    upcoming,
)
from bgm_dashboard.survey.waves import close_wave, open_wave
from tests.auth_helpers import bgm
from tests.conftest import REFERENCE

HR = Viewer("hr.mueller", frozenset({"hr"}))
CODES = ["STADT", "D1", "A10", "A20"]


def plan(**changes: object) -> Plan:
    base = {
        "rhythm": "monthly",
        "first_month": "2027-01",
        "open_day": 4,
        "duration_days": 14,
        "reminder_days": (7,),
        "indicators": ("who5", "enps"),
        "units": (),
    }
    base.update(changes)
    return Plan(**base)  # type: ignore[arg-type]


def test_rhythms_give_the_months_and_dates_hr_expects() -> None:
    monthly = list(occurrences(plan(), date(2027, 4, 30)))
    assert [o.period for o in monthly] == ["2027-01", "2027-02", "2027-03", "2027-04"]
    first = monthly[0]
    assert (first.opens_on, first.closes_on) == (date(2027, 1, 4), date(2027, 1, 17))
    assert first.reminders == (date(2027, 1, 11),)
    every_two = [o.period for o in occurrences(plan(rhythm="bimonthly"), date(2027, 12, 31))]
    assert every_two == ["2027-01", "2027-03", "2027-05", "2027-07", "2027-09", "2027-11"]
    quarterly = [o.period for o in occurrences(plan(rhythm="quarterly"), date(2027, 12, 31))]
    assert quarterly == ["2027-01", "2027-04", "2027-07", "2027-10"]
    assert [o.period for o in upcoming(plan(), date(2027, 1, 18), 2)] == ["2027-02", "2027-03"]


def test_plan_checks_refuse_what_would_surprise(ctx: Context) -> None:
    bank = ctx.bank
    today = date(2026, 12, 1)
    assert check_plan(plan(), bank, CODES, today).indicators == ("who5", "enps")
    bad = [
        plan(rhythm="weekly"),
        plan(first_month="2026-11"),  # in the past
        plan(first_month="2027-13"),
        plan(open_day=0),
        plan(open_day=20, duration_days=10),  # would end on the 29th: not in February
        plan(duration_days=1),
        plan(reminder_days=(3, 5, 7)),
        plan(reminder_days=(14,)),  # the wave's last day is day 13 after opening
        plan(indicators=()),
        plan(indicators=("nope",)),
        plan(units=("X99",)),
        plan(access="open"),
    ]
    for candidate in bad:
        with pytest.raises(ValidationError):
            check_plan(candidate, bank, CODES, today)
    edge = check_plan(
        plan(open_day=15, duration_days=14, reminder_days=(13, 1)), bank, CODES, today
    )
    assert edge.reminder_days == (1, 13)
    assert list(occurrences(edge, date(2027, 2, 28)))[1].closes_on == date(2027, 2, 28)


@pytest.fixture
def org(ctx: Context) -> Context:
    with ctx.write() as session:
        import_departments(session, REFERENCE / "departments.csv")
    return ctx


def save(ctx: Context, today: date = date(2026, 12, 1), **changes: object) -> None:
    with ctx.write() as session:
        save_plan(session, HR, plan(**changes), bank=ctx.bank, today=today)


def waves(ctx: Context) -> dict[str, tuple[str, date | None, str]]:
    with ctx.read() as session:
        return {
            w.period: (w.status, w.closes_on, w.access)
            for w in session.scalars(select(Wave).order_by(Wave.period))
        }


def test_waves_open_close_and_publish_by_themselves(org: Context) -> None:
    save(org)
    day = date(2027, 1, 1)
    seen: dict[date, list[str]] = {}
    while day <= date(2027, 4, 2):
        report = run_schedule(org, today=day)
        if report.opened or report.closed or report.published:
            seen[day] = report.opened + report.closed + report.published
        day += timedelta(days=1)
    assert seen == {
        date(2027, 1, 4): ["2027-01"],
        date(2027, 1, 18): ["2027-01"],
        date(2027, 2, 4): ["2027-02"],
        date(2027, 2, 18): ["2027-02"],
        date(2027, 3, 4): ["2027-03"],
        date(2027, 3, 18): ["2027-03"],
        date(2027, 4, 1): ["2027-Q1"],
    }
    assert all(status == "closed" for status, _, _ in waves(org).values())
    assert waves(org)["2027-01"] == ("closed", date(2027, 1, 17), "tokens")
    with org.read() as session:
        assert session.scalars(select(Publication.quarter)).all() == ["2027-Q1"]
        actors = set(
            session.scalars(select(AuditEntry.actor).where(AuditEntry.action == "wave_open"))
        )
    assert actors == {"scheduler"}


def test_a_second_run_on_the_same_day_does_nothing(org: Context) -> None:
    save(org)
    first = run_schedule(org, today=date(2027, 1, 4))
    again = run_schedule(org, today=date(2027, 1, 4))
    assert first.opened == ["2027-01"]
    assert (again.opened, again.closed, again.published, again.missed) == ([], [], [], [])
    assert len(waves(org)) == 1


def test_a_missed_opening_day_opens_late_and_keeps_the_closing_day(org: Context) -> None:
    save(org)
    run_schedule(org, today=date(2027, 1, 2))  # last run before the server went down
    report = run_schedule(org, today=date(2027, 1, 12))  # back up after the reminder day
    assert report.opened == ["2027-01"]
    assert waves(org)["2027-01"][:2] == ("open", date(2027, 1, 17))
    with org.read() as session:
        row = session.scalars(select(ScheduledWave)).one()
        assert (row.planned_open, row.opened_on) == (date(2027, 1, 4), date(2027, 1, 12))
        assert row.reminders == []  # the reminder day had passed: not sent with the invitation


def test_a_wave_whose_window_passed_is_not_opened_and_is_reported_once(org: Context) -> None:
    save(org)
    run_schedule(org, today=date(2027, 1, 2))
    report = run_schedule(org, today=date(2027, 2, 10))  # down from Jan 3 to Feb 9
    assert report.missed == ["2027-01"]
    assert report.opened == ["2027-02"]
    assert "2027-01" not in waves(org)
    assert run_schedule(org, today=date(2027, 2, 11)).missed == []


def test_never_opens_a_wave_into_a_published_quarter(org: Context) -> None:
    """HR opened and closed a March wave by hand and Q1 was published; a schedule whose
    first wave falls into Q1 must not open a wave there, even late."""
    with org.write() as session:
        wave = open_wave(session, "2027-02", indicators=["who5"], closes_on=date(2027, 2, 20))
        close_wave(session, wave)
        org.publish_due(session, date(2027, 4, 1))
    save(org, first_month="2027-03", open_day=20, duration_days=9)
    report = run_schedule(org, today=date(2027, 3, 25))
    assert report.opened == []  # today is inside the window, but the quarter is final
    assert "2027-03" not in waves(org)
    assert report.missed == ["2027-03"]


def test_closing_day_closes_a_wave_opened_by_hand_and_paused_schedule_opens_nothing(
    org: Context,
) -> None:
    with org.write() as session:
        open_wave(session, "2027-01", indicators=["who5"], closes_on=date(2027, 1, 10))
        open_wave(session, "2027-02", indicators=["who5"])  # no closing day: HR closes it
    save(org, first_month="2027-03", active=False)
    report = run_schedule(org, today=date(2027, 3, 5))
    assert report.closed == ["2027-01"] and report.opened == []
    assert waves(org)["2027-02"][0] == "open"
    with org.read() as session:
        assert load_plan(session) is not None and not load_plan(session).active  # type: ignore[union-attr]


def test_only_hr_sets_the_schedule(org: Context) -> None:
    from bgm_dashboard.errors import AccessDenied

    council = Viewer("pr.schulz", frozenset({"council"}))
    with pytest.raises(AccessDenied), org.write() as session:
        save_plan(session, council, plan(), bank=org.bank, today=date(2026, 12, 1))


def test_the_command_line_runs_the_schedule_for_cron(org: Context, tmp_path: Path) -> None:
    """The real ``bgm`` commands an operator's timer and HR's scripts call."""
    save(org)
    url = org.settings.database_url
    org.engine.dispose()
    opened = bgm(url, "schedule", "run", "--today", "2027-01-04")
    assert opened.returncode == 0, opened.stderr
    assert "opened: 2027-01" in opened.stdout
    assert "Invitations waiting: no mail server configured" in opened.stdout
    (tmp_path / "staff.csv").write_text("email,unit\na.b@musterstadt.example,A10\n")
    imported = bgm(url, "addresses", "import", str(tmp_path / "staff.csv"))
    assert "1 addresses imported" in imported.stdout, imported.stderr
    letters = bgm(url, "letters", "2027-01", "--count", "3", "--output", str(tmp_path / "l.pdf"))
    assert letters.returncode == 1 and "BGM_PUBLIC_URL" in letters.stderr
    closed = bgm(url, "schedule", "run", "--today", "2027-01-18")
    assert "closed: 2027-01" in closed.stdout
