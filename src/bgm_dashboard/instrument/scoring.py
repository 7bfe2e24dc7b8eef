"""Scores responses: one row of item answers in, one score per indicator out (NaN = no score)."""

from __future__ import annotations

import math
from collections.abc import Mapping

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


def recoded_one(answers: Mapping[str, int | None], scale: Scale) -> list[float | None]:
    """One response's answers to a scale, reverse-coded items flipped (as recoded_items)."""
    assert scale.answer_scale is not None
    lo, hi = scale.answer_scale.min, scale.answer_scale.max
    out: list[float | None] = []
    for item in scale.items:
        value = answers.get(item.code)
        out.append(None if value is None else float(lo + hi - value if item.reverse else value))
    return out


def _mean(values: list[float]) -> float:
    return math.fsum(values) / len(values)


def _score_scale_one(answers: Mapping[str, int | None], scale: Scale) -> float | None:
    """One response's score on a non-composite scale (the rules of score_scale)."""
    items = recoded_one(answers, scale)
    given = [v for v in items if v is not None]
    if scale.kind == "who5":
        return math.fsum(given) * 4.0 if len(given) == len(scale.items) else None
    if scale.kind == "mean":
        return _mean(given) if given and len(given) >= scale.min_answered else None
    if scale.kind == "percent":
        assert scale.answer_scale is not None
        lo, hi = scale.answer_scale.min, scale.answer_scale.max
        if not given or len(given) < half_of(len(scale.items)):
            return None
        return _mean([(v - lo) / (hi - lo) * 100.0 for v in given])
    if scale.kind == "nps":
        value = items[0]
        if value is None:
            return None
        return 100.0 if value >= NPS_PROMOTER else -100.0 if value <= NPS_DETRACTOR_MAX else 0.0
    raise ValueError(f"scale {scale.code}: kind {scale.kind} is not scored from items")


def score_one(answers: Mapping[str, int | None], bank: ItemBank) -> dict[str, float | None]:
    """Scores of a single response by the rules of :func:`score_frame`, in plain Python:
    the survey computes them in microseconds, before it takes the database's write lock
    (tests/test_intake_concurrency.py holds the two functions equal)."""
    scores: dict[str, float | None] = {}
    for scale in bank.scales:
        if scale.kind != "composite":
            scores[scale.code] = _score_scale_one(answers, scale)
    for scale in bank.scales:
        if scale.kind == "composite":
            # as score_frame: only with every component (docs/anonymity.md, composites)
            parts = [p for p in (scores[c] for c in scale.of) if p is not None]
            complete = len(parts) == len(scale.of)
            scores[scale.code] = _mean(parts) if complete else None
    return scores
