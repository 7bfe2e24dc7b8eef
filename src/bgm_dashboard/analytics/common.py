"""Shared helpers of the analytics: shown series, period lengths, direction and the unit tree."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bgm_dashboard.indicators.moments import RESPONSES
from bgm_dashboard.indicators.stats import effective_n, nps_standard_error
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.periods import is_month, period_index

SHOWN = "shown"


def months_per_period(label: str) -> int:
    """Length of a period in months: 1 for ``2026-03``, 3 for ``2026-Q1``."""
    return 1 if is_month(label) else 3


def orientation(bank: ItemBank, indicator: str) -> float:
    """+1 where higher is better, -1 where lower is better (so "worse" is always negative)."""
    if indicator == RESPONSES:
        return 1.0
    return 1.0 if bank.scale(indicator).direction == "higher_better" else -1.0


def units_only(figures: pd.DataFrame) -> pd.DataFrame:
    """Released unit cells (no "übrige Bereiche" rows)."""
    return figures[figures["kind"] == "unit"] if "kind" in figures else figures


def shown_series(figures: pd.DataFrame, code: str, indicator: str) -> pd.DataFrame:
    """A unit's shown cells of one indicator, oldest first, with a consecutive ``t`` index
    (months or quarters since year 0) so gaps stay gaps."""
    frame = units_only(figures)
    frame = frame[
        (frame["code"] == code) & (frame["indicator"] == indicator) & (frame["status"] == SHOWN)
    ]
    frame = frame.sort_values("period").drop_duplicates("period", keep="last")
    return frame.assign(t=[period_index(p) for p in frame["period"]]).reset_index(drop=True)


def latest_units(figures: pd.DataFrame) -> pd.DataFrame:
    """The units of the newest published org chart: code, name, depth, parent_code, order."""
    columns = ["code", "name", "depth", "parent_code", "order", "department_id"]
    if figures.empty:
        return pd.DataFrame(columns=columns)
    newest = figures[figures["quarter"] == figures["quarter"].max()]
    units = newest.drop_duplicates("code").sort_values("order")
    return pd.DataFrame(units[columns].reset_index(drop=True))


def subtree_codes(units: pd.DataFrame, code: str) -> list[str]:
    """``code`` and every unit below it (in tree order)."""
    children: dict[str, list[str]] = {}
    for child, parent in zip(units["code"], units["parent_code"], strict=True):
        if isinstance(parent, str):
            children.setdefault(parent, []).append(child)
    out: list[str] = []
    stack = [code]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(children.get(current, [])))
    order = {c: i for i, c in enumerate(units["code"])}
    return sorted(out, key=lambda c: order.get(c, len(order)))


def ancestors(units: pd.DataFrame, code: str) -> list[str]:
    """The units above ``code``, nearest first."""
    parent_of = dict(zip(units["code"], units["parent_code"], strict=True))
    out: list[str] = []
    current = parent_of.get(code)
    while isinstance(current, str) and current not in out:
        out.append(current)
        current = parent_of.get(current)
    return out


def nps_codes(bank: ItemBank) -> frozenset[str]:
    """Indicators scored as a net promoter score (their SE comes from the shares)."""
    return frozenset(s.code for s in bank.scales if s.kind == "nps")


def standard_error(frame: pd.DataFrame, bank: ItemBank) -> np.ndarray:
    """Standard error of each released figure: the ``se`` released with it (design effect
    of a quarter included). Rows released before it was stored get it from the same
    functions of ``indicators.stats`` (no design effect: they cannot know their waves)."""
    n = frame["n"].to_numpy(dtype=float)
    sd = frame["sd"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        se_mean = sd / np.sqrt(effective_n(n))
    nan = np.full(len(frame), np.nan)
    shares = [frame[c].to_numpy(dtype=float) if c in frame else nan for c in ("share_a", "share_b")]
    se_nps = nps_standard_error(n, shares[0], shares[1])
    is_nps = frame["indicator"].isin(nps_codes(bank)).to_numpy()
    computed = np.where(is_nps, se_nps, se_mean)
    if "se" not in frame:
        return np.asarray(computed, dtype=float)
    released = frame["se"].to_numpy(dtype=float)
    return np.asarray(np.where(np.isfinite(released), released, computed), dtype=float)
