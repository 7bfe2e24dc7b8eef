"""The indicator table: released figures per unit, period and indicator, as users export it."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session

from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.indicators.moments import RESPONSES
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.privacy.gate import released_figures

COLUMNS = ["department", "period", "indicator", "n", "mean", "sd", "ci_low", "ci_high", "status"]


def indicator_table(
    session: Session, viewer: Viewer, bank: ItemBank, *, granularity: str = "quarter"
) -> pd.DataFrame:
    """One row per unit, period and indicator; suppressed rows carry no n and no figures."""
    figures = released_figures(session, viewer, granularity=granularity)
    figures = figures[figures["indicator"] != RESPONSES]
    order = {code: i for i, code in enumerate(bank.indicator_codes)}
    figures = figures.assign(_ind=figures["indicator"].map(order))
    figures = figures.sort_values(["order", "period", "_ind"], kind="stable")
    table = pd.DataFrame(
        {
            "department": figures["code"],
            "period": figures["period"],
            "indicator": figures["indicator"],
            "n": figures["n"].astype("Int64"),
            "mean": figures["mean"],
            "sd": figures["sd"],
            "ci_low": figures["ci_low"],
            "ci_high": figures["ci_high"],
            "status": figures["status"],
        }
    )
    return table.reset_index(drop=True)
