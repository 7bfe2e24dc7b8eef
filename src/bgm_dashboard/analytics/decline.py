"""Chronic decline: a trend test per unit and indicator over the latest released periods,
and the list "Bereiche mit anhaltender Verschlechterung" with how long the decline lasts.

Rules:

* Window: the last 12 months of monthly figures (at least 8 shown months); a unit with
  fewer shown months is tested on its last 8 quarters (at least 6 shown quarters).
* Test: Mann–Kendall, i.e. Kendall's τ of the values against time with its two-sided
  p-value (``scipy.stats.kendalltau``), and the Theil–Sen slope with its 95 % interval
  (``scipy.stats.theilslopes``), per month.
* "Anhaltende Verschlechterung" (sustained decline): p < .05, the slope's interval lies
  entirely on the worse side of zero (below zero where higher is better), AND the decline
  over the window (|slope| × months spanned) reaches the scale's meaningful change (WHO-5:
  10 points). Significant but smaller declines are listed as "watch".
* Since when: going back from the window's start one period at a time, the earliest start
  from which every test up to the latest period stays significant in the worse direction
  (p < .05 and the slope's interval on the worse side); the duration counts the months from
  that start to the latest period, both included.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from bgm_dashboard.analytics.common import SHOWN, orientation, units_only
from bgm_dashboard.indicators.moments import RESPONSES
from bgm_dashboard.indicators.stats import CONFIDENCE
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.periods import is_month, period_index

WINDOW = {"month": 12, "quarter": 8}
MIN_POINTS = {"month": 8, "quarter": 6}
P_LEVEL = 0.05
STATUSES = ("decline", "watch", "stable", "rising", "too_few")


@dataclass(frozen=True)
class Trend:
    """The trend test of one unit and indicator."""

    code: str
    indicator: str
    granularity: str
    first_period: str
    last_period: str
    points: int
    tau: float
    p_value: float
    slope: float  # per month
    slope_low: float
    slope_high: float
    change: float  # slope x months spanned by the window
    threshold: float
    status: str
    since: str
    months: int

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _test(t: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float, float]:
    """Kendall's τ and p, and the Theil–Sen slope with its interval (per unit of ``t``)."""
    tau = stats.kendalltau(t, y)
    sen = stats.theilslopes(y, t, alpha=CONFIDENCE)
    return (
        float(tau.statistic),
        float(tau.pvalue),
        float(sen.slope),
        float(sen.low_slope),
        float(sen.high_slope),
    )


def _worse(p: float, low: float, high: float, sign: float) -> bool:
    """Significantly worse: p < .05 and the whole slope interval on the worse side."""
    worse_side = high < 0 if sign > 0 else low > 0
    return bool(np.isfinite(p) and p < P_LEVEL and worse_side)


def trend(
    t: np.ndarray,
    y: np.ndarray,
    periods: list[str],
    *,
    code: str,
    indicator: str,
    sign: float,
    threshold: float,
    end: int | None = None,
) -> Trend:
    """The trend of a shown series (``t`` = consecutive period index, oldest first) over the
    window that ends with the period ``end`` (default: the series' last period)."""
    granularity = "month" if is_month(periods[0]) else "quarter"
    step = 1 if granularity == "month" else 3
    last = int(t[-1]) if end is None else end
    upto = t <= last
    t, y = t[upto], y[upto]
    periods = [p for p, keep in zip(periods, upto, strict=True) if keep]
    in_window = t >= last - WINDOW[granularity] + 1
    nan = float("nan")
    tw, yw = t[in_window], y[in_window]
    first = periods[int(np.argmax(in_window))] if in_window.any() else periods[-1]
    if len(tw) < MIN_POINTS[granularity]:
        return Trend(
            code, indicator, granularity, first, periods[-1], len(tw),
            nan, nan, nan, nan, nan, nan, threshold, "too_few", "", 0,
        )  # fmt: skip
    tau, p, slope, low, high = _test(tw * step, yw)
    change = slope * float(tw[-1] - tw[0]) * step
    worse = _worse(p, low, high, sign)
    if worse:
        status = "decline" if abs(change) >= threshold else "watch"
    elif p < P_LEVEL and sign * slope > 0:
        status = "rising"
    else:
        status = "stable"
    since, months = "", 0
    if worse:
        s = int(np.argmax(in_window))
        while s > 0:
            r = _test(t[s - 1 :] * step, y[s - 1 :])
            if not _worse(r[1], r[3], r[4], sign):
                break
            s -= 1
        since = periods[s]
        months = (last - int(t[s])) * step + step
    return Trend(
        code=code,
        indicator=indicator,
        granularity=granularity,
        first_period=first,
        last_period=periods[-1],
        points=len(tw),
        tau=tau,
        p_value=p,
        slope=slope,
        slope_low=low,
        slope_high=high,
        change=change,
        threshold=threshold,
        status=status,
        since=since,
        months=months,
    )


