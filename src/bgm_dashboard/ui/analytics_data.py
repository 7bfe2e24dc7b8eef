"""Cached analytics for pages: computed once per set of released figures, not on every rerun."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from bgm_dashboard.analytics.decline import trends
from bgm_dashboard.analytics.participation import quarter_rates, rate_trends, wave_rates
from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.governance.settings import current
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.data import figures


def both(viewer: Viewer) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(monthly, quarterly) released unit figures the viewer may see."""
    return figures(viewer, granularity="month"), figures(viewer, granularity="quarter")


def min_group_size() -> int:
    with app_context().read() as session:
        return current(session).min_group_size


@st.cache_data(ttl=900, show_spinner=False, max_entries=8, hash_funcs={ItemBank: id})
def all_trends(monthly: pd.DataFrame, quarterly: pd.DataFrame, bank: ItemBank) -> pd.DataFrame:
    """Trend tests of every unit and indicator (see ``analytics.decline``)."""
    return trends(monthly, quarterly, bank)


@st.cache_data(ttl=900, show_spinner=False, max_entries=8)
def participation_tables(
    monthly: pd.DataFrame, quarterly: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(rates per wave, rates per quarter, rate trends)."""
    waves = wave_rates(monthly)
    quarters = quarter_rates(quarterly, monthly)
    return waves, quarters, rate_trends(waves, quarters)
