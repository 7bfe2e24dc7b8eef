"""The whole administration at a glance (leadership view): each indicator's latest released
quarter, its change against the quarter before and its trend, from released figures only."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from bgm_dashboard.analytics.change import changes
from bgm_dashboard.analytics.common import SHOWN, latest_units, shown_series, units_only
from bgm_dashboard.analytics.decline import trends
from bgm_dashboard.indicators.moments import RESPONSES
from bgm_dashboard.instrument.bank import ItemBank


@dataclass(frozen=True)
class IndicatorGlance:
    """One indicator of the whole administration in the newest released quarter."""

    code: str
    indicator: str
    period: str
    shown: bool
    value: float  # NaN when suppressed
    n: float
    base_period: str | None
    diff: float  # NaN when there is no shown quarter before
    verdict: str  # better / worse / none (analytics.change)
    trend: str  # decline / watch / stable / rising / too_few (analytics.decline)
    history: tuple[tuple[str, float], ...]  # shown quarterly values, oldest first


def root_code(figures: pd.DataFrame) -> str | None:
    """The code of the whole administration (the root of the newest org chart)."""
    units = latest_units(figures)
    roots = units[units["depth"] == 0]
    return None if roots.empty else str(roots["code"].iloc[0])


def administration_view(
    quarterly: pd.DataFrame, monthly: pd.DataFrame, bank: ItemBank
) -> list[IndicatorGlance]:
    """Per indicator of the root's newest quarter: value and n (if shown), the change
    against the quarter before with its verdict, the trend status and the shown history."""
    code = root_code(quarterly)
    if code is None:
        return []
    root_q = units_only(quarterly)
    root_q = root_q[(root_q["code"] == code) & (root_q["indicator"] != RESPONSES)]
    if root_q.empty:
        return []
    period = str(root_q["period"].max())
    latest = root_q[root_q["period"] == period].drop_duplicates("indicator", keep="last")
    diff = {
        str(r["indicator"]): r
        for r in changes(root_q, bank, "previous", period=period).to_dict("records")
    }
    # the trend as in the decline list: tested together with every series shown
    table = trends(units_only(monthly) if len(monthly) else monthly, units_only(quarterly), bank)
    trend = {
        str(r["indicator"]): str(r["status"])
        for r in table[table["code"] == code].to_dict("records")
    }
    cells = {str(r["indicator"]): r for r in latest.to_dict("records")}
    out = []
    for indicator in [c for c in bank.indicator_codes if c in cells]:
        cell = cells[indicator]
        shown = cell["status"] == SHOWN
        change = diff.get(indicator)
        series = shown_series(root_q, code, indicator)
        out.append(
            IndicatorGlance(
                code=code,
                indicator=indicator,
                period=period,
                shown=shown,
                value=float(cell["mean"]) if shown else math.nan,
                n=float(cell["n"]) if shown else math.nan,
                base_period=str(change["base_period"]) if change else None,
                diff=float(change["diff"]) if change else math.nan,
                verdict=str(change["verdict"]) if change else "none",
                trend=trend.get(indicator, "too_few"),
                history=tuple(
                    (str(p), float(v))
                    for p, v in zip(series["period"], series["mean"], strict=True)
                ),
            )
        )
    return out
