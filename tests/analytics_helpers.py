"""Independent computations for the analytics tests: scores straight from the raw sample or
reference CSV files with pandas/numpy, and released figures read from a demo database."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from bgm_dashboard.auth.viewer import SYSTEM
from bgm_dashboard.context import make_context
from bgm_dashboard.privacy.gate import released_figures
from bgm_dashboard.settings import load_settings

WHO5 = [f"who5_{i}" for i in range(1, 6)]
BRS = [f"brs_{i}" for i in range(1, 7)]
BRS_REVERSED = {"brs_2", "brs_4", "brs_6"}


def released(db_url: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(monthly, quarterly) released unit figures of a database, as the system sees them."""
    ctx = make_context(replace(load_settings({}), database_url=db_url))
    try:
        with ctx.read() as session:
            monthly = released_figures(session, SYSTEM, granularity="month")
            quarterly = released_figures(session, SYSTEM, granularity="quarter")
    finally:
        ctx.engine.dispose()
    return monthly, quarterly


def subtree(departments: pd.DataFrame, code: str) -> set[str]:
    """``code`` and every unit below it, from a departments CSV (code, parent_code)."""
    children: dict[str, list[str]] = {}
    for child, parent in zip(departments["code"], departments["parent_code"], strict=True):
        if isinstance(parent, str) and parent:
            children.setdefault(parent, []).append(child)
    out, stack = set(), [code]
    while stack:
        current = stack.pop()
        out.add(current)
        stack.extend(children.get(current, []))
    return out


def subtree_headcount(departments: pd.DataFrame, code: str) -> int:
    members = subtree(departments, code)
    return int(departments.loc[departments["code"].isin(members), "headcount"].sum())


def read_csv(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(departments, responses) of a sample or reference folder."""
    departments = pd.read_csv(folder / "departments.csv", keep_default_na=False)
    departments["headcount"] = departments["headcount"].astype(int)
    responses = pd.read_csv(folder / "responses.csv", keep_default_na=True, na_values=[""])
    return departments, responses


def who5_scores(responses: pd.DataFrame) -> pd.Series:
    """WHO-5 per response: sum of the five items x 4, only when all five are answered."""
    items = responses[WHO5].astype(float)
    return (items.sum(axis=1) * 4).where(items.notna().all(axis=1))


def enps_codes(responses: pd.DataFrame) -> pd.Series:
    """+100 promoter (9-10), 0 passive (7-8), -100 detractor (0-6), NaN unanswered."""
    value = responses["enps"].astype(float)
    coded = np.where(value >= 9, 100.0, np.where(value <= 6, -100.0, 0.0))
    return pd.Series(coded, index=responses.index).where(value.notna())


def quarter_of(month: str) -> str:
    year, mon = month.split("-")
    return f"{year}-Q{(int(mon) - 1) // 3 + 1}"


def cronbach_from_items(items: pd.DataFrame) -> float:
    """α = k/(k-1) * (1 - trace(C) / sum(C)) from numpy's covariance matrix C of the complete
    cases."""
    complete = items.dropna().to_numpy(dtype=float)
    cov = np.cov(complete, rowvar=False, ddof=1)
    k = complete.shape[1]
    return float(k / (k - 1) * (1 - np.trace(cov) / cov.sum()))
