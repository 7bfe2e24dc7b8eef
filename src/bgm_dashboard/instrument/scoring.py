"""Scores responses: one row of item answers in, one score per indicator out (NaN = no score)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from bgm_dashboard.instrument.bank import ItemBank, Scale

NPS_PROMOTER = 9
NPS_DETRACTOR_MAX = 6


def recoded_items(answers: pd.DataFrame, scale: Scale) -> pd.DataFrame:
    """The scale's item answers with reverse-coded items flipped; missing columns are NaN."""
    assert scale.answer_scale is not None
    lo, hi = scale.answer_scale.min, scale.answer_scale.max
    columns = {}
    for item in scale.items:
        if item.code in answers.columns:
            values = pd.to_numeric(answers[item.code], errors="coerce").astype("float64")
        else:
            values = pd.Series(np.nan, index=answers.index, dtype="float64")
        columns[item.code] = (lo + hi - values) if item.reverse else values
    return pd.DataFrame(columns, index=answers.index)


def half_of(count: int) -> int:
    """'At least half of the items': 2 of 3, 1 of 2, 4 of 7."""
    return math.ceil(count / 2)


def score_scale(answers: pd.DataFrame, scale: Scale) -> pd.Series:
    """Scores of one non-composite scale for every row."""
    items = recoded_items(answers, scale)
    answered = items.notna().sum(axis=1)
    if scale.kind == "who5":
        score = items.sum(axis=1, min_count=len(scale.items)) * 4.0
        return score.where(answered == len(scale.items))
    if scale.kind == "mean":
        return items.mean(axis=1).where(answered >= scale.min_answered)
    if scale.kind == "percent":
        assert scale.answer_scale is not None
        lo, hi = scale.answer_scale.min, scale.answer_scale.max
        rescaled = (items - lo) / (hi - lo) * 100.0
        return rescaled.mean(axis=1).where(answered >= half_of(len(scale.items)))
    if scale.kind == "nps":
        value = items.iloc[:, 0]
        coded = np.select(
            [value >= NPS_PROMOTER, value <= NPS_DETRACTOR_MAX], [100.0, -100.0], default=0.0
        )
        return pd.Series(coded, index=answers.index).where(value.notna())
    raise ValueError(f"scale {scale.code}: kind {scale.kind} is not scored from items")


def score_frame(answers: pd.DataFrame, bank: ItemBank) -> pd.DataFrame:
    """One column per indicator of the bank; NaN where a response has no score."""
    scores: dict[str, pd.Series] = {}
    for scale in bank.scales:
        if scale.kind != "composite":
            scores[scale.code] = score_scale(answers, scale)
    for scale in bank.scales:
        if scale.kind == "composite":
            # scored only with every component: then a cell's composite covers exactly
            # the people of its components whenever the counts agree (docs/anonymity.md)
            parts = pd.DataFrame({code: scores[code] for code in scale.of})
            complete = parts.notna().all(axis=1)
            scores[scale.code] = parts.mean(axis=1).where(complete)
    return pd.DataFrame(scores, index=answers.index)


def score_one(answers: dict[str, int | None], bank: ItemBank) -> dict[str, float | None]:
    """Scores of a single response (the same rules as :func:`score_frame`)."""
    frame = pd.DataFrame([{k: (np.nan if v is None else v) for k, v in answers.items()}])
    row = score_frame(frame, bank).iloc[0]
    return {str(code): (None if pd.isna(value) else float(value)) for code, value in row.items()}
