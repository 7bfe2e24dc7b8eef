"""Cronbach's alpha as released per unit and quarter equals alpha from numpy's covariance
matrix of the raw reference answers (complete cases, reverse items flipped); flagged < .70."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from bgm_dashboard.analytics.reliability import alpha_summary, alpha_table
from bgm_dashboard.auth.viewer import SYSTEM
from bgm_dashboard.context import Context
from bgm_dashboard.governance.settings import current
from bgm_dashboard.privacy.gate import released_figures
from tests.analytics_helpers import (
    BRS,
    BRS_REVERSED,
    WHO5,
    cronbach_from_items,
    quarter_of,
    read_csv,
    subtree,
)
from tests.conftest import REFERENCE


def test_alpha_matches_numpy_covariance_alpha(reference_ctx: Context) -> None:
    with reference_ctx.read() as session:
        quarterly = released_figures(session, SYSTEM, granularity="quarter")
    departments, responses = read_csv(REFERENCE)
    responses = responses.assign(quarter=responses["period"].map(quarter_of))
    brs = responses[BRS].astype(float).copy()
    for item in BRS_REVERSED:
        brs[item] = 6 - brs[item]
    items = {"who5": responses[WHO5].astype(float), "brs": brs}
    bank = reference_ctx.bank
    checked = 0
    for quarter in sorted(quarterly["period"].unique()):
        table = alpha_table(quarterly, bank, quarter)
        assert len(table), "the reference units are large enough to show alpha"
        for row in table.itertuples(index=False):
            members = subtree(departments, row.code)
            mask = (responses["quarter"] == quarter) & responses["department"].isin(members)
            part = items[row.indicator][mask]
            assert row.alpha_n == len(part.dropna())
            assert row.alpha == pytest.approx(cronbach_from_items(part), abs=1e-9)
            assert row.low == (row.alpha < 0.70)
            # Feldt's interval, written out independently: F quantiles with n − 1 and
            # (n − 1)(k − 1) degrees of freedom
            k_items, n = part.shape[1], len(part.dropna())
            f_hi = stats.f.isf(0.025, n - 1, (n - 1) * (k_items - 1))
            f_lo = stats.f.isf(0.975, n - 1, (n - 1) * (k_items - 1))
            assert row.alpha_low == pytest.approx(1 - (1 - row.alpha) * f_hi, abs=1e-9)
            assert row.alpha_high == pytest.approx(1 - (1 - row.alpha) * f_lo, abs=1e-9)
            assert row.unstable == (n < 30)
            checked += 1
    assert checked >= 10
    summary = alpha_summary(quarterly, bank, sorted(quarterly["period"].unique())[-1])
    assert set(summary["indicator"]) == {"who5", "brs"}


def test_small_cells_carry_no_alpha(reference_ctx: Context) -> None:
    with reference_ctx.read() as session:
        quarterly = released_figures(session, SYSTEM, granularity="quarter")
        k = current(session).min_group_size
    shown_alpha = quarterly[quarterly["alpha"].notna()]
    assert (shown_alpha["alpha_n"] >= k).all()
    assert (shown_alpha["status"] == "shown").all()
    assert pd.isna(quarterly.loc[quarterly["status"] != "shown", "alpha"]).all()
