"""One quarter's input to publication: the org chart and the moments as arrays
(units x indicators x months x statistics)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bgm_dashboard.org.tree import OrgTree
from bgm_dashboard.periods import months_of_quarter

STATS = ("n", "s1", "s2", "b1", "b2")


@dataclass(frozen=True)
class BlockInput:
    """Everything a quarter's publication is computed from."""

    quarter: str
    tree: OrgTree
    indicators: tuple[str, ...]
    months: tuple[str, ...]
    asked: np.ndarray  # (indicators, months) bool: was the indicator asked that month
    own: np.ndarray  # (units, indicators, months, stats)


def block_input(
    tree: OrgTree,
    quarter: str,
    moments: pd.DataFrame,
    indicators: Sequence[str],
    asked: dict[str, set[str]],
) -> BlockInput:
    """Arrange long moments (period, department_id, indicator, n, s1, s2, b1, b2) as arrays."""
    months = tuple(months_of_quarter(quarter))
    inds = tuple(indicators)
    own = np.zeros((len(tree), len(inds), len(months), len(STATS)))
    if not moments.empty:
        frame = moments[moments["indicator"].isin(inds) & moments["period"].isin(months)]
        frame = frame[frame["department_id"].isin([u.id for u in tree.units])]
        pos = frame["department_id"].map(tree.position).to_numpy()
        ind = frame["indicator"].map({c: i for i, c in enumerate(inds)}).to_numpy()
        mon = frame["period"].map({m: i for i, m in enumerate(months)}).to_numpy()
        own[pos, ind, mon, :] = frame[list(STATS)].to_numpy(dtype=np.float64)
    asked_arr = np.array(
        [[m in asked.get(code, set()) for m in months] for code in inds], dtype=bool
    )
    return BlockInput(quarter, tree, inds, months, asked_arr.reshape(len(inds), len(months)), own)
