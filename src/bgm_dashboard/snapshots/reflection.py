"""Leadership's reflection on a snapshot: its reading and the workshop's guiding questions
(versioned: every save is a new version), decisions with who follows up by when, a decision
turned into an action plan in one step, and what became of last quarter's decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bgm_dashboard.auth.audit import record
from bgm_dashboard.auth.viewer import Viewer, require
from bgm_dashboard.db.models import ActionPlan, Snapshot, SnapshotDecision, SnapshotReflection
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.interventions.plans import PlanInput, PlanView, insert_plan
from bgm_dashboard.snapshots.store import READERS, RELEASED, SnapshotView, check_scope

WRITERS = ("leadership",)
QUESTIONS = ("perspective", "crisis", "structure")
"""The workshop's guiding questions: Platzwechsel, learning from the crisis, measure ->
structure (see the seed)."""
FIELDS = ("reading", *QUESTIONS)
MAX_TEXT = 8000
MAX_DECISION = 1000
MAX_OWNER = 200


@dataclass(frozen=True)
class ReflectionView:
    version: int
    reading: str
    perspective: str
    crisis: str
    structure: str
    written_by: str
    written_at: datetime


@dataclass(frozen=True)
class DecisionView:
    id: int
    text: str
    owner: str
    due_on: date
    plan_id: int | None


def _snapshot(session: Session, viewer: Viewer, snapshot_id: int) -> Snapshot:
    row = session.get(Snapshot, snapshot_id)
    if row is None:
        raise ValidationError("snapshot.error.none", quarter=str(snapshot_id))
    check_scope(viewer, row.scope)
    return row


def _open_snapshot(session: Session, viewer: Viewer, snapshot_id: int) -> Snapshot:
    row = _snapshot(session, viewer, snapshot_id)
    if row.status == RELEASED:
        raise ValidationError("snapshot.error.released", quarter=row.quarter, version=row.version)
    return row


def reflections(session: Session, viewer: Viewer, snapshot_id: int) -> list[ReflectionView]:
    """Every version of the reflection, newest first (leadership, HR, staff council)."""
    require(viewer, *READERS)
    _snapshot(session, viewer, snapshot_id)
    rows = session.scalars(
        select(SnapshotReflection)
        .where(SnapshotReflection.snapshot_id == snapshot_id)
        .order_by(SnapshotReflection.version.desc())
    )
    return [
        ReflectionView(
            r.version, r.reading, r.perspective, r.crisis, r.structure, r.written_by, r.written_at
        )
        for r in rows
    ]


def save_reflection(
    session: Session, viewer: Viewer, snapshot_id: int, texts: dict[str, str]
) -> ReflectionView:
    """A new version of the reflection (leadership; until the snapshot is released)."""
    require(viewer, *WRITERS)
    row = _open_snapshot(session, viewer, snapshot_id)
    clean = {f: str(texts.get(f, "")).strip() for f in FIELDS}
    if not any(clean.values()):
        raise ValidationError("snapshot.error.empty_reflection")
    for key, value in clean.items():
        if len(value) > MAX_TEXT:
            raise ValidationError("snapshot.error.too_long", field=key, limit=MAX_TEXT)
    latest = session.scalar(
        select(func.max(SnapshotReflection.version)).where(
            SnapshotReflection.snapshot_id == snapshot_id
        )
    )
    version = int(latest or 0) + 1
    session.add(
        SnapshotReflection(
            snapshot_id=snapshot_id,
            version=version,
            written_by=viewer.name,
            written_at=datetime.now(UTC).replace(microsecond=0),
            **clean,
        )
    )
    session.flush()
    record(
        session,
        viewer.name,
        "snapshot_reflection",
        f"snapshot:{row.quarter}/{row.version}",
        {"version": version},
    )
    return reflections(session, viewer, snapshot_id)[0]


def decisions(session: Session, viewer: Viewer, snapshot_id: int) -> list[DecisionView]:
    require(viewer, *READERS)
    _snapshot(session, viewer, snapshot_id)
    rows = session.scalars(
        select(SnapshotDecision)
        .where(SnapshotDecision.snapshot_id == snapshot_id)
        .order_by(SnapshotDecision.id)
    )
    return [DecisionView(r.id, r.text, r.owner, r.due_on, r.plan_id) for r in rows]


def add_decision(
    session: Session, viewer: Viewer, snapshot_id: int, text: str, owner: str, due_on: date
) -> DecisionView:
    """A decision on the snapshot: what, who follows up, by when (leadership; audited)."""
    require(viewer, *WRITERS)
    row = _open_snapshot(session, viewer, snapshot_id)
    text, owner = text.strip(), owner.strip()
    if not text or not owner:
        raise ValidationError("snapshot.error.decision_incomplete")
    if len(text) > MAX_DECISION or len(owner) > MAX_OWNER:
        raise ValidationError("snapshot.error.too_long", field="decision", limit=MAX_DECISION)
    if due_on < row.created_at.date():
        raise ValidationError("snapshot.error.due_past")
    decision = SnapshotDecision(
        snapshot_id=snapshot_id,
        text=text,
        owner=owner,
        due_on=due_on,
        plan_id=None,
        created_by=viewer.name,
        created_at=datetime.now(UTC).replace(microsecond=0),
    )
    session.add(decision)
    session.flush()
    record(
        session,
        viewer.name,
        "snapshot_decision",
        f"snapshot:{row.quarter}/{row.version}",
        {"decision": decision.id, "due_on": due_on.isoformat()},
    )
    return DecisionView(decision.id, text, owner, due_on, None)


def decision_to_plan(
    session: Session,
    viewer: Viewer,
    decision_id: int,
    *,
    intervention_code: str,
    units: tuple[str, ...],
    target_indicator: str,
    bank: ItemBank,
    starts_on: date | None = None,
) -> PlanView:
    """Turn a decision into an action plan in one step: its text is the plan's title, its
    owner and date the plan's owner and planned end (leadership; audited by both sides)."""
    require(viewer, *WRITERS)
    decision = session.get(SnapshotDecision, decision_id)
    if decision is None:
        raise ValidationError("snapshot.error.no_decision", id=decision_id)
    _snapshot(session, viewer, decision.snapshot_id)
    if decision.plan_id is not None:
        raise ValidationError("snapshot.error.has_plan", id=decision.plan_id)
    start = starts_on or date.today()
    plan = insert_plan(
        session,
        viewer,
        PlanInput(
            intervention_code=intervention_code,
            title=decision.text[:200],
            owner=decision.owner,
            units=units,
            starts_on=start,
            planned_end=max(decision.due_on, start),
            target_indicator=target_indicator,
            target_change=float(bank.scale(target_indicator).meaningful_change),
            notes=decision.text,
        ),
        bank=bank,
    )
    decision.plan_id = plan.id
    session.flush()
    record(
        session, viewer.name, "snapshot_decision_plan", f"plan:{plan.id}", {"decision": decision_id}
    )
    return plan


