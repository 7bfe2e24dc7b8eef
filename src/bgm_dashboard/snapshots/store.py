"""Snapshots kept: HR creates one for a published quarter, leadership releases it, a correction
is a new version listing what changed. A stored snapshot is never rewritten."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.auth.audit import record
from bgm_dashboard.auth.viewer import Viewer, require
from bgm_dashboard.db.models import Publication, Snapshot
from bgm_dashboard.errors import AccessDenied, ValidationError
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.periods import is_quarter, shift_quarter
from bgm_dashboard.snapshots.payload import build_payload, canonical, checksum, differences

DRAFT = "draft"
RELEASED = "released"
CREATORS = ("hr",)
RELEASERS = ("leadership",)
READERS = ("leadership", "hr", "council")


@dataclass(frozen=True)
class SnapshotView:
    """A stored snapshot, detached from the session."""

    id: int
    quarter: str
    version: int
    scope: str
    status: str
    checksum: str
    created_by: str
    created_at: datetime
    released_by: str
    released_at: datetime | None
    changes: tuple[dict[str, Any], ...]
    payload_text: str
    reflection_text: str

    @property
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.payload_text)
        return data

    @property
    def released(self) -> bool:
        return self.status == RELEASED

    @property
    def frozen_reflection(self) -> dict[str, Any] | None:
        if not self.reflection_text:
            return None
        data: dict[str, Any] = json.loads(self.reflection_text)
        return data


def _view(row: Snapshot) -> SnapshotView:
    return SnapshotView(
        id=row.id,
        quarter=row.quarter,
        version=row.version,
        scope=row.scope,
        status=row.status,
        checksum=row.checksum,
        created_by=row.created_by,
        created_at=row.created_at,
        released_by=row.released_by,
        released_at=row.released_at,
        changes=tuple(row.changes or ()),
        payload_text=row.payload,
        reflection_text=row.reflection,
    )


def list_snapshots(
    session: Session, viewer: Viewer, *, quarter: str | None = None, scope: str | None = None
) -> list[SnapshotView]:
    """Snapshots, newest quarter and version first (a scoped account: its subtree's only)."""
    require(viewer, *READERS)
    if viewer.scope:
        scope = viewer.scope
    query = select(Snapshot).order_by(Snapshot.quarter.desc(), Snapshot.version.desc())
    if quarter is not None:
        query = query.where(Snapshot.quarter == quarter)
    if scope is not None:
        query = query.where(Snapshot.scope == scope)
    return [_view(r) for r in session.scalars(query)]


def check_scope(viewer: Viewer, scope: str) -> None:
    """A scoped account reaches the snapshots of its own subtree only."""
    if viewer.scope and viewer.scope != scope:
        raise AccessDenied("snapshot.error.out_of_scope", scope=scope or "*")


def get_snapshot(
    session: Session, viewer: Viewer, quarter: str, version: int | None = None, *, scope: str = ""
) -> SnapshotView:
    """A quarter's snapshot: the given version, else the newest."""
    for snap in list_snapshots(session, viewer, quarter=quarter, scope=scope):
        if version is None or snap.version == version:
            return snap
    raise ValidationError("snapshot.error.none", quarter=quarter)


def latest_released(
    session: Session, viewer: Viewer, quarter: str, *, scope: str = ""
) -> SnapshotView | None:
    for snap in list_snapshots(session, viewer, quarter=quarter, scope=scope):
        if snap.released:
            return snap
    return None


def _followups(session: Session, viewer: Viewer, quarter: str, scope: str) -> list[dict[str, Any]]:
    """The decisions of the quarter before (its newest released snapshot) and what became
    of the plans they turned into."""
    from bgm_dashboard.snapshots.reflection import decision_outcomes

    before = latest_released(session, viewer, shift_quarter(quarter, -1), scope=scope)
    if before is None:
        return []
    return decision_outcomes(session, before)


def create_snapshot(
    session: Session, viewer: Viewer, quarter: str, *, bank: ItemBank, scope: str = ""
) -> SnapshotView:
    """Freeze the released figures of a published quarter as a new snapshot version (HR;
    audited). Refused when nothing changed against the newest version."""
    require(viewer, *CREATORS)
    if not is_quarter(quarter):
        raise ValidationError("snapshot.error.bad_quarter", quarter=quarter)
    payload = build_payload(
        session, quarter, bank, scope=scope, followups=_followups(session, viewer, quarter, scope)
    )
    text = canonical(payload)
    digest = checksum(text)
    previous = list_snapshots(session, viewer, quarter=quarter, scope=scope)
    changes: list[dict[str, Any]] = []
    if previous:
        if previous[0].checksum == digest:
            raise ValidationError(
                "snapshot.error.unchanged", quarter=quarter, version=previous[0].version
            )
        changes = differences(previous[0].payload, json.loads(text))
    publication = session.scalar(
        select(Publication)
        .where(Publication.quarter == quarter)
        .order_by(Publication.version.desc())
        .limit(1)
    )
    assert publication is not None  # build_payload refused unpublished quarters
    row = Snapshot(
        quarter=quarter,
        version=previous[0].version + 1 if previous else 1,
        scope=scope,
        status=DRAFT,
        payload=text,
        checksum=digest,
        publication_id=publication.id,
        changes=changes,
        created_by=viewer.name,
        created_at=datetime.now(UTC),
        released_by="",
        released_at=None,
        reflection="",
        reflection_checksum="",
    )
    session.add(row)
    session.flush()
    record(
        session,
        viewer.name,
        "snapshot_create",
        f"snapshot:{quarter}/{row.version}",
        {"checksum": digest, "scope": scope, "changes": len(changes)},
    )
    return _view(row)


def release_snapshot(
    session: Session, viewer: Viewer, quarter: str, version: int | None = None, *, scope: str = ""
) -> SnapshotView:
    """Leadership releases a snapshot: from now on its figures, its reflection and its
    report never change (audited)."""
    require(viewer, *RELEASERS)
    from bgm_dashboard.snapshots.reflection import freeze_reflection

    snap = get_snapshot(session, viewer, quarter, version, scope=scope)
    if snap.released:
        raise ValidationError("snapshot.error.released", quarter=quarter, version=snap.version)
    row = session.get(Snapshot, snap.id)
    assert row is not None
    row.reflection = canonical(freeze_reflection(session, snap.id))
    row.reflection_checksum = checksum(row.reflection)
    row.status = RELEASED
    row.released_by = viewer.name
    row.released_at = datetime.now(UTC).replace(microsecond=0)
    session.flush()
    record(
        session,
        viewer.name,
        "snapshot_release",
        f"snapshot:{quarter}/{row.version}",
        {"checksum": row.checksum, "reflection": row.reflection_checksum},
    )
    return _view(row)
