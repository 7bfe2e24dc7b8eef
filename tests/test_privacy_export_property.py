"""Property through the real path: random org charts and answers are imported with the CLI's
import functions, published, and exported by month and by quarter; the auditor then checks
that no combination of all exported rows isolates fewer than k responses, per indicator."""

from __future__ import annotations

import csv
import shutil
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bgm_dashboard.auth.viewer import SYSTEM
from bgm_dashboard.context import make_context
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.privacy.gate import released_figures
from bgm_dashboard.settings import load_settings
from bgm_dashboard.survey.importer import import_responses
from tests.privacy_auditor import isolatable_groups, published_sets

MONTHS = ["2026-01", "2026-02", "2026-03"]
ITEMS = [f"who5_{i}" for i in range(1, 6)] + [f"brs_{i}" for i in range(1, 7)] + ["enps"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated SQLite file, copied for every example (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "empty.sqlite3"
    ctx = make_context(replace(load_settings({}), database_url=f"sqlite:///{path}"))
    ctx.engine.dispose()
    return path


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[int | None], list[list[int]], int, int]:
    size = draw(st.integers(min_value=2, max_value=6))
    parents: list[int | None] = [None] + [draw(st.integers(0, i - 1)) for i in range(1, size)]
    counts = [
        [draw(st.one_of(st.integers(0, 3), st.integers(0, 9))) for _ in MONTHS] for _ in range(size)
    ]
    k = draw(st.sampled_from([3, 5]))
    seed = draw(st.integers(0, 2**16))
    return parents, counts, k, seed


def scored(row: dict[str, str]) -> dict[str, bool]:
    """Which indicators a generated response has a score for (rules of the reference README)."""
    answered = {item for item in ITEMS if row[item] != ""}
    return {
        "who5": all(f"who5_{i}" in answered for i in range(1, 6)),
        "brs": sum(f"brs_{i}" in answered for i in range(1, 7)) >= 3,
        "enps": "enps" in answered,
        "responses": True,
    }


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(cases())
def test_exported_rows_isolate_nobody(
    template: Path, tmp_path: Path, case: tuple[list[int | None], list[list[int]], int, int]
) -> None:
    parents, counts, k, seed = case
    rng = np.random.default_rng(seed)
    work = Path(tempfile.mkdtemp(dir=tmp_path))
    db = work / "db.sqlite3"
    shutil.copy(template, db)
    with (work / "departments.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "name", "parent_code", "headcount"])
        for i, parent in enumerate(parents):
            writer.writerow([f"U{i}", f"Unit {i}", "" if parent is None else f"U{parent}", 12])
    rows: list[dict[str, str]] = []
    for i in range(len(parents)):
        for j, month in enumerate(MONTHS):
            for _ in range(counts[i][j]):
                row = {"period": month, "department": f"U{i}"}
                for item in ITEMS:
                    low, high = (
                        (0, 10) if item == "enps" else ((0, 5) if "who5" in item else (1, 5))
                    )
                    row[item] = "" if rng.random() < 0.15 else str(rng.integers(low, high + 1))
                if all(row[item] == "" for item in ITEMS):
                    row["enps"] = "7"
                rows.append(row)
    if not rows:
        return
    with (work / "responses.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["period", "department", *ITEMS])
        writer.writeheader()
        writer.writerows(rows)

    settings_ = replace(load_settings({}), database_url=f"sqlite:///{db}", min_group_size=k)
    ctx = make_context(settings_)
    with ctx.write() as session:
        import_departments(session, work / "departments.csv")
        import_responses(session, ctx.bank, work / "responses.csv")
        assert ctx.publish_due(session, date(2026, 11, 26)) == ["2026-Q1"]
    with ctx.read() as session:
        released = [
            released_figures(session, SYSTEM, granularity=g, include_rest=True)
            for g in ("month", "quarter")
        ]
    ctx.engine.dispose()

    ids = {f"U{i}": i + 1 for i in range(len(parents))}
    parent_of = {i + 1: (None if p is None else p + 1) for i, p in enumerate(parents)}
    for indicator in ("who5", "brs", "enps", "responses"):
        atoms = {(u, m): 0 for u in parent_of for m in MONTHS}
        for row in rows:
            if scored(row)[indicator]:
                atoms[(ids[row["department"]], row["period"])] += 1
        exported = []
        for frame in released:
            part = frame[frame["indicator"] == indicator]
            assert part.loc[part["status"] == "suppressed", ["n", "mean"]].isna().all().all()
            exported += part.to_dict("records")
        leaks = isolatable_groups(atoms, published_sets(exported, parent_of), k)
        assert leaks == [], f"{indicator}: isolatable groups {leaks}"
