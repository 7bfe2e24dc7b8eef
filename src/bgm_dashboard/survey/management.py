"""HR's wave management: open and close waves, issue tokens, see how many took part —
role-checked and audited. Counts are shown for the whole administration only, from the
minimum group size on and as ranges (``livecounts.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.auth.audit import record
from bgm_dashboard.auth.viewer import Viewer, require
from bgm_dashboard.db.models import Wave
from bgm_dashboard.governance.settings import current
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.privacy.publication import publish_due
from bgm_dashboard.survey.livecounts import Band, band, daily_counts, final_counts
from bgm_dashboard.survey.waves import (
    ACCESS_TOKENS,
    OPEN,
    close_wave,
    issue_tokens,
    open_wave,
    wave_for_period,
    withdraw_tokens,
)


@dataclass(frozen=True)
class WaveRow:
    period: str
    title: str
    status: str
    access: str
    closes_on: date | None
    tokens_issued: int
    responses: Band | None
    """Answers as a range (None: fewer than the minimum group size, not shown)."""
    codes_used: Band | None
    """Codes used as a range (None: fewer than the minimum group size, not shown)."""


def wave_rows(session: Session, viewer: Viewer, today: date | None = None) -> list[WaveRow]:
    """Every wave with its counts as they may be shown: ranges from k on, nothing below; a
    running wave's counts from the day's first look (call in a write transaction to keep
    that snapshot)."""
    require(viewer, "hr", "council")
    k = current(session).min_group_size
    today = today or date.today()
    rows = []
    for wave in session.scalars(select(Wave).order_by(Wave.period.desc())).all():
        if wave.status == OPEN:
            responses, used = daily_counts(session, wave, today)
        else:
            responses, used = final_counts(session, wave)
        rows.append(
            WaveRow(
                wave.period,
                wave.title,
                wave.status,
                wave.access,
                wave.closes_on,
                wave.tokens_issued,
                band(responses, k),
                band(used, k),
            )
        )
    return rows


def open_wave_as(
    session: Session,
    viewer: Viewer,
    bank: ItemBank,
    period: str,
    *,
    title: str = "",
    access: str = ACCESS_TOKENS,
    closes_on: date | None = None,
    indicators: list[str] | None = None,
) -> Wave:
    require(viewer, "hr")
    wave = open_wave(
        session,
        period,
        indicators=indicators or list(bank.indicator_codes),
        title=title,
        access=access,
        closes_on=closes_on,
    )
    record(session, viewer.name, "wave_open", period, {"access": access})
    return wave


def close_wave_as(
    session: Session, viewer: Viewer, bank: ItemBank, period: str, *, today: date | None = None
) -> list[str]:
    """Close a wave for good; publish every quarter that became due. Returns those quarters."""
    require(viewer, "hr")
    wave = wave_for_period(session, period)
    if wave is None:
        from bgm_dashboard.errors import ValidationError

        raise ValidationError("wave.unknown", period=period)
    close_wave(session, wave)
    published = publish_due(
        session, today=today or date.today(), bank=bank, governance=current(session)
    )
    record(session, viewer.name, "wave_close", period, {"published": published})
    return published


def issue_tokens_as(session: Session, viewer: Viewer, period: str, count: int) -> list[str]:
    require(viewer, "hr")
    wave = wave_for_period(session, period)
    if wave is None:
        from bgm_dashboard.errors import ValidationError

        raise ValidationError("wave.unknown", period=period)
    tokens = issue_tokens(session, wave, count)
    record(session, viewer.name, "wave_tokens", period, {"count": count})
    return tokens


def withdraw_tokens_as(session: Session, viewer: Viewer, period: str) -> int:
    """HR withdraws the unspent codes of an open wave (confirmed on the page)."""
    require(viewer, "hr")
    wave = wave_for_period(session, period)
    if wave is None:
        from bgm_dashboard.errors import ValidationError

        raise ValidationError("wave.unknown", period=period)
    count = withdraw_tokens(session, wave)
    record(session, viewer.name, "wave_tokens_withdrawn", period, {"count": count})
    return count
