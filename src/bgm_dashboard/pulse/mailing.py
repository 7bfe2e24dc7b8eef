"""One mailing round of a wave (the invitation or a reminder) to everyone in its units.

With participation codes, every mail carries a code drawn for this round: the codes' hashes
are stored (in hash order, in one transaction), the plain codes live in memory only while
the mails go out, and they are paired with addresses in a fresh random order that is never
written down. So no table, file or log can tell which address received which code.
The round is claimed in the mail log before sending, so two runs never send it twice."""

from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bgm_dashboard.auth.audit import record
from bgm_dashboard.context import Context
from bgm_dashboard.db.models import MailLog, ParticipationToken, ScheduledWave, Wave
from bgm_dashboard.governance.settings import current
from bgm_dashboard.pulse.addresses import Recipient, recipients
from bgm_dashboard.pulse.mailconfig import MailSettings
from bgm_dashboard.pulse.templates import render, survey_link, template
from bgm_dashboard.pulse.transport import DeliveryRefused, SmtpTransport
from bgm_dashboard.survey.waves import ACCESS_TOKENS, issue_tokens, token_hash

SENDING, SENT, FAILED, SKIPPED = "sending", "sent", "failed", "skipped"


TransportFactory = Callable[[MailSettings], AbstractContextManager[SmtpTransport]]


@dataclass(frozen=True)
class Outcome:
    """What a round did: counts only."""

    period: str
    kind: str
    round: int
    status: str
    recipients: int
    sent: int
    failed: int
    error: str = ""


def _claim(session: Session, wave: Wave, kind: str, round_: int, today: date) -> MailLog | None:
    """Write the round into the mail log first; a second run finds it and sends nothing."""
    try:
        with session.begin_nested():
            entry = MailLog(
                wave_id=wave.id,
                kind=kind,
                round=round_,
                status=SENDING,
                sent_on=today,
                recipients=0,
                sent=0,
                failed=0,
                error="",
            )
            session.add(entry)
            session.flush()
    except IntegrityError:
        return None
    return entry


def skip_round(session: Session, wave: Wave, kind: str, round_: int, today: date) -> None:
    """A reminder whose day passed while the server was down: noted, not sent late."""
    if _claim(session, wave, kind, round_, today) is not None:
        entry = session.scalars(
            select(MailLog).where(
                MailLog.wave_id == wave.id, MailLog.kind == kind, MailLog.round == round_
            )
        ).one()
        entry.status = SKIPPED
        session.flush()


def send_round(
    ctx: Context,
    wave_id: int,
    kind: str,
    round_: int,
    *,
    today: date,
    mail: MailSettings,
    transport: TransportFactory = SmtpTransport,
    actor: str = "scheduler",
) -> Outcome | None:
    """Send one round; None when it was sent (or claimed) before or nobody is on the list."""
    with ctx.write() as session:
        wave = session.get(Wave, wave_id)
        plan = session.get(ScheduledWave, wave_id)
        if wave is None or plan is None:
            return None
        people: list[Recipient] = recipients(session, plan.units)
        if not people:
            return None
        entry = _claim(session, wave, kind, round_, today)
        if entry is None:
            return None
        entry.recipients = len(people)
        codes: list[str | None] = [None] * len(people)
        if wave.access == ACCESS_TOKENS:
            codes = list(issue_tokens(session, wave, len(people)))
        k = current(session, ctx.settings).min_group_size
        closes_on = wave.closes_on or today
        period, entry_id = wave.period, entry.id
        templates = {lang: template(session, kind, lang) for lang in ("de", "en")}
    shuffler = random.SystemRandom()
    shuffler.shuffle(people)
    sent, unsent, error = 0, [], ""
    try:
        with transport(mail) as channel:
            for person, code in zip(people, codes, strict=True):
                subject, body = render(
                    templates[person.language],
                    link=survey_link(mail.public_url, code),
                    month=period,
                    closes_on=closes_on,
                    code=code,
                    min_group_size=k,
                )
                try:
                    channel.send(person.address, subject, body)
                    sent += 1
                except DeliveryRefused as refused:
                    error = str(refused)
                    unsent.append(code)
    except Exception as exc:  # the connection broke: the rest is not sent
        error = type(exc).__name__
        unsent.extend(codes[sent + len(unsent) :])
    status = SENT if sent else FAILED
    with ctx.write() as session:
        if any(unsent):
            session.execute(
                delete(ParticipationToken).where(
                    ParticipationToken.token_hash.in_(sorted(token_hash(c) for c in unsent if c))
                )
            )
            wave = session.get(Wave, wave_id)
            if wave is not None:
                wave.tokens_issued -= sum(1 for c in unsent if c)
        entry = session.get(MailLog, entry_id)
        assert entry is not None
        if sent:
            entry.status = status
            entry.sent = sent
            entry.failed = len(unsent)
            entry.error = error[:200]
        else:  # nothing went out (server down): free the round, the next run tries again
            session.delete(entry)
        record(
            session,
            actor,
            f"mail_{kind}",
            period,
            {"round": round_, "sent": sent, "failed": len(unsent), "error": error[:200]},
        )
    return Outcome(period, kind, round_, status, sent + len(unsent), sent, len(unsent), error)
