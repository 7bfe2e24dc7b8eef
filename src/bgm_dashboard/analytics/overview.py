"""Tables behind the HR overview: the heatmap, a unit's series and its sub-units."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from bgm_dashboard.indicators.moments import RESPONSES
from bgm_dashboard.instrument.bank import ItemBank

SHOWN = "shown"


def periods(figures: pd.DataFrame) -> list[str]:
    """Released periods, oldest first."""
    return sorted(figures["period"].unique().tolist())


def indicators_in(figures: pd.DataFrame, bank: ItemBank) -> list[str]:
    present = set(figures["indicator"].unique())
    return [c for c in bank.indicator_codes if c in present]


def heatmap_table(
    figures: pd.DataFrame,
    period: str,
    bank: ItemBank,
    *,
    max_depth: int | None = None,
    indicators: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per unit and indicator of a period: the figure, whether it is shown, and its
    distance from the whole administration in units of the indicator's meaningful change
    (WHO-5: 10 points), so colours mean the same across indicators."""
    frame = figures[(figures["period"] == period) & (figures["indicator"] != RESPONSES)]
    if indicators is not None:
        frame = frame[frame["indicator"].isin(list(indicators))]
    if max_depth is not None:
        frame = frame[frame["depth"] <= max_depth]
    if frame.empty:
        return frame.assign(distance=pd.Series(dtype=float))
    root = frame[frame["depth"] == 0].set_index("indicator")["mean"]
    step = {s.code: s.meaningful_change for s in bank.scales}
    sign = {s.code: (1.0 if s.direction == "higher_better" else -1.0) for s in bank.scales}
    admin = frame["indicator"].map(root)
    distance = (frame["mean"] - admin) / frame["indicator"].map(step) * frame["indicator"].map(sign)
    out = frame.assign(admin_mean=admin, distance=distance.where(frame["status"] == SHOWN))
    order = {c: i for i, c in enumerate(bank.indicator_codes)}
    out = out.assign(_ind=out["indicator"].map(order)).sort_values(["order", "_ind"])
    return out.drop(columns="_ind").reset_index(drop=True)


def unit_series(figures: pd.DataFrame, department_code: str, indicator: str) -> pd.DataFrame:
    """A unit's released values of one indicator over time (suppressed periods included)."""
    frame = figures[(figures["code"] == department_code) & (figures["indicator"] == indicator)]
    frame = frame[frame["kind"] == "unit"] if "kind" in frame else frame
    return frame.sort_values("period").reset_index(drop=True)


def children_table(
    figures: pd.DataFrame, period: str, department_code: str, indicator: str
) -> pd.DataFrame:
    """The unit, its direct sub-units and the "übrige Bereiche" row (what the unit holds
    beyond its shown sub-units) for one period and indicator. Needs ``include_rest`` figures."""
    frame = figures[(figures["period"] == period) & (figures["indicator"] == indicator)]
    unit = frame[(frame["code"] == department_code) & (frame["kind"] == "unit")]
    if unit.empty:
        return frame.iloc[0:0]
    unit_id = int(unit["department_id"].iloc[0])
    children = frame[(frame["parent_id"] == unit_id) & (frame["kind"] == "unit")]
    rest = frame[(frame["department_id"] == unit_id) & (frame["kind"] == "rest")]
    out = pd.concat(
        [unit.assign(role="unit"), children.assign(role="child"), rest.assign(role="rest")],
        ignore_index=True,
    )
    return out


def latest_period(figures: pd.DataFrame) -> str | None:
    shown = figures[figures["status"] == SHOWN]
    if shown.empty:
        return None
    return str(np.max(shown["period"].to_numpy()))
