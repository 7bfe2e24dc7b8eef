"""Sufficient statistics (n, sums, sums of squares, band counts) per unit, month and indicator.

They are written in the same transaction as the responses they summarise and are the only
thing the rest of the product reads to compute figures."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bgm_dashboard.db.models import Answer, IndicatorMoment, ItemMoment, Response
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.instrument.scoring import recoded_items, score_frame

RESPONSES = "responses"
"""Pseudo-indicator: the number of responses (for participation)."""

KEYS = ["period", "department_id"]
IND_COLUMNS = ["period", "department_id", "indicator", "n", "s1", "s2", "b1", "b2"]
ITEM_COLUMNS = ["period", "department_id", "scale", "item", "n", "s1", "s2"]
TOTAL = "_total"


def indicator_moments(meta: pd.DataFrame, scores: pd.DataFrame, bank: ItemBank) -> pd.DataFrame:
    """Moments of every indicator for each (period, department_id) group of ``meta``."""
    frames = []
    keys = meta[KEYS].reset_index(drop=True)
    scores = scores.reset_index(drop=True)
    counted = keys.assign(_one=1).groupby(KEYS, sort=False)["_one"].sum().reset_index()
    frames.append(
        counted.rename(columns={"_one": "n"}).assign(
            indicator=RESPONSES, s1=0.0, s2=0.0, b1=0, b2=0
        )
    )
    for scale in bank.scales:
        values = scores[scale.code]
        b1 = pd.Series(0, index=values.index)
        b2 = pd.Series(0, index=values.index)
        if scale.kind == "who5" and len(scale.bands) == 2:
            b1 = (values <= scale.bands[0]).astype(int)
            b2 = (values <= scale.bands[1]).astype(int)
        elif scale.kind == "nps":
            b1 = (values == 100.0).astype(int)
            b2 = (values == -100.0).astype(int)
        part = keys.assign(
            v=values, v2=values * values, has=values.notna().astype(int), b1=b1, b2=b2
        )
        part = part[part["has"] == 1]
        if part.empty:
            continue
        grouped = part.groupby(KEYS, sort=False).agg(
            n=("has", "sum"), s1=("v", "sum"), s2=("v2", "sum"), b1=("b1", "sum"), b2=("b2", "sum")
        )
        frames.append(grouped.reset_index().assign(indicator=scale.code))
    out = pd.concat(frames, ignore_index=True)
    return out[IND_COLUMNS]


def item_moments(meta: pd.DataFrame, answers: pd.DataFrame, bank: ItemBank) -> pd.DataFrame:
    """Item sums over the complete cases of each multi-item scale (for Cronbach's alpha)."""
    keys = meta[KEYS].reset_index(drop=True)
    answers = answers.reset_index(drop=True)
    frames = []
    for scale in bank.scales:
        if not scale.has_reliability:
            continue
        items = recoded_items(answers, scale)
        complete = items.notna().all(axis=1)
        if not complete.any():
            continue
        items = items[complete].copy()
        items[TOTAL] = items.sum(axis=1)
        base = keys[complete]
        for column in items.columns:
            values = items[column]
            part = base.assign(v=values, v2=values * values, one=1)
            grouped = part.groupby(KEYS, sort=False).agg(
                n=("one", "sum"), s1=("v", "sum"), s2=("v2", "sum")
            )
            frames.append(grouped.reset_index().assign(scale=scale.code, item=column))
    if not frames:
        return pd.DataFrame(columns=ITEM_COLUMNS)
    return pd.concat(frames, ignore_index=True)[ITEM_COLUMNS]


def _upsert_add(session: Session, table: Table, rows: pd.DataFrame, keys: Sequence[str]) -> None:
    if rows.empty:
        return
    records = [
        {k: (v.item() if isinstance(v, np.generic) else v) for k, v in rec.items()}
        for rec in rows.to_dict("records")
    ]
    dialect = session.get_bind().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    stmt = insert(table)
    additive = [c for c in rows.columns if c not in keys]
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={c: table.c[c] + stmt.excluded[c] for c in additive},
    )
    session.execute(stmt, records)


def add_moments(session: Session, indicators: pd.DataFrame, items: pd.DataFrame) -> None:
    """Add a batch's moments to the stored ones (atomic upsert, safe under concurrency)."""
    _upsert_add(
        session, IndicatorMoment.__table__, indicators, ["period", "department_id", "indicator"]
    )
    _upsert_add(session, ItemMoment.__table__, items, ["period", "department_id", "scale", "item"])


def moments_for_batch(
    meta: pd.DataFrame, answers: pd.DataFrame, bank: ItemBank
) -> tuple[pd.DataFrame, pd.DataFrame]:
    scores = score_frame(answers, bank)
    return indicator_moments(meta, scores, bank), item_moments(meta, answers, bank)


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


def rebuild_moments(session: Session, bank: ItemBank) -> None:
    """Recompute every stored moment from the raw answers (a repair and a consistency check)."""
    session.query(IndicatorMoment).delete()
    session.query(ItemMoment).delete()
    wide = stored_answers(session)
    if wide.empty:
        return
    answers = wide.drop(columns=["id", "period", "department_id"]).astype("float64")
    ind, items = moments_for_batch(wide[KEYS], answers, bank)
    add_moments(session, ind, items)


def load_indicator_moments(session: Session, periods: Sequence[str]) -> pd.DataFrame:
    """Stored moments of the given months (long format)."""
    table = IndicatorMoment.__table__
    query = select(*[table.c[c] for c in IND_COLUMNS]).where(table.c.period.in_(list(periods)))
    return pd.DataFrame(session.execute(query).all(), columns=IND_COLUMNS)


def load_item_moments(session: Session, periods: Sequence[str]) -> pd.DataFrame:
    table = ItemMoment.__table__
    query = select(*[table.c[c] for c in ITEM_COLUMNS]).where(table.c.period.in_(list(periods)))
    return pd.DataFrame(session.execute(query).all(), columns=ITEM_COLUMNS)
