"""The survey's marker cookie: after an answer the browser keeps the ids of the waves it
answered (nothing else: no random per-person id, nothing stored on the server), so that a
reload or a second tab shows no second form. A convenience against double answers in the
same browser; participation codes are the real guard."""

from __future__ import annotations

from bgm_dashboard.ui.cookies import read_cookie, set_cookie

ANSWERED_COOKIE = "bgm_answered"
MAX_AGE = 365 * 24 * 3600
"""A year: longer than any wave stays open."""
KEEP = 12
"""The most recent wave ids kept (one year of monthly waves)."""


def answered_waves() -> list[int]:
    """The wave ids the browser's marker names (anything else in it is ignored)."""
    raw = read_cookie(ANSWERED_COOKIE) or ""
    return [int(part) for part in raw.split(".") if part.isdigit() and len(part) <= 9]


def answered_here(wave_id: int) -> bool:
    return wave_id in answered_waves()


def remember_answer(wave_id: int) -> None:
    """Add ``wave_id`` to the browser's marker (after the answer was stored)."""
    known = answered_waves()
    if wave_id in known:
        return
    ids = [*known, wave_id][-KEEP:]
    set_cookie(ANSWERED_COOKIE, ".".join(str(i) for i in ids), MAX_AGE)
