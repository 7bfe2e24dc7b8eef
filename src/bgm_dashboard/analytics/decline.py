"""Chronic decline: a trend test per unit and indicator over the latest released periods,
and the list "Bereiche mit anhaltender Verschlechterung" with how long the decline lasts.

Rules (their false-alarm rate and power are measured by ``bgm validate``, docs/methods.md):

* Window: the last 12 months of monthly figures (at least 8 shown months); a unit with
  fewer shown months is tested on its last 8 quarters (at least 6 shown quarters).
* Noise model: a cell's mean varies around a straight line by its own sampling error (the
  released standard error) plus an extra unit-level fluctuation, and neighbouring months
  are correlated (AR(1), correlation ρ). The extra variance and ρ cannot be told from one
  series of 12 values (per-series Hamed–Rao Mann–Kendall flags 8–14 % of trend-free series
  at p < .05), so they are estimated once per indicator from ALL series shown, by
  restricted maximum likelihood on a grid (``variance_components``).
* Test: the slope of generalised least squares with that covariance (``statsmodels`` GLS,
  known covariance) and its one-sided p-value in the worse direction (the list asks one
  question: is it getting worse?); the slope is shown with its 95 % interval; Kendall's τ
  is shown for orientation.
* Multiplicity: Benjamini–Hochberg over every series tested at once (all units and
  indicators of the administration), false discovery rate ``Q_LEVEL`` = 10 %. Without any
  real change the list stays empty in at least 9 of 10 quarters; of the entries shown, on
  average at most 1 in 10 is a false alarm. "Rising" is the same rule in the better
  direction (its own family).
* "Anhaltende Verschlechterung" (sustained decline): BH-significant in the worse direction
  AND the decline over the window (|slope| × months spanned) reaches the scale's meaningful
  change (WHO-5: 10 points). BH-significant but smaller declines are "watch".
* Since when: going back from the window's start one period at a time, the earliest start
  from which every test up to the latest period stays significantly worse at p < .05 (the
  same model); the duration counts the months from that start to the latest period, both
  included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests

from bgm_dashboard.analytics.common import SHOWN, orientation, standard_error, units_only
from bgm_dashboard.indicators.moments import RESPONSES
from bgm_dashboard.indicators.stats import CONFIDENCE
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.periods import is_month, period_index

WINDOW = {"month": 12, "quarter": 8}
MIN_POINTS = {"month": 8, "quarter": 6}
P_LEVEL = 0.05
Q_LEVEL = 0.10
RHO_GRID = (0.0, 0.2, 0.4, 0.6)
"""Month-to-month correlation of the sampling error (the same people answer again)."""
RHO_UNIT_GRID = (0.0, 0.3, 0.6, 0.8)
"""Month-to-month correlation of the unit-level fluctuation."""
PROFILE_DROP = 1.92
"""Log-likelihood drop that bounds the plausible noise models (95 % profile region)."""
EXCESS_GRID = (0.0, 0.1, 0.3, 0.8, 2.0, 5.0, 12.0)
"""Extra unit-level variance as a multiple of the indicator's median squared standard error."""
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
    p_value: float  # one-sided: getting worse
    q_value: float  # Benjamini–Hochberg adjusted over all series tested together
    rho: float  # the pooled month-to-month correlation of the sampling error
    extra_sd: float  # the pooled unit-level fluctuation beyond sampling error
    rho_unit: float  # its month-to-month correlation
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


@dataclass(frozen=True)
class Noise:
    """The pooled noise model of one indicator: the cells' sampling errors, correlated ρ from
    month to month (partly the same people answer), plus an extra unit-level fluctuation of
    variance ``extra_var`` with its own month-to-month correlation ``rho_unit``."""

    rho: float = 0.0
    extra_var: float = 0.0
    rho_unit: float = 0.0

    def covariance(self, t: np.ndarray, se: np.ndarray) -> np.ndarray:
        """Covariance of the cells at months ``t`` with standard errors ``se``."""
        matrices = _covariance(np.asarray(t, dtype=float), np.asarray(se, dtype=float)[None], self)
        return np.asarray(matrices[0], dtype=float)


