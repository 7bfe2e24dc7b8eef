"""Resilience curves around crisis events: baseline, dip, recovery time, level after
recovery ("bounce forward") and the resilience-triangle loss (Bruneau et al. 2003).

Rules (per unit and indicator, computed from released, shown figures only):

* Series: the unit's monthly figures when it has a shown month in the baseline window and
  in the event month; otherwise its quarterly figures (units that are too small month by
  month). The *event period* is the month (quarter) that contains the event's start date.
* Baseline: the mean of the shown values in the 3 months (2 quarters) before the event
  period. No shown value there: no curve ("no baseline").
* Tolerance band: a value counts as "at the baseline" when it is no more than
  max(z·√(se² + se_baseline²), ``TOLERANCE_SHARE`` × meaningful change) below it (WHO-5:
  at least 2 points): ordinary sampling noise is not a dip.
* Dip: some shown value within ``DIP_HORIZON`` periods from the event period lies below the
  band; otherwise the outcome is "no_dip" (no measurable dip, no loss, nothing to recover).
* Recovery: after the lowest point, the first shown period from which ``SUSTAIN`` shown
  periods in a row (2 months, 1 quarter) lie within the band (for indicators where lower is
  better: mirrored). Time to recover = months from the event period to that period; not yet
  (or not yet confirmed by the following month): "not yet recovered".
* Dip depth: baseline minus the lowest value from the event period until recovery (until
  the latest released period when not yet recovered); never below 0.
* Level after recovery: the mean of the shown values in the 3 months (2 quarters) starting
  with the recovery period; its difference from the baseline gets a normal 95 % interval
  from the standard errors of the figures averaged.
* "Bounce forward": that difference is at least half the scale's meaningful change (WHO-5:
  5 points) AND its interval lies above zero. "Below baseline again": at least that much
  below with the interval below zero. Otherwise "back to the baseline" (bounce back).
* Resilience loss (Bruneau et al. 2003): the integral ∫ max(0, baseline − q(t)) dt from the
  last baseline period (where q = baseline) to recovery, q drawn as straight lines between
  the shown values (suppressed periods are bridged the same way), in points × months. Not
  yet recovered: the loss so far (a lower bound). No dip: 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date

import numpy as np
import pandas as pd
from scipy import stats

from bgm_dashboard.analytics.common import (
    months_per_period,
    orientation,
    shown_series,
    standard_error,
)
from bgm_dashboard.indicators.stats import CONFIDENCE
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.periods import is_month, month_of, period_index, quarter_of, shift_period

BASELINE_PERIODS = {"month": 3, "quarter": 2}
LEVEL_PERIODS = {"month": 3, "quarter": 2}
BOUNCE_SHARE = 0.5
"""Bounce forward needs at least this share of the scale's meaningful change."""

TOLERANCE_SHARE = 0.2
"""The band is at least this share of the scale's meaningful change (WHO-5: 2 points)."""
DIP_HORIZON = {"month": 6, "quarter": 2}
SUSTAIN = {"month": 2, "quarter": 1}
OUTCOMES = (
    "bounce_forward",
    "bounce_back",
    "below_again",
    "not_recovered",
    "no_dip",
    "no_baseline",
)


@dataclass(frozen=True)
class CurveMetrics:
    """The figures of one resilience curve."""

    code: str
    indicator: str
    granularity: str
    event_period: str
    baseline: float
    baseline_from: str
    baseline_to: str
    baseline_periods: int
    low_value: float
    low_period: str
    depth: float
    recovered: bool
    recovery_period: str
    months_to_recover: float
    after_level: float
    after_diff: float
    after_low: float
    after_high: float
    loss: float
    outcome: str
    dipped: bool = False

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def event_period(starts_on: date, granularity: str) -> str:
    month = month_of(starts_on)
    return month if granularity == "month" else quarter_of(month)


def _with_se(series: pd.DataFrame, bank: ItemBank) -> pd.DataFrame:
    return series.assign(se=standard_error(series, bank)) if len(series) else series


