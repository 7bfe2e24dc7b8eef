"""Drivers: Pearson r with Fisher-z intervals across units and over time, recomputed with
plain numpy from the released figures; ranked by r of the changes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bgm_dashboard.analytics.drivers import default_depth, drivers
from bgm_dashboard.instrument.bank import load_bank
from tests.analytics_helpers import released

BANK = load_bank()
DIMS = [s.code for s in BANK.dimensions()]


@pytest.fixture(scope="module")
def quarterly(demo_db: str) -> pd.DataFrame:
    return released(demo_db)[1]


def fisher(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, int]:
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    r = float(np.corrcoef(x, y)[0, 1])
    half = 1.959963984540054 / np.sqrt(len(x) - 3)
    return r, float(np.tanh(np.arctanh(r) - half)), float(np.tanh(np.arctanh(r) + half)), len(x)


def shown(quarterly: pd.DataFrame, depth: int) -> pd.DataFrame:
    frame = quarterly[(quarterly["status"] == "shown") & (quarterly["depth"] == depth)]
    return frame.pivot_table(index=["code", "period"], columns="indicator", values="mean")


@pytest.mark.parametrize("target", ["who5", "ori"])
def test_correlations_match_numpy(quarterly: pd.DataFrame, target: str) -> None:
    quarter = "2026-Q3"
    depth = default_depth(quarterly, quarter, target)
    table = drivers(quarterly, BANK, quarter, target=target).set_index("dimension")
    wide = shown(quarterly, depth)
    now = wide.xs(quarter, level="period")
    # changes between consecutive quarters; a hidden quarter leaves a gap, not a longer step
    quarters = sorted(quarterly["period"].unique())
    full = pd.MultiIndex.from_product([wide.index.unique("code"), quarters], names=wide.index.names)
    changes = wide.reindex(full).groupby(level="code").diff()
    for dim in DIMS:
        r, low, high, n = fisher(now[dim].to_numpy(), now[target].to_numpy())
        row = table.loc[dim]
        assert row["r_units"] == pytest.approx(r) and row["n_units"] == n
        assert row["low_units"] == pytest.approx(low) and row["high_units"] == pytest.approx(high)
        r, low, high, n = fisher(changes[dim].to_numpy(), changes[target].to_numpy())
        assert row["r_time"] == pytest.approx(r) and row["n_time"] == n
        assert row["low_time"] == pytest.approx(low) and row["high_time"] == pytest.approx(high)


def test_ranked_by_correlation_of_changes(quarterly: pd.DataFrame) -> None:
    table = drivers(quarterly, BANK, "2026-Q3")
    assert list(table["rank"]) == list(range(1, len(DIMS) + 1))
    assert table["r_time"].is_monotonic_decreasing
    assert set(table["dimension"]) == set(DIMS)
    assert table["clear"].equals((table["low_units"] > 0) | (table["low_time"] > 0))


def test_default_level_is_the_one_with_most_shown_units(quarterly: pd.DataFrame) -> None:
    cells = quarterly[
        (quarterly["period"] == "2026-Q3")
        & (quarterly["indicator"] == "who5")
        & (quarterly["status"] == "shown")
    ]
    assert default_depth(quarterly, "2026-Q3") == cells.groupby("depth").size().idxmax()
