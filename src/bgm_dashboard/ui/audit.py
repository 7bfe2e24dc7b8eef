"""Audit entries written from pages: which figures a logged-in user looked at (once per
session, page, unit and period, not on every rerun)."""

from __future__ import annotations

import streamlit as st

from bgm_dashboard.auth.audit import record
from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.ui.context import app_context

SEEN_KEY = "audit_seen_views"
AUDITED_ROLES = ("hr", "leadership")


def log_view(
    viewer: Viewer, page: str, *, unit: str | None = None, period: str | None = None
) -> None:
    """Record that ``viewer`` saw figures of ``unit`` (None: all units) for ``period``."""
    if not viewer.has(*AUDITED_ROLES):
        return
    key = (viewer.name, page, unit, period)
    seen: set[tuple[str, str, str | None, str | None]] = st.session_state.setdefault(
        SEEN_KEY, set()
    )
    if key in seen:
        return
    with app_context().write() as session:
        record(session, viewer.name, "view_figures", unit or "*", {"page": page, "period": period})
    seen.add(key)
