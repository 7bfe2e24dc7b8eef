"""Drivers: which organisational dimensions move with well-being (WHO-5) and with the ORI,
across units and over time, ranked as "what matters most here".

Rules (computed from released, shown figures only):

* Units: one level of the org chart (units of one level do not overlap); by default the
  level with the most shown units in the chosen period.
* Across units: for one period, Pearson's r between the units' means of a dimension and
  their means of the target, over the units where both cells are shown.
* Over time: within each unit, the change from one released period to the next (both
  periods shown for the dimension and the target); Pearson's r between the changes of the
  dimension and of the target, pooled over the units' pairs of consecutive periods.
* 95 % intervals by Fisher's z (``scipy.stats.pearsonr(...).confidence_interval()``); at
  least 4 pairs, otherwise no r. n = number of pairs.
* Ranking: by r over time (changes moving together within units are the nearer sign of a
  lever), then by r across units. A dimension is a *clear* driver when an interval lies
  above zero. Correlation is not causation; the ORI is the mean of the dimensions, so each
  dimension correlates with it partly by construction.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from bgm_dashboard.analytics.common import SHOWN, units_only
from bgm_dashboard.indicators.stats import CONFIDENCE
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.periods import period_index

MIN_PAIRS = 4
TARGETS = ("who5", "ori")
COLUMNS = [
    "dimension",
    "r_units",
    "low_units",
    "high_units",
    "n_units",
    "r_time",
    "low_time",
    "high_time",
    "n_time",
    "rank",
    "clear",
]


def correlation(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, int]:
    """Pearson r with its Fisher-z 95 % interval and the number of pairs (NaN below 4)."""
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n = int(ok.sum())
    nan = float("nan")
    if n < MIN_PAIRS or np.ptp(x) == 0 or np.ptp(y) == 0:
        return nan, nan, nan, n
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = stats.pearsonr(x, y)
        ci = result.confidence_interval(confidence_level=CONFIDENCE)
    return float(result.statistic), float(ci.low), float(ci.high), n


def default_depth(figures: pd.DataFrame, period: str, target: str = "who5") -> int:
    """The org-chart level with the most shown units for ``target`` in ``period``."""
    frame = units_only(figures)
    frame = frame[
        (frame["period"] == period) & (frame["indicator"] == target) & (frame["status"] == SHOWN)
    ]
    if frame.empty:
        return 0
    counts = frame.groupby("depth")["code"].nunique()
    return int(str(counts.idxmax()))


def _wide(figures: pd.DataFrame, depth: int, columns: Sequence[str]) -> pd.DataFrame:
    """Shown means: one row per unit and period, one column per indicator."""
    frame = units_only(figures)
    frame = frame[
        (frame["depth"] == depth)
        & (frame["status"] == SHOWN)
        & (frame["indicator"].isin(list(columns)))
    ]
    wide = frame.pivot_table(index=["code", "period"], columns="indicator", values="mean")
    return wide.reindex(columns=list(columns))


def across_units(
    figures: pd.DataFrame, period: str, depth: int, target: str, dimensions: Sequence[str]
) -> pd.DataFrame:
    """r between units' means of each dimension and of ``target`` in one period."""
    wide = _wide(figures[figures["period"] == period], depth, [*dimensions, target])
    rows = []
    for dim in dimensions:
        r, low, high, n = correlation(
            wide[dim].to_numpy(dtype=float), wide[target].to_numpy(dtype=float)
        )
        rows.append({"dimension": dim, "r": r, "low": low, "high": high, "n": n})
    return pd.DataFrame(rows, columns=["dimension", "r", "low", "high", "n"])


def period_changes(figures: pd.DataFrame, depth: int, columns: Sequence[str]) -> pd.DataFrame:
    """Within-unit changes between consecutive released periods (NaN where either is hidden)."""
    wide = _wide(figures, depth, columns).reset_index()
    if wide.empty:
        return wide
    wide["t"] = [period_index(p) for p in wide["period"]]
    wide = wide.sort_values(["code", "t"])
    prev = wide.assign(t=wide["t"] + 1).set_index(["code", "t"])[list(columns)]
    current = wide.set_index(["code", "t"])[list(columns)]
    joined = current.join(prev.add_suffix("_prev"), how="inner")
    diffs = pd.DataFrame(
        {c: joined[c] - joined[f"{c}_prev"] for c in columns}, index=joined.index
    ).reset_index()
    return diffs


def over_time(
    figures: pd.DataFrame, depth: int, target: str, dimensions: Sequence[str]
) -> pd.DataFrame:
    """r between within-unit changes of each dimension and of ``target``."""
    diffs = period_changes(figures, depth, [*dimensions, target])
    rows = []
    for dim in dimensions:
        if diffs.empty:
            r, low, high, n = float("nan"), float("nan"), float("nan"), 0
        else:
            r, low, high, n = correlation(
                diffs[dim].to_numpy(dtype=float), diffs[target].to_numpy(dtype=float)
            )
        rows.append({"dimension": dim, "r": r, "low": low, "high": high, "n": n})
    return pd.DataFrame(rows, columns=["dimension", "r", "low", "high", "n"])


def drivers(
    figures: pd.DataFrame,
    bank: ItemBank,
    period: str,
    *,
    target: str = "who5",
    depth: int | None = None,
    until: str | None = None,
) -> pd.DataFrame:
    """The ranked drivers of ``target``: across units in ``period`` and over time (changes
    between consecutive periods up to ``until``, default ``period``)."""
    dims = [s.code for s in bank.dimensions()]
    if depth is None:
        depth = default_depth(figures, period, target)
    upto = until or period
    a = across_units(figures, period, depth, target, dims)
    b = over_time(figures[figures["period"] <= upto], depth, target, dims)
    out = pd.DataFrame(
        {
            "dimension": dims,
            "r_units": a["r"].to_numpy(),
            "low_units": a["low"].to_numpy(),
            "high_units": a["high"].to_numpy(),
            "n_units": a["n"].to_numpy(),
            "r_time": b["r"].to_numpy(),
            "low_time": b["low"].to_numpy(),
            "high_time": b["high"].to_numpy(),
            "n_time": b["n"].to_numpy(),
        }
    )
    out = out.sort_values(["r_time", "r_units"], ascending=False, na_position="last")
    out = out.reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    out["clear"] = (out["low_units"] > 0) | (out["low_time"] > 0)
    return out[COLUMNS]
