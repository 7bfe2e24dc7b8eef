"""Imports responses from CSV (one row a response), all or nothing, through the same store
as the survey page. Every bad cell is refused with its line and column."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.db.models import Department, Wave
from bgm_dashboard.errors import RowError, ValidationError
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.periods import quarter_of
from bgm_dashboard.survey.intake import MAX_COMMENT_LENGTH, store_batch
from bgm_dashboard.survey.waves import CLOSED, OPEN, quarter_published

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
CHUNK = 20_000


def read_frame(path: Path | str) -> pd.DataFrame:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            first = handle.readline()
    except OSError:
        raise ValidationError("import.file_unreadable", path=str(path)) from None
    except UnicodeDecodeError:
        raise ValidationError("import.not_utf8", path=str(path)) from None
    if not first.strip():
        raise ValidationError("import.empty_file", path=str(path))
    sep = ";" if first.count(";") > first.count(",") else ","
    try:
        frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("import.not_utf8", path=str(path)) from None
    except pd.errors.ParserError as exc:
        raise ValidationError("import.malformed", detail=str(exc).splitlines()[0]) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _first(mask: pd.Series) -> int:
    """Position of the first True of a mask (the frame's rows are in file order)."""
    return int(np.argmax(mask.to_numpy(dtype=bool)))


def check_frame(
    session: Session, bank: ItemBank, frame: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Validate the whole file; returns (meta, answers, item codes)."""
    for column in ("period", "department"):
        if column not in frame.columns:
            raise ValidationError("import.missing_column", column=column)
    known = set(bank.item_codes)
    items = [c for c in frame.columns if c not in ("period", "department", "comment")]
    for column in items:
        if column not in known:
            raise ValidationError("import.unknown_column", column=column)
    if frame.empty:
        raise ValidationError("import.no_rows")
    line = pd.Series(np.arange(len(frame)) + 2, index=frame.index)
    period = frame["period"].str.strip()
    bad = ~period.str.match(_MONTH)
    if bad.any():
        first = _first(bad)
        raise RowError(
            int(line.iloc[first]), "period", "import.bad_period", value=period.iloc[first]
        )
    codes = dict(session.execute(select(Department.code, Department.id)).all())
    dept = frame["department"].str.strip()
    dept_id = dept.map(codes)
    if dept_id.isna().any():
        first = _first(dept_id.isna())
        raise RowError(
            int(line.iloc[first]),
            "department",
            "import.unknown_department",
            value=dept.iloc[first],
        )
    answers = {}
    for column in items:
        raw = frame[column].str.strip()
        number = pd.to_numeric(raw.where(raw != ""), errors="coerce")
        lo, hi = bank.answer_range(column)
        bad = (raw != "") & (number.isna() | (number % 1 != 0) | (number < lo) | (number > hi))
        if bad.any():
            first = _first(bad)
            raise RowError(
                int(line.iloc[first]),
                column,
                "import.bad_value",
                value=raw.iloc[first],
                low=lo,
                high=hi,
            )
        answers[column] = number.astype("float64")
    answer_frame = pd.DataFrame(answers, index=frame.index)
    empty = answer_frame.isna().all(axis=1) if items else pd.Series(True, index=frame.index)
    if empty.any():
        raise ValidationError("import.empty_row", row=int(line.iloc[_first(empty)]))
    if "comment" in frame.columns:
        long = frame["comment"].str.len() > MAX_COMMENT_LENGTH
        if long.any():
            raise RowError(
                int(line.iloc[_first(long)]),
                "comment",
                "import.comment_too_long",
                limit=MAX_COMMENT_LENGTH,
            )
    meta = pd.DataFrame({"period": period, "department_id": dept_id.astype(int)})
    return meta, answer_frame, items


def import_responses(session: Session, bank: ItemBank, path: Path | str) -> int:
    """Import a responses file into the waves of its months. Months whose wave is already
    closed are refused (a closed wave is final); missing waves are created closed."""
    frame = read_frame(path)
    meta, answers, items = check_frame(session, bank, frame)
    asked = list(bank.scales_for_items(set(items)))
    waves: dict[str, Wave] = {}
    for period in sorted(meta["period"].unique()):
        if quarter_published(session, quarter_of(period)):
            raise ValidationError(
                "import.quarter_published", period=period, quarter=quarter_of(period)
            )
        wave = session.scalar(select(Wave).where(Wave.period == period))
        if wave is not None and wave.status == CLOSED:
            raise ValidationError("import.period_closed", period=period)
        if wave is None:
            wave = Wave(
                period=period,
                title="",
                status=CLOSED,
                access="link",
                indicators=asked,
                tokens_issued=0,
            )
            session.add(wave)
        elif wave.status == OPEN:
            wave.indicators = [
                c for c in bank.indicator_codes if c in set(wave.indicators) | set(asked)
            ]
        waves[period] = wave
    session.flush()
    meta = meta.assign(wave_id=meta["period"].map({p: w.id for p, w in waves.items()}))
    comments: list[tuple[int, int, str, str]] = []
    if "comment" in frame.columns:
        text = frame["comment"].str.strip()
        has = (text != "").to_numpy()
        comments = [
            (int(w), int(d), str(p), str(c))
            for w, d, p, c in zip(
                meta["wave_id"].to_numpy()[has].tolist(),
                meta["department_id"].to_numpy()[has].tolist(),
                meta["period"].to_numpy()[has].tolist(),
                text.to_numpy()[has].tolist(),
                strict=True,
            )
        ]
    for start in range(0, len(meta), CHUNK):
        store_batch(
            session,
            bank,
            meta.iloc[start : start + CHUNK],
            answers.iloc[start : start + CHUNK],
            comments if start == 0 else None,
        )
    return len(meta)
