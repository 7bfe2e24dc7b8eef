"""Resilience curves: baseline, dip beyond the tolerance band, sustained recovery, level
after recovery, bounce forward and Bruneau's loss integral, on constructed series and on the
demo's cyber-attack dip (recomputed from the raw sample answers)."""

from __future__ import annotations

import itertools
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


def integral(points: list[tuple[float, float]], baseline: float) -> float:
    """Bruneau's loss by brute force: the shortfall below the baseline of the straight lines
    through ``points`` (month, value), summed on a fine grid (trapezoid rule)."""
    x, y = zip(*points, strict=True)
    grid = np.linspace(x[0], x[-1], 200_001)
    gap = np.clip(baseline - np.interp(grid, x, y), 0, None)
    return float(np.sum((gap[1:] + gap[:-1]) / 2 * np.diff(grid)))


def test_dip_recovery_and_triangle_on_a_constructed_series() -> None:
    values = BASE | {
        "2025-06": 40.0, "2025-07": 45.0, "2025-08": 55.0, "2025-09": 61.0,
        "2025-10": 63.0, "2025-11": 62.0, "2025-12": 64.0,
    }  # fmt: skip
    m = curve_metrics(series(values), "2025-06", code="X", indicator="who5", meaningful_change=10)
    assert m.baseline == pytest.approx(60.0)
    assert m.dipped and m.depth == pytest.approx(20.0)
    assert m.low_period == "2025-06"
    # back within the band (2 points) in September and still in October: recovered
    assert m.recovered and m.recovery_period == "2025-09"
    assert m.months_to_recover == 3
    points = [(5, 60.0), (6, 40.0), (7, 45.0), (8, 55.0), (9, 61.0)]
    assert m.loss == pytest.approx(integral(points, 60.0), abs=1e-3)
    assert m.after_level == pytest.approx(np.mean([61, 63, 62]))
    assert m.outcome == "bounce_back"  # +2 points: less than half a meaningful change


def test_a_single_return_is_not_yet_a_recovery() -> None:
    values = BASE | {"2025-06": 40.0, "2025-07": 60.0, "2025-08": 50.0, "2025-09": 59.0,
                     "2025-10": 61.0}  # fmt: skip
    m = curve_metrics(series(values), "2025-06", code="X", indicator="who5", meaningful_change=10)
    assert m.recovery_period == "2025-09"  # July came back for one month only


def test_noise_inside_the_band_is_no_dip() -> None:
    values = BASE | {"2025-06": 58.5, "2025-07": 59.0, "2025-08": 61.0, "2025-09": 60.0}
    m = curve_metrics(series(values, se=3.0), "2025-06", code="X", indicator="who5",
                      meaningful_change=10)  # fmt: skip
    assert not m.dipped and m.outcome == "no_dip" and m.loss == 0


def test_bounce_forward_needs_margin_and_interval() -> None:
    after = {"2025-06": 30.0, "2025-07": 67.0, "2025-08": 68.0, "2025-09": 69.0}
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
    points = [(5, 60.0), (6, 40.0), (7, 50.0), (8, 55.0)]
    assert m.loss == pytest.approx(integral(points, 60.0), abs=1e-3)


def test_hidden_period_inside_the_recovery_is_bridged() -> None:
    values = BASE | {"2025-06": 40.0, "2025-08": 50.0, "2025-09": 60.0, "2025-10": 61.0}
    m = curve_metrics(series(values), "2025-06", code="X", indicator="who5", meaningful_change=10)
    assert m.months_to_recover == 3
    points = [(5, 60.0), (6, 40.0), (8, 50.0), (9, 60.0)]
    assert m.loss == pytest.approx(integral(points, 60.0), abs=1e-3)


def test_no_baseline_without_figures_before_the_event() -> None:
    m = curve_metrics(series({"2025-06": 40.0, "2025-07": 60.0}), "2025-06", code="X",
                      indicator="who5", meaningful_change=10)  # fmt: skip
    assert m.outcome == "no_baseline" and np.isnan(m.baseline)


def test_lower_is_better_indicators_recover_downwards() -> None:
    values = {"2025-03": 20.0, "2025-04": 20.0, "2025-05": 20.0, "2025-06": 35.0,
              "2025-07": 18.0, "2025-08": 19.0}  # fmt: skip
    m = curve_metrics(series(values), "2025-06", code="X", indicator="x", meaningful_change=10,
                      sign=-1.0)  # fmt: skip
    assert m.depth == pytest.approx(15.0) and m.months_to_recover == 1
    mirrored = [(5, -20.0), (6, -35.0), (7, -18.0)]
    assert m.loss == pytest.approx(integral(mirrored, -20.0), abs=1e-3)


def test_quarterly_series_count_three_months_a_period() -> None:
    values = {"2025-Q1": 60.0, "2025-Q2": 60.0, "2025-Q3": 50.0, "2025-Q4": 60.0}
    m = curve_metrics(series(values), "2025-Q3", code="X", indicator="who5", meaningful_change=10)
    assert m.granularity == "quarter"
    assert m.months_to_recover == 3
    assert m.loss == pytest.approx(integral([(0, 60.0), (1, 50.0), (2, 60.0)], 60.0) * 3, abs=1e-3)


def test_demo_cyber_attack_dip_and_recovery_match_the_raw_answers(demo_db: str) -> None:
    monthly, quarterly = released(demo_db)
    curves = event_curves(monthly, quarterly, BANK, date(2025, 6, 3), ["STADT"], ["who5"])
    row = curves.iloc[0]
    # independent: monthly WHO-5 means and standard errors of every response
    _, responses = read_csv(SAMPLE)
    scored = responses.assign(who5=who5_scores(responses)).groupby("period")["who5"]
    means, se = scored.mean(), scored.std(ddof=1) / np.sqrt(scored.count())
    base = ["2025-03", "2025-04", "2025-05"]
    baseline = means[base].mean()
    base_se = np.sqrt((se[base] ** 2).sum()) / 3
    band = np.maximum(1.959963984540054 * np.sqrt(se**2 + base_se**2), 2.0)
    after = means[means.index >= "2025-06"]
    within = after >= baseline - band[after.index]
    low = after[after.index <= "2025-11"].idxmin()
    later = [p for p in after.index if p > low]
    recovery = next(p for p, q in itertools.pairwise(later) if within[p] and within[q])
    assert row["granularity"] == "month" and row["dipped"]
    assert row["baseline"] == pytest.approx(baseline, abs=1e-6)
    assert row["depth"] == pytest.approx(baseline - after[after.index <= recovery].min(), abs=1e-6)
    assert row["depth"] > 10, "the demo's cyber attack must show as a clear dip"
    assert row["recovered"] and row["recovery_period"] == recovery
    months = period_index(recovery) - period_index("2025-06")
    assert row["months_to_recover"] == months and 0 < months <= 6
    upto = after[after.index <= recovery]
    points = [(period_index("2025-05"), baseline)] + [(period_index(p), v) for p, v in upto.items()]
    assert row["loss"] == pytest.approx(integral(points, baseline), abs=1e-2)
    window = means[(means.index >= recovery)].iloc[:3]
    assert row["after_level"] == pytest.approx(window.mean(), abs=1e-6)


def test_demo_learning_bounces_forward(demo_db: str) -> None:
    monthly, quarterly = released(demo_db)
    curves = event_curves(monthly, quarterly, BANK, date(2025, 6, 3), ["STADT"], ["learning"])
    assert curves.iloc[0]["outcome"] == "bounce_forward"
