"""The audit log: append-only entries, numbered and chained to the one before by an
HMAC-SHA-256 whose key lives outside the database; its head can be anchored outside too.
Reading it (staff council and administrators), exporting it as CSV, checking the chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from bgm_dashboard.auth.audit_key import Keyring, add_key, load_keyring, write_key_file
from bgm_dashboard.auth.viewer import Viewer, require
from bgm_dashboard.db.models import AuditEntry
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.exports.tables import table_bytes

GENESIS = "0" * 64
READER_ROLES = ("council", "admin")
"""Who may read and export the audit log."""
COLUMNS = ["id", "seq", "at", "actor", "action", "target", "details", "prev_hash", "hash"]
EXPORT_MARK = "export"
"""Every audit action that records data leaving the system has "export" in its name
(``export``, ``audit_export``, ``snapshot_export`` …)."""
_LOCK_KEY = 4_207_731
"""PostgreSQL advisory lock that serialises appends, so that the chain never forks."""
KEYRING_OPTION = "bgm_audit_keyring"
"""Execution option of the engine that carries the keyring (set by ``make_context``)."""
LEGACY = ""
"""The key id of entries written before the chain was keyed (plain SHA-256)."""
SEALED = "audit_chain_keyed"
"""The first keyed entry after older unkeyed ones: it seals them (its HMAC covers their head)."""
ROTATED = "audit_key_rotated"
"""Signed with the old key, names the new one: from the next entry on, the new key signs."""
ANCHORED = "audit_anchor"
CUT = "audit_retention_cut"
"""Retention removed every entry up to ``through_seq``; the entry keeps that entry's hash, so
the chain stays checkable from the first kept entry on (the database refuses any other
DELETE, see migration 0014)."""


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _legacy_digest(
    prev_hash: str, at: datetime, actor: str, action: str, target: str, details: dict[str, Any]
) -> str:
    """The unkeyed SHA-256 of entries written before migration 0005 (kept to verify them)."""
    payload = json.dumps(
        [prev_hash, _utc(at).isoformat(), actor, action, target, details],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _payload(
    seq: int,
    key: str,
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    details: dict[str, Any],
) -> bytes:
    fields = [seq, key, prev_hash, _utc(at).isoformat(), actor, action, target, details]
    text_ = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text_.encode("utf-8")


def keyring_of(session: Session) -> Keyring:
    """The keyring of the session's engine (set by ``make_context``), else the configured
    one."""
    found = session.connection().get_execution_options().get(KEYRING_OPTION)
    return found if isinstance(found, Keyring) else load_keyring()


def _last(session: Session) -> AuditEntry | None:
    return session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))


def _active_key(entry: AuditEntry | None) -> str | None:
    """The key that signs the entry after ``entry`` (None: none yet, the current key)."""
    if entry is None or entry.key_id == LEGACY:
        return None
    if entry.action == ROTATED:
        return str(entry.details.get("new_key_id"))
    return entry.key_id


def record(
    session: Session,
    actor: str,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
    keyring: Keyring | None = None,
) -> AuditEntry:
    """Append an entry in the caller's transaction. Never pass survey answers or comments.

    The entry carries the next sequence number, the hash of the one before and an
    HMAC-SHA-256 (with the key outside the database) over all of it."""
    keyring = keyring or keyring_of(session)
    # what the database will hand back (JSON types only), so the hash can be checked later
    details = json.loads(json.dumps(dict(details or {}), default=str))
    at = _utc(at or datetime.now(UTC)).replace(microsecond=0)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    last = _last(session)
    prev_hash = last.hash if last is not None else GENESIS
    seq = last.seq + 1 if last is not None else 1
    active = _active_key(last)
    kid = active if active is not None and keyring.get(active) else keyring.current_id
    actor, action, target = actor[:100], action[:50], target[:200]
    digest = keyring.sign(kid, _payload(seq, kid, prev_hash, at, actor, action, target, details))
    if digest is None:
        raise ValidationError("audit.key_missing", kid=kid)
    entry = AuditEntry(
        seq=seq,
        key_id=kid,
        at=at,
        actor=actor,
        action=action,
        target=target,
        details=details,
        prev_hash=prev_hash,
        hash=digest,
    )
    session.add(entry)
    session.flush()
    return entry


def needs_seal(session: Session) -> bool:
    """True when the newest entry is an unkeyed one from before the keyed chain."""
    last = _last(session)
    return last is not None and last.key_id == LEGACY


def seal_legacy(session: Session, keyring: Keyring) -> AuditEntry | None:
    """After the upgrade to the keyed chain: one keyed entry whose HMAC covers the head of
    the older unkeyed entries, so that they can no longer be rewritten unnoticed."""
    last = _last(session)
    if last is None or last.key_id != LEGACY:
        return None
    legacy = session.scalar(
        select(AuditEntry.seq).where(AuditEntry.key_id == LEGACY).order_by(AuditEntry.seq.desc())
    )
    return record(
        session,
        "system",
        SEALED,
        "audit_log",
        {"legacy_entries": int(legacy or 0), "legacy_head": last.hash},
        keyring=keyring,
    )


def rotate_key(session: Session, viewer: Viewer, keyring: Keyring) -> Keyring:
    """Add a new key to the key file and record the switch, signed with the old key. The
    file is put back if the entry cannot be stored."""
    require(viewer, "system", "admin")
    new_ring, old_text = add_key(keyring)
    try:
        record(
            session,
            "cli",
            ROTATED,
            "audit_log",
            {"old_key_id": keyring.current_id, "new_key_id": new_ring.current_id},
            keyring=keyring,
        )
        session.flush()
    except Exception:
        if keyring.path is not None:
            write_key_file(keyring.path, old_text)
        raise
    return new_ring


@dataclass(frozen=True)
class Anchor:
    """The head of the chain as someone outside the database noted it."""

    seq: int
    hash: str

    def line(self, at: datetime | None = None) -> str:
        return json.dumps(
            {"seq": self.seq, "hash": self.hash, "at": _utc(at or datetime.now(UTC)).isoformat()}
        )


def read_anchors(path: Path) -> list[Anchor]:
    """Anchors kept in a file, one JSON object per line (``bgm audit anchor`` writes them)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ValidationError("audit.anchor_unreadable", path=str(path)) from exc
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            out.append(Anchor(int(data["seq"]), str(data["hash"]).lower()))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValidationError("audit.anchor_bad", path=str(path), line=number) from exc
    return out


