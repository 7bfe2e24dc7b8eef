"""Resilience curves: baseline, dip, recovery time, level after recovery, bounce forward and
the resilience-triangle loss, on constructed series and on the demo's cyber-attack dip
(recomputed from the raw sample answers)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from bgm_dashboard.analytics.curves import curve_metrics, event_curves
from bgm_dashboard.instrument.bank import load_bank
from bgm_dashboard.periods import period_index
from tests.analytics_helpers import read_csv, released, who5_scores
from tests.conftest import SAMPLE

BANK = load_bank()


def series(values: dict[str, float], se: float = 0.5) -> pd.DataFrame:
    periods = sorted(values)
    return pd.DataFrame(
        {
            "period": periods,
            "t": [period_index(p) for p in periods],
            "mean": [values[p] for p in periods],
            "se": se,
        }
    )


BASE = {"2025-03": 58.0, "2025-04": 60.0, "2025-05": 62.0}


def test_dip_recovery_and_triangle_on_a_constructed_series() -> None:
    values = BASE | {
        "2025-06": 40.0, "2025-07": 45.0, "2025-08": 55.0, "2025-09": 61.0,
        "2025-10": 63.0, "2025-11": 62.0, "2025-12": 64.0,
    }  # fmt: skip
    m = curve_metrics(series(values), "2025-06", code="X", indicator="who5", meaningful_change=10)
    assert m.baseline == pytest.approx(60.0)
    assert m.depth == pytest.approx(20.0)
    assert m.low_period == "2025-06"
    assert m.recovered and m.recovery_period == "2025-09"
    assert m.months_to_recover == 3
    assert m.loss == pytest.approx((20 + 15 + 5) * 1)
    assert m.after_level == pytest.approx(np.mean([61, 63, 62]))
    assert m.outcome == "bounce_back"  # +2 points: less than half a meaningful change


def test_bounce_forward_needs_margin_and_interval() -> None:
    after = {"2025-06": 45.0, "2025-07": 67.0, "2025-08": 68.0, "2025-09": 69.0}
    clear = curve_metrics(series(BASE | after), "2025-06", code="X", indicator="who5",
                          meaningful_change=10)  # fmt: skip
    noisy = curve_metrics(series(BASE | after, se=8.0), "2025-06", code="X", indicator="who5",
                          meaningful_change=10)  # fmt: skip
    assert clear.outcome == "bounce_forward"
    assert clear.after_diff == pytest.approx(8.0) and clear.after_low > 0
    assert noisy.outcome == "bounce_back" and noisy.after_low < 0


def test_not_yet_recovered_reports_the_loss_so_far() -> None:
    values = BASE | {"2025-06": 40.0, "2025-07": 50.0, "2025-08": 55.0}
    m = curve_metrics(series(values), "2025-06", code="X", indicator="who5", meaningful_change=10)
    assert not m.recovered and m.outcome == "not_recovered"
    assert np.isnan(m.months_to_recover)
    assert m.loss == pytest.approx(20 + 10 + 5)


def test_hidden_period_inside_the_recovery_is_interpolated() -> None:
    values = BASE | {"2025-06": 40.0, "2025-08": 50.0, "2025-09": 60.0}  # 2025-07 hidden
    m = curve_metrics(series(values), "2025-06", code="X", indicator="who5", meaningful_change=10)
    assert m.months_to_recover == 3
    assert m.loss == pytest.approx(20 + 15 + 10)


def test_no_baseline_without_figures_before_the_event() -> None:
    m = curve_metrics(series({"2025-06": 40.0, "2025-07": 60.0}), "2025-06", code="X",
                      indicator="who5", meaningful_change=10)  # fmt: skip
    assert m.outcome == "no_baseline" and np.isnan(m.baseline)


def test_lower_is_better_indicators_recover_downwards() -> None:
    values = {"2025-03": 20.0, "2025-04": 20.0, "2025-05": 20.0, "2025-06": 35.0,
              "2025-07": 18.0}  # fmt: skip
    m = curve_metrics(series(values), "2025-06", code="X", indicator="x", meaningful_change=10,
                      sign=-1.0)  # fmt: skip
    assert m.depth == pytest.approx(15.0) and m.months_to_recover == 1
    assert m.loss == pytest.approx(15.0)


def test_quarterly_series_count_three_months_a_period() -> None:
    values = {"2025-Q1": 60.0, "2025-Q2": 60.0, "2025-Q3": 50.0, "2025-Q4": 60.0}
    m = curve_metrics(series(values), "2025-Q3", code="X", indicator="who5", meaningful_change=10)
    assert m.granularity == "quarter"
    assert m.months_to_recover == 3 and m.loss == pytest.approx(10 * 3)


def test_demo_cyber_attack_dip_and_recovery_match_the_raw_answers(demo_db: str) -> None:
    monthly, quarterly = released(demo_db)
    curves = event_curves(monthly, quarterly, BANK, date(2025, 6, 3), ["STADT"], ["who5"])
    row = curves.iloc[0]
    # independent: monthly WHO-5 means of every response (the whole administration)
    _, responses = read_csv(SAMPLE)
    means = responses.assign(who5=who5_scores(responses)).groupby("period")["who5"].mean()
    baseline = means[["2025-03", "2025-04", "2025-05"]].mean()
    after = means[means.index >= "2025-06"]
    recovery = after[after >= baseline].index[0]
    dip = after[after.index <= recovery]
    gap = (baseline - dip[dip.index < recovery]).clip(lower=0)
    assert row["granularity"] == "month"
    assert row["baseline"] == pytest.approx(baseline, abs=1e-6)
    assert row["depth"] == pytest.approx(baseline - dip.min(), abs=1e-6)
    assert row["depth"] > 10, "the demo's cyber attack must show as a clear dip"
    assert row["recovered"] and row["recovery_period"] == recovery
    months = period_index(recovery) - period_index("2025-06")
    assert row["months_to_recover"] == months and 0 < months <= 6
    assert row["loss"] == pytest.approx(gap.sum(), abs=1e-6)
    window = means[(means.index >= recovery)].iloc[:3]
    assert row["after_level"] == pytest.approx(window.mean(), abs=1e-6)


def test_demo_learning_bounces_forward(demo_db: str) -> None:
    monthly, quarterly = released(demo_db)
    curves = event_curves(monthly, quarterly, BANK, date(2025, 6, 3), ["STADT"], ["learning"])
    assert curves.iloc[0]["outcome"] == "bounce_forward"
