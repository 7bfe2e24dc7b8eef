"""Chronic decline: GLS trend with a pooled noise model and Benjamini–Hochberg over all
series; the demo's Jugendamt (A51) is listed with since-when, a stable unit is not; figures
equal an independent computation on raw answers; trend-free simulated administrations show
no decline in at least 9 of 10 seeds and a steady decline of 2 points a month is found."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bgm_dashboard.analytics.decline import sustained_declines, trend, trends
from bgm_dashboard.instrument.bank import load_bank
from bgm_dashboard.periods import month_label, period_index
from bgm_dashboard.validation.methods import DECLINE
from bgm_dashboard.validation.organisation import Scenario, simulate
from tests.analytics_helpers import read_csv, released, who5_scores
from tests.conftest import SAMPLE

BANK = load_bank()


@pytest.fixture(scope="module")
def table(demo_db: str) -> pd.DataFrame:
    monthly, quarterly = released(demo_db)
    return trends(monthly, quarterly, BANK)


def test_jugendamt_is_listed_and_a_stable_unit_is_not(table: pd.DataFrame) -> None:
    listed = sustained_declines(table)
    assert "A51" in set(listed["code"])
    a51 = listed[(listed["code"] == "A51") & (listed["indicator"] == "who5")].iloc[0]
    assert a51["since"] <= "2025-10" and a51["months"] >= 12
    assert "A37" not in set(listed["code"])  # Feuerwehr: no decline in the demo
    assert set(listed["status"]) == {"decline"}


def test_a51_who5_trend_equals_gls_on_the_raw_answers(table: pd.DataFrame) -> None:
    """The slope, interval and p of A51's WHO-5 equal generalised least squares written out
    with numpy on the raw answers' monthly means and standard errors, with the pooled noise
    model (ρ of the sampling error, extra SD and its ρ) the table reports; q equals
    Benjamini–Hochberg by hand."""
    _, responses = read_csv(SAMPLE)
    a51 = responses[responses["department"] == "A51"]
    scored = a51.assign(who5=who5_scores(a51)).groupby("period")["who5"]
    means, se = scored.mean(), scored.std(ddof=1) / np.sqrt(scored.count())
    row = table[(table["code"] == "A51") & (table["indicator"] == "who5")].iloc[0]
    window = means.iloc[-12:]
    t = np.arange(12, dtype=float)
    s = se.iloc[-12:].to_numpy()
    lag = np.abs(t[:, None] - t[None, :])
    sigma = np.outer(s, s) * row["rho"] ** lag + row["extra_sd"] ** 2 * row["rho_unit"] ** lag
    x = np.column_stack([np.ones(12), t - t.mean()])
    inv = np.linalg.inv(sigma)
    cov = np.linalg.inv(x.T @ inv @ x)
    beta = cov @ x.T @ inv @ window.to_numpy()
    z = beta[1] / np.sqrt(cov[1, 1])
    assert row["first_period"] == window.index[0] and row["last_period"] == window.index[-1]
    assert row["slope"] == pytest.approx(beta[1], rel=1e-6)
    assert row["p_value"] == pytest.approx(stats.norm.cdf(z), rel=1e-6)  # one-sided: worse
    assert row["slope_low"] == pytest.approx(beta[1] - 1.959963985 * np.sqrt(cov[1, 1]), rel=1e-6)
    assert row["change"] == pytest.approx(beta[1] * 11)
    assert row["tau"] == pytest.approx(stats.kendalltau(t, window.to_numpy()).statistic)
    assert row["status"] == "decline"
    tested = table[table["status"] != "too_few"].sort_values("p_value")
    m = len(tested)
    ranked = tested["p_value"].to_numpy() * m / np.arange(1, m + 1)
    bh = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1)
    assert tested["q_value"].to_numpy() == pytest.approx(bh)


def months(n: int) -> list[str]:
    return [month_label(2025, 1 + i) if i < 12 else month_label(2026, i - 11) for i in range(n)]


def run(values: np.ndarray, threshold: float = 10.0, se: float = 2.0) -> dict[str, object]:
    periods = months(len(values))
    t = np.array([period_index(p) for p in periods])
    return trend(t, values, periods, code="X", indicator="who5", sign=1.0,
                 threshold=threshold, se=np.full(len(values), se)).as_dict()  # fmt: skip


def test_noise_without_trend_is_not_flagged() -> None:
    rng = np.random.default_rng(3)
    assert run(60 + rng.normal(0, 2, 12))["status"] in ("stable", "watch", "rising")
    assert run(np.full(12, 60.0))["status"] == "stable"


def test_small_significant_decline_is_only_watched() -> None:
    values = 60 - 0.3 * np.arange(12) + np.tile([0.1, -0.1], 6)
    result = run(values, se=0.2)
    assert result["p_value"] < 0.05 and result["status"] == "watch"


def test_steady_decline_is_flagged_with_its_start() -> None:
    values = np.r_[np.full(6, 60.0) + np.tile([0.5, -0.5], 3), 60 - 1.5 * np.arange(1, 13)]
    result = run(values)
    assert result["status"] == "decline"
    assert result["months"] >= 12


def test_too_few_values() -> None:
    assert run(np.array([60.0, 55, 50, 45]))["status"] == "too_few"


def test_trend_free_administrations_show_no_decline() -> None:
    """Demo-like administrations with autocorrelated noise and no trend (10 fixed seeds):
    at least 9 of 10 list no "anhaltende Verschlechterung"."""
    clean = 0
    for seed in range(10):
        monthly, quarterly = simulate(BANK, Scenario(), seed)
        table = trends(monthly, quarterly, BANK)
        clean += int((table["status"] == "decline").sum() == 0)
    assert clean >= 9


def test_steady_decline_of_two_points_a_month_is_found() -> None:
    """One unit with about 30 answers a month loses 2 WHO-5 points a month for 12 months.
    ``bgm validate --runs 100`` finds it in 76 % of runs (docs/methods.md; the issue's 80 %
    is narrowly missed: the noise model is chosen to keep false alarms below 10 % first).
    This small fixed-seed run guards against losing that power: at least 7 of 10."""
    found = 0
    for seed in range(10):
        monthly, quarterly = simulate(BANK, DECLINE, 30_000 + seed)
        table = trends(monthly, quarterly, BANK)
        row = table[(table["code"] == "A50") & (table["indicator"] == "who5")].iloc[0]
        found += int(row["status"] == "decline")
    assert found >= 7
