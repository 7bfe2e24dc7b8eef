"""Reads the governed settings: stored values (approved by the staff council) over defaults."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.db.models import GovernedSetting
from bgm_dashboard.settings import Settings, load_settings


@dataclass(frozen=True)
class Governance:
    """The anonymity and reach settings in force."""

    min_group_size: int
    comment_min_group_size: int
    difference_min: int
    reported_indicators: tuple[str, ...] | None
    reported_depth: int | None
    comment_roles: tuple[str, ...]
    public_depth: int
    keep_mail_addresses: bool = False
    """Keep imported mail addresses after a wave's mailing (else deleted at its close)."""
    open_link_allowed: bool = False
    """Waves may open with an open link (weaker than codes: one person could answer more
    than once). Off by default; only the staff council's approval turns it on."""
    raw_retention_months: int = 24
    """Months after a quarter's first publication until its raw answers and unreleased
    comments are deleted (``bgm retention run``, also in the scheduler's run)."""
    audit_retention_months: int = 60
    """Months an audit entry is kept."""

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


KEYS = (
    "min_group_size",
    "comment_min_group_size",
    "difference_min",
    "reported_indicators",
    "reported_depth",
    "comment_roles",
    "public_depth",
    "keep_mail_addresses",
    "open_link_allowed",
    "raw_retention_months",
    "audit_retention_months",
)


def defaults(config: Settings | None = None) -> Governance:
    config = config or load_settings()
    return Governance(
        min_group_size=config.min_group_size,
        comment_min_group_size=config.comment_min_group_size,
        difference_min=3,
        reported_indicators=None,
        reported_depth=None,
        comment_roles=("hr",),
        public_depth=1,
        keep_mail_addresses=False,
        open_link_allowed=False,
        raw_retention_months=24,
        audit_retention_months=60,
    )


def _coerce(key: str, value: Any) -> Any:
    if key in ("reported_indicators", "comment_roles"):
        return None if value is None else tuple(value)
    return value


def current(session: Session, config: Settings | None = None) -> Governance:
    """The settings in force: what the council approved, else the configured defaults."""
    values = defaults(config).as_dict()
    for row in session.scalars(select(GovernedSetting)):
        if row.key in values:
            values[row.key] = _coerce(row.key, row.value)
    return Governance(**values)
