"""Builds small organisations with chosen response counts and loads them through the real
import path (CSV files, importer, publication)."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import numpy as np

from bgm_dashboard.context import Context
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.survey.importer import import_responses

WHO5 = [f"who5_{i}" for i in range(1, 6)]
ITEMS = [*WHO5, "enps"]
TODAY = date(2026, 11, 26)


def write_org(path: Path, units: Mapping[str, str | None], headcount: int = 50) -> Path:
    """An org chart; the headcount stays above every count the tests load (a unit with more
    answers than staff holds its quarter, see privacy/overfull.py)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "name", "parent_code", "headcount"])
        for code, parent in units.items():
            writer.writerow([code, f"Einheit {code}", parent or "", headcount])
    return path


def write_responses(
    path: Path, counts: Mapping[str, Sequence[int]], months: Sequence[str], seed: int = 7
) -> Path:
    """Complete answers (all WHO-5 items and eNPS) so every indicator's n equals the count."""
    rng = np.random.default_rng(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["period", "department", *ITEMS])
        for code, per_month in counts.items():
            for month, count in zip(months, per_month, strict=True):
                for _ in range(count):
                    values = [*rng.integers(0, 6, 5).tolist(), int(rng.integers(0, 11))]
                    writer.writerow([month, code, *values])
    return path


def load(
    ctx: Context,
    folder: Path,
    units: Mapping[str, str | None],
    counts: Mapping[str, Sequence[int]],
    months: Sequence[str],
) -> list[str]:
    """Import the org chart and the responses and publish what is due; returns quarters."""
    org = write_org(folder / "departments.csv", units)
    answers = write_responses(folder / "responses.csv", counts, months)
    with ctx.write() as session:
        import_departments(session, org)
        import_responses(session, ctx.bank, answers)
        return ctx.publish_due(session, TODAY)
