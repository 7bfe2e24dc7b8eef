"""Cached released figures for pages: aggregates only, keyed by what has been published."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from bgm_dashboard.auth.viewer import FIGURE_ROLES, ROLES, STAFF, SYSTEM, Viewer, require
from bgm_dashboard.governance.settings import current
from bgm_dashboard.privacy.gate import publication_version, released_figures
from bgm_dashboard.ui.context import app_context


@st.cache_data(ttl=900, show_spinner=False, max_entries=32)
def _released(
    version: tuple[int, ...],
    rules: tuple[object, ...],
    granularity: str,
    audience: str,
    include_rest: bool,
) -> pd.DataFrame:
    del version, rules  # cache keys: a new publication or changed rules invalidate the cache
    ctx = app_context()
    viewer = SYSTEM if audience == "full" else STAFF
    with ctx.read() as session:
        return released_figures(session, viewer, granularity=granularity, include_rest=include_rest)


def figures(
    viewer: Viewer, *, granularity: str = "quarter", include_rest: bool = False
) -> pd.DataFrame:
    """Released figures the viewer may see (the gate's output, cached per publication)."""
    if viewer.has(*FIGURE_ROLES):
        audience = "full"
    else:
        require(viewer, *ROLES)  # every employee, logged in or not, sees the public subset
        audience = "public"
    ctx = app_context()
    with ctx.read() as session:
        version = publication_version(session)
        rules = tuple(sorted((k, str(v)) for k, v in current(session).as_dict().items()))
    return _released(version, rules, granularity, audience, include_rest)
