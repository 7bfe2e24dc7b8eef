"""What HR and the staff council see of the pulse machinery: the mail log (counts only) and
whether the scheduler runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.auth.viewer import Viewer, require
from bgm_dashboard.db.models import MailLog, Wave
from bgm_dashboard.pulse.addresses import address_count
from bgm_dashboard.pulse.runner import last_run
from bgm_dashboard.pulse.schedule import Plan, load_plan

STALE_AFTER_DAYS = 2
"""A schedule whose last run is older than this is not being run (no timer, server down)."""


@dataclass(frozen=True)
class MailRound:
    period: str
    kind: str
    round: int
    status: str
    sent_on: date
    recipients: int
    sent: int
    failed: int


@dataclass(frozen=True)
class PulseStatus:
    plan: Plan | None
    last_run: date | None
    addresses: int
    rounds: tuple[MailRound, ...]

    def stale(self, today: date) -> bool:
        """An active schedule that nobody runs: the page says so (no silent failure)."""
        if self.plan is None or not self.plan.active:
            return False
        return self.last_run is None or (today - self.last_run).days > STALE_AFTER_DAYS


def pulse_status(session: Session, viewer: Viewer) -> PulseStatus:
    require(viewer, "hr", "council")
    rounds = tuple(
        MailRound(period, kind, number, status, sent_on, recipients, sent, failed)
        for period, kind, number, status, sent_on, recipients, sent, failed in session.execute(
            select(
                Wave.period,
                MailLog.kind,
                MailLog.round,
                MailLog.status,
                MailLog.sent_on,
                MailLog.recipients,
                MailLog.sent,
                MailLog.failed,
            )
            .join(Wave, Wave.id == MailLog.wave_id)
            .order_by(Wave.period.desc(), MailLog.id.desc())
        )
    )
    return PulseStatus(load_plan(session), last_run(session), address_count(session), rounds)
