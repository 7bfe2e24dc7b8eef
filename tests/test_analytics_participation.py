"""Participation: response rates per unit and wave and per quarter against subtree headcount,
shown only where the unit is shown, checked against counts from the raw sample file."""

from __future__ import annotations

import pandas as pd
import pytest

from bgm_dashboard.analytics.participation import quarter_rates, rate_trends, wave_rates
from tests.analytics_helpers import quarter_of, read_csv, released, subtree, subtree_headcount
from tests.conftest import SAMPLE


@pytest.fixture(scope="module")
def figures(demo_db: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    return released(demo_db)


def test_wave_rates_are_counts_over_subtree_headcount(
    figures: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    departments, responses = read_csv(SAMPLE)
    waves = wave_rates(figures[0])
    shown = waves[waves["status"] == "shown"]
    assert len(shown) > 100
    for row in shown.sample(40, random_state=1).itertuples(index=False):
        members = subtree(departments, row.code)
        count = int(
            ((responses["period"] == row.period) & responses["department"].isin(members)).sum()
        )
        heads = subtree_headcount(departments, row.code)
        assert row.responses == count
        assert row.headcount == heads
        assert row.rate == pytest.approx(100 * count / heads)
    hidden = waves[waves["status"] != "shown"]
    assert len(hidden) and hidden[["responses", "headcount", "rate"]].isna().all().all()


def test_quarter_rates_are_per_wave(figures: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    departments, responses = read_csv(SAMPLE)
    table = quarter_rates(figures[1], figures[0])
    responses = responses.assign(quarter=responses["period"].map(quarter_of))
    for code in ("STADT", "A51", "D3"):
        for row in table[(table["code"] == code) & (table["status"] == "shown")].itertuples():
            members = subtree(departments, code)
            count = int(((responses["quarter"] == row.period)
                         & responses["department"].isin(members)).sum())  # fmt: skip
            waves = responses.loc[responses["quarter"] == row.period, "period"].nunique()
            assert row.waves == waves == 3
            assert row.rate == pytest.approx(
                100 * count / (waves * subtree_headcount(departments, code))
            )
            assert row.rate <= 100


def test_rate_trends_cover_every_unit(figures: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    waves = wave_rates(figures[0])
    trends = rate_trends(waves, quarter_rates(figures[1], figures[0]))
    assert set(trends["code"]) == set(figures[1]["code"])
    stadt = trends[trends["code"] == "STADT"].iloc[0]
    assert stadt["granularity"] == "month" and stadt["points"] == 12
