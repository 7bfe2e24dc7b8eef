"""The scheduler's run (``bgm schedule run`` from cron or a systemd timer, or the button on
the page): close waves whose last day has passed and publish due quarters, open the waves
the rhythm asks for, send invitations and reminders. Every step is idempotent: a second run
on the same day does nothing, and a run after days of downtime catches up.

Catching up: a wave whose opening day was missed opens late and keeps its planned closing
day (the dates the rhythm promised stay true); one whose closing day has passed too is not
opened at all, and no wave ever opens into a published quarter. A reminder whose day was
missed is skipped when a later reminder is due; invitations go out as soon as the wave is
open, the mail server configured and an address list imported."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bgm_dashboard.auth.audit import record
from bgm_dashboard.context import Context
from bgm_dashboard.db.models import AppState, MailLog, ScheduledWave, Wave
from bgm_dashboard.formatting import day
from bgm_dashboard.governance.settings import current
from bgm_dashboard.i18n import t
from bgm_dashboard.periods import quarter_of
from bgm_dashboard.privacy.retention import RetentionResult, apply_retention, retention_lines
from bgm_dashboard.pulse.addresses import address_count, erase_addresses
from bgm_dashboard.pulse.mailconfig import MailSettings
from bgm_dashboard.pulse.mailing import (
    SENT,
    Outcome,
    TransportFactory,
    send_round,
    skip_round,
)
from bgm_dashboard.pulse.schedule import Occurrence, load_plan, occurrences
from bgm_dashboard.pulse.transport import SmtpTransport
from bgm_dashboard.survey.waves import (
    ACCESS_LINK,
    ACCESS_TOKENS,
    OPEN,
    close_wave,
    open_wave,
    quarter_published,
    wave_for_period,
)

LAST_RUN = "schedule_last_run"
ACTOR = "scheduler"
RUN_LOCK = 0x6267_6D12
"""Two runs at once (timer and button) queue up instead of racing to open the same wave."""


@dataclass
class RunReport:
    """What one run did (printed by the command, shown on the page)."""

    today: date
    closed: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    """Waves of the rhythm that were not opened (closing day passed, or quarter published)."""
    mailings: list[Outcome] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    """Why an invitation could not go out yet: "no_mail_server", "no_addresses"."""
    erased_addresses: int = 0
    retention: RetentionResult | None = None
    """What the retention periods let go on this run (issue 15)."""


def last_run(session: Session) -> date | None:
    state = session.get(AppState, LAST_RUN)
    return date.fromisoformat(state.value) if state is not None else None


def _close_due(ctx: Context, session: Session, today: date, report: RunReport) -> None:
    """Waves whose last day has passed close, then due quarters publish."""
    waves = session.scalars(
        select(Wave).where(Wave.status == OPEN, Wave.closes_on.is_not(None)).order_by(Wave.period)
    ).all()
    for wave in waves:
        if wave.closes_on is not None and wave.closes_on < today:
            close_wave(session, wave)
            report.closed.append(wave.period)
            record(session, ACTOR, "wave_close", wave.period, {"scheduled": True})
    report.published = ctx.publish_due(session, today)
    if report.published:
        record(session, ACTOR, "publish", ", ".join(report.published), {"scheduled": True})


def _mailed_waves_closed(session: Session, periods: list[str]) -> bool:
    if not periods:
        return False
    found = session.scalar(
        select(MailLog.id)
        .join(Wave, Wave.id == MailLog.wave_id)
        .where(Wave.period.in_(periods), MailLog.kind == "invitation", MailLog.status == SENT)
        .limit(1)
    )
    return found is not None


def _erase_if_done(ctx: Context, session: Session, report: RunReport) -> None:
    """The list served a wave that has now closed: delete it, unless the council approved
    keeping it."""
    if current(session, ctx.settings).keep_mail_addresses:
        return
    if _mailed_waves_closed(session, report.closed) and address_count(session):
        report.erased_addresses = erase_addresses(session)
        record(session, ACTOR, "addresses_erased", "", {"count": report.erased_addresses})


def _open_due(session: Session, today: date, since: date | None, report: RunReport) -> None:
    plan = load_plan(session)
    if plan is None or not plan.active:
        return
    for item in occurrences(plan, today):
        if wave_for_period(session, item.period) is not None:
            continue  # opened before (by a run or by hand)
        if item.closes_on < today or quarter_published(session, quarter_of(item.period)):
            if since is None or item.closes_on >= since:
                report.missed.append(item.period)
            continue
        _open(session, plan.indicators, plan.units, plan.access, item, today)
        report.opened.append(item.period)


def _open(
    session: Session,
    indicators: tuple[str, ...],
    units: tuple[str, ...],
    access: str,
    item: Occurrence,
    today: date,
) -> None:
    if access == ACCESS_LINK and not current(session).open_link_allowed:
        access = ACCESS_TOKENS  # the council withdrew its approval since the plan was saved
    wave = open_wave(
        session, item.period, indicators=list(indicators), access=access, closes_on=item.closes_on
    )
    session.add(
        ScheduledWave(
            wave_id=wave.id,
            planned_open=item.opens_on,
            opened_on=today,
            units=list(units),
            reminders=[d.isoformat() for d in item.reminders if d > today],
        )
    )
    session.flush()
    record(
        session,
        ACTOR,
        "wave_open",
        item.period,
        {"access": access, "closes_on": item.closes_on.isoformat(), "late": today > item.opens_on},
    )


def _rounds_due(session: Session, today: date) -> list[tuple[int, str, int, list[int]]]:
    """(wave id, kind, round, earlier rounds to skip) for each open scheduled wave."""
    due: list[tuple[int, str, int, list[int]]] = []
    rows = session.execute(
        select(Wave.id, ScheduledWave.reminders)
        .join(ScheduledWave, ScheduledWave.wave_id == Wave.id)
        .where(Wave.status == OPEN)
        .order_by(Wave.period)
    ).all()
    for wave_id, reminders in rows:
        wave = session.get(Wave, wave_id)
        if wave is None or (wave.closes_on is not None and wave.closes_on < today):
            continue
        logged = {
            (kind, number): status
            for kind, number, status in session.execute(
                select(MailLog.kind, MailLog.round, MailLog.status).where(
                    MailLog.wave_id == wave_id
                )
            )
        }
        if ("invitation", 0) not in logged:
            due.append((wave_id, "invitation", 0, []))
            continue
        if logged[("invitation", 0)] != SENT:
            continue
        reached = [n for n, d in enumerate(reminders, start=1) if date.fromisoformat(d) <= today]
        if reached and ("reminder", reached[-1]) not in logged:
            done = [n for kind, n in logged if kind == "reminder"]
            if not done or max(done) < reached[-1]:
                skip = [n for n in reached[:-1] if ("reminder", n) not in logged]
                due.append((wave_id, "reminder", reached[-1], skip))
    return due


def _compact_sqlite(ctx: Context) -> None:
    """After erasing addresses: fold the write-ahead log into the database file and empty it,
    so that old copies of the erased pages do not stay in the ``-wal`` file."""
    if ctx.engine.dialect.name == "sqlite":
        with ctx.engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def run_schedule(
    ctx: Context,
    *,
    today: date | None = None,
    mail: MailSettings | None = None,
    transport: TransportFactory = SmtpTransport,
) -> RunReport:
    """One run of the scheduler for ``today`` (tests pass the day; cron passes nothing)."""
    today = today or date.today()
    report = RunReport(today)
    with ctx.write() as session:
        if session.get_bind().dialect.name == "postgresql":  # SQLite: BEGIN IMMEDIATE
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": RUN_LOCK})
        since = last_run(session)
        _close_due(ctx, session, today, report)
        _erase_if_done(ctx, session, report)
        _open_due(session, today, since, report)
        due = _rounds_due(session, today)
        has_addresses = address_count(session) > 0
    if report.erased_addresses:
        _compact_sqlite(ctx)
    with ctx.write() as session:
        governance = current(session, ctx.settings)
        report.retention = apply_retention(session, governance, today=today, actor=ACTOR)
    for wave_id, kind, number, skip in due:
        if mail is None:
            report.waiting.append("no_mail_server")
            continue
        if not has_addresses:
            report.waiting.append("no_addresses")
            continue
        if skip:
            with ctx.write() as session:
                wave = session.get(Wave, wave_id)
                assert wave is not None
                for earlier in skip:
                    skip_round(session, wave, kind, earlier, today)
        outcome = send_round(
            ctx, wave_id, kind, number, today=today, mail=mail, transport=transport
        )
        if outcome is not None:
            report.mailings.append(outcome)
    with ctx.write() as session:
        session.merge(AppState(key=LAST_RUN, value=today.isoformat()))
    return report


def report_lines(report: RunReport, lang: str) -> list[str]:
    lines = [t("pulse.run_header", lang, day=day(report.today, lang))]
    for key, items in (
        ("pulse.run_closed", report.closed),
        ("pulse.run_published", report.published),
        ("pulse.run_opened", report.opened),
        ("pulse.run_missed", report.missed),
    ):
        if items:
            lines.append(t(key, lang, periods=", ".join(items)))
    for outcome in report.mailings:
        lines.append(
            t(
                f"pulse.run_mail_{outcome.kind}",
                lang,
                period=outcome.period,
                round=outcome.round,
                sent=outcome.sent,
                failed=outcome.failed,
            )
        )
    for reason in sorted(set(report.waiting)):
        lines.append(t(f"pulse.run_waiting_{reason}", lang))
    if report.erased_addresses:
        lines.append(t("pulse.run_erased", lang, count=report.erased_addresses))
    if report.retention is not None and report.retention.anything:
        lines.extend(retention_lines(report.retention, lang)[1:])
    if len(lines) == 1:
        lines.append(t("pulse.run_nothing", lang))
    return lines
