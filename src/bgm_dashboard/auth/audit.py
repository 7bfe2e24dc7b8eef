"""The audit log: append-only entries, each chained to the one before by a SHA-256 hash;
reading it (staff council and administrators), exporting it as CSV, checking its chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bgm_dashboard.auth.viewer import Viewer, require
from bgm_dashboard.db.models import AuditEntry
from bgm_dashboard.exports.tables import table_bytes

GENESIS = "0" * 64
READER_ROLES = ("council", "admin")
"""Who may read and export the audit log."""
COLUMNS = ["id", "at", "actor", "action", "target", "details", "prev_hash", "hash"]
EXPORT_MARK = "export"
"""Every audit action that records data leaving the system has "export" in its name
(``export``, ``audit_export``, ``snapshot_export`` …)."""
_LOCK_KEY = 4_207_731
"""PostgreSQL advisory lock that serialises appends, so that the chain never forks."""


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _digest(
    prev_hash: str, at: datetime, actor: str, action: str, target: str, details: dict[str, Any]
) -> str:
    payload = json.dumps(
        [prev_hash, _utc(at).isoformat(), actor, action, target, details],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(
    session: Session,
    actor: str,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> AuditEntry:
    """Append an entry in the caller's transaction. Never pass survey answers or comments."""
    # what the database will hand back (JSON types only), so the hash can be checked later
    details = json.loads(json.dumps(dict(details or {}), default=str))
    at = _utc(at or datetime.now(UTC)).replace(microsecond=0)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    last = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    prev_hash = last.hash if last is not None else GENESIS
    entry = AuditEntry(
        at=at,
        actor=actor[:100],
        action=action[:50],
        target=target[:200],
        details=details,
        prev_hash=prev_hash,
        hash=_digest(prev_hash, at, actor[:100], action[:50], target[:200], details),
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainCheck:
    """The result of checking the hash chain: how many entries, and the first broken one."""

    ok: bool
    entries: int
    first_bad_id: int | None = None
    problem: str | None = None  # "hash" (an entry was altered) or "link" (one is missing)


def verify_chain(session: Session, viewer: Viewer) -> ChainCheck:
    """Recompute every entry's hash and its link to the one before."""
    require(viewer, *READER_ROLES)
    prev = GENESIS
    count = 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        count += 1
        if entry.prev_hash != prev:
            return ChainCheck(False, count, entry.id, "link")
        expected = _digest(
            entry.prev_hash, entry.at, entry.actor, entry.action, entry.target, entry.details
        )
        if expected != entry.hash:
            return ChainCheck(False, count, entry.id, "hash")
        prev = entry.hash
    return ChainCheck(True, count)


def entries(
    session: Session,
    viewer: Viewer,
    *,
    actor: str | None = None,
    actions: list[str] | None = None,
    exports_only: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Audit entries, newest first, filtered; ``at`` in UTC."""
    require(viewer, *READER_ROLES)
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if actions:
        query = query.where(AuditEntry.action.in_(actions))
    if exports_only:
        query = query.where(AuditEntry.action.like(f"%{EXPORT_MARK}%"))
    if since is not None:
        query = query.where(AuditEntry.at >= _utc(since))
    if until is not None:
        query = query.where(AuditEntry.at < _utc(until))
    if limit is not None:
        query = query.limit(limit)
    rows = [
        {
            "id": e.id,
            "at": _utc(e.at),
            "actor": e.actor,
            "action": e.action,
            "target": e.target,
            "details": e.details,
            "prev_hash": e.prev_hash,
            "hash": e.hash,
        }
        for e in session.scalars(query)
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def actions_in_log(session: Session, viewer: Viewer) -> list[str]:
    require(viewer, *READER_ROLES)
    return sorted(set(session.scalars(select(AuditEntry.action).distinct())))


def is_export(action: str) -> bool:
    return EXPORT_MARK in action


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Entries as CSV: details as JSON, times in ISO 8601 UTC."""
    out = frame.copy()
    out["at"] = [_utc(a).isoformat() for a in out["at"]]
    out["details"] = [json.dumps(d, ensure_ascii=False, sort_keys=True) for d in out["details"]]
    return table_bytes(out, "csv")


def record_export(session: Session, viewer: Viewer, frame: pd.DataFrame, actor: str) -> None:
    """Record that ``frame`` (audit entries) left the system: how many, which id range."""
    require(viewer, *READER_ROLES)
    ids = [int(i) for i in frame["id"]]
    record(
        session,
        actor,
        "audit_export",
        "audit_log",
        {"rows": len(ids), "first_id": min(ids, default=None), "last_id": max(ids, default=None)},
    )