@dataclass(frozen=True)
class ChainCheck:
    """The result of checking the chain: how many entries, the head, and the first problem.

    Problems: ``link`` (an entry is missing or moved), ``hash`` (an entry was altered or
    forged), ``sequence`` (numbers not 1, 2, 3 …), ``key`` (signed with a key not in the
    keyring, or a key switch without a recorded rotation), ``legacy`` (an unkeyed entry where
    only keyed ones may be), ``truncated`` (an anchor names an entry that is gone),
    ``anchor`` (the entry an anchor names differs) and ``cut`` (the log starts after entry 1
    without a signed retention cut naming the entry before its first one)."""

    ok: bool
    entries: int
    first_bad_id: int | None = None
    problem: str | None = None
    head_seq: int = 0
    head_hash: str = GENESIS
    first_bad_seq: int | None = None


def _entry_problem(entry: AuditEntry, prev: str, seq: int, kid: str | None, ring: Keyring) -> str:
    """What is wrong with one entry, given the chain so far ("" when nothing)."""
    if entry.prev_hash != prev:
        return "link"
    if entry.seq != seq:
        return "sequence"
    if entry.key_id == LEGACY:
        if kid is not None:
            return "legacy"
        legacy = _legacy_digest(
            entry.prev_hash, entry.at, entry.actor, entry.action, entry.target, entry.details
        )
        return "" if legacy == entry.hash else "hash"
    if kid is not None and entry.key_id != kid:
        return "key"
    payload = _payload(
        entry.seq,
        entry.key_id,
        entry.prev_hash,
        entry.at,
        entry.actor,
        entry.action,
        entry.target,
        entry.details,
    )
    expected = ring.sign(entry.key_id, payload)
    if expected is None:
        return "key"
    return "" if expected == entry.hash else "hash"


def _cut_of(entry: AuditEntry) -> tuple[int, str] | None:
    """(through_seq, through_hash) of a retention cut recorded before ``entry``'s own number."""
    if entry.action != CUT:
        return None
    try:
        through = int(entry.details["through_seq"])
        return (through, str(entry.details["through_hash"])) if through < entry.seq else None
    except (KeyError, TypeError, ValueError):
        return None


