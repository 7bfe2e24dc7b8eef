"""Group statistics from sufficient statistics: mean, SD, 95 % interval, band shares, alpha."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Described:
    mean: np.ndarray
    sd: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray


def _t_quantile(df: Any) -> Any:
    """The two-sided CONFIDENCE quantile of Student's t with ``df`` degrees of freedom.
    scipy.special's stdtrit is what scipy.stats.t.ppf computes with (identical figures); it
    is imported here, when needed, so that commands that only read published figures (an
    export) start without scipy."""
    from scipy.special import stdtrit

    return stdtrit(df, 0.5 + CONFIDENCE / 2)


def _z_quantile() -> float:
    """The two-sided CONFIDENCE quantile of the normal distribution (as scipy.stats.norm.ppf)."""
    from scipy.special import ndtri

    return float(ndtri(0.5 + CONFIDENCE / 2))


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def describe_continuous(
    n: np.ndarray, s1: np.ndarray, s2: np.ndarray, value_range: tuple[float, float]
) -> Described:
    """Mean, sample SD (n - 1) and the t-interval, clipped to the indicator's range."""
    n = np.asarray(n, dtype=np.float64)
    mean = _safe_div(s1, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.where(
            n > 1, (s2 - s1 * s1 / np.where(n > 0, n, 1)) / np.where(n > 1, n - 1, 1), np.nan
        )
    sd = np.sqrt(np.clip(var, 0.0, None))
    t = np.where(n > 1, _t_quantile(np.where(n > 1, n - 1, 1)), np.nan)
    half = t * sd / np.sqrt(np.where(n > 0, n, 1))
    lo, hi = value_range
    return Described(mean, sd, np.clip(mean - half, lo, hi), np.clip(mean + half, lo, hi))


def describe_nps(n: np.ndarray, promoters: np.ndarray, detractors: np.ndarray) -> Described:
    """eNPS = % promoters - % detractors, with the normal interval of a difference of shares."""
    n = np.asarray(n, dtype=np.float64)
    p = _safe_div(promoters, n)
    d = _safe_div(detractors, n)
    score = 100.0 * (p - d)
    z = _z_quantile()
    with np.errstate(invalid="ignore"):
        half = z * 100.0 * np.sqrt(np.clip(p + d - (p - d) ** 2, 0.0, None) / np.where(n > 0, n, 1))
    sd = np.full_like(score, np.nan)
    return Described(score, sd, np.clip(score - half, -100, 100), np.clip(score + half, -100, 100))


def cronbach_alpha(
    n: np.ndarray,
    item_s1: np.ndarray,
    item_s2: np.ndarray,
    total_s1: np.ndarray,
    total_s2: np.ndarray,
) -> np.ndarray:
    """Cronbach's alpha from item moments: k/(k-1) * (1 - sum of item variances / variance of
    the item sum). The item sum's variance is the sum of the item covariance matrix, so this
    is alpha computed from the covariance matrix. ``item_*`` have the items on the last axis."""
    n = np.asarray(n, dtype=np.float64)
    k = item_s1.shape[-1]
    denom = np.where(n > 1, n - 1, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        item_var = (item_s2 - item_s1**2 / n[..., None]) / denom[..., None]
        total_var = (total_s2 - total_s1**2 / n) / denom
        alpha = k / (k - 1) * (1.0 - item_var.sum(axis=-1) / total_var)
    return np.where((n > 1) & (total_var > 0), alpha, np.nan)


def difference_interval(
    mean_a: float, se_a: float, df_a: float, mean_b: float, se_b: float, df_b: float
) -> tuple[float, float, float]:
    """Difference b - a of two independent group means with its Welch 95 % interval."""
    diff = mean_b - mean_a
    var = se_a**2 + se_b**2
    if not np.isfinite(var) or var <= 0:
        return diff, float("nan"), float("nan")
    if np.isfinite(df_a) and np.isfinite(df_b):
        df = var**2 / ((se_a**4) / df_a + (se_b**4) / df_b)
        q = float(_t_quantile(df))
    else:
        q = float(_z_quantile())
    half = q * float(np.sqrt(var))
    return diff, diff - half, diff + half


def difference_intervals(
    mean_a: np.ndarray,
    se_a: np.ndarray,
    df_a: np.ndarray,
    mean_b: np.ndarray,
    se_b: np.ndarray,
    df_b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised :func:`difference_interval`: differences b - a with their 95 % intervals
    (Welch–Satterthwaite t where both df are finite, the normal quantile where one is inf)."""
    mean_a, se_a, df_a, mean_b, se_b, df_b = (
        np.asarray(x, dtype=np.float64) for x in (mean_a, se_a, df_a, mean_b, se_b, df_b)
    )
    diff = mean_b - mean_a
    var = se_a**2 + se_b**2
    ok = np.isfinite(var) & (var > 0)
    finite_df = np.isfinite(df_a) & np.isfinite(df_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(finite_df, var**2 / (se_a**4 / df_a + se_b**4 / df_b), np.inf)
        q = np.where(
            finite_df,
            _t_quantile(np.where(finite_df & ok, df, 1.0)),
            _z_quantile(),
        )
        half = np.where(ok, q * np.sqrt(np.where(ok, var, 0.0)), np.nan)
    return diff, diff - half, diff + half
