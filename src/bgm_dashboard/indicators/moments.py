"""Sufficient statistics (n, sums, sums of squares, band counts) per unit, month and indicator.

They are written in the same transaction as the responses they summarise and are the only
thing the rest of the product reads to compute figures."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import Select, Table, delete, select
from sqlalchemy.orm import Session

from bgm_dashboard.db.models import Answer, AppState, IndicatorMoment, ItemMoment, Response
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.instrument.scoring import recoded_items, recoded_one, score_frame, score_one

RESPONSES = "responses"
"""Pseudo-indicator: the number of responses (for participation)."""

KEYS = ["period", "department_id"]
IND_COLUMNS = ["period", "department_id", "indicator", "n", "s1", "s2", "b1", "b2"]
ITEM_COLUMNS = ["period", "department_id", "scale", "item", "n", "s1", "s2"]
TOTAL = "_total"
RAW_DELETED_KEY = "retention_raw_deleted_months"
"""AppState key: the months whose raw answers retention deleted (a JSON list)."""


def _groups(meta: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Group number of every row (by period and unit) and the keys of each group."""
    keys = meta[KEYS].reset_index(drop=True)
    group = keys.groupby(KEYS, sort=False).ngroup().to_numpy()
    _, first = np.unique(group, return_index=True)
    return group, keys.iloc[first].reset_index(drop=True)


def _sums(
    group: np.ndarray, size: int, values: np.ndarray, has: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group: count, sum and sum of squares of ``values`` where ``has``."""
    x = np.where(has, values, 0.0)
    n = np.bincount(group, weights=has.astype(np.float64), minlength=size)
    s1 = np.bincount(group, weights=x, minlength=size)
    s2 = np.bincount(group, weights=x * x, minlength=size)
    return n.astype(np.int64), s1, s2


def _assemble(
    keys: pd.DataFrame, rows: list[np.ndarray], columns: dict[str, list[np.ndarray]]
) -> pd.DataFrame:
    """One frame from the pieces: ``rows`` index the groups in ``keys``; ``columns`` hold
    the matching values, piece by piece."""
    index = np.concatenate(rows)
    data: dict[str, np.ndarray] = {k: keys[k].to_numpy()[index] for k in KEYS}
    data.update({name: np.concatenate(parts) for name, parts in columns.items()})
    return pd.DataFrame(data)


def indicator_moments(meta: pd.DataFrame, scores: pd.DataFrame, bank: ItemBank) -> pd.DataFrame:
    """Moments of every indicator for each (period, department_id) group of ``meta``."""
    group, keys = _groups(meta)
    size = len(keys)
    everyone = np.arange(size)
    zero = np.zeros(size, dtype=np.int64)
    rows = [everyone]
    columns: dict[str, list[np.ndarray]] = {
        "indicator": [np.full(size, RESPONSES, dtype=object)],
        "n": [np.bincount(group, minlength=size).astype(np.int64)],
        "s1": [np.zeros(size)],
        "s2": [np.zeros(size)],
        "b1": [zero],
        "b2": [zero],
    }
    for scale in bank.scales:
        values = scores[scale.code].to_numpy(dtype=np.float64)
        has = ~np.isnan(values)
        if not has.any():
            continue
        n, s1, s2 = _sums(group, size, values, has)
        if scale.kind == "who5" and len(scale.bands) == 2:
            band1, band2 = has & (values <= scale.bands[0]), has & (values <= scale.bands[1])
        elif scale.kind == "nps":
            band1, band2 = has & (values == 100.0), has & (values == -100.0)
        else:
            band1 = band2 = np.zeros(len(values), dtype=bool)
        b1 = np.bincount(group[band1], minlength=size).astype(np.int64)
        b2 = np.bincount(group[band2], minlength=size).astype(np.int64)
        some = n > 0
        rows.append(everyone[some])
        columns["indicator"].append(np.full(int(some.sum()), scale.code, dtype=object))
        for name, values_ in (("n", n), ("s1", s1), ("s2", s2), ("b1", b1), ("b2", b2)):
            columns[name].append(values_[some])
    return _assemble(keys, rows, columns)[IND_COLUMNS]


def item_moments(meta: pd.DataFrame, answers: pd.DataFrame, bank: ItemBank) -> pd.DataFrame:
    """Item sums over the complete cases of each multi-item scale (for Cronbach's alpha)."""
    group, keys = _groups(meta)
    size = len(keys)
    everyone = np.arange(size)
    answers = answers.reset_index(drop=True)
    rows: list[np.ndarray] = []
    columns: dict[str, list[np.ndarray]] = {"scale": [], "item": [], "n": [], "s1": [], "s2": []}
    for scale in bank.scales:
        if not scale.has_reliability:
            continue
        items = recoded_items(answers, scale).to_numpy(dtype=np.float64)
        complete = ~np.isnan(items).any(axis=1)
        if not complete.any():
            continue
        matrix = np.column_stack([items, items.sum(axis=1)])
        for j, column in enumerate([*scale.item_codes, TOTAL]):
            n, s1, s2 = _sums(group, size, matrix[:, j], complete)
            some = n > 0
            count = int(some.sum())
            rows.append(everyone[some])
            columns["scale"].append(np.full(count, scale.code, dtype=object))
            columns["item"].append(np.full(count, column, dtype=object))
            for name, values in (("n", n), ("s1", s1), ("s2", s2)):
                columns[name].append(values[some])
    if not rows:
        return pd.DataFrame(columns=ITEM_COLUMNS)
    return _assemble(keys, rows, columns)[ITEM_COLUMNS]


Record = tuple[Any, ...]


def _upsert_add(
    session: Session,
    table: Table,
    columns: Sequence[str],
    records: Sequence[Record],
    keys: Sequence[str],
) -> None:
    if not records:
        return
    additive = [c for c in columns if c not in keys]
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql":
        # one statement for the whole batch: the columns travel as arrays
        arrays = ", ".join(f"%s::{table.c[c].type.compile(dialect)}[]" for c in columns)
        sql = (
            f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays}) "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
            + ", ".join(f"{c} = {table.name}.{c} + EXCLUDED.{c}" for c in additive)
        )
        arrays_of = tuple(list(column) for column in zip(*records, strict=True))
        session.connection().exec_driver_sql(sql, arrays_of)
        return
    # SQLite: one prepared upsert run for every row by the driver (executemany), without
    # SQLAlchemy's per-row parameter processing (the values are plain ints, floats and str)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
        + ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in additive)
    )
    session.connection().exec_driver_sql(sql, list(records))


