"""Chronic decline: Mann–Kendall and Theil–Sen per unit and indicator; the demo's Jugendamt
(A51) is listed with since-when, a stable unit is not; figures equal scipy on raw answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bgm_dashboard.analytics.decline import sustained_declines, trend, trends
from bgm_dashboard.instrument.bank import load_bank
from bgm_dashboard.periods import month_label, period_index
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


def test_a51_who5_trend_equals_scipy_on_the_raw_answers(table: pd.DataFrame) -> None:
    _, responses = read_csv(SAMPLE)
    a51 = responses[responses["department"] == "A51"]
    means = a51.assign(who5=who5_scores(a51)).groupby("period")["who5"].mean()
    window = means.iloc[-12:]
    x = np.arange(12)
    tau = stats.kendalltau(x, window.to_numpy())
    sen = stats.theilslopes(window.to_numpy(), x, alpha=0.95)
    row = table[(table["code"] == "A51") & (table["indicator"] == "who5")].iloc[0]
    assert row["first_period"] == window.index[0] and row["last_period"] == window.index[-1]
    assert row["tau"] == pytest.approx(tau.statistic)
    assert row["p_value"] == pytest.approx(tau.pvalue)
    assert row["slope"] == pytest.approx(sen.slope)
    assert row["slope_low"] == pytest.approx(sen.low_slope)
    assert row["slope_high"] == pytest.approx(sen.high_slope)
    assert row["change"] == pytest.approx(sen.slope * 11)
    assert row["status"] == "decline"
    # since: every longer window back to 'since' stays significantly negative, one more does not
    start = list(means.index).index(row["since"])
    for s in range(start, len(means) - 11):
        part = means.iloc[s:]
        xs = np.arange(len(part))
        assert stats.kendalltau(xs, part.to_numpy()).pvalue < 0.05
        assert stats.theilslopes(part.to_numpy(), xs).high_slope < 0
    if start > 0:
        part = means.iloc[start - 1 :]
        xs = np.arange(len(part))
        worse = (
            stats.kendalltau(xs, part.to_numpy()).pvalue < 0.05
            and stats.theilslopes(part.to_numpy(), xs).high_slope < 0
        )
        assert not worse
    assert row["months"] == len(means) - start


def months(n: int) -> list[str]:
    return [month_label(2025, 1 + i) if i < 12 else month_label(2026, i - 11) for i in range(n)]


def run(values: np.ndarray, threshold: float = 10.0) -> dict[str, object]:
    periods = months(len(values))
    t = np.array([period_index(p) for p in periods])
    return trend(t, values, periods, code="X", indicator="who5", sign=1.0,
                 threshold=threshold).as_dict()  # fmt: skip


def test_noise_without_trend_is_not_flagged() -> None:
    rng = np.random.default_rng(3)
    assert run(60 + rng.normal(0, 2, 12))["status"] in ("stable", "watch", "rising")
    assert run(np.full(12, 60.0))["status"] == "stable"


def test_small_significant_decline_is_only_watched() -> None:
    values = 60 - 0.3 * np.arange(12) + np.tile([0.1, -0.1], 6)
    result = run(values)
    assert result["p_value"] < 0.05 and result["status"] == "watch"


def test_steady_decline_is_flagged_with_its_start() -> None:
    values = np.r_[np.full(6, 60.0) + np.tile([0.5, -0.5], 3), 60 - 1.5 * np.arange(1, 13)]
    result = run(values)
    assert result["status"] == "decline"
    assert result["months"] >= 12


def test_too_few_values() -> None:
    assert run(np.array([60.0, 55, 50, 45]))["status"] == "too_few"
