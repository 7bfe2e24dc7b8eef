"""Typed SQLAlchemy models. No table holds a person: no user id, IP, user agent or exact time
next to survey content; responses carry a random id and the month only."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

NO_ROWID = {"sqlite_with_rowid": False}
"""SQLite keeps rows of these tables in primary-key (random) order, not insertion order."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


# ----------------------------------------------------------------------------- organisation


class Department(Base):
    """A unit of the org chart; ``headcount`` counts the people placed directly in it."""

    __tablename__ = "departments"
    __table_args__ = (CheckConstraint("headcount >= 0", name="headcount_not_negative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


# ----------------------------------------------------------------------------- survey content


class Wave(Base):
    """One pulse round. Its period (a month) is the only time any response carries."""

    __tablename__ = "waves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(7), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    access: Mapped[str] = mapped_column(String(10), default="link")
    indicators: Mapped[list[Any]] = mapped_column(JSON, default=list)
    closes_on: Mapped[date | None] = mapped_column(Date)
    tokens_issued: Mapped[int] = mapped_column(Integer, default=0)


class ParticipationToken(Base):
    """An unspent single-use token (hash only). Spending deletes the row: nothing remains
    that could be linked to the response stored in the same transaction."""

    __tablename__ = "participation_tokens"
    __table_args__ = NO_ROWID

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id"), index=True)


class Response(Base):
    """One anonymous response: a random id, the wave, the unit and the month. Nothing else."""

    __tablename__ = "responses"
    __table_args__ = NO_ROWID

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = NO_ROWID

    response_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    item_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(SmallInteger)


class Comment(Base):
    """A free-text comment, stored apart from the answers: no key links it to a response."""

    __tablename__ = "comments"
    __table_args__ = NO_ROWID

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    period: Mapped[str] = mapped_column(String(7))
    text: Mapped[str] = mapped_column(Text)
    withheld: Mapped[bool] = mapped_column(Boolean, default=False)


# ----------------------------------------------------------------------------- aggregates


class IndicatorMoment(Base):
    """Sufficient statistics of one indicator for the responses placed directly in one unit
    in one month: n, sum, sum of squares and two band counts (WHO-5 <= 50 / <= 28,
    eNPS promoters / detractors). Every figure is computed from these, never from rows."""

    __tablename__ = "indicator_moments"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    s1: Mapped[float] = mapped_column(Float, default=0.0)
    s2: Mapped[float] = mapped_column(Float, default=0.0)
    b1: Mapped[int] = mapped_column(Integer, default=0)
    b2: Mapped[int] = mapped_column(Integer, default=0)


class ItemMoment(Base):
    """Per scale, over the responses that answered all its items: n, and per item (and for
    the item sum, ``item='_total'``) the sum and sum of squares: enough for Cronbach's alpha."""

    __tablename__ = "item_moments"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    scale: Mapped[str] = mapped_column(String(32), primary_key=True)
    item: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    s1: Mapped[float] = mapped_column(Float, default=0.0)
    s2: Mapped[float] = mapped_column(Float, default=0.0)


# ----------------------------------------------------------------------------- publication


class Publication(Base):
    """A quarter released through disclosure control: frozen figures, settings and org chart.
    A quarter is published again only after a reorganisation (a new version); every version
    stays, because what was once shown cannot be taken back."""

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("quarter", "version", name="quarter_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    min_group_size: Mapped[int] = mapped_column(Integer)
    comment_min_group_size: Mapped[int] = mapped_column(Integer)
    tree: Mapped[list[Any]] = mapped_column(JSON)
    indicators: Mapped[list[Any]] = mapped_column(JSON)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PublishedFigure(Base):
    """One released cell (unit x period x indicator). Suppressed cells keep no n, no figure."""

    __tablename__ = "published_figures"

    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publications.id", ondelete="CASCADE"), primary_key=True
    )
    granularity: Mapped[str] = mapped_column(String(8), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(32), primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    status: Mapped[str] = mapped_column(String(12))
    n: Mapped[int | None] = mapped_column(Integer)
    mean: Mapped[float | None] = mapped_column(Float)
    sd: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    share_a: Mapped[float | None] = mapped_column(Float)
    share_b: Mapped[float | None] = mapped_column(Float)
    alpha: Mapped[float | None] = mapped_column(Float)
    alpha_n: Mapped[int | None] = mapped_column(Integer)
    headcount: Mapped[int | None] = mapped_column(Integer)
    se: Mapped[float | None] = mapped_column(Float)
    alpha_low: Mapped[float | None] = mapped_column(Float)
    alpha_high: Mapped[float | None] = mapped_column(Float)


class PublishedComment(Base):
    """A comment released with a quarter, under the unit group whose size reached the comment
    threshold. Shown in the order of its random id: shuffled, undated."""

    __tablename__ = "published_comments"

    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publications.id", ondelete="CASCADE"), primary_key=True
    )
    comment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    )
    department_id: Mapped[int] = mapped_column(Integer, index=True)


class AppState(Base):
    """Small key/value facts about this installation (for example: demo mode)."""

    __tablename__ = "app_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# ----------------------------------------------------------------------------- accounts, audit


class Account(Base):
    """A login for HR, leadership, the staff council or an administrator (never staff)."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccountRole(Base):
    __tablename__ = "account_roles"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class AuditEntry(Base):
    """Append-only audit log (database triggers refuse updates and deletes); each entry
    carries its number, the hash of the one before and an HMAC with a key outside the
    database, so a gap, an edit or a forgery shows. No survey answer here."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    key_id: Mapped[str] = mapped_column(String(16), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class GovernedSetting(Base):
    """A setting that decides anonymity or reach; it changes only by an approved proposal."""

    __tablename__ = "governed_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SettingChange(Base):
    """A proposal to change a governed setting, and the staff council's decision on it."""

    __tablename__ = "setting_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    old_value: Mapped[Any] = mapped_column(JSON)
    new_value: Mapped[Any] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    proposed_by: Mapped[str] = mapped_column(String(100))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# ----------------------------------------------------------------------------- analytics, action


class CrisisEvent(Base):
    """A disruption recorded by HR (cyber attack, flood, hiring freeze, migration …)."""

    __tablename__ = "crisis_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(40), default="other")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(100), default="")


class CrisisEventUnit(Base):
    """Units hit by an event; an event without rows here hit the whole administration."""

    __tablename__ = "crisis_event_units"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("crisis_events.id", ondelete="CASCADE"), primary_key=True
    )
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)


