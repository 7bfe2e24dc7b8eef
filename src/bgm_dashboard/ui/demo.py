"""Says in the app when it runs the demo (and when a demo database is used in production)."""

from __future__ import annotations

import streamlit as st

from bgm_dashboard.auth.demo_accounts import is_demo_database
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.lang import tr


def demo_state() -> str | None:
    """``"demo"`` (demo data, demo mode), ``"blocked"`` (demo data, production) or None."""
    ctx = app_context()
    with ctx.read() as session:
        if not is_demo_database(session):
            return None
    return "demo" if ctx.settings.allows_demo else "blocked"


def demo_notice(*, sidebar: bool = True) -> str | None:
    """The demo banner (or the production warning); returns the state shown."""
    state = demo_state()
    target = st.sidebar if sidebar else st
    if state == "demo":
        target.warning(tr("demo.banner"), icon=":material/science:")
    elif state == "blocked":
        target.error(tr("demo.production_warning"), icon=":material/block:")
    return state
