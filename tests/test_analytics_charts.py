"""Chart builders: markers of any kind (crisis events, action plans) on trend charts, styled
and named by kind; the resilience curve draws baseline and triangle; print-friendly layout."""

from __future__ import annotations

from datetime import date

import pandas as pd

from bgm_dashboard.instrument.bank import load_bank
from bgm_dashboard.ui.charts import drivers_figure, resilience_curve_figure, trend_figure

SERIES = pd.DataFrame(
    {
        "period": ["2025-04", "2025-05", "2025-06", "2025-07", "2025-08"],
        "status": ["shown"] * 5,
        "n": [50] * 5,
        "mean": [60.0, 61.0, 40.0, 55.0, 62.0],
        "ci_low": [55.0, 56.0, 35.0, 50.0, 57.0],
        "ci_high": [65.0, 66.0, 45.0, 60.0, 67.0],
    }
)


def test_trend_chart_takes_event_and_plan_markers() -> None:
    markers = [
        (date(2025, 6, 3), "Cyberangriff", "event"),
        (date(2025, 7, 1), "Entlastung", "plan"),
        (date(2024, 1, 1), "outside the axis", "plan"),
        (date(2025, 8, 9), "two-tuple marker"),
    ]
    fig = trend_figure(SERIES, "WHO-5", "de", value_range=(0, 100), k=5, markers=markers)
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert [(s.x0, s.line.dash) for s in lines] == [
        ("06/2025", "dot"),
        ("07/2025", "dash"),
        ("08/2025", "dot"),
    ]
    texts = [a.text for a in fig.layout.annotations]
    assert texts == ["Cyberangriff", "Entlastung", "two-tuple marker"]
    legend = {t.name for t in fig.data}
    assert {"Krisenereignis", "Maßnahme"} <= legend  # kinds named, not colour only
    assert fig.layout.separators == ",."  # German decimal comma on the axes
    assert fig.layout.template.layout.paper_bgcolor in ("white", "#ffffff", "rgb(255,255,255)")


def test_resilience_curve_draws_baseline_and_triangle() -> None:
    metrics = {"baseline": 60.5, "event_period": "2025-06", "recovery_period": "2025-08"}
    fig = resilience_curve_figure(SERIES, metrics, "Curve", "en", value_range=(0, 100), digits=1)
    names = [t.name for t in fig.data]
    assert "Baseline 60.5" in names
    triangle = next(t for t in fig.data if t.name == "Resilience triangle (loss)")
    assert list(triangle.x) == ["06/2025", "07/2025", "08/2025"]
    assert list(triangle.y) == [40.0, 55.0, 60.5]
    assert triangle.fillpattern.shape == "/"


def test_drivers_chart_has_both_views_with_intervals() -> None:
    table = pd.DataFrame(
        {
            "dimension": ["workload", "learning"],
            "r_time": [0.7, 0.5], "low_time": [0.6, 0.3], "high_time": [0.8, 0.65],
            "r_units": [0.8, 0.4], "low_units": [0.4, -0.2], "high_units": [0.95, 0.8],
        }
    )  # fmt: skip
    bank = load_bank()
    labels = {s.code: s.title["de"] for s in bank.scales}
    fig = drivers_figure(table, labels, "de")
    assert [t.marker.symbol for t in fig.data] == ["diamond", "circle-open"]
    assert list(fig.data[0].error_x.array) == [0.8 - 0.7, 0.65 - 0.5]
    assert fig.data[0].y[0].startswith("1. Arbeitslast")
