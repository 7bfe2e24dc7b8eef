"""Cronbach's α per unit and indicator of a period, as released, with its Feldt interval;
flagged below .70 and as unstable below ``ALPHA_STABLE_N`` complete answers.

α is computed at publication from the item covariance of the complete cases (see
``indicators.stats.cronbach_alpha``) and released only where the complete-case n reaches the
minimum group size; this module only reads and flags it."""

from __future__ import annotations

import pandas as pd

from bgm_dashboard.analytics.common import SHOWN, units_only
from bgm_dashboard.indicators.stats import alpha_unstable
from bgm_dashboard.instrument.bank import ItemBank

ALPHA_MIN = 0.70
COLUMNS = [
    "code",
    "name",
    "depth",
    "order",
    "indicator",
    "period",
    "alpha",
    "alpha_n",
    "low",
    "alpha_low",
    "alpha_high",
    "unstable",
]


def alpha_table(
    figures: pd.DataFrame, bank: ItemBank, period: str, *, codes: list[str] | None = None
) -> pd.DataFrame:
    """α of each multi-item scale per unit in ``period``; ``low`` marks α < .70."""
    scales = [s.code for s in bank.scales if s.has_reliability]
    frame = units_only(figures)
    frame = frame[
        (frame["period"] == period)
        & (frame["indicator"].isin(scales))
        & (frame["status"] == SHOWN)
        & frame["alpha"].notna()
    ]
    if codes is not None:
        frame = frame[frame["code"].isin(codes)]
    order = {c: i for i, c in enumerate(bank.indicator_codes)}
    frame = frame.assign(_i=frame["indicator"].map(order)).sort_values(["order", "_i"])
    out = frame.assign(
        low=frame["alpha"] < ALPHA_MIN,
        alpha_low=frame["alpha_low"] if "alpha_low" in frame else float("nan"),
        alpha_high=frame["alpha_high"] if "alpha_high" in frame else float("nan"),
        unstable=alpha_unstable(frame["alpha_n"].to_numpy(dtype=float)),
    )
    return out[COLUMNS].reset_index(drop=True)


def alpha_summary(figures: pd.DataFrame, bank: ItemBank, period: str) -> pd.DataFrame:
    """Per multi-item indicator asked in ``period``: α of the top unit shown (the whole
    administration) and how many units have α below .70."""
    table = alpha_table(figures, bank, period)
    asked = set(figures.loc[figures["period"] == period, "indicator"])
    rows = []
    for scale in bank.scales:
        if not scale.has_reliability or scale.code not in asked:
            continue
        part = table[table["indicator"] == scale.code]
        top = part[part["depth"] == part["depth"].min()] if len(part) else part
        rows.append(
            {
                "indicator": scale.code,
                "alpha": float(top["alpha"].iloc[0]) if len(top) else float("nan"),
                "alpha_n": float(top["alpha_n"].iloc[0]) if len(top) else float("nan"),
                "units": len(part),
                "units_low": int(part["low"].sum()),
            }
        )
    return pd.DataFrame(rows, columns=["indicator", "alpha", "alpha_n", "units", "units_low"])
