"""Counts of a running wave as HR and the staff council may see them: never below the minimum
group size, otherwise only as a range, and only as of the first look of the day (a snapshot
kept per wave), so that no single answer or code can be timed by watching the page."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bgm_dashboard.db.models import AppState, ParticipationToken, Response, Wave
from bgm_dashboard.i18n import t

BAND_EDGES = (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)
SNAPSHOT_PREFIX = "wave_counts_"

Band = tuple[int, int | None]
"""A range of counts: lowest and highest (None: open upwards)."""


def band(count: int, k: int) -> Band | None:
    """The range ``count`` falls in; None below ``k`` (not shown at all)."""
    if count < k:
        return None
    edges = [k, *(e for e in BAND_EDGES if e > k)]
    for low, high in pairwise(edges):
        if count < high:
            return (low, high - 1)
    return (edges[-1], None)


def band_text(found: Band | None, k: int, lang: str) -> str:
    if found is None:
        return t("waves.band_below", lang, k=k)
    low, high = found
    if high is None:
        return t("waves.band_from", lang, low=low)
    return t("waves.band", lang, low=low, high=high)


def _live(session: Session, wave: Wave) -> tuple[int, int]:
    responses = session.scalar(
        select(func.count()).select_from(Response).where(Response.wave_id == wave.id)
    )
    unspent = session.scalar(
        select(func.count())
        .select_from(ParticipationToken)
        .where(ParticipationToken.wave_id == wave.id)
    )
    return int(responses or 0), wave.tokens_issued - int(unspent or 0)


def daily_counts(session: Session, wave: Wave, today: date) -> tuple[int, int]:
    """(responses, codes used) of an open wave as of the first look today: the snapshot is
    taken once a day and kept (write it by calling this in a write transaction)."""
    key = f"{SNAPSHOT_PREFIX}{wave.id}"
    state = session.get(AppState, key)
    if state is not None:
        day, kept_responses, kept_used = state.value.split("|")
        if day == today.isoformat():
            return int(kept_responses), int(kept_used)
    responses, used = _live(session, wave)
    session.merge(AppState(key=key, value=f"{today.isoformat()}|{responses}|{used}"))
    return responses, used


def final_counts(session: Session, wave: Wave) -> tuple[int, int]:
    """(responses, codes used) of a closed wave: final, nothing can be timed any more."""
    return _live(session, wave)
