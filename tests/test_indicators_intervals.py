"""One interval function per statistic, checked by simulation with fixed seeds: the eNPS
interval keeps its coverage at 0 % and 100 %, Feldt's α interval covers the true α, and the
quarter interval with its design effect stays honest when the same people answer each month."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bgm_dashboard.indicators.stats import (
    ALPHA_STABLE_N,
    alpha_interval,
    alpha_unstable,
    cronbach_alpha,
    describe_continuous,
    describe_nps,
    nps_standard_error,
)

DRAWS = 3000
CASES = [(0.0, 0.97), (0.97, 0.0), (0.02, 0.9), (0.3, 0.3), (0.5, 0.2), (0.1, 0.6)]


def nps_coverage(n: int, p: float, d: float, rng: np.random.Generator) -> tuple[float, float]:
    """Coverage of the released interval and of the plain Wald interval (for contrast)."""
    counts = rng.multinomial(n, [p, d, 1 - p - d], size=DRAWS)
    released = describe_nps(np.full(DRAWS, n), counts[:, 0], counts[:, 1])
    true = 100 * (p - d)
    covered = (released.ci_low <= true) & (true <= released.ci_high)
    pw, dw = counts[:, 0] / n, counts[:, 1] / n
    half = 1.96 * 100 * np.sqrt(np.clip(pw + dw - (pw - dw) ** 2, 0, None) / n)
    wald = (100 * (pw - dw) - half <= true) & (true <= 100 * (pw - dw) + half)
    return float(covered.mean()), float(wald.mean())


@pytest.mark.parametrize("n", [5, 7, 20, 50])
def test_enps_interval_keeps_its_coverage_at_the_extremes(n: int) -> None:
    rng = np.random.default_rng(n)
    results = [nps_coverage(n, p, d, rng) for p, d in CASES]
    ours = [r[0] for r in results]
    assert min(ours) >= 0.85, ours
    assert np.mean(ours) >= 0.90, ours
    # the old Wald interval failed exactly here: all-detractor cells of n = 5 or 7
    if n <= 7:
        assert min(r[1] for r in results) < 0.25


def test_enps_interval_never_collapses() -> None:
    for n in (5, 7, 12):
        all_detractors = describe_nps(np.array([n]), np.array([0]), np.array([n]))
        assert all_detractors.mean[0] == -100
        assert all_detractors.ci_low[0] == -100
        assert all_detractors.ci_high[0] > -100 + 5
        all_promoters = describe_nps(np.array([n]), np.array([n]), np.array([0]))
        assert all_promoters.ci_low[0] < 100 - 5
    # the standard error used by change tests and effects is the same one, never zero
    assert nps_standard_error(np.array([5.0]), np.array([0.0]), np.array([1.0]))[0] > 0


def feldt(alpha: float, n: int, k: int) -> tuple[float, float]:
    """Feldt (1965) as written in Feldt, Woodruff & Salih (1987), eq. (7)."""
    df1, df2 = n - 1, (n - 1) * (k - 1)
    return (
        1 - (1 - alpha) * stats.f.isf(0.025, df1, df2),
        1 - (1 - alpha) * stats.f.isf(0.975, df1, df2),
    )


def test_alpha_interval_is_feldt_and_covers_the_true_alpha() -> None:
    rng = np.random.default_rng(3)
    k, n, loading = 5, 40, 0.7
    # parallel items: true alpha = k·r / (1 + (k − 1)·r) with r = loading²
    r = loading**2
    true = k * r / (1 + (k - 1) * r)
    hits = 0
    runs = 300
    for _ in range(runs):
        factor = rng.normal(size=(n, 1))
        items = loading * factor + np.sqrt(1 - r) * rng.normal(size=(n, k))
        total = items.sum(axis=1)
        a = cronbach_alpha(
            np.array(float(n)),
            items.sum(axis=0),
            (items**2).sum(axis=0),
            np.array(total.sum()),
            np.array((total**2).sum()),
        )
        low, high = alpha_interval(a, np.array(float(n)), k)
        want = feldt(float(a), n, k)
        assert (float(low), float(high)) == pytest.approx(want, abs=1e-9)
        hits += bool(low <= true <= high)
    assert 0.92 <= hits / runs <= 0.98


def test_alpha_is_flagged_unstable_below_the_stated_n() -> None:
    assert alpha_unstable(np.array([5, ALPHA_STABLE_N - 1, ALPHA_STABLE_N])).tolist() == [
        True,
        True,
        False,
    ]
    low, high = alpha_interval(np.array(0.8), np.array(5.0), 5)
    assert high - low > 0.5  # five complete answers say next to nothing about α


def test_quarter_interval_with_design_effect_stays_honest() -> None:
    """The same 40 people answer all three monthly waves, their answers correlated .8:
    the quarter interval with the design effect covers the true mean; n = 120 as if
    independent would not."""
    rng = np.random.default_rng(11)
    people, waves, rho = 40, 3, 0.8
    runs = 600
    ours = naive = 0
    for _ in range(runs):
        person = rng.normal(size=(people, 1)) * np.sqrt(rho)
        answers = 50 + 20 * (person + np.sqrt(1 - rho) * rng.normal(size=(people, waves)))
        x = answers.ravel()
        n, s1, s2 = np.array(float(x.size)), np.array(x.sum()), np.array((x**2).sum())
        d = describe_continuous(n, s1, s2, (-1e9, 1e9), waves=float(waves))
        ours += bool(d.ci_low <= 50 <= d.ci_high)
        flat = describe_continuous(n, s1, s2, (-1e9, 1e9))
        naive += bool(flat.ci_low <= 50 <= flat.ci_high)
    assert ours / runs >= 0.93
    assert naive / runs < 0.90