def _covariance(t: np.ndarray, se: np.ndarray, noise: Noise) -> np.ndarray:
    """Covariance matrices of series (rows of ``se``) observed at the months ``t``."""
    lag = np.abs(np.subtract.outer(t, t))
    sampling = se[:, :, None] * noise.rho**lag * se[:, None, :]
    return np.asarray(sampling + noise.extra_var * noise.rho_unit**lag, dtype=float)


def _design(t: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones(len(t)), t - t.mean()])


def variance_components(series: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> Noise:
    """ρ and the extra variance shared by ``series`` ((months, values, standard errors) each):
    the grid point with the largest restricted (REML) log-likelihood summed over all series,
    each with its own intercept and slope."""
    usable = [(t, y, se) for t, y, se in series if len(t) >= 6 and np.isfinite(se).all()]
    if not usable:
        return Noise()
    base = float(np.median(np.concatenate([se**2 for _, _, se in usable])))
    groups: dict[tuple[float, ...], list[tuple[np.ndarray, np.ndarray]]] = {}
    for t, y, se in usable:
        groups.setdefault(tuple(t.tolist()), []).append((y, se))
    likelihoods = []
    candidates = [
        Noise(rho, factor * base, rho_unit)
        for rho in RHO_GRID
        for factor in EXCESS_GRID
        for rho_unit in (RHO_UNIT_GRID if factor > 0 else (0.0,))
    ]
    for noise in candidates:
        ll = 0.0
        for key, members in groups.items():
            t = np.array(key)
            x = _design(t)
            y = np.array([m[0] for m in members])
            sigma = _covariance(t, np.array([m[1] for m in members]), noise)
            inv = np.linalg.inv(sigma)
            xtx = np.einsum("ia,kij,jb->kab", x, inv, x)
            xty = np.einsum("ia,kij,kj->ka", x, inv, y)
            beta = np.linalg.solve(xtx, xty[..., None])[..., 0]
            r = y - beta @ x.T
            ll -= 0.5 * float(
                np.sum(np.linalg.slogdet(sigma)[1])
                + np.sum(np.linalg.slogdet(xtx)[1])
                + np.einsum("ki,kij,kj->", r, inv, r)
            )
        likelihoods.append(ll)
    # every model the data do not reject (95 % profile region) is plausible; keep the one
    # under which a typical unit's slope is least certain, so the test is never too sure
    best_ll = max(likelihoods)
    plausible = [
        n for n, ll in zip(candidates, likelihoods, strict=True) if ll >= best_ll - PROFILE_DROP
    ]
    typical_t = np.arange(12.0)
    typical_se = np.full(12, np.sqrt(base))
    return max(plausible, key=lambda n: slope_variance(typical_t, typical_se, n))


def slope_variance(t: np.ndarray, se: np.ndarray, noise: Noise) -> float:
    """Variance of the GLS slope of a series observed at ``t`` with errors ``se``."""
    x = _design(t)
    inv = np.linalg.inv(noise.covariance(t, se))
    return float(np.linalg.inv(x.T @ inv @ x)[1, 1])


def gls_slope(
    t: np.ndarray, y: np.ndarray, se: np.ndarray, noise: Noise, sign: float
) -> tuple[float, float, float, float]:
    """Slope per unit of ``t`` with its 95 % interval and the one-sided p-value that it is
    worse than flat (``sign`` = +1 where higher is better); GLS with the known covariance of
    ``noise`` (statsmodels)."""
    fit = sm.GLS(y, _design(t), sigma=noise.covariance(t, se)).fit(
        cov_type="fixed scale", cov_kwds={"scale": 1.0}
    )
    low, high = fit.conf_int(alpha=1 - CONFIDENCE)[1]
    z = float(fit.tvalues[1])
    return float(fit.params[1]), float(low), float(high), float(stats.norm.cdf(sign * z))


def kendall_tau(t: np.ndarray, y: np.ndarray) -> float:
    """Kendall's τ-b of ``y`` against time (shown for orientation only)."""
    dt = np.sign(np.subtract.outer(t, t))
    dy = np.sign(np.subtract.outer(y, y))
    upper = np.triu_indices(len(t), 1)
    concordance = float(np.sum(dt[upper] * dy[upper]))
    norm = float(np.sqrt(np.sum(dt[upper] != 0) * np.sum(dy[upper] != 0)))
    return concordance / norm if norm > 0 else float("nan")


def _worse(p: float, level: float = P_LEVEL) -> bool:
    """Significantly worse: the one-sided p (worse direction) below ``level``."""
    return bool(np.isfinite(p) and p < level)


def _window(
    t: np.ndarray, periods: list[str], end: int | None
) -> tuple[str, np.ndarray, np.ndarray]:
    """The granularity, the periods up to ``end`` and the mask of the trend window in them."""
    granularity = "month" if is_month(periods[0]) else "quarter"
    last = int(t[-1]) if end is None else end
    upto = t <= last
    return granularity, upto, (t >= last - WINDOW[granularity] + 1) & upto


def trend(
    t: np.ndarray,
    y: np.ndarray,
    periods: list[str],
    *,
    code: str,
    indicator: str,
    sign: float,
    threshold: float,
    se: np.ndarray,
    noise: Noise | None = None,
    end: int | None = None,
    q_value: float | None = None,
    q_better: float | None = None,
) -> Trend:
    """The trend of a shown series (``t`` = consecutive period index, oldest first, ``se``
    the cells' standard errors) over the window that ends with the period ``end`` (default:
    the series' last period). ``noise`` is the pooled noise model (default: sampling error
    only); ``q_value`` / ``q_better`` the series' BH-adjusted one-sided p of getting worse /
    better (alone: its own p)."""
    noise = noise or Noise()
    granularity, upto, in_window = _window(t, periods, end)
    step = 1 if granularity == "month" else 3
    last = int(t[upto][-1]) if end is None else end
    t, y, se = t[upto], y[upto], se[upto]
    in_window = in_window[upto]
    periods = [p for p, keep in zip(periods, upto, strict=True) if keep]
    nan = float("nan")
    tw, yw, sw = t[in_window] * step, y[in_window], se[in_window]
    first = periods[int(np.argmax(in_window))] if in_window.any() else periods[-1]
    extra = float(np.sqrt(noise.extra_var))
    if len(tw) < MIN_POINTS[granularity]:
        return Trend(
            code, indicator, granularity, first, periods[-1], len(tw),
            nan, nan, nan, noise.rho, extra, noise.rho_unit, nan, nan, nan, nan, threshold,
            "too_few", "", 0,
        )  # fmt: skip
    tau = kendall_tau(tw, yw)
    slope, low, high, p = gls_slope(tw, yw, sw, noise, sign)
    q = p if q_value is None else q_value
    qb = 1 - p if q_better is None else q_better
    change = slope * float(tw[-1] - tw[0])
    if _worse(q, Q_LEVEL):
        status = "decline" if abs(change) >= threshold else "watch"
    elif _worse(qb, Q_LEVEL):
        status = "rising"
    else:
        status = "stable"
    since, months = "", 0
    if status in ("decline", "watch"):
        s = int(np.argmax(in_window))
        while s > 0:
            r = gls_slope(t[s - 1 :] * step, y[s - 1 :], se[s - 1 :], noise, sign)
            if not _worse(r[3]):
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
        q_value=q,
        rho=noise.rho,
        extra_sd=extra,
        rho_unit=noise.rho_unit,
        slope=slope,
        slope_low=low,
        slope_high=high,
        change=change,
        threshold=threshold,
        status=status,
        since=since,
        months=months,
    )