class CustomIntervention(Base):
    """An organisation's own catalogue entry (or its edit of a shipped one)."""

    __tablename__ = "custom_interventions"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ActionPlan(Base):
    """A measure from the catalogue, run by an owner in one or more units."""

    __tablename__ = "action_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intervention_code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    planned_end: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    evaluated_on: Mapped[date | None] = mapped_column(Date)
    """When HR checked the measure's effect and recorded the result (None: not evaluated)."""
    status: Mapped[str] = mapped_column(String(10), default="planned")
    target_indicator: Mapped[str] = mapped_column(String(32))
    target_change: Mapped[float] = mapped_column(Float, default=0.0)
    standing_practice: Mapped[bool] = mapped_column(Boolean, default=False)
    good_example: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")


class ActionPlanUnit(Base):
    __tablename__ = "action_plan_units"

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("action_plans.id", ondelete="CASCADE"), primary_key=True
    )
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)


# ----------------------------------------------------------------------------- pulse rhythm, mail


class PulseSchedule(Base):
    """HR's rhythm of pulse waves (one row): waves open and close by themselves from it."""

    __tablename__ = "pulse_schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rhythm: Mapped[str] = mapped_column(String(12))
    first_month: Mapped[str] = mapped_column(String(7))
    open_day: Mapped[int] = mapped_column(Integer)
    duration_days: Mapped[int] = mapped_column(Integer)
    reminder_days: Mapped[list[Any]] = mapped_column(JSON, default=list)
    indicators: Mapped[list[Any]] = mapped_column(JSON, default=list)
    units: Mapped[list[Any]] = mapped_column(JSON, default=list)
    access: Mapped[str] = mapped_column(String(10), default="tokens")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ScheduledWave(Base):
    """A wave the schedule opened: its planned dates, invited units and reminder days."""

    __tablename__ = "scheduled_waves"

    wave_id: Mapped[int] = mapped_column(
        ForeignKey("waves.id", ondelete="CASCADE"), primary_key=True
    )
    planned_open: Mapped[date] = mapped_column(Date)
    opened_on: Mapped[date] = mapped_column(Date)
    units: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reminders: Mapped[list[Any]] = mapped_column(JSON, default=list)