def _records(rows: pd.DataFrame) -> list[Record]:
    """A frame's rows as plain Python tuples (numbers as int and float, not numpy scalars)."""
    return list(zip(*(rows[c].tolist() for c in rows.columns), strict=True))


def add_moments(session: Session, indicators: pd.DataFrame, items: pd.DataFrame) -> None:
    """Add a batch's moments to the stored ones (atomic upsert, safe under concurrency)."""
    add_moment_records(session, _records(indicators), _records(items))


def add_moment_records(
    session: Session, indicators: Sequence[Record], items: Sequence[Record]
) -> None:
    """Add moments given as tuples in the order of IND_COLUMNS and ITEM_COLUMNS."""
    indicator_table = cast(Table, IndicatorMoment.__table__)
    item_table = cast(Table, ItemMoment.__table__)
    _upsert_add(
        session, indicator_table, IND_COLUMNS, indicators, ["period", "department_id", "indicator"]
    )
    _upsert_add(
        session, item_table, ITEM_COLUMNS, items, ["period", "department_id", "scale", "item"]
    )


def moments_for_batch(
    meta: pd.DataFrame, answers: pd.DataFrame, bank: ItemBank
) -> tuple[pd.DataFrame, pd.DataFrame]:
    scores = score_frame(answers, bank)
    return indicator_moments(meta, scores, bank), item_moments(meta, answers, bank)


