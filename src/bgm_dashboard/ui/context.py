"""The app's context (engine, sessions, item bank), created once per server process."""

from __future__ import annotations

import streamlit as st

from bgm_dashboard.context import Context, make_context


@st.cache_resource(show_spinner=False)
def app_context() -> Context:
    """Migrate the schema, publish quarters that became due, and keep the engine."""
    ctx = make_context()
    with ctx.write() as session:
        ctx.publish_due(session)
    return ctx
