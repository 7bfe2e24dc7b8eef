"""The demo municipality: made by its seeded generator (same files again), big enough to show
every feature, with small units, a crisis dip and a unit in chronic decline."""

from __future__ import annotations

import filecmp
import importlib.util
from pathlib import Path

import pandas as pd

from tests.conftest import SAMPLE


def test_generator_reproduces_the_shipped_files(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("generate", SAMPLE / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for name in ("departments.csv", "responses.csv", "events.csv", "plans.csv"):
        assert filecmp.cmp(tmp_path / name, SAMPLE / name, shallow=False), name


def test_demo_organisation_shape() -> None:
    units = pd.read_csv(SAMPLE / "departments.csv", keep_default_na=False)
    assert len(units) >= 12
    parent = dict(zip(units["code"], units["parent_code"], strict=True))

    def depth(code: str) -> int:
        return 0 if not parent[code] else 1 + depth(parent[code])

    assert {depth(c) for c in units["code"]} == {0, 1, 2}
    answers = pd.read_csv(SAMPLE / "responses.csv", keep_default_na=False)
    assert answers["period"].nunique() == 24
    per_quarter = answers.assign(q=pd.PeriodIndex(answers["period"], freq="M").quarter)
    small = per_quarter.groupby(["department", "period"]).size().groupby("department").median()
    assert (small < 5).sum() >= 3, "some units must stay below the minimum group size"


def test_demo_shows_a_crisis_dip_and_a_chronic_decline() -> None:
    answers = pd.read_csv(SAMPLE / "responses.csv")
    who5 = answers[[f"who5_{i}" for i in range(1, 6)]].sum(axis=1, min_count=5) * 4
    monthly = who5.groupby(answers["period"]).mean()
    assert monthly["2025-06"] < monthly["2025-05"] - 8  # the cyber attack
    assert monthly["2025-11"] > monthly["2025-06"] + 8  # and the recovery
    a51 = who5[answers["department"] == "A51"].groupby(answers["period"]).mean()
    assert a51.loc["2026-07":"2026-09"].mean() < a51.loc["2024-10":"2025-05"].mean() - 10
