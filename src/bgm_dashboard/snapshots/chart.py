"""The geometry of a quarterly trend chart (shared by the PDF and the HTML report): values
and their 95 % band mapped into a unit box, with the axis ticks."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Series:
    """One indicator over the snapshot's quarters; None where the value was not shown."""

    title: str
    periods: tuple[str, ...]
    labels: tuple[str, ...]
    values: tuple[float | None, ...]
    low: tuple[float | None, ...]
    high: tuple[float | None, ...]
    value_range: tuple[float, float]
    digits: int


@dataclass(frozen=True)
class Geometry:
    """Coordinates in [0, 1] x [0, 1] (y = 0 at the bottom)."""

    xs: tuple[float, ...]
    points: tuple[tuple[float, float] | None, ...]
    band: tuple[tuple[float, float], ...]
    ticks: tuple[tuple[float, float], ...]  # (value, y)


def _nice_step(span: float) -> float:
    raw = span / 4
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def geometry(series: Series) -> Geometry:
    """Map values into the unit box. The y axis spans the shown values and their bands,
    padded, never beyond the indicator's possible range."""
    count = len(series.periods)
    xs = tuple((i + 0.5) / count for i in range(count)) if count else ()
    known = [v for v in (*series.values, *series.low, *series.high) if v is not None]
    lo_range, hi_range = series.value_range
    if known:
        lo, hi = min(known), max(known)
        pad = max((hi - lo) * 0.15, (hi_range - lo_range) * 0.05)
        lo, hi = max(lo_range, lo - pad), min(hi_range, hi + pad)
    else:
        lo, hi = lo_range, hi_range
    step = _nice_step(hi - lo)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    lo, hi = max(lo, lo_range), min(hi, hi_range)

    def y(value: float) -> float:
        return (value - lo) / (hi - lo) if hi > lo else 0.5

    points = tuple(None if v is None else (x, y(v)) for x, v in zip(xs, series.values, strict=True))
    upper = [
        (x, y(h))
        for x, h, lw in zip(xs, series.high, series.low, strict=True)
        if h is not None and lw is not None
    ]
    lower = [
        (x, y(lw))
        for x, h, lw in zip(xs, series.high, series.low, strict=True)
        if h is not None and lw is not None
    ]
    band = tuple(upper + lower[::-1]) if len(upper) > 1 else ()
    ticks = []
    value = lo
    while value <= hi + step / 1000:
        ticks.append((value, y(value)))
        value += step
    return Geometry(xs=xs, points=points, band=band, ticks=tuple(ticks))
