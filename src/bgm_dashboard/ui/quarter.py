"""Leadership's quarter at a glance, cached per publication, plan state and quarter (the
trend tests behind it take seconds; a page rerun must not repeat them)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from bgm_dashboard.auth.viewer import FIGURE_ROLES, Viewer, require
from bgm_dashboard.interventions.plans import PlanView, all_plans
from bgm_dashboard.privacy.gate import publication_version
from bgm_dashboard.snapshots.payload import READER, quarter_summary
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.data import figures


@st.cache_data(ttl=900, show_spinner=False, max_entries=16)
def _summary(
    version: tuple[int, ...], plans: tuple[PlanView, ...], quarter: str, scope: str
) -> dict[str, Any]:
    del version  # cache key: a new publication invalidates the summary
    quarterly = figures(READER, granularity="quarter")
    monthly = figures(READER, granularity="month")
    bank = app_context().bank
    return quarter_summary(quarterly, monthly, bank, quarter, scope=scope, plans=plans)


def quarter_view(viewer: Viewer, quarter: str) -> dict[str, Any]:
    """``snapshots.payload.quarter_summary`` of the released figures, for the viewer's
    subtree when its account is scoped."""
    require(viewer, *FIGURE_ROLES)
    with app_context().read() as session:
        version = publication_version(session)
        plans = tuple(all_plans(session))
    return _summary(version, plans, quarter, viewer.scope)
