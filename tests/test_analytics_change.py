"""Change with its 95 % interval: Welch for means (each quarter's standard error with its
design effect: n_eff = n / waves) and a normal interval for the eNPS (adjusted shares),
checked against an independent computation on the raw sample answers; "meaningful" needs
the interval AND the threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bgm_dashboard.analytics.change import changes, unit_changes
from bgm_dashboard.indicators.stats import difference_interval, difference_intervals
from bgm_dashboard.instrument.bank import load_bank
from tests.analytics_helpers import enps_codes, quarter_of, read_csv, released, who5_scores
from tests.conftest import SAMPLE

BANK = load_bank()


@pytest.fixture(scope="module")
def quarterly(demo_db: str) -> pd.DataFrame:
    return released(demo_db)[1]


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    _, responses = read_csv(SAMPLE)
    return responses.assign(
        quarter=responses["period"].map(quarter_of),
        who5=who5_scores(responses),
        enps_code=enps_codes(responses),
    )


def test_vectorised_interval_equals_the_scalar_one() -> None:
    rng = np.random.default_rng(7)
    for _ in range(50):
        ma, mb = rng.normal(50, 10, 2)
        sa, sb = rng.uniform(0.5, 4, 2)
        da, db = rng.integers(4, 300, 2).astype(float)
        if rng.random() < 0.3:
            da = db = np.inf
        want = difference_interval(ma, sa, da, mb, sb, db)
        got = difference_intervals(
            np.array([ma]), np.array([sa]), np.array([da]),
            np.array([mb]), np.array([sb]), np.array([db]),
        )  # fmt: skip
        assert np.allclose([g[0] for g in got], want)


@pytest.mark.parametrize(
    ("period", "comparison", "base"),
    [("2025-Q3", "previous", "2025-Q2"), ("2026-Q3", "year", "2025-Q3")],
)
def test_who5_change_matches_welch_on_raw_answers(
    quarterly: pd.DataFrame, raw: pd.DataFrame, period: str, comparison: str, base: str
) -> None:
    row = changes(quarterly[quarterly["code"] == "STADT"], BANK, comparison, period=period)  # type: ignore[arg-type]
    row = row[row["indicator"] == "who5"].iloc[0]
    now = raw.loc[raw["quarter"] == period, "who5"].dropna()
    then = raw.loc[raw["quarter"] == base, "who5"].dropna()
    w_now = raw.loc[raw["quarter"] == period, "period"].nunique()
    w_then = raw.loc[raw["quarter"] == base, "period"].nunique()
    # Welch with each quarter's effective n (its answers over its monthly waves)
    v_now, v_then = now.var(ddof=1) * w_now / len(now), then.var(ddof=1) * w_then / len(then)
    dfs = (len(now) / w_now - 1, len(then) / w_then - 1)
    df = (v_now + v_then) ** 2 / (v_now**2 / dfs[0] + v_then**2 / dfs[1])
    half = stats.t.ppf(0.975, df) * np.sqrt(v_now + v_then)
    diff = now.mean() - then.mean()
    assert row["base_period"] == base
    assert row["diff"] == pytest.approx(diff, abs=1e-6)
    assert row["ci_low"] == pytest.approx(diff - half, abs=1e-6)
    assert row["ci_high"] == pytest.approx(diff + half, abs=1e-6)
    significant = diff - half > 0 or diff + half < 0
    assert row["meaningful"] == (significant and abs(now.mean() - then.mean()) >= 10)


def test_enps_change_uses_the_normal_interval_of_adjusted_shares(
    quarterly: pd.DataFrame, raw: pd.DataFrame
) -> None:
    row = changes(quarterly[quarterly["code"] == "A51"], BANK, "previous", period="2025-Q3")
    row = row[row["indicator"] == "enps"].iloc[0]

    def score_and_se(quarter: str) -> tuple[float, float]:
        codes = raw.loc[(raw["quarter"] == quarter) & (raw["department"] == "A51"), "enps_code"]
        codes = codes.dropna()
        waves = raw.loc[raw["quarter"] == quarter, "period"].nunique()
        n_eff = len(codes) / waves
        p, d = (codes == 100).mean(), (codes == -100).mean()
        pa, da = (p * n_eff + 0.75) / (n_eff + 3), (d * n_eff + 0.75) / (n_eff + 3)
        return 100 * (p - d), 100 * np.sqrt((pa + da - (pa - da) ** 2) / (n_eff + 3))

    now, se_now = score_and_se("2025-Q3")
    then, se_then = score_and_se("2025-Q2")
    half = 1.959963984540054 * np.hypot(se_now, se_then)
    assert row["diff"] == pytest.approx(now - then, abs=1e-6)
    assert row["ci_low"] == pytest.approx(now - then - half, abs=1e-6)
    assert row["ci_high"] == pytest.approx(now - then + half, abs=1e-6)


def _cells(values: list[tuple[str, float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"code": "X", "name": "X", "kind": "unit", "status": "shown", "indicator": "who5",
             "period": p, "n": n, "mean": m, "sd": sd, "share_a": np.nan, "share_b": np.nan}
            for p, m, sd, n in values
        ]
    )  # fmt: skip


def test_meaningful_needs_interval_and_threshold() -> None:
    big_clear = changes(_cells([("2026-Q1", 50, 5, 400), ("2026-Q2", 62, 5, 400)]), BANK)
    small_clear = changes(_cells([("2026-Q1", 50, 5, 400), ("2026-Q2", 56, 5, 400)]), BANK)
    big_unclear = changes(_cells([("2026-Q1", 50, 40, 6), ("2026-Q2", 62, 40, 6)]), BANK)
    worse = changes(_cells([("2026-Q1", 62, 5, 400), ("2026-Q2", 50, 5, 400)]), BANK)
    assert big_clear["meaningful"].item() and big_clear["verdict"].item() == "better"
    assert small_clear["significant"].item() and not small_clear["meaningful"].item()
    assert not big_unclear["significant"].item() and big_unclear["verdict"].item() == "none"
    assert worse["verdict"].item() == "worse"


def test_hidden_cells_are_never_compared() -> None:
    cells = _cells([("2026-Q1", 50, 5, 400), ("2026-Q2", 62, 5, 400)])
    cells.loc[0, "status"] = "suppressed"
    assert changes(cells, BANK).empty


def test_unit_changes_holds_both_comparisons(quarterly: pd.DataFrame) -> None:
    table = unit_changes(quarterly, BANK, "STADT", "2026-Q3")
    assert set(table["comparison"]) == {"previous", "year"}
    assert set(table.loc[table["comparison"] == "year", "base_period"]) == {"2025-Q3"}
