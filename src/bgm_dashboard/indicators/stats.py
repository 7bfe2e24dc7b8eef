"""Group statistics from sufficient statistics: mean, SD, standard error and 95 % interval,
the eNPS and its interval, Cronbach's alpha and its interval. One function per statistic:
everything else (publication, change tests, curves, effects) calls these.

* Means: t-interval mean ± t(0.975, n_eff − 1)·sd/√n_eff.
* eNPS: adjusted Wald interval of Rocks (2016, The American Statistician 70:4): ¾ is added
  to the promoters and to the detractors and 3 to n before the normal interval of the
  difference of two shares of one sample, so the interval keeps its coverage at 0 % and 100 %
  (the plain Wald interval collapses to zero width there).
* Quarter figures pool up to one answer a person per monthly wave, so the same person may
  answer up to ``waves`` times. Their standard error uses the design effect ``waves``:
  Var(Σ answers) = Σ_persons Var(own answers) ≤ Σ_persons mᵢ²σ² ≤ waves·n·σ² whatever the
  correlation of a person's answers, i.e. n_eff = n / waves. This bound is never too narrow;
  where different people answer each month it is wider than needed.
* Cronbach's α: Feldt's (1965) interval from the F distribution with n − 1 and
  (n − 1)(k − 1) degrees of freedom; below ``ALPHA_STABLE_N`` complete answers α is
  flagged as unstable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

CONFIDENCE = 0.95
NPS_PSEUDO = 0.75
"""Added to promoters and to detractors (and 3 to n) for the eNPS interval (Rocks 2016)."""
ALPHA_STABLE_N = 30
"""Below this many complete answers α is shown as unstable (its interval spans about ±.15)."""


@dataclass(frozen=True)
class Described:
    mean: np.ndarray
    sd: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    se: np.ndarray


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


def effective_n(n: np.ndarray, waves: np.ndarray | float = 1.0) -> np.ndarray:
    """n divided by the design effect ``waves`` (how many answers one person may give to the
    figure: 1 for a month, the number of monthly waves for a quarter)."""
    w = np.maximum(np.asarray(waves, dtype=np.float64), 1.0)
    return np.asarray(n, dtype=np.float64) / w


def describe_continuous(
    n: np.ndarray,
    s1: np.ndarray,
    s2: np.ndarray,
    value_range: tuple[float, float],
    waves: np.ndarray | float = 1.0,
) -> Described:
    """Mean, sample SD (n - 1), the standard error sd/√n_eff and the t-interval with
    n_eff − 1 degrees of freedom, clipped to the indicator's range."""
    n = np.asarray(n, dtype=np.float64)
    mean = _safe_div(s1, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.where(
            n > 1, (s2 - s1 * s1 / np.where(n > 0, n, 1)) / np.where(n > 1, n - 1, 1), np.nan
        )
    sd = np.sqrt(np.clip(var, 0.0, None))
    ne = effective_n(n, waves)
    ok = ne > 1
    t = np.where(ok, _t_quantile(np.where(ok, ne - 1, 1)), np.nan)
    se = np.where(n > 1, sd / np.sqrt(np.where(ne > 0, ne, 1)), np.nan)
    half = t * se
    lo, hi = value_range
    return Described(mean, sd, np.clip(mean - half, lo, hi), np.clip(mean + half, lo, hi), se)


def nps_standard_error(
    n: np.ndarray, promoter_share: np.ndarray, detractor_share: np.ndarray, waves: object = 1.0
) -> np.ndarray:
    """Standard error of the eNPS (in points) from the adjusted shares
    p̃ = (P + ¾)/(n + 3), d̃ = (D + ¾)/(n + 3): 100·√((p̃ + d̃ − (p̃ − d̃)²)/(n + 3)), with
    n_eff = n / waves. Never zero, also at 0 % or 100 % promoters."""
    ne = effective_n(n, np.asarray(waves, dtype=np.float64))
    nt = ne + 4 * NPS_PSEUDO
    p = (np.asarray(promoter_share, dtype=np.float64) * ne + NPS_PSEUDO) / nt
    d = (np.asarray(detractor_share, dtype=np.float64) * ne + NPS_PSEUDO) / nt
    with np.errstate(invalid="ignore", divide="ignore"):
        se = 100.0 * np.sqrt(np.clip(p + d - (p - d) ** 2, 0.0, None) / nt)
    return np.asarray(np.where(ne > 0, se, np.nan), dtype=np.float64)


def describe_nps(
    n: np.ndarray,
    promoters: np.ndarray,
    detractors: np.ndarray,
    waves: np.ndarray | float = 1.0,
) -> Described:
    """eNPS = % promoters − % detractors with the adjusted Wald interval (Rocks 2016): centred
    on the adjusted score 100·(p̃ − d̃), ± z·SE from :func:`nps_standard_error`."""
    n = np.asarray(n, dtype=np.float64)
    p = _safe_div(promoters, n)
    d = _safe_div(detractors, n)
    score = 100.0 * (p - d)
    z = _z_quantile()
    ne = effective_n(n, waves)
    nt = ne + 4 * NPS_PSEUDO
    centre = 100.0 * ((p * ne + NPS_PSEUDO) - (d * ne + NPS_PSEUDO)) / nt
    se = nps_standard_error(n, p, d, waves)
    half = z * se
    sd = np.full_like(score, np.nan)
    return Described(
        score, sd, np.clip(centre - half, -100, 100), np.clip(centre + half, -100, 100), se
    )


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


def alpha_interval(alpha: np.ndarray, n: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Feldt's 95 % interval of Cronbach's α from n complete answers to k items:
    1 − (1 − α)·F(1 − γ/2; n − 1, (n − 1)(k − 1)) … 1 − (1 − α)·F(γ/2; …)."""
    alpha = np.asarray(alpha, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    ok = np.isfinite(alpha) & (n > 2) & (k > 1)
    df1 = np.where(ok, n - 1, 1.0)
    df2 = df1 * max(k - 1, 1)
    from scipy import stats  # when needed (fast command line, see _t_quantile)

    gamma = 1 - CONFIDENCE
    low = 1 - (1 - alpha) * stats.f.ppf(1 - gamma / 2, df1, df2)
    high = 1 - (1 - alpha) * stats.f.ppf(gamma / 2, df1, df2)
    return np.where(ok, low, np.nan), np.where(ok, high, np.nan)


def alpha_unstable(n: np.ndarray) -> np.ndarray:
    """Whether α rests on fewer than ``ALPHA_STABLE_N`` complete answers."""
    return np.asarray(np.asarray(n, dtype=np.float64) < ALPHA_STABLE_N)


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