def moments_for_one(
    period: str, department_id: int, answers: Mapping[str, int | None], bank: ItemBank
) -> tuple[list[Record], list[Record]]:
    """The moments of a single response, as :func:`moments_for_batch` computes them for a
    batch of one, in plain Python (microseconds instead of pandas' tens of milliseconds, so
    the survey computes them before it takes the write lock)."""
    key = (period, department_id)
    indicators: list[Record] = [(*key, RESPONSES, 1, 0.0, 0.0, 0, 0)]
    scores = score_one(answers, bank)
    for scale in bank.scales:
        value = scores.get(scale.code)
        if value is None:
            continue
        if scale.kind == "who5" and len(scale.bands) == 2:
            b1, b2 = int(value <= scale.bands[0]), int(value <= scale.bands[1])
        elif scale.kind == "nps":
            b1, b2 = int(value == 100.0), int(value == -100.0)
        else:
            b1 = b2 = 0
        indicators.append((*key, scale.code, 1, value, value * value, b1, b2))
    items: list[Record] = []
    for scale in bank.scales:
        if not scale.has_reliability:
            continue
        recoded = recoded_one(answers, scale)
        if any(v is None for v in recoded):
            continue
        values = [float(v) for v in recoded if v is not None]
        for code, value in zip(
            [*scale.item_codes, TOTAL], [*values, math.fsum(values)], strict=True
        ):
            items.append((*key, scale.code, code, 1, value, value * value))
    return indicators, items


def remove_moments(session: Session, periods: Sequence[str]) -> None:
    """Delete every moment of the given months (when their answers are removed)."""
    session.execute(delete(IndicatorMoment).where(IndicatorMoment.period.in_(list(periods))))
    session.execute(delete(ItemMoment).where(ItemMoment.period.in_(list(periods))))


def stored_answers(session: Session, periods: Sequence[str] | None = None) -> pd.DataFrame:
    """Raw answers, one row per response (wide). Only for rebuilding and checking moments:
    pages never call this."""
    query = select(
        Response.id, Response.period, Response.department_id, Answer.item_code, Answer.value
    )
    query = query.join(Answer, Answer.response_id == Response.id)
    if periods is not None:
        query = query.where(Response.period.in_(list(periods)))
    long = pd.DataFrame(
        session.execute(query).all(), columns=["id", "period", "department_id", "item", "value"]
    )
    if long.empty:
        return pd.DataFrame(columns=["id", "period", "department_id"])
    wide = long.pivot_table(
        index=["id", "period", "department_id"], columns="item", values="value", aggfunc="first"
    ).reset_index()
    wide.columns.name = None
    return wide


def raw_deleted_periods(session: Session) -> set[str]:
    """Months whose raw answers retention deleted: their moments are all that is left."""
    found = session.scalar(select(AppState.value).where(AppState.key == RAW_DELETED_KEY))
    return set(json.loads(found)) if found else set()


def mark_raw_deleted(session: Session, periods: Sequence[str]) -> None:
    """Note months whose raw answers were deleted (``rebuild_moments`` then keeps them)."""
    months = sorted(raw_deleted_periods(session) | set(periods))
    session.merge(AppState(key=RAW_DELETED_KEY, value=json.dumps(months)))


def rebuild_moments(session: Session, bank: ItemBank) -> None:
    """Recompute every stored moment from the raw answers (a repair and a consistency check).
    Months whose raw answers retention deleted keep their moments: nothing could rebuild them."""
    kept = sorted(raw_deleted_periods(session))
    session.query(IndicatorMoment).filter(IndicatorMoment.period.not_in(kept)).delete()
    session.query(ItemMoment).filter(ItemMoment.period.not_in(kept)).delete()
    wide = stored_answers(session)
    wide = wide[~wide["period"].isin(kept)]
    if wide.empty:
        return
    answers = wide.drop(columns=["id", "period", "department_id"]).astype("float64")
    ind, items = moments_for_batch(wide[KEYS], answers, bank)
    add_moments(session, ind, items)


def _frame(session: Session, query: Select[Any], columns: list[str]) -> pd.DataFrame:
    """Rows of a query as a DataFrame (plain tuples: pandas reads them far faster than rows)."""
    return pd.DataFrame([tuple(row) for row in session.execute(query)], columns=columns)


def load_indicator_moments(session: Session, periods: Sequence[str]) -> pd.DataFrame:
    """Stored moments of the given months (long format)."""
    table = IndicatorMoment.__table__
    query = select(*[table.c[c] for c in IND_COLUMNS]).where(table.c.period.in_(list(periods)))
    return _frame(session, query, IND_COLUMNS)


def load_item_moments(session: Session, periods: Sequence[str]) -> pd.DataFrame:
    table = ItemMoment.__table__
    query = select(*[table.c[c] for c in ITEM_COLUMNS]).where(table.c.period.in_(list(periods)))
    return _frame(session, query, ITEM_COLUMNS)