def freeze_reflection(session: Session, snapshot_id: int) -> dict[str, Any]:
    """The reflection's newest version and the decisions, as released with the snapshot."""
    latest = session.scalar(
        select(SnapshotReflection)
        .where(SnapshotReflection.snapshot_id == snapshot_id)
        .order_by(SnapshotReflection.version.desc())
        .limit(1)
    )
    texts = {f: getattr(latest, f) if latest else "" for f in FIELDS}
    rows = session.scalars(
        select(SnapshotDecision)
        .where(SnapshotDecision.snapshot_id == snapshot_id)
        .order_by(SnapshotDecision.id)
    )
    return {
        **texts,
        "version": latest.version if latest else 0,
        "written_by": latest.written_by if latest else "",
        "decisions": [
            {"id": d.id, "text": d.text, "owner": d.owner, "due_on": d.due_on, "plan_id": d.plan_id}
            for d in rows
        ],
    }


def decision_outcomes(session: Session, snapshot: SnapshotView) -> list[dict[str, Any]]:
    """What became of a released snapshot's decisions: each with the current status of the
    plan it became (frozen into the next quarter's snapshot)."""
    frozen = snapshot.frozen_reflection or {"decisions": []}
    out = []
    for decision in frozen["decisions"]:
        live = session.get(SnapshotDecision, decision["id"])
        plan_id = live.plan_id if live is not None else decision.get("plan_id")
        plan = session.get(ActionPlan, plan_id) if plan_id is not None else None
        out.append(
            {
                "from": f"{snapshot.quarter}/{snapshot.version}",
                "text": decision["text"],
                "owner": decision["owner"],
                "due_on": decision["due_on"],
                "plan_id": plan_id,
                "plan_status": plan.status if plan is not None else None,
                "plan_title": plan.title if plan is not None else None,
            }
        )
    return out