def _series(figures: pd.DataFrame, bank: ItemBank) -> dict[tuple[str, str], pd.DataFrame]:
    frame = units_only(figures)
    frame = frame[(frame["status"] == SHOWN) & (frame["indicator"] != RESPONSES)]
    frame = frame.sort_values("period").drop_duplicates(
        ["code", "indicator", "period"], keep="last"
    )
    frame = frame.assign(se=standard_error(frame, bank)) if len(frame) else frame
    return {key: g for key, g in frame.groupby(["code", "indicator"], sort=False)}  # type: ignore[misc]


def _last_index(figures: pd.DataFrame) -> int:
    """The newest released period (shown or not): every window ends there."""
    return max((period_index(p) for p in figures["period"].unique()), default=0)


@dataclass(frozen=True)
class Series:
    """One shown series to test: periods oldest first, values and their standard errors."""

    code: str
    indicator: str
    periods: list[str]
    values: np.ndarray
    se: np.ndarray
    end: int
    sign: float
    threshold: float

    @property
    def t(self) -> np.ndarray:
        return np.array([period_index(p) for p in self.periods])

    def window(self) -> tuple[str, np.ndarray]:
        """Granularity and the mask of the trend window."""
        granularity, _, window = _window(self.t, self.periods, self.end)
        return granularity, window

    def enough(self) -> bool:
        granularity, window = self.window()
        return int(window.sum()) >= MIN_POINTS[granularity]


