"""The one way answers enter the system: checked, stored once (random ids, month only,
comments apart), and added to the aggregates in the same transaction."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bgm_dashboard.db.models import Answer, Comment, Department, Response, Wave
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.indicators.moments import add_moments, moments_for_batch
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.survey.waves import ACCESS_TOKENS, OPEN, spend_token

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
    return comment


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
    ids = [uuid.uuid4() for _ in range(count)]
    session.execute(
        insert(Response),
        [
            {"id": rid, "wave_id": int(w), "department_id": int(d), "period": p}
            for rid, w, d, p in zip(
                ids, meta["wave_id"], meta["department_id"], meta["period"], strict=True
            )
        ],
    )
    values = answers.to_numpy()
    rows, cols = np.nonzero(~np.isnan(values))
    codes = list(answers.columns)
    session.execute(
        insert(Answer),
        [
            {"response_id": ids[r], "item_code": codes[c], "value": int(values[r, c])}
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
        ],
    )
    if comments:
        shuffled = list(comments)
        random.SystemRandom().shuffle(shuffled)
        session.execute(
            insert(Comment),
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


def submit(
    session: Session,
    bank: ItemBank,
    *,
    wave_id: int,
    department_code: str,
    answers: Mapping[str, object],
    comment: str | None = None,
    token: str | None = None,
    today: date | None = None,
) -> None:
    """Store one response from the survey page, all or nothing, in the caller's transaction."""
    today = today or date.today()
    wave = session.get(Wave, wave_id)
    if (
        wave is None
        or wave.status != OPEN
        or (wave.closes_on is not None and wave.closes_on < today)
    ):
        raise ValidationError("survey.wave_closed")
    department = session.scalar(
        select(Department).where(Department.code == department_code, Department.active.is_(True))
    )
    if department is None:
        raise ValidationError("survey.unknown_department")
    clean = validate_answers(bank, wave.indicators, answers)
    text = clean_comment(comment)
    if wave.access == ACCESS_TOKENS:
        spend_token(session, wave, token)
    items = asked_items(bank, wave.indicators)
    frame = pd.DataFrame([[clean.get(i) for i in items]], columns=list(items), dtype="float64")
    meta = pd.DataFrame(
        {"wave_id": [wave.id], "department_id": [department.id], "period": [wave.period]}
    )
    comments = [(wave.id, department.id, wave.period, text)] if text else None
    store_batch(session, bank, meta, frame, comments)
