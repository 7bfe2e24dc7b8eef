"""Imports responses from CSV (one row a response), all or nothing, through the same store
as the survey page. Every bad cell is refused with its line and column."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from bgm_dashboard.csvfiles import read_table
from bgm_dashboard.db.models import Answer, Comment, Department, Response, Wave
from bgm_dashboard.errors import RowError, ValidationError
from bgm_dashboard.indicators.moments import remove_moments
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.periods import month_of, quarter_of
from bgm_dashboard.survey.intake import MAX_COMMENT_LENGTH, store_batch
from bgm_dashboard.survey.waves import (
    CLOSED,
    IMPORTING,
    OPEN,
    lock_wave,
    quarter_published,
    wave_for_period,
)

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
CHUNK = 20_000
"""Rows stored per statement group by the single-transaction import."""
BATCH = 20_000
"""Most rows per transaction of the batched import."""
FIRST_SQLITE_BATCH = 1_000
MIN_BATCH = 200
LOCK_HOLD_S = 0.25
"""SQLite: batches are sized to hold the write lock about this long (the survey waits)."""
YIELD_S = 0.12
"""Pause after each batch on SQLite (longer than the longest poll of SQLite's busy handler)."""


def read_frame(path: Path | str) -> tuple[pd.DataFrame, np.ndarray]:
    """The file's cells as strings and each record's physical first line."""
    table = read_table(path)
    frame = pd.DataFrame(table.columns, columns=table.header, dtype=object)
    return frame, np.asarray(table.lines, dtype=np.int64)


def _first(mask: pd.Series) -> int:
    """Position of the first True of a mask (the frame's rows are in file order)."""
    return int(np.argmax(mask.to_numpy(dtype=bool)))


def check_frame(
    session: Session,
    bank: ItemBank,
    frame: pd.DataFrame,
    lines: np.ndarray | None = None,
    today: date | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Validate the whole file; returns (meta, answers, item codes). ``lines``: the physical
    line of each row (default: one line per row after the header)."""
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
    if lines is None:
        lines = np.arange(len(frame)) + 2
    line = pd.Series(lines, index=frame.index)
    period = frame["period"].str.strip()
    bad = ~period.str.match(_MONTH)
    if bad.any():
        first = _first(bad)
        raise RowError(
            int(line.iloc[first]), "period", "import.bad_period", value=period.iloc[first][:40]
        )
    this_month = month_of(today or date.today())
    future = period > this_month
    if future.any():
        first = _first(future)
        raise RowError(
            int(line.iloc[first]),
            "period",
            "import.future_period",
            value=period.iloc[first],
            current=this_month,
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
            value=dept.iloc[first][:40],
        )
    answers: dict[str, pd.Series] = {}
    for column in items:
        lo, hi = bank.answer_range(column)
        # fast path: cells written as plain integers (or empty) are looked up, not parsed
        lookup = {str(v): float(v) for v in range(lo, hi + 1)}
        cells = frame[column]
        number = cells.map(lookup)
        if not (number.isna() & (cells != "")).any():
            answers[column] = number.astype("float64")
            continue
        raw = cells.str.strip()
        number = pd.to_numeric(raw.where(raw != ""), errors="coerce")
        bad = (raw != "") & (number.isna() | (number % 1 != 0) | (number < lo) | (number > hi))
        if bad.any():
            first = _first(bad)
            raise RowError(
                int(line.iloc[first]),
                column,
                "import.bad_value",
                value=raw.iloc[first][:40],
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


@dataclass(frozen=True)
class ImportPlan:
    """A checked responses file, ready to write: nothing of it is stored yet."""

    meta: pd.DataFrame
    """period, department_id per row (file order)."""
    answers: pd.DataFrame
    comments: pd.Series
    """Stripped comment per row ("" for none)."""
    asked: list[str]
    new_periods: list[str]
    """Months without a wave: the import creates it (closed when the import is done)."""
    open_periods: list[str]
    """Months whose wave is open: the answers are added to it."""


def plan_import(
    session: Session, bank: ItemBank, path: Path | str, *, today: date | None = None
) -> ImportPlan:
    """Read and check the whole file against the database; raises on the first defect."""
    frame, lines = read_frame(path)
    meta, answers, items = check_frame(session, bank, frame, lines, today)
    asked = list(bank.scales_for_items(set(items)))
    new_periods: list[str] = []
    open_periods: list[str] = []
    for period in sorted(meta["period"].unique()):
        _check_period(session, period)
        if wave_for_period(session, period) is None:
            new_periods.append(period)
        else:
            open_periods.append(period)
    comments = (
        frame["comment"].str.strip()
        if "comment" in frame.columns
        else pd.Series("", index=frame.index, dtype=object)
    )
    return ImportPlan(meta, answers, comments, asked, new_periods, open_periods)


def _check_period(session: Session, period: str) -> Wave | None:
    """A month's wave if it may take imported answers (none yet, or open); raises otherwise."""
    if quarter_published(session, quarter_of(period)):
        raise ValidationError("import.quarter_published", period=period, quarter=quarter_of(period))
    wave = wave_for_period(session, period)
    if wave is not None and wave.status == IMPORTING:
        raise ValidationError("import.period_importing", period=period)
    if wave is not None and wave.status != OPEN:
        raise ValidationError("import.period_closed", period=period)
    return wave


def _store_rows(
    session: Session, bank: ItemBank, plan: ImportPlan, rows: np.ndarray, wave_ids: dict[str, int]
) -> None:
    """Store the given rows of the plan (positions in file order) in the caller's transaction."""
    meta = plan.meta.iloc[rows]
    meta = meta.assign(wave_id=meta["period"].map(wave_ids))
    text = plan.comments.iloc[rows].to_numpy()
    has = text != ""
    comments = [
        (int(w), int(d), str(p), str(c))
        for w, d, p, c in zip(
            meta["wave_id"].to_numpy()[has].tolist(),
            meta["department_id"].to_numpy()[has].tolist(),
            meta["period"].to_numpy()[has].tolist(),
            text[has].tolist(),
            strict=True,
        )
    ]
    store_batch(session, bank, meta, plan.answers.iloc[rows], comments)


def _widen_indicators(session: Session, bank: ItemBank, plan: ImportPlan) -> dict[str, int]:
    """Lock the open waves the file adds to (refusing if one was closed meanwhile) and let
    them ask what the file answers; returns their ids."""
    ids = {}
    for period in plan.open_periods:
        wave = _check_period(session, period)
        if wave is None:
            raise ValidationError("import.period_closed", period=period)
        wave = lock_wave(session, wave.id, shared=True)
        if wave is None or wave.status != OPEN:
            raise ValidationError("import.period_closed", period=period)
        wave.indicators = [
            c for c in bank.indicator_codes if c in set(wave.indicators) | set(plan.asked)
        ]
        ids[period] = wave.id
    return ids


def import_responses(
    session: Session, bank: ItemBank, path: Path | str, *, today: date | None = None
) -> int:
    """Import a responses file in the caller's transaction (all or nothing). Months whose
    wave is closed are refused (a closed wave is final); missing waves are created closed."""
    plan = plan_import(session, bank, path, today=today)
    wave_ids = _widen_indicators(session, bank, plan)
    new = {period: _new_wave(session, plan, period, CLOSED) for period in plan.new_periods}
    session.flush()
    wave_ids |= {period: wave.id for period, wave in new.items()}
    everything = np.arange(len(plan.meta))
    for start in range(0, len(everything), CHUNK):
        _store_rows(session, bank, plan, everything[start : start + CHUNK], wave_ids)
    return len(plan.meta)


def _new_wave(session: Session, plan: ImportPlan, period: str, status: str) -> Wave:
    wave = Wave(
        period=period,
        title="",
        status=status,
        access="link",
        indicators=plan.asked,
        tokens_issued=0,
    )
    session.add(wave)
    return wave


def import_responses_in_batches(
    read: Callable[[], AbstractContextManager[Session]],
    write: Callable[[], AbstractContextManager[Session]],
    bank: ItemBank,
    path: Path | str,
    *,
    batch: int = BATCH,
    today: date | None = None,
) -> int:
    """Import a large file without shutting the survey out: the whole file is checked first
    (a refused file stores nothing); then the months the file brings in are written batch by
    batch, each in its own short transaction, into waves marked "importing" (neither open for
    answers nor counted by a publication); the last transaction adds the rows for open waves
    and closes the new waves. If anything fails after the first batch, what was written is
    removed again (compensation), so a failed import leaves nothing behind."""
    with read() as session:
        plan = plan_import(session, bank, path, today=today)
    new_rows = np.flatnonzero(plan.meta["period"].isin(plan.new_periods).to_numpy())
    open_rows = np.flatnonzero(~plan.meta["period"].isin(plan.new_periods).to_numpy())
    created: dict[str, int] = {}  # only waves whose creation was committed are compensated
    with write() as session:
        making: dict[str, Wave] = {}
        for period in plan.new_periods:
            if _check_period(session, period) is not None:
                raise ValidationError("import.period_changed", period=period)
            making[period] = _new_wave(session, plan, period, IMPORTING)
        session.flush()
        ids = {period: wave.id for period, wave in making.items()}
    created.update(ids)
    try:
        _write_batches(write, bank, plan, new_rows, created, batch)
        with write() as session:
            wave_ids = _widen_indicators(session, bank, plan) | created
            for start in range(0, len(open_rows), batch):
                _store_rows(session, bank, plan, open_rows[start : start + batch], wave_ids)
            for wave in session.scalars(select(Wave).where(Wave.id.in_(list(created.values())))):
                wave.status = CLOSED
    except BaseException:
        if created:
            with write() as session:
                remove_waves(session, list(created.values()))
        raise
    return len(plan.meta)


def _write_batches(
    write: Callable[[], AbstractContextManager[Session]],
    bank: ItemBank,
    plan: ImportPlan,
    rows: np.ndarray,
    wave_ids: dict[str, int],
    most: int,
) -> None:
    """Store ``rows`` in transactions of at most ``most`` rows. On SQLite (one lock for the
    whole database) each batch is sized to hold the lock about LOCK_HOLD_S, and the import
    pauses after it: SQLite's lock is not fair, and a writer waiting in busy_timeout polls
    only every few to 100 ms, so an import that began its next batch at once would take the
    lock again before any survey answer (tested)."""
    size, start = most, 0
    while start < len(rows):
        began = time.perf_counter()
        with write() as session, _large_cache(session):
            sqlite = session.get_bind().dialect.name == "sqlite"
            if sqlite and start == 0:
                size = min(most, FIRST_SQLITE_BATCH)
            _store_rows(session, bank, plan, rows[start : start + size], wave_ids)
        start += size
        if sqlite:
            took = max(time.perf_counter() - began, 1e-3)
            size = min(most, max(MIN_BATCH, int(size * LOCK_HOLD_S / took)))
            time.sleep(YIELD_S)


@contextmanager
def _large_cache(session: Session) -> Iterator[None]:
    """SQLite: a page cache of 256 MB while a batch is written (rows land all over the
    answers' B-tree; the default 2 MB cache re-reads pages again and again), then back to
    the default so that the pooled connection gives the memory back."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    session.execute(text("PRAGMA cache_size=-262144"))
    try:
        yield
    finally:
        session.execute(text("PRAGMA cache_size=-2000"))


def remove_unfinished(session: Session) -> list[str]:
    """Remove the waves an interrupted import left in status "importing" (a killed process
    cannot compensate), with their answers; returns their months. Run only while no import
    is running: such waves are never published and refuse a new import of their month."""
    waves = list(session.scalars(select(Wave).where(Wave.status == IMPORTING)))
    periods = sorted(w.period for w in waves)
    if waves:
        remove_waves(session, [w.id for w in waves])
    return periods


def remove_waves(session: Session, wave_ids: list[int]) -> None:
    """Delete waves with every answer, comment and moment of their months (compensation of
    an import that failed half-way: those months held nothing else)."""
    periods = list(session.scalars(select(Wave.period).where(Wave.id.in_(wave_ids))))
    responses = select(Response.id).where(Response.wave_id.in_(wave_ids))
    session.execute(delete(Answer).where(Answer.response_id.in_(responses)))
    session.execute(delete(Response).where(Response.wave_id.in_(wave_ids)))
    session.execute(delete(Comment).where(Comment.wave_id.in_(wave_ids)))
    remove_moments(session, periods)
    session.execute(delete(Wave).where(Wave.id.in_(wave_ids)))
