"""Resilience curves around crisis events: baseline, dip, recovery time, level after
recovery ("bounce forward") and the resilience-triangle loss (Bruneau et al. 2003).

Rules (per unit and indicator, computed from released, shown figures only):

* Series: the unit's monthly figures when it has a shown month in the baseline window and
  in the event month; otherwise its quarterly figures (units that are too small month by
  month). The *event period* is the month (quarter) that contains the event's start date.
* Baseline: the mean of the shown values in the 3 months (2 quarters) before the event
  period. No shown value there: no curve ("no baseline").
* Recovery: the first shown period from the event period on whose value is at or above the
  baseline (for indicators where lower is better: at or below). Time to recover = months
  from the event period to that period (0 when the event period itself did not fall below
  the baseline); none yet: "not yet recovered".
* Dip depth: baseline minus the lowest value from the event period until recovery (until
  the latest released period when not yet recovered); never below 0.
* Level after recovery: the mean of the shown values in the 3 months (2 quarters) starting
  with the recovery period; its difference from the baseline gets a normal 95 % interval
  from the standard errors of the figures averaged.
* "Bounce forward": that difference is at least half the scale's meaningful change (WHO-5:
  5 points) AND its interval lies above zero. "Below baseline again": at least that much
  below with the interval below zero. Otherwise "back to the baseline" (bounce back).
* Resilience-triangle loss: the sum over the periods from the event period up to (not
  including) recovery of max(0, baseline − value) × the period length in months, in
  points × months; suppressed periods inside are interpolated linearly. Not yet recovered:
  the loss so far (a lower bound).
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

OUTCOMES = ("bounce_forward", "bounce_back", "below_again", "not_recovered", "no_baseline")


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
    reached = post[oriented[post] >= target]
    recovered = reached.size > 0
    end = int(reached[0]) if recovered else int(post[-1])
    dip_idx = post[post <= end]
    low_i = int(dip_idx[np.argmin(oriented[dip_idx])])
    depth = max(0.0, float(target - oriented[low_i]))
    # the triangle: every period from the event up to recovery (exclusive), gaps interpolated
    stop = int(t[end]) if recovered else int(t[end]) + 1
    grid = np.arange(te, stop)
    loss = 0.0
    if grid.size:
        filled = np.interp(grid, t[post], oriented[post])
        loss = float(np.sum(np.clip(target - filled, 0.0, None)) * step)
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
    )


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