def curve_metrics(
    series: pd.DataFrame,
    event: str,
    *,
    code: str,
    indicator: str,
    meaningful_change: float,
    sign: float = 1.0,
) -> CurveMetrics:
    """Metrics of one curve from a shown series (columns period, t, mean, se; see
    :func:`analytics.common.shown_series`) around the event period ``event``."""
    granularity = "month" if is_month(event) else "quarter"
    step = months_per_period(event)
    te = period_index(event)
    b = BASELINE_PERIODS[granularity]
    base_from, base_to = shift_period(event, -b), shift_period(event, -1)
    nan = float("nan")
    t = series["t"].to_numpy(dtype=int) if len(series) else np.zeros(0, dtype=int)
    value = series["mean"].to_numpy(dtype=float) if len(series) else np.zeros(0)
    se = series["se"].to_numpy(dtype=float) if len(series) else np.zeros(0)
    periods = series["period"].tolist() if len(series) else []
    base_mask = (t >= te - b) & (t < te)
    empty = CurveMetrics(
        code, indicator, granularity, event, nan, base_from, base_to, 0, nan, "", nan,
        False, "", nan, nan, nan, nan, nan, nan, "no_baseline",
    )  # fmt: skip
    if not base_mask.any():
        return empty
    baseline = float(value[base_mask].mean())
    base_se = float(np.sqrt(np.sum(se[base_mask] ** 2)) / base_mask.sum())
    oriented = sign * value
    target = sign * baseline
    post = np.flatnonzero(t >= te)
    if post.size == 0:
        return replace(
            empty,
            baseline=baseline,
            baseline_periods=int(base_mask.sum()),
            outcome="not_recovered",
        )
    band = np.maximum(
        float(stats.norm.ppf(0.5 + CONFIDENCE / 2)) * np.sqrt(se**2 + base_se**2),
        TOLERANCE_SHARE * meaningful_change,
    )
    within = oriented >= target - band
    horizon = post[t[post] < te + DIP_HORIZON[granularity]]
    dipped = bool((~within[horizon]).any())
    if not dipped:
        low_i = int(horizon[np.argmin(oriented[horizon])]) if horizon.size else int(post[0])
        return replace(
            empty,
            baseline=baseline,
            baseline_periods=int(base_mask.sum()),
            low_value=float(value[low_i]),
            low_period=periods[low_i],
            depth=max(0.0, float(target - oriented[low_i])),
            recovered=True,
            recovery_period=periods[int(post[0])],
            months_to_recover=0.0,
            loss=0.0,
            outcome="no_dip",
        )
    below = post[~within[post]]
    low_i = int(below[np.argmin(oriented[below])])
    sustain = SUSTAIN[granularity]
    candidates = [
        i for i in post[post > low_i] if i + sustain <= len(t) and within[i : i + sustain].all()
    ]
    recovered = bool(candidates)
    end = int(candidates[0]) if recovered else int(post[-1])
    dip_idx = post[post <= end]
    low_i = int(dip_idx[np.argmin(oriented[dip_idx])])
    depth = max(0.0, float(target - oriented[low_i]))
    loss = bruneau_loss(t[post], oriented[post], target, te, int(t[end])) * step
    months = float((int(t[end]) - te) * step) if recovered else nan
    after_level = after_diff = after_low = after_high = nan
    outcome = "not_recovered"
    if recovered:
        window = (t >= t[end]) & (t < t[end] + LEVEL_PERIODS[granularity])
        after_level = float(value[window].mean())
        after_se = float(np.sqrt(np.sum(se[window] ** 2)) / window.sum())
        after_diff = after_level - baseline
        half = float(stats.norm.ppf(0.5 + CONFIDENCE / 2)) * float(np.hypot(after_se, base_se))
        after_low, after_high = after_diff - half, after_diff + half
        gain = sign * after_diff
        gain_low = min(sign * after_low, sign * after_high)
        gain_high = max(sign * after_low, sign * after_high)
        margin = BOUNCE_SHARE * meaningful_change
        if gain >= margin and gain_low > 0:
            outcome = "bounce_forward"
        elif gain <= -margin and gain_high < 0:
            outcome = "below_again"
        else:
            outcome = "bounce_back"
    return CurveMetrics(
        code=code,
        indicator=indicator,
        granularity=granularity,
        event_period=event,
        baseline=baseline,
        baseline_from=base_from,
        baseline_to=base_to,
        baseline_periods=int(base_mask.sum()),
        low_value=float(value[low_i]),
        low_period=periods[low_i],
        depth=depth,
        recovered=recovered,
        recovery_period=periods[end] if recovered else "",
        months_to_recover=months,
        after_level=after_level,
        after_diff=after_diff,
        after_low=after_low,
        after_high=after_high,
        loss=loss,
        outcome=outcome,
        dipped=True,
    )


def bruneau_loss(t: np.ndarray, q: np.ndarray, target: float, event: int, until: int) -> float:
    """∫ max(0, target − q(t)) dt from ``event − 1`` (the last baseline period, q = target)
    to ``until``, q piecewise linear through the values (in periods; exact for straight
    pieces: each piece is split where it crosses the target)."""
    keep = t <= until
    xs = np.r_[event - 1, t[keep]].astype(float)
    ys = np.r_[0.0, np.asarray(target - q[keep], dtype=float)]  # shortfall
    area = 0.0
    for x0, x1, y0, y1 in zip(xs[:-1], xs[1:], ys[:-1], ys[1:], strict=True):
        width = x1 - x0
        if y0 >= 0 and y1 >= 0:
            area += width * (y0 + y1) / 2
        elif y0 > 0 or y1 > 0:  # crosses zero: only the positive triangle counts
            top = max(y0, y1)
            area += width * top / (abs(y0) + abs(y1)) * top / 2
    return float(area)


def unit_curve_series(
    monthly: pd.DataFrame,
    quarterly: pd.DataFrame,
    bank: ItemBank,
    code: str,
    indicator: str,
    starts_on: date,
) -> pd.DataFrame:
    """The shown series a curve is computed on: monthly when the unit has a shown month in
    the baseline window and in the event month, otherwise quarterly."""
    event = event_period(starts_on, "month")
    series = shown_series(monthly, code, indicator) if len(monthly) else monthly
    if len(series):
        te = period_index(event)
        t = series["t"].to_numpy(dtype=int)
        if ((t >= te - BASELINE_PERIODS["month"]) & (t < te)).any() and (t == te).any():
            return _with_se(series, bank)
    return _with_se(shown_series(quarterly, code, indicator), bank)


def event_curves(
    monthly: pd.DataFrame,
    quarterly: pd.DataFrame,
    bank: ItemBank,
    starts_on: date,
    codes: Sequence[str],
    indicators: Sequence[str],
) -> pd.DataFrame:
    """Curve metrics for each unit in ``codes`` and each indicator (one row each)."""
    rows = []
    for code in codes:
        for indicator in indicators:
            series = unit_curve_series(monthly, quarterly, bank, code, indicator, starts_on)
            monthly_series = len(series) > 0 and is_month(str(series["period"].iloc[0]))
            granularity = "month" if monthly_series else "quarter"
            metrics = curve_metrics(
                series,
                event_period(starts_on, granularity),
                code=code,
                indicator=indicator,
                meaningful_change=bank.scale(indicator).meaningful_change,
                sign=orientation(bank, indicator),
            )
            rows.append(metrics.as_dict())
    return pd.DataFrame(rows, columns=list(CurveMetrics.__dataclass_fields__))
