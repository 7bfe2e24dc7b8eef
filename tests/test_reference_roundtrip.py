"""The reference dataset through the real command line gives the independently computed
expected indicators (within 0.01), on SQLite and PostgreSQL: n, mean, SD and status as in the
reference file; the intervals as an independent implementation of the documented formulas
(t-interval with the quarter's design effect, the adjusted Wald interval of the eNPS)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from tests.analytics_helpers import (
    BRS,
    BRS_REVERSED,
    enps_codes,
    quarter_of,
    read_csv,
    subtree,
    who5_scores,
)
from tests.conftest import REFERENCE

NUMBERS = ["n", "mean", "sd"]
RANGES = {"who5": (0.0, 100.0), "brs": (1.0, 5.0), "enps": (-100.0, 100.0)}


def brs_scores(responses: pd.DataFrame) -> pd.Series:
    items = responses[BRS].astype(float)
    items = items.apply(lambda c: 6 - c if c.name in BRS_REVERSED else c)
    return items.mean(axis=1).where(items.notna().sum(axis=1) >= 3)


def expected_intervals() -> pd.DataFrame:
    """Each unit's quarter interval straight from the raw answers: waves w = months asked in
    the quarter, n_eff = n / w; means: mean ± t(.975, n_eff − 1)·sd/√n_eff; eNPS: adjusted
    Wald (¾ added to promoters and detractors, 3 to n_eff), all clipped to the range."""
    departments, responses = read_csv(REFERENCE)
    responses = responses.assign(
        quarter=responses["period"].map(quarter_of),
        who5=who5_scores(responses),
        brs=brs_scores(responses),
        enps=enps_codes(responses),
    )
    rows = []
    for code in departments["code"]:
        mine = responses[responses["department"].isin(subtree(departments, code))]
        for quarter, part in mine.groupby("quarter"):
            waves = responses.loc[responses["quarter"] == quarter, "period"].nunique()
            for indicator in ("who5", "brs", "enps"):
                x = part[indicator].dropna().to_numpy()
                n_eff = len(x) / waves
                if indicator == "enps":
                    p = (np.mean(x == 100) * n_eff + 0.75) / (n_eff + 3)
                    d = (np.mean(x == -100) * n_eff + 0.75) / (n_eff + 3)
                    half = 1.959963984540054 * 100 * np.sqrt((p + d - (p - d) ** 2) / (n_eff + 3))
                    low, high = 100 * (p - d) - half, 100 * (p - d) + half
                else:
                    se = np.std(x, ddof=1) / np.sqrt(n_eff)
                    half = stats.t.ppf(0.975, n_eff - 1) * se
                    low, high = x.mean() - half, x.mean() + half
                lo, hi = RANGES[indicator]
                rows.append((code, quarter, indicator, max(low, lo), min(high, hi)))
    return pd.DataFrame(rows, columns=["department", "period", "indicator", "lo", "hi"])


def bgm(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BGM_DATABASE_URL": db_url, "BGM_LANGUAGE": "en"}
    return subprocess.run(
        [sys.executable, "-m", "bgm_dashboard.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_reference_export_matches_expected(db_url: str, tmp_path: Path) -> None:
    for args in (
        ("import", "departments", str(REFERENCE / "departments.csv")),
        ("import", "responses", str(REFERENCE / "responses.csv")),
    ):
        done = bgm(db_url, *args)
        assert done.returncode == 0, done.stderr
    out = tmp_path / "quarter.csv"
    done = bgm(
        db_url,
        "export",
        "indicators",
        "--period",
        "quarter",
        "--format",
        "csv",
        "--output",
        str(out),
    )
    assert done.returncode == 0, done.stderr

    actual = pd.read_csv(out)
    expected = pd.read_csv(REFERENCE / "expected_indicators_quarter.csv")
    assert list(actual.columns) == list(expected.columns)
    keys = ["department", "period", "indicator"]
    assert sorted(map(tuple, actual[keys].to_numpy())) == sorted(
        map(tuple, expected[keys].to_numpy())
    )
    merged = expected.merge(actual, on=keys, suffixes=("_expected", "_actual"))
    assert (merged["status_expected"] == merged["status_actual"]).all()
    for column in NUMBERS:
        want = merged[f"{column}_expected"].to_numpy(dtype=float)
        got = merged[f"{column}_actual"].to_numpy(dtype=float)
        assert np.array_equal(np.isnan(want), np.isnan(got)), column
        both = ~np.isnan(want)
        assert np.abs(want[both] - got[both]).max() <= 0.01, column
    shown = merged[merged["status_actual"] == "shown"].merge(
        expected_intervals(), on=keys, how="left"
    )
    assert shown["lo"].notna().all()
    assert np.abs(shown["ci_low_actual"] - shown["lo"]).max() <= 0.01
    assert np.abs(shown["ci_high_actual"] - shown["hi"]).max() <= 0.01
    hidden = merged[merged["status_actual"] != "shown"]
    assert hidden[["ci_low_actual", "ci_high_actual"]].isna().all().all()


def test_suppressed_rows_carry_no_numbers(db_url: str, tmp_path: Path) -> None:
    bgm(db_url, "import", "departments", str(REFERENCE / "departments.csv"))
    bgm(db_url, "import", "responses", str(REFERENCE / "responses.csv"))
    done = bgm(db_url, "export", "indicators", "--period", "month")
    assert done.returncode == 0, done.stderr
    lines = [line.split(",") for line in done.stdout.strip().splitlines()[1:]]
    suppressed = [row for row in lines if row[-1] == "suppressed"]
    assert suppressed, "the small units must be suppressed month by month"
    for row in suppressed:
        assert row[3:8] == ["", "", "", "", ""], row
