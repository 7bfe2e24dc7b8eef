"""Four-eyes changes of the governed settings: HR or an administrator proposes, the staff
council approves or rejects (never the proposer), and every step is kept and audited.

Approved values apply to quarters published afterwards; published quarters keep the rules
they were published with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.auth.audit import record
from bgm_dashboard.auth.viewer import FIGURE_ROLES, ROLES, Viewer
from bgm_dashboard.db.models import GovernedSetting, SettingChange, Wave
from bgm_dashboard.errors import AccessDenied, ValidationError
from bgm_dashboard.governance.settings import KEYS, Governance, current
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.settings import ABSOLUTE_MIN_GROUP_SIZE, Settings

PROPOSER_ROLES = ("admin", "hr")
APPROVER_ROLES = ("council",)
READER_ROLES = ("hr", "admin", "council")
"""Who sees the settings in force and their history."""
DIFFERENCE_FLOOR = 2
PENDING, APPROVED, REJECTED, WITHDRAWN = "pending", "approved", "rejected", "withdrawn"
THRESHOLDS = ("min_group_size", "comment_min_group_size")
"""Settings that may not be lowered while a wave is open: people answered under them."""
INT_KEYS = (
    "min_group_size",
    "comment_min_group_size",
    "difference_min",
    "public_depth",
    "raw_retention_months",
    "audit_retention_months",
)
RETENTION_FLOORS = {"raw_retention_months": 1, "audit_retention_months": 12}
"""The shortest retention the council may approve (months): the audit log must cover at
least a year of access, and raw answers are needed until their quarter is published."""


@dataclass(frozen=True)
class ChangeInfo:
    """One proposal and its outcome (the history of a setting is the list of these)."""

    id: int
    key: str
    old_value: Any
    new_value: Any
    reason: str
    proposed_by: str
    proposed_at: datetime
    status: str
    decided_by: str | None
    decided_at: datetime | None


@dataclass(frozen=True)
class SettingState:
    """A setting in force: its value and whether it is a configured default or approved."""

    key: str
    value: Any
    approved: bool
    since: datetime | None
    approved_by: str | None


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _require(viewer: Viewer, roles: tuple[str, ...]) -> None:
    """Only accounts with these roles: the command line's system viewer does not count,
    because the operator of the installation is not the staff council."""
    if not viewer.has(*roles):
        raise AccessDenied("auth.denied", roles=", ".join(roles))


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _int(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("governance.not_whole_number", setting=key)
    return value


def normalise(key: str, value: Any, bank: ItemBank) -> Any:
    """The value as stored (JSON), after checks that need no other setting."""
    if key not in KEYS:
        raise ValidationError("governance.unknown_key", setting=key)
    if key in INT_KEYS:
        number = _int(key, value)
        if key == "min_group_size" and number < ABSOLUTE_MIN_GROUP_SIZE:
            raise ValidationError("governance.min_group_too_small", min=ABSOLUTE_MIN_GROUP_SIZE)
        if key == "difference_min" and number < DIFFERENCE_FLOOR:
            raise ValidationError("governance.difference_too_small", min=DIFFERENCE_FLOOR)
        if key == "public_depth" and number < 0:
            raise ValidationError("governance.negative_depth")
        if key in RETENTION_FLOORS and number < RETENTION_FLOORS[key]:
            raise ValidationError(
                "governance.retention_too_short", setting=key, min=RETENTION_FLOORS[key]
            )
        return number
    if key in ("keep_mail_addresses", "open_link_allowed"):
        if not isinstance(value, bool):
            raise ValidationError("governance.not_yes_no", setting=key)
        return value
    if key == "reported_depth":
        if value is None:
            return None
        number = _int(key, value)
        if number < 0:
            raise ValidationError("governance.negative_depth")
        return number
    if key == "reported_indicators":
        if value is None:
            return None
        if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
            raise ValidationError("governance.not_a_list", setting=key)
        wanted = {str(v) for v in value}
        unknown = sorted(wanted - set(bank.indicator_codes))
        if unknown:
            raise ValidationError("governance.unknown_indicator", codes=", ".join(unknown))
        if not wanted:
            raise ValidationError("governance.no_indicator")
        return [c for c in bank.indicator_codes if c in wanted]
    # comment_roles
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise ValidationError("governance.not_a_list", setting=key)
    wanted = {str(v) for v in value}
    unknown = sorted(wanted - set(FIGURE_ROLES))
    if unknown:
        raise ValidationError(
            "governance.bad_comment_role",
            roles=", ".join(unknown),
            allowed=", ".join(r for r in ROLES if r in FIGURE_ROLES),
        )
    return [r for r in ROLES if r in wanted]


def _open_wave(session: Session) -> str | None:
    return session.scalar(select(Wave.period).where(Wave.status == "open").limit(1))


def _check(session: Session, key: str, new: Any, governance: Governance) -> None:
    """Rules across settings and against the survey's state."""
    values = governance.as_dict()
    values[key] = tuple(new) if isinstance(new, list) else new
    after = Governance(**values)
    if after.comment_min_group_size < after.min_group_size:
        raise ValidationError(
            "governance.comment_below_min",
            comment=after.comment_min_group_size,
            k=after.min_group_size,
        )
    if key in THRESHOLDS and new < getattr(governance, key):
        period = _open_wave(session)
        if period is not None:
            raise ValidationError("governance.lowering_while_open", period=period)


