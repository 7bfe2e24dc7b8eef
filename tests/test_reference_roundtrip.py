"""The reference dataset through the real command line gives the independently computed
expected indicators (within 0.01), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from tests.conftest import REFERENCE

NUMBERS = ["n", "mean", "sd", "ci_low", "ci_high"]


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
