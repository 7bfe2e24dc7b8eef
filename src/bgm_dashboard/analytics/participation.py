"""Participation: response rate per unit and wave (month) and per quarter, and its trend.

Rules (from the released indicator ``responses``, shown cells only, so no count below the
minimum group size is ever shown):

* Wave (month): rate = responses ÷ headcount of the unit's subtree × 100.
* Quarter: rate per wave = responses in the quarter ÷ (waves in the quarter × headcount)
  × 100; the waves of a quarter are the months with a released ``responses`` row.
* Trend: the monthly rates of the last 12 months (quarterly where a unit has too few shown
  months), tested like chronic decline (GLS with a pooled noise model and
  Benjamini–Hochberg over all units, see :mod:`analytics.decline`; a rate's own error is
  the binomial one, √(r(100 − r)/headcount)); a fall is "decline" when it is significant
  and reaches 10 percentage points over the window.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bgm_dashboard.analytics.common import SHOWN, units_only
from bgm_dashboard.analytics.decline import Series, Trend, test_family
from bgm_dashboard.indicators.moments import RESPONSES
from bgm_dashboard.periods import months_of_quarter, period_index

MEANINGFUL_POINTS = 10.0
COLUMNS = ["code", "name", "depth", "order", "period", "status", "responses", "headcount", "rate"]


def _responses(figures: pd.DataFrame) -> pd.DataFrame:
    frame = units_only(figures)
    frame = frame[frame["indicator"] == RESPONSES]
    return frame.drop_duplicates(["code", "period"], keep="last")


def waves_per_quarter(monthly: pd.DataFrame) -> dict[str, int]:
    """How many waves (months with released responses rows) each quarter had."""
    frame = _responses(monthly)
    months = set(frame["period"])
    out = {}
    for quarter in {str(q) for q in frame["quarter"].unique()}:
        out[quarter] = sum(1 for m in months_of_quarter(quarter) if m in months)
    return out


def wave_rates(monthly: pd.DataFrame) -> pd.DataFrame:
    """One row per unit and wave: responses, headcount and rate (NaN where suppressed)."""
    frame = _responses(monthly)
    shown = frame["status"] == SHOWN
    out = pd.DataFrame(
        {
            "code": frame["code"],
            "name": frame["name"],
            "depth": frame["depth"],
            "order": frame["order"],
            "period": frame["period"],
            "status": frame["status"],
            "responses": frame["n"].where(shown),
            "headcount": frame["headcount"].where(shown),
            "rate": (100.0 * frame["n"] / frame["headcount"]).where(shown),
        }
    )
    return out.sort_values(["period", "order"]).reset_index(drop=True)[COLUMNS]


def quarter_rates(quarterly: pd.DataFrame, monthly: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per unit and quarter: responses, headcount and the rate per wave."""
    frame = _responses(quarterly)
    waves = waves_per_quarter(monthly) if monthly is not None and len(monthly) else {}
    count = frame["period"].map(lambda q: waves.get(q, 3)).astype(float)
    shown = frame["status"] == SHOWN
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = 100.0 * frame["n"] / (count * frame["headcount"])
    out = pd.DataFrame(
        {
            "code": frame["code"],
            "name": frame["name"],
            "depth": frame["depth"],
            "order": frame["order"],
            "period": frame["period"],
            "status": frame["status"],
            "responses": frame["n"].where(shown),
            "headcount": frame["headcount"].where(shown),
            "rate": rate.where(shown),
            "waves": count.to_numpy(),
        }
    )
    return out.sort_values(["period", "order"]).reset_index(drop=True)


def rate_series(rates: pd.DataFrame, code: str) -> Series | None:
    """One unit's response-rate series (monthly or quarterly rows of ``rates``)."""
    frame = rates[(rates["code"] == code) & (rates["status"] == SHOWN)].sort_values("period")
    if frame.empty:
        return None
    rate = frame["rate"].to_numpy(dtype=float)
    heads = frame["headcount"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(np.clip(rate * (100 - rate), 1.0, None) / heads)
    return Series(
        code,
        RESPONSES,
        frame["period"].tolist(),
        rate,
        se,
        max(period_index(p) for p in rates["period"]),
        1.0,
        MEANINGFUL_POINTS,
    )


def rate_trends(waves: pd.DataFrame, quarters: pd.DataFrame) -> pd.DataFrame:
    """The response-rate trend of every unit: monthly, else quarterly; all units tested
    together."""
    units = waves.drop_duplicates("code")[["code", "name", "order"]]
    quarter_units = quarters.drop_duplicates("code")[["code", "name", "order"]]
    units = pd.concat([units, quarter_units]).drop_duplicates("code").sort_values("order")
    chosen: list[Series] = []
    names: list[str] = []
    for code, name in zip(units["code"], units["name"], strict=True):
        series = rate_series(waves, code)
        if series is None or not series.enough():
            series = rate_series(quarters, code) or series
        if series is not None:
            chosen.append(series)
            names.append(name)
    rows = [
        {**result.as_dict(), "name": name}
        for result, name in zip(test_family(chosen), names, strict=True)
    ]
    columns = [*Trend.__dataclass_fields__, "name"]
    return pd.DataFrame(rows, columns=columns)