class MailLog(Base):
    """One mailing round of a wave: counts only. No address and no code is ever kept here."""

    __tablename__ = "mail_log"
    __table_args__ = (UniqueConstraint("wave_id", "kind", "round", name="wave_kind_round"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    round: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10))
    sent_on: Mapped[date] = mapped_column(Date)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(200), default="")


class MailAddress(Base):
    """An address imported for sending invitations; deleted when the wave it served closes,
    unless the staff council approved keeping the list (``keep_mail_addresses``)."""

    __tablename__ = "mail_addresses"
    __table_args__ = NO_ROWID

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    address: Mapped[str] = mapped_column(String(320), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    language: Mapped[str] = mapped_column(String(2), default="de")
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MailTemplate(Base):
    """HR's wording of the invitation or reminder in one language (else the shipped text)."""

    __tablename__ = "mail_templates"

    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginSession(Base):
    """A password login that survives a reload or a bookmark: the browser holds a random
    token in a cookie, this table only the token's SHA-256. Ends at logout, after the idle
    timeout, at ``expires_at``, or when the account is deactivated or its roles change."""

    __tablename__ = "login_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    method: Mapped[str] = mapped_column(String(10))
    roles: Mapped[str] = mapped_column(String(100))
    """The account's roles at login, comma-separated: a change ends the session."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# ----------------------------------------------------------------------------- snapshots


class Snapshot(Base):
    """A frozen view of a published quarter for leadership: the released figures and the
    verdicts of that day as one canonical JSON text, with its SHA-256. HR creates it,
    leadership releases it; nothing changes it afterwards. A correction is a new version."""

    __tablename__ = "snapshots"
    __table_args__ = (
        UniqueConstraint("quarter", "scope", "version", name="snapshots_quarter_scope_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    scope: Mapped[str] = mapped_column(String(32), default="")
    """The unit code of the subtree the snapshot covers ("" = the whole administration)."""
    status: Mapped[str] = mapped_column(String(10), default="draft")
    payload: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"))
    changes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    released_by: Mapped[str] = mapped_column(String(100), default="")
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reflection: Mapped[str] = mapped_column(Text, default="")
    """Leadership's reflection and decisions as frozen at the release (canonical JSON)."""
    reflection_checksum: Mapped[str] = mapped_column(String(64), default="")


class SnapshotReflection(Base):
    """One version of leadership's written reading of a snapshot (every save is a version)."""

    __tablename__ = "snapshot_reflections"
    __table_args__ = (
        UniqueConstraint("snapshot_id", "version", name="snapshot_reflections_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("snapshots.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    reading: Mapped[str] = mapped_column(Text, default="")
    perspective: Mapped[str] = mapped_column(Text, default="")
    """Platzwechsel: how does this look from the other office's chair?"""
    crisis: Mapped[str] = mapped_column(Text, default="")
    """What did the crisis teach us?"""
    structure: Mapped[str] = mapped_column(Text, default="")
    """Which measure becomes a structure instead of a project?"""
    written_by: Mapped[str] = mapped_column(String(100), default="")
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SnapshotDecision(Base):
    """A decision leadership took on a snapshot: what, who follows up, by when, and the
    action plan it became (if any)."""

    __tablename__ = "snapshot_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("snapshots.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("action_plans.id", ondelete="SET NULL"), nullable=True
    )
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccountScope(Base):
    """A leadership account limited to a subtree of the org chart (Dezernent, Amtsleitung):
    it sees the released figures of that unit and the units below it only."""

    __tablename__ = "account_scopes"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    unit_code: Mapped[str] = mapped_column(String(32))
    set_by: Mapped[str] = mapped_column(String(100), default="")
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
