"""Change between periods with its 95 % interval, and whether it is meaningful.

Rules (documented on the pages):

* Compared are two released, shown cells of the same unit and indicator: the period before
  (``previous``: the quarter or month before) or the same period a year earlier (``year``).
* Means (WHO-5, BRS, dimensions, ORI): difference of two independent means with the Welch
  95 % interval from the released standard errors (SD/√n_eff, df = n_eff − 1; a quarter's
  n_eff is its n over its monthly waves, see ``indicators.stats``).
* eNPS: normal 95 % interval of the difference, each score's standard error from the
  adjusted shares of promoters and detractors (``indicators.stats.nps_standard_error``).
* A change is *meaningful* only when its interval excludes zero AND its size reaches the
  scale's ``meaningful_change`` from the item bank (WHO-5: 10 points; BRS: 0.5; eNPS and the
  dimensions: 10 points; ORI: 5 points). Otherwise it is reported as "no clear change".
* Pulse waves are anonymous, so the same people cannot be paired across periods; treating the
  periods as independent samples makes the interval a little wider than a paired one would be.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from bgm_dashboard.analytics.common import SHOWN, nps_codes, orientation, standard_error, units_only
from bgm_dashboard.indicators.moments import RESPONSES
from bgm_dashboard.indicators.stats import difference_intervals
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.periods import is_month, periods_per_year, shift_period

Comparison = Literal["previous", "year"]
COMPARISONS: tuple[Comparison, ...] = ("previous", "year")
COLUMNS = [
    "code",
    "name",
    "indicator",
    "comparison",
    "period",
    "base_period",
    "value",
    "base_value",
    "n",
    "base_n",
    "diff",
    "ci_low",
    "ci_high",
    "threshold",
    "significant",
    "meaningful",
    "verdict",
]


def lag_of(period: str, comparison: Comparison) -> int:
    """How many periods back the comparison looks (1, or 4 quarters / 12 months)."""
    return 1 if comparison == "previous" else periods_per_year(period)


def changes(
    figures: pd.DataFrame,
    bank: ItemBank,
    comparison: Comparison = "previous",
    *,
    period: str | None = None,
) -> pd.DataFrame:
    """One row per unit, indicator and period whose cell and comparison cell are both shown.

    ``verdict`` is ``better`` / ``worse`` (meaningful, in the indicator's direction) or
    ``none``."""
    frame = units_only(figures)
    frame = frame[(frame["status"] == SHOWN) & (frame["indicator"] != RESPONSES)]
    if period is not None:
        wanted = {period, shift_period(period, -lag_of(period, comparison))}
        frame = frame[frame["period"].isin(wanted)]
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    frame = frame.drop_duplicates(["code", "indicator", "period"], keep="last")
    se = standard_error(frame, bank)
    with np.errstate(divide="ignore", invalid="ignore"):
        # a mean's effective n follows from its SD and its released standard error
        n_eff = (frame["sd"].to_numpy(dtype=float) / se) ** 2
    frame = frame.assign(se=se, n_eff=n_eff)
    frame = frame.assign(
        base_period=[shift_period(p, -lag_of(p, comparison)) for p in frame["period"]]
    )
    keep = ["code", "indicator", "period", "mean", "n", "se", "n_eff"]
    base = frame[keep].rename(
        columns={
            "period": "base_period",
            "mean": "base_value",
            "n": "base_n",
            "se": "base_se",
            "n_eff": "base_n_eff",
        }
    )
    merged = frame.merge(base, on=["code", "indicator", "base_period"], how="inner")
    if period is not None:
        merged = merged[merged["period"] == period]
    if merged.empty:
        return pd.DataFrame(columns=COLUMNS)
    nps = merged["indicator"].isin(nps_codes(bank)).to_numpy()
    df_b = np.where(nps, np.inf, merged["n_eff"].to_numpy(dtype=float) - 1)
    df_a = np.where(nps, np.inf, merged["base_n_eff"].to_numpy(dtype=float) - 1)
    diff, low, high = difference_intervals(
        merged["base_value"].to_numpy(dtype=float),
        merged["base_se"].to_numpy(dtype=float),
        df_a,
        merged["mean"].to_numpy(dtype=float),
        merged["se"].to_numpy(dtype=float),
        df_b,
    )
    steps = {s.code: s.meaningful_change for s in bank.scales}
    threshold = merged["indicator"].map(steps).to_numpy(dtype=float)
    significant = (low > 0) | (high < 0)
    meaningful = significant & (np.abs(diff) >= threshold)
    sign = merged["indicator"].map(lambda c: orientation(bank, c)).to_numpy(dtype=float)
    verdict = np.where(meaningful, np.where(sign * diff > 0, "better", "worse"), "none")
    out = pd.DataFrame(
        {
            "code": merged["code"].to_numpy(),
            "name": merged["name"].to_numpy(),
            "indicator": merged["indicator"].to_numpy(),
            "comparison": comparison,
            "period": merged["period"].to_numpy(),
            "base_period": merged["base_period"].to_numpy(),
            "value": merged["mean"].to_numpy(dtype=float),
            "base_value": merged["base_value"].to_numpy(dtype=float),
            "n": merged["n"].to_numpy(dtype=float),
            "base_n": merged["base_n"].to_numpy(dtype=float),
            "diff": diff,
            "ci_low": low,
            "ci_high": high,
            "threshold": threshold,
            "significant": significant,
            "meaningful": meaningful,
            "verdict": verdict,
        }
    )
    order = {c: i for i, c in enumerate(bank.indicator_codes)}
    out = out.assign(_i=out["indicator"].map(order)).sort_values(["period", "code", "_i"])
    return out.drop(columns="_i").reset_index(drop=True)


def unit_changes(figures: pd.DataFrame, bank: ItemBank, code: str, period: str) -> pd.DataFrame:
    """Both comparisons (previous period and a year earlier) for one unit and period."""
    frame = figures[figures["code"] == code]
    parts = [changes(frame, bank, c, period=period) for c in COMPARISONS]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(parts, ignore_index=True)


def is_monthly(figures: pd.DataFrame) -> bool:
    return bool(len(figures)) and is_month(str(figures["period"].iloc[0]))