def _series(figures: pd.DataFrame) -> dict[tuple[str, str], pd.DataFrame]:
    frame = units_only(figures)
    frame = frame[(frame["status"] == SHOWN) & (frame["indicator"] != RESPONSES)]
    frame = frame.sort_values("period").drop_duplicates(
        ["code", "indicator", "period"], keep="last"
    )
    return {key: g for key, g in frame.groupby(["code", "indicator"], sort=False)}  # type: ignore[misc]


def _last_index(figures: pd.DataFrame) -> int:
    """The newest released period (shown or not): every window ends there."""
    return max((period_index(p) for p in figures["period"].unique()), default=0)


def trends(monthly: pd.DataFrame, quarterly: pd.DataFrame, bank: ItemBank) -> pd.DataFrame:
    """The trend of every unit and indicator: monthly where the unit has enough shown months
    in the window, otherwise quarterly."""
    rows: list[dict[str, object]] = []
    by_month = _series(monthly) if len(monthly) else {}
    by_quarter = _series(quarterly) if len(quarterly) else {}
    ends = {
        id(by_month): _last_index(monthly),
        id(by_quarter): _last_index(quarterly),
    }
    for key in sorted(set(by_month) | set(by_quarter)):
        code, indicator = key
        result = None
        for source in (by_month, by_quarter):
            group = source.get(key)
            if group is None:
                continue
            periods = group["period"].tolist()
            t = np.array([period_index(p) for p in periods])
            result = trend(
                t,
                group["mean"].to_numpy(dtype=float),
                periods,
                code=code,
                indicator=indicator,
                sign=orientation(bank, indicator),
                threshold=bank.scale(indicator).meaningful_change,
                end=ends[id(source)],
            )
            if result.status != "too_few":
                break
        if result is not None:
            rows.append(result.as_dict())
    out = pd.DataFrame(rows, columns=list(Trend.__dataclass_fields__))
    units = units_only(quarterly if len(quarterly) else monthly)
    if len(units):
        latest = units[units["quarter"] == units["quarter"].max()].drop_duplicates("code")
        order = dict(zip(latest["code"], latest["order"], strict=True))
        names = dict(zip(latest["code"], latest["name"], strict=True))
        ind_order = {c: i for i, c in enumerate(bank.indicator_codes)}
        out = out.assign(
            name=out["code"].map(names),
            _o=out["code"].map(order),
            _i=out["indicator"].map(ind_order),
        )
        out = out.sort_values(["_o", "_i"]).drop(columns=["_o", "_i"]).reset_index(drop=True)
    return out


def sustained_declines(trend_table: pd.DataFrame) -> pd.DataFrame:
    """The list "Bereiche mit anhaltender Verschlechterung": longest-lasting first."""
    out = trend_table[trend_table["status"] == "decline"]
    return out.sort_values(["months", "change"], ascending=[False, True]).reset_index(drop=True)
