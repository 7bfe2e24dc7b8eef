"""The one way answers enter the system: checked, stored once (random ids, month only,
comments apart), and added to the aggregates in the same transaction."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from bgm_dashboard.csvfiles import bad_character
from bgm_dashboard.db.bulk import copy_text, insert_rows
from bgm_dashboard.db.models import Answer, Comment, Department, Response, Wave
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.indicators.moments import (
    Record,
    add_moment_records,
    add_moments,
    moments_for_batch,
    moments_for_one,
)
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.survey.waves import ACCESS_TOKENS, OPEN, lock_wave, spend_token

MAX_COMMENT_LENGTH = 2000


def asked_items(bank: ItemBank, indicators: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The item codes a wave asks, in bank order."""
    wanted = set(indicators)
    return tuple(i.code for s in bank.scales if s.code in wanted for i in s.items)


def parse_value(bank: ItemBank, item: str, raw: object) -> int | None:
    """An answer as an integer within its scale; None for unanswered. Raises ValueError."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    if isinstance(raw, float) and np.isnan(raw):
        return None
    if isinstance(raw, bool):
        raise ValueError(raw)
    if isinstance(raw, str):
        value = int(raw.strip())
    elif isinstance(raw, (int, np.integer)) or (isinstance(raw, float) and raw.is_integer()):
        value = int(raw)
    else:
        raise ValueError(raw)
    lo, hi = bank.answer_range(item)
    if not lo <= value <= hi:
        raise ValueError(raw)
    return value


def validate_answers(
    bank: ItemBank, indicators: list[str] | tuple[str, ...], answers: Mapping[str, object]
) -> dict[str, int | None]:
    allowed = set(asked_items(bank, indicators))
    clean: dict[str, int | None] = {}
    for item, raw in answers.items():
        if item not in allowed:
            raise ValidationError("survey.unknown_item", item=item)
        try:
            clean[item] = parse_value(bank, item, raw)
        except ValueError:
            lo, hi = bank.answer_range(item)
            raise ValidationError("survey.out_of_range", item=item, low=lo, high=hi) from None
    if all(v is None for v in clean.values()):
        raise ValidationError("survey.empty")
    return clean


def clean_comment(comment: str | None) -> str | None:
    if comment is None:
        return None
    comment = comment.strip()
    if not comment:
        return None
    if len(comment) > MAX_COMMENT_LENGTH:
        raise ValidationError("survey.comment_too_long", limit=MAX_COMMENT_LENGTH)
    if bad_character(comment) is not None:
        # refused before any database sees it; the message never repeats the text
        raise ValidationError("survey.comment_bad_characters")
    return comment


def _random_ids(count: int) -> tuple[list[uuid.UUID], np.ndarray]:
    """Fresh random ids and the order that sorts them: rows are written in id order, which
    is random with respect to the order of the input (and fastest for the primary keys)."""
    ids = [uuid.uuid4() for _ in range(count)]
    order = np.argsort(np.array([i.bytes for i in ids], dtype="S16"), kind="stable")
    return ids, order


def store_batch(
    session: Session,
    bank: ItemBank,
    meta: pd.DataFrame,
    answers: pd.DataFrame,
    comments: list[tuple[int, int, str, str]] | None = None,
) -> int:
    """Store checked responses. ``meta``: columns wave_id, department_id, period; ``answers``:
    one float column per item code (NaN = unanswered), same index; ``comments``: tuples of
    (wave_id, department_id, period, text), stored in random order with their own ids."""
    count = len(meta)
    if count == 0:
        return 0
    meta = meta.reset_index(drop=True)
    answers = answers.reset_index(drop=True).astype("float64")
    dialect = session.get_bind().dialect.name
    ids, order = _random_ids(count)
    id_type = Response.__table__.c.id.type
    to_stored = id_type.bind_processor(session.get_bind().dialect)
    if dialect == "postgresql":
        stored = [str(ids[i]) for i in order]
    else:
        stored = [to_stored(ids[i]) if to_stored else ids[i] for i in order]
    insert_rows(
        session,
        cast(Table, Response.__table__),
        ("id", "wave_id", "department_id", "period"),
        zip(
            stored,
            meta["wave_id"].to_numpy(dtype=np.int64)[order].tolist(),
            meta["department_id"].to_numpy(dtype=np.int64)[order].tolist(),
            meta["period"].astype(str).to_numpy()[order].tolist(),
            strict=True,
        ),
        prepared=True,
    )
    codes = list(answers.columns)
    by_code = sorted(range(len(codes)), key=codes.__getitem__)  # primary-key order
    labels = [codes[c] for c in by_code]
    if dialect == "postgresql":
        labels = [copy_text(label) for label in labels]
    values = answers.to_numpy()[order][:, by_code]
    rows, cols = np.nonzero(~np.isnan(values))
    insert_rows(
        session,
        cast(Table, Answer.__table__),
        ("response_id", "item_code", "value"),
        zip(
            np.array(stored, dtype=object)[rows].tolist(),
            np.array(labels, dtype=object)[cols].tolist(),
            values[rows, cols].astype(np.int64).tolist(),
            strict=True,
        ),
        prepared=True,
    )
    if comments:
        shuffled = list(comments)
        random.SystemRandom().shuffle(shuffled)
        session.execute(
            insert(cast(Table, Comment.__table__)),
            [
                {
                    "id": uuid.uuid4(),
                    "wave_id": w,
                    "department_id": d,
                    "period": p,
                    "text": text,
                    "withheld": False,
                }
                for w, d, p, text in shuffled
            ],
        )
    indicator_rows, item_rows = moments_for_batch(meta, answers, bank)
    add_moments(session, indicator_rows, item_rows)
    return count


@dataclass(frozen=True)
class Prepared:
    """A checked survey response with its moments, computed before the write lock."""

    wave_id: int
    department_id: int
    period: str
    token: str | None
    answers: tuple[tuple[str, int], ...]
    comment: str | None
    indicator_moments: list[Record]
    item_moments: list[Record]


BEFORE_WRITE: list[Callable[[], None]] = []
"""Hooks run inside the write transaction after the wave was checked and locked, before
anything is written (tests widen the race window with them)."""


def _wave_is_open(wave: Wave | None, today: date) -> bool:
    return (
        wave is not None
        and wave.status == OPEN
        and (wave.closes_on is None or wave.closes_on >= today)
    )


def prepare(
    session: Session,
    bank: ItemBank,
    *,
    wave_id: int,
    department_code: str,
    answers: Mapping[str, object],
    comment: str | None = None,
    token: str | None = None,
    today: date | None = None,
) -> Prepared:
    """Check a response and compute its moments; reads only (no write lock is held)."""
    today = today or date.today()
    wave = session.get(Wave, wave_id)
    if wave is None or not _wave_is_open(wave, today):
        raise ValidationError("survey.wave_closed")
    department = session.scalar(
        select(Department).where(Department.code == department_code, Department.active.is_(True))
    )
    if department is None:
        raise ValidationError("survey.unknown_department")
    clean = validate_answers(bank, wave.indicators, answers)
    text = clean_comment(comment)
    if wave.access == ACCESS_TOKENS and not token:
        raise ValidationError("survey.token_required")
    indicator_rows, item_rows = moments_for_one(wave.period, department.id, clean, bank)
    given = tuple(sorted((item, value) for item, value in clean.items() if value is not None))
    return Prepared(
        wave_id=wave.id,
        department_id=department.id,
        period=wave.period,
        token=token,
        answers=given,
        comment=text,
        indicator_moments=indicator_rows,
        item_moments=item_rows,
    )


def store(session: Session, prepared: Prepared, *, today: date | None = None) -> None:
    """Write a prepared response in the caller's (short) write transaction. The wave row is
    locked first (FOR SHARE on PostgreSQL; SQLite's write lock is already held), so a wave
    that is being closed waits for this answer or refuses it: no answer lands behind a
    published quarter."""
    today = today or date.today()
    wave = lock_wave(session, prepared.wave_id, shared=True)
    if wave is None or not _wave_is_open(wave, today):
        raise ValidationError("survey.wave_closed")
    for hook in BEFORE_WRITE:
        hook()
    if wave.access == ACCESS_TOKENS:
        spend_token(session, wave, prepared.token)
    response_id = uuid.uuid4()
    session.execute(
        insert(cast(Table, Response.__table__)),
        [
            {
                "id": response_id,
                "wave_id": prepared.wave_id,
                "department_id": prepared.department_id,
                "period": prepared.period,
            }
        ],
    )
    session.execute(
        insert(cast(Table, Answer.__table__)),
        [
            {"response_id": response_id, "item_code": item, "value": value}
            for item, value in prepared.answers
        ],
    )
    if prepared.comment:
        session.execute(
            insert(cast(Table, Comment.__table__)),
            [
                {
                    "id": uuid.uuid4(),
                    "wave_id": prepared.wave_id,
                    "department_id": prepared.department_id,
                    "period": prepared.period,
                    "text": prepared.comment,
                    "withheld": False,
                }
            ],
        )
    add_moment_records(session, prepared.indicator_moments, prepared.item_moments)


def submit(session: Session, bank: ItemBank, **fields: Any) -> None:
    """Store one response, all or nothing, in the caller's transaction (``fields``: the
    keyword arguments of :func:`prepare`)."""
    store(session, prepare(session, bank, **fields), today=fields.get("today"))


def submit_response(
    read: Callable[[], AbstractContextManager[Session]],
    write: Callable[[], AbstractContextManager[Session]],
    bank: ItemBank,
    **fields: Any,
) -> None:
    """The survey page's path: check and compute in a read session, then write in a short
    transaction (``read``/``write`` are Context.read and Context.write; ``fields`` are the
    keyword arguments of :func:`prepare`)."""
    with read() as session:
        prepared = prepare(session, bank, **fields)
    with write() as session:
        store(session, prepared, today=fields.get("today"))
