"""The demo municipality as an attacker sees it: both exports of `bgm export indicators`
(by month and by quarter) read back from CSV, every quarter audited with every indicator
as a linear statistic of its own respondents and the ORI tied to its dimensions
(tests/privacy_auditor.py). No combination gives any group of fewer than k people's
values of any indicator, so no single person's either."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.cli_helpers import cli
from tests.conftest import SAMPLE
from tests.instance_helpers import BANK, COMPOSITES, people
from tests.privacy_auditor import leaking_groups, statistics_of

K = 5  # the demo's minimum group size


def quarter_of(month: str) -> str:
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


def test_demo_exports_isolate_nobody(
    demo_db: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    copy = tmp_path / "demo.sqlite3"
    shutil.copy(demo_db.removeprefix("sqlite:///"), copy)
    exported = []
    for period in ("month", "quarter"):
        result = cli(
            monkeypatch, capsys, f"sqlite:///{copy}", "export", "indicators", "--period", period
        )
        assert result.returncode == 0, result.stderr
        exported.append(pd.read_csv(io.StringIO(result.stdout)))
    table = pd.concat(exported, ignore_index=True)
    assert (table["status"] == "shown").sum() > 1000  # the demo still shows its figures
    org = pd.read_csv(SAMPLE / "departments.csv", keep_default_na=False)
    ids = {code: i + 1 for i, code in enumerate(org["code"])}
    parents = {
        ids[r.code]: (ids[r.parent_code] if r.parent_code else None) for r in org.itertuples()
    }
    rows = pd.DataFrame(
        {
            "department_id": table["department"].map(ids),
            "period": table["period"],
            "indicator": table["indicator"],
            "kind": "unit",
            "status": table["status"],
            "alpha_n": None,
        }
    )
    raw = pd.read_csv(SAMPLE / "responses.csv")
    items = raw[[i.code for i in BANK.items]].astype("float64")
    meta = pd.DataFrame({"period": raw["period"], "department_id": raw["department"].map(ids)})
    crowd = people(meta, items)
    leaks = []
    for quarter in sorted({quarter_of(m) for m in raw["period"]}):
        mine = {a: n for a, n in crowd.items() if quarter_of(a[1]) == quarter}
        cells = rows[rows["period"].map(lambda p: p if "Q" in p else quarter_of(p)) == quarter]
        if cells.empty:
            continue
        stats = statistics_of([(cells.to_dict("records"), parents)], mine, COMPOSITES)
        leaks += [(quarter, found) for found in leaking_groups(mine, stats, K)]
    assert leaks == []