def verify_chain(
    session: Session,
    viewer: Viewer,
    anchors: Iterable[Anchor] = (),
    *,
    keyring: Keyring | None = None,
) -> ChainCheck:
    """Recompute every entry's HMAC, its link and its number; then check each anchor. A chain
    may start after entry 1 only where a signed retention cut names the entry before its
    first one (number and hash)."""
    require(viewer, *READER_ROLES)
    ring = keyring or keyring_of(session)
    prev, seq, kid = GENESIS, 1, None
    count = 0
    seen: dict[int, str] = {}
    cuts: dict[int, str] = {}
    start: AuditEntry | None = None
    wanted = {a.seq for a in anchors}
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq, AuditEntry.id)):
        count += 1
        if start is None:
            start = entry
            if entry.seq > 1:  # earlier entries were cut: a kept cut entry must say so
                prev, seq = entry.prev_hash, entry.seq
        problem = _entry_problem(entry, prev, seq, kid, ring)
        if problem:
            return ChainCheck(False, count, entry.id, problem, seq - 1, prev, entry.seq)
        cut = _cut_of(entry)
        if cut is not None:
            cuts[cut[0]] = cut[1]
        kid = _active_key(entry) or kid
        if entry.seq in wanted:
            seen[entry.seq] = entry.hash
        prev, seq = entry.hash, seq + 1
    last = seq - 1
    if start is not None and start.seq > 1 and cuts.get(start.seq - 1) != start.prev_hash:
        return ChainCheck(False, count, start.id, "cut", start.seq - 1, start.prev_hash, start.seq)
    if count and kid is None:
        # the upgrade seals older entries at once: a log with no keyed entry was rewritten
        return ChainCheck(False, count, None, "legacy", last, prev, last)
    first = start.seq if start is not None else 1
    for anchor in sorted(anchors, key=lambda a: a.seq):
        if anchor.seq > last:
            return ChainCheck(False, count, None, "truncated", last, prev, last + 1)
        if anchor.seq in cuts and anchor.seq < first:
            if cuts[anchor.seq] != anchor.hash:
                return ChainCheck(False, count, None, "anchor", last, prev, anchor.seq)
            continue
        if anchor.seq >= first and seen.get(anchor.seq) != anchor.hash:
            return ChainCheck(False, count, None, "anchor", last, prev, anchor.seq)
    return ChainCheck(True, count, head_seq=last, head_hash=prev)


def _last_before(session: Session, before: datetime) -> tuple[AuditEntry, int] | None:
    """The newest entry of the unbroken run of entries written before ``before``, and how
    many entries that run holds."""
    newer = session.scalar(select(func.min(AuditEntry.seq)).where(AuditEntry.at >= _utc(before)))
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)
    if newer is not None:
        query = query.where(AuditEntry.seq < newer)
    last = session.scalar(query)
    if last is None:
        return None
    count = session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.seq <= last.seq)
    )
    return last, int(count or 0)


def count_before(session: Session, before: datetime) -> int:
    """How many entries ``cut_before`` would remove (for a dry run)."""
    found = _last_before(session, before)
    return 0 if found is None else found[1]


def cut_before(session: Session, actor: str, before: datetime) -> int:
    """Retention: delete the oldest entries written before ``before`` (an unbroken run from
    the start of the log), after recording a signed cut with the number and hash of the last
    of them. Returns how many went."""
    found = _last_before(session, before)
    if found is None:
        return 0
    last, count = found
    details = {
        "through_seq": last.seq,
        "through_hash": last.hash,
        "entries": count,
        "before": _utc(before).date().isoformat(),
    }
    record(session, actor, CUT, "audit_log", details)
    session.execute(delete(AuditEntry).where(AuditEntry.seq <= last.seq))
    return count


def head(session: Session, viewer: Viewer) -> Anchor:
    """The newest entry's number and hash: what to note down (or give to the council)."""
    require(viewer, *READER_ROLES)
    last = _last(session)
    return Anchor(0, GENESIS) if last is None else Anchor(last.seq, last.hash)


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
            "seq": e.seq,
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