def test_family(series: Sequence[Series]) -> list[Trend]:
    """Test all ``series`` together: the noise model pooled per indicator and granularity,
    Benjamini–Hochberg over all of them (worse and better as two families)."""
    pooled: dict[tuple[str, str], list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
    for item in series:
        granularity, _ = item.window()
        if item.enough():
            step = 1 if granularity == "month" else 3
            _, window = item.window()
            pooled.setdefault((item.indicator, granularity), []).append(
                (item.t[window] * step, item.values[window], item.se[window])
            )
    noise = {key: variance_components(members) for key, members in pooled.items()}

    def run(item: Series, q: float | None, qb: float | None) -> Trend:
        return trend(
            item.t,
            item.values,
            item.periods,
            code=item.code,
            indicator=item.indicator,
            sign=item.sign,
            threshold=item.threshold,
            se=item.se,
            noise=noise.get((item.indicator, item.window()[0])),
            end=item.end,
            q_value=q,
            q_better=qb,
        )

    first = [run(item, 1.0, 1.0) for item in series]
    tested = [i for i, r in enumerate(first) if r.status != "too_few"]
    worse = np.full(len(first), np.nan)
    better = np.full(len(first), np.nan)
    if tested:
        p = np.array([first[i].p_value for i in tested])
        worse[tested] = multipletests(p, alpha=Q_LEVEL, method="fdr_bh")[1]
        better[tested] = multipletests(1 - p, alpha=Q_LEVEL, method="fdr_bh")[1]
    return [
        run(item, float(worse[i]), float(better[i]))
        if worse[i] < Q_LEVEL or better[i] < Q_LEVEL
        else replace(first[i], q_value=float(worse[i]))
        for i, item in enumerate(series)
    ]


def trends(monthly: pd.DataFrame, quarterly: pd.DataFrame, bank: ItemBank) -> pd.DataFrame:
    """The trend of every unit and indicator: monthly where the unit has enough shown months
    in the window, otherwise quarterly; all series tested together (``test_family``)."""
    by_month = _series(monthly, bank) if len(monthly) else {}
    by_quarter = _series(quarterly, bank) if len(quarterly) else {}
    ends = {
        id(by_month): _last_index(monthly),
        id(by_quarter): _last_index(quarterly),
    }
    chosen: list[Series] = []
    for key in sorted(set(by_month) | set(by_quarter)):
        pick = None
        for source in (by_month, by_quarter):
            group = source.get(key)
            if group is None:
                continue
            code, indicator = key
            pick = Series(
                code,
                indicator,
                group["period"].tolist(),
                group["mean"].to_numpy(dtype=float),
                group["se"].to_numpy(dtype=float),
                ends[id(source)],
                orientation(bank, indicator),
                bank.scale(indicator).meaningful_change,
            )
            if pick.enough():
                break
        if pick is not None:
            chosen.append(pick)
    results = test_family(chosen)
    out = pd.DataFrame([r.as_dict() for r in results], columns=list(Trend.__dataclass_fields__))
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
