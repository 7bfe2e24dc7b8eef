"""The audit log: append-only entries, each chained to the one before by a SHA-256 hash."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.db.models import AuditEntry

GENESIS = "0" * 64


def _digest(
    prev_hash: str, at: datetime, actor: str, action: str, target: str, details: dict[str, Any]
) -> str:
    payload = json.dumps(
        [prev_hash, at.isoformat(), actor, action, target, details],
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
    details = dict(details or {})
    at = (at or datetime.now(UTC)).replace(microsecond=0)
    last = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    prev_hash = last.hash if last is not None else GENESIS
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        target=target,
        details=details,
        prev_hash=prev_hash,
        hash=_digest(prev_hash, at, actor, action, target, details),
    )
    session.add(entry)
    session.flush()
    return entry
