"""The scale benchmark's synthetic administration has the promised shape, and the benchmark
runs end to end (tiny size, SQLite). The benchmark itself is not a test: `make bench`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from bgm_dashboard.bench.generator import make_org, months, write_files
from bgm_dashboard.bench.suite import run_suite
from bgm_dashboard.instrument.bank import load_bank


def test_org_has_300_units_on_four_levels_and_20000_staff() -> None:
    org = make_org()
    frame = org.frame()
    assert len(frame) == 300
    assert np.bincount(org.depths).tolist() == [1, 10, 60, 229]
    assert int(frame["headcount"].sum()) == 20_000
    assert frame["code"].is_unique
    # every unit but the root hangs below a unit of the level above
    depth = dict(zip(frame["code"], org.depths, strict=True))
    for code, parent in zip(frame["code"], frame["parent_code"], strict=True):
        if parent:
            assert depth[parent] == depth[code] - 1
    leaves = org.headcounts[org.depths == 3]
    assert (leaves < 5).sum() >= 5, "some units must stay below the minimum group size"
    assert leaves.max() > 200, "and some are large"


def test_responses_have_the_requested_size_months_and_items(tmp_path: Path) -> None:
    bank = load_bank()
    periods = months("2026-09", 12)
    assert periods[0] == "2025-10" and periods[-1] == "2026-09" and len(set(periods)) == 12
    manifest = write_files(tmp_path, make_org(), bank, 6000, periods)

    frames = [
        pd.read_csv(tmp_path / name, dtype=str, keep_default_na=False) for name in manifest["files"]
    ]
    data = pd.concat(frames, ignore_index=True)
    assert len(manifest["files"]) == 12
    assert sorted(data["period"].unique()) == periods
    assert abs(len(data) - 6000) <= 0.05 * 6000
    assert manifest["responses"] == len(data)

    items = list(bank.item_codes)
    assert list(data.columns) == ["period", "department", *items, "comment"]
    cells = data[items]
    answered = cells != ""
    assert manifest["answers"] == int(answered.to_numpy().sum())
    assert answered.any(axis=1).all(), "no response may be empty"
    missing = 1 - answered.to_numpy().mean()
    assert 0.02 < missing < 0.10
    for item in items:
        lo, hi = bank.answer_range(item)
        values = pd.to_numeric(cells.loc[answered[item], item])
        assert values.between(lo, hi).all()
        assert values.nunique() >= 3
    assert set(data["department"]) <= set(make_org().codes)
    assert 0.02 < (data["comment"] != "").mean() < 0.10


def test_benchmark_runs_end_to_end_on_sqlite(tmp_path: Path) -> None:
    lines: list[str] = []
    report, _ok = run_suite(
        [400], ["sqlite"], "", tmp_path, "en", months_count=6, echo=lines.append
    )
    figures = json.loads((tmp_path / "result-sqlite-400.json").read_text(encoding="utf-8"))
    assert abs(figures["responses"] - 400) <= 60
    assert figures["quarters"] == 2
    assert figures["table_rows"] > 0 and figures["published_rows"] > 0
    for key in (
        "import_s",
        "publish_s",
        "table_cold_s",
        "dashboard_cold_s",
        "dashboard_warm_s",
        "peak_mb",
    ):
        assert figures[key] > 0, key
    assert "| Indicator table department × quarter, cold (s) | ≤ 2.0 s |" in report
    assert "HR overview (AppTest), warm: rerun (s)" in report
    assert not list(tmp_path.glob("*.sqlite3")), "the benchmark database is removed"
