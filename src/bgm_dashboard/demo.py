"""Loads the demo municipality from ``sample_data/`` into an empty database."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bgm_dashboard.auth.demo_accounts import DEMO_FLAG, create_demo_accounts, is_demo_database
from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.context import Context
from bgm_dashboard.db.models import (
    ActionPlan,
    ActionPlanUnit,
    AppState,
    CrisisEvent,
    CrisisEventUnit,
    Department,
)
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.governance.changes import approve, propose
from bgm_dashboard.governance.settings import current
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.periods import month_of
from bgm_dashboard.privacy.gate import latest_publications
from bgm_dashboard.snapshots.store import create_snapshot
from bgm_dashboard.survey.importer import import_responses
from bgm_dashboard.survey.waves import ACCESS_LINK, open_wave, wave_for_period


def default_folder() -> Path:
    return Path.cwd() / "sample_data"


def is_demo(session: Session) -> bool:
    return is_demo_database(session)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _optional_date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _load_events(session: Session, path: Path, ids: dict[str, int]) -> None:
    for row in _rows(path):
        event = CrisisEvent(
            title=row["title"],
            kind=row["kind"],
            description=row["description"],
            starts_on=date.fromisoformat(row["starts_on"]),
            ends_on=_optional_date(row["ends_on"]),
            created_by="demo",
        )
        session.add(event)
        session.flush()
        for code in filter(None, row["units"].split(";")):
            session.add(CrisisEventUnit(event_id=event.id, department_id=ids[code]))


def _load_plans(session: Session, path: Path, ids: dict[str, int]) -> None:
    for row in _rows(path):
        plan = ActionPlan(
            intervention_code=row["intervention"],
            title=row["title"],
            owner=row["owner"],
            starts_on=date.fromisoformat(row["starts_on"]),
            planned_end=date.fromisoformat(row["planned_end"]),
            ended_on=_optional_date(row["ended_on"]),
            evaluated_on=_optional_date(row.get("evaluated_on") or ""),
            status=row["status"],
            target_indicator=row["target_indicator"],
            target_change=float(row["target_change"]),
            standing_practice=row["standing_practice"] == "1",
            good_example=row.get("good_example") == "1",
            notes=row["notes"],
            created_by="demo",
        )
        session.add(plan)
        session.flush()
        for code in filter(None, row["units"].split(";")):
            session.add(ActionPlanUnit(plan_id=plan.id, department_id=ids[code]))


def seed_demo(
    ctx: Context,
    *,
    folder: Path | None = None,
    only_if_empty: bool = False,
    today: date | None = None,
) -> bool:
    """Load the demo data and the demo accounts; with ``only_if_empty`` do nothing when units
    exist already. Returns whether anything was loaded. Refused in production: fictional
    figures and accounts with published passwords have no place there."""
    if not ctx.settings.allows_demo:
        raise ValidationError("demo.refused_in_production")
    folder = folder or default_folder()
    today = today or date.today()
    with ctx.write() as session:
        if only_if_empty and session.scalar(select(func.count()).select_from(Department)):
            return False
        import_departments(session, folder / "departments.csv")
        import_responses(session, ctx.bank, folder / "responses.csv")
        ids = dict(session.execute(select(Department.code, Department.id)).all())
        _load_events(session, folder / "events.csv", ids)
        _load_plans(session, folder / "plans.csv", ids)
        create_demo_accounts(session)
        if wave_for_period(session, month_of(today)) is None:
            approve_open_link(ctx, session)
            open_wave(
                session,
                month_of(today),
                indicators=list(ctx.bank.indicator_codes),
                title="Puls " + month_of(today),
                access=ACCESS_LINK,
            )
        session.merge(AppState(key=DEMO_FLAG, value="1"))
        ctx.publish_due(session, today)
        _prepare_snapshot(ctx, session)
    return True


def _prepare_snapshot(ctx: Context, session: Session) -> None:
    """The demo HR team has prepared the snapshot of the newest published quarter, so that
    `leitung` can write its reflection and decisions, release it and file the report."""
    publications = latest_publications(session)
    if publications:
        create_snapshot(
            session, Viewer("hr", frozenset({"hr"})), publications[-1].quarter, bank=ctx.bank
        )


def approve_open_link(ctx: Context, session: Session) -> None:
    """The demo's survey is an open link, so that visitors can try it without a code: the
    demo HR team proposes it and the demo staff council approves it (the real four-eyes
    flow, in the audit log; the staff page shows the open link as the weaker mode)."""
    if current(session, ctx.settings).open_link_allowed:
        return
    change = propose(
        session,
        Viewer("hr", frozenset({"hr"})),
        "open_link_allowed",
        True,
        bank=ctx.bank,
        reason="Demo: Befragung ohne Teilnahmecode ausprobieren",
        config=ctx.settings,
    )
    approve(
        session,
        Viewer("personalrat", frozenset({"council"})),
        change.id,
        bank=ctx.bank,
        config=ctx.settings,
    )
