"""A demo-like administration with no real change: released monthly and quarterly unit figures
built from unit-level AR(1) fluctuation plus autocorrelated sampling error, and optionally a
steady decline injected into one unit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.periods import month_label, quarter_of

# the demo municipality's chart: code, parent, headcount of people placed in the unit
UNITS: tuple[tuple[str, str | None, int], ...] = (
    ("STADT", None, 0),
    ("OB", "STADT", 14),
    ("D1", "STADT", 3),
    ("A10", "D1", 46),
    ("A11", "D1", 28),
    ("A14", "D1", 6),
    ("A20", "D1", 31),
    ("A21", "D1", 9),
    ("D2", "STADT", 2),
    ("A50", "D2", 62),
    ("A51", "D2", 88),
    ("A52", "D2", 7),
    ("A53", "D2", 41),
    ("D3", "STADT", 2),
    ("A32", "D3", 54),
    ("A37", "D3", 72),
    ("A61", "D3", 36),
    ("A66", "D3", 27),
    ("A67", "D3", 8),
)
PERSON_SD = {"brs": 0.7, "enps": 75.0}
"""Person-level SD per indicator; the others: twice their meaningful change (WHO-5: 20)."""


@dataclass(frozen=True)
class Scenario:
    """How a simulated administration behaves."""

    months: int = 24
    response_rate: float = 0.5
    unit_sd: float = 0.1  # unit-level fluctuation, in person SDs
    unit_rho: float = 0.5  # its month-to-month correlation
    sampling_rho: float = 0.3  # month-to-month correlation of sampling error (same people)
    min_group: int = 5
    decline_unit: str | None = None
    decline_indicator: str = "who5"
    decline_per_month: float = 0.0  # points a month over the last ``decline_months``
    decline_months: int = 12
    decline_headcount: int | None = None  # headcount of the declining unit (~2 x answers)
    effect_units: tuple[str, ...] = ()  # units whose level shifts (a measure's effect)
    effect_indicator: str = "collaboration"
    effect_size: float = 0.0  # points added from month ``effect_from`` on
    effect_from: int = 9  # month index (0 = January 2025): October 2025


def _ar1(rng: np.random.Generator, shape: tuple[int, ...], rho: float) -> np.ndarray:
    """Standard-normal AR(1) series along the last axis."""
    e = rng.normal(size=shape)
    x = np.empty(shape)
    x[..., 0] = e[..., 0]
    for t in range(1, shape[-1]):
        x[..., t] = rho * x[..., t - 1] + np.sqrt(1 - rho**2) * e[..., t]
    return x


def person_sd(bank: ItemBank, code: str) -> float:
    return PERSON_SD.get(code, 2.0 * bank.scale(code).meaningful_change)


def simulate(bank: ItemBank, scenario: Scenario, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(monthly, quarterly) released unit figures of one simulated administration."""
    rng = np.random.default_rng(seed)
    codes = [u[0] for u in UNITS]
    parent = {u[0]: u[1] for u in UNITS}
    heads = {u[0]: u[2] for u in UNITS}
    if scenario.decline_unit and scenario.decline_headcount:
        heads[scenario.decline_unit] = scenario.decline_headcount
    indicators = [s.code for s in bank.scales]
    months = [month_label(2025 + (m // 12), 1 + m % 12) for m in range(scenario.months)]
    leaves = [c for c in codes if heads[c] > 0]
    n = {c: rng.binomial(heads[c], scenario.response_rate, size=len(months)) for c in leaves}
    rows = []
    for code in indicators:
        sd = person_sd(bank, code)
        level = {c: rng.normal(0, 0.3 * sd) for c in leaves}
        unit = _ar1(rng, (len(leaves), len(months)), scenario.unit_rho) * scenario.unit_sd * sd
        noise = _ar1(rng, (len(leaves), len(months)), scenario.sampling_rho)
        sums: dict[str, np.ndarray] = {}
        for j, c in enumerate(leaves):
            nn = n[c].astype(float)
            mean = 50 + level[c] + unit[j] + noise[j] * sd / np.sqrt(np.maximum(nn, 1))
            if c == scenario.decline_unit and code == scenario.decline_indicator:
                start = len(months) - scenario.decline_months
                steps = np.clip(np.arange(len(months)) - start + 1, 0, None)
                mean = mean + scenario.decline_per_month * steps
            if c in scenario.effect_units and code == scenario.effect_indicator:
                mean = mean + scenario.effect_size * (
                    np.arange(len(months)) >= scenario.effect_from
                )
            sums[c] = mean * nn
        for c in codes:
            members = [m for m in leaves if _inside(m, c, parent)]
            total_n = np.sum([n[m] for m in members], axis=0).astype(float)
            total = np.sum([sums[m] for m in members], axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.where(total_n > 0, total / np.where(total_n > 0, total_n, 1), np.nan)
            for t, month in enumerate(months):
                rows.append((c, code, month, total_n[t], mean[t], sd))
    monthly = pd.DataFrame(rows, columns=["code", "indicator", "period", "n", "mean", "sd"])
    monthly["status"] = np.where(monthly["n"] >= scenario.min_group, "shown", "suppressed")
    monthly["se"] = monthly["sd"] / np.sqrt(monthly["n"])
    quarterly = (
        monthly.assign(period=monthly["period"].map(quarter_of), s=monthly["mean"] * monthly["n"])
        .groupby(["code", "indicator", "period"], as_index=False)[["n", "s"]]
        .sum()
    )
    quarterly = quarterly.assign(mean=quarterly["s"] / quarterly["n"]).drop(columns="s")
    quarterly["sd"] = quarterly["indicator"].map(lambda c: person_sd(bank, c))
    quarterly["se"] = quarterly["sd"] / np.sqrt(quarterly["n"] / 3)
    quarterly["status"] = np.where(quarterly["n"] >= scenario.min_group, "shown", "suppressed")
    order = {c: i for i, c in enumerate(codes)}
    depth = {c: len(_chain(c, parent)) - 1 for c in codes}
    parent_ids = {c: (order[p] + 1 if p is not None else None) for c, p in parent.items()}
    last_quarter = quarter_of(months[-1])
    frames = []
    for frame, granularity in ((monthly, "month"), (quarterly, "quarter")):
        hidden = frame["status"] != "shown"
        frame = frame.assign(
            n=frame["n"].where(~hidden),
            mean=frame["mean"].where(~hidden),
            se=frame["se"].where(~hidden),
        )
        frames.append(
            frame.assign(
                kind="unit",
                granularity=granularity,
                publication_id=1,
                name=frame["code"],
                order=frame["code"].map(order),
                department_id=frame["code"].map(order) + 1,
                depth=frame["code"].map(depth),
                parent_code=frame["code"].map(parent),
                parent_id=frame["code"].map(parent_ids),
                quarter=last_quarter,
                share_a=np.nan,
                share_b=np.nan,
            )
        )
    return frames[0], frames[1]


def _chain(unit: str, parent: dict[str, str | None]) -> list[str]:
    out: list[str] = []
    node: str | None = unit
    while node is not None:
        out.append(node)
        node = parent.get(node)
    return out


def _inside(unit: str, ancestor: str, parent: dict[str, str | None]) -> bool:
    node: str | None = unit
    while node is not None:
        if node == ancestor:
            return True
        node = parent.get(node)
    return False