def propose(
    session: Session,
    viewer: Viewer,
    key: str,
    value: Any,
    *,
    bank: ItemBank,
    reason: str = "",
    config: Settings | None = None,
    now: datetime | None = None,
) -> SettingChange:
    """A proposal by HR or an administrator; nothing changes until the council approves."""
    _require(viewer, PROPOSER_ROLES)
    new = normalise(key, value, bank)
    governance = current(session, config)
    old = _jsonable(getattr(governance, key))
    if new == old:
        raise ValidationError("governance.unchanged")
    if session.scalar(
        select(SettingChange.id).where(SettingChange.key == key, SettingChange.status == PENDING)
    ):
        raise ValidationError("governance.pending_exists", setting=key)
    _check(session, key, new, governance)
    change = SettingChange(
        key=key,
        old_value=old,
        new_value=new,
        reason=reason.strip()[:2000],
        proposed_by=viewer.name,
        proposed_at=(now or datetime.now(UTC)).replace(microsecond=0),
        status=PENDING,
    )
    session.add(change)
    session.flush()
    record(
        session,
        viewer.name,
        "setting_proposed",
        key,
        {"change": change.id, "old": old, "new": new},
    )
    return change


def _pending(session: Session, change_id: int) -> SettingChange:
    change = session.get(SettingChange, change_id, with_for_update=True)
    if change is None:
        raise ValidationError("governance.unknown_change", id=change_id)
    if change.status != PENDING:
        raise ValidationError("governance.not_pending", id=change_id)
    return change


def approve(
    session: Session,
    viewer: Viewer,
    change_id: int,
    *,
    bank: ItemBank,
    config: Settings | None = None,
    now: datetime | None = None,
) -> SettingChange:
    """The staff council approves: the value is checked again (a wave may have opened since)
    and then put in force. The proposer can never approve, whatever roles they hold."""
    _require(viewer, APPROVER_ROLES)
    change = _pending(session, change_id)
    if change.proposed_by == viewer.name:
        raise ValidationError("governance.four_eyes")
    governance = current(session, config)
    if _jsonable(getattr(governance, change.key)) != change.old_value:
        raise ValidationError("governance.stale", setting=change.key)
    new = normalise(change.key, change.new_value, bank)
    _check(session, change.key, new, governance)
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    stored = session.get(GovernedSetting, change.key)
    if stored is None:
        session.add(GovernedSetting(key=change.key, value=new, updated_at=moment))
    else:
        stored.value = new
        stored.updated_at = moment
    change.status = APPROVED
    change.decided_by = viewer.name
    change.decided_at = moment
    session.flush()
    record(
        session,
        viewer.name,
        "setting_approved",
        change.key,
        {
            "change": change.id,
            "old": change.old_value,
            "new": new,
            "proposed_by": change.proposed_by,
        },
    )
    return change


def reject(
    session: Session,
    viewer: Viewer,
    change_id: int,
    *,
    note: str = "",
    now: datetime | None = None,
) -> SettingChange:
    """The staff council rejects (not the proposer: four eyes both ways)."""
    _require(viewer, APPROVER_ROLES)
    change = _pending(session, change_id)
    if change.proposed_by == viewer.name:
        raise ValidationError("governance.four_eyes")
    change.status = REJECTED
    change.decided_by = viewer.name
    change.decided_at = (now or datetime.now(UTC)).replace(microsecond=0)
    session.flush()
    record(
        session,
        viewer.name,
        "setting_rejected",
        change.key,
        {"change": change.id, "new": change.new_value, "note": note.strip()[:500]},
    )
    return change


def withdraw(
    session: Session, viewer: Viewer, change_id: int, *, now: datetime | None = None
) -> SettingChange:
    """The proposer takes back a pending proposal."""
    _require(viewer, PROPOSER_ROLES)
    change = _pending(session, change_id)
    if change.proposed_by != viewer.name:
        raise ValidationError("governance.not_proposer")
    change.status = WITHDRAWN
    change.decided_by = viewer.name
    change.decided_at = (now or datetime.now(UTC)).replace(microsecond=0)
    session.flush()
    record(session, viewer.name, "setting_withdrawn", change.key, {"change": change.id})
    return change


def history(
    session: Session, viewer: Viewer, *, key: str | None = None, status: str | None = None
) -> list[ChangeInfo]:
    """Every proposal, newest first: who proposed, who decided, when, old and new value."""
    _require(viewer, READER_ROLES)
    query = select(SettingChange).order_by(SettingChange.id.desc())
    if key is not None:
        query = query.where(SettingChange.key == key)
    if status is not None:
        query = query.where(SettingChange.status == status)
    return [
        ChangeInfo(
            id=c.id,
            key=c.key,
            old_value=c.old_value,
            new_value=c.new_value,
            reason=c.reason,
            proposed_by=c.proposed_by,
            proposed_at=_utc(c.proposed_at) or c.proposed_at,
            status=c.status,
            decided_by=c.decided_by,
            decided_at=_utc(c.decided_at),
        )
        for c in session.scalars(query)
    ]


def settings_in_force(
    session: Session, viewer: Viewer, config: Settings | None = None
) -> list[SettingState]:
    """Each governed setting's value today, and since when / by whose approval."""
    _require(viewer, READER_ROLES)
    governance = current(session, config)
    stored = {row.key: row for row in session.scalars(select(GovernedSetting))}
    approvals: dict[str, str] = {}
    for change in session.scalars(
        select(SettingChange)
        .where(SettingChange.status == APPROVED)
        .order_by(SettingChange.decided_at)
    ):
        approvals[change.key] = change.decided_by or ""
    return [
        SettingState(
            key=key,
            value=_jsonable(getattr(governance, key)),
            approved=key in stored,
            since=_utc(stored[key].updated_at) if key in stored else None,
            approved_by=approvals.get(key),
        )
        for key in KEYS
    ]
