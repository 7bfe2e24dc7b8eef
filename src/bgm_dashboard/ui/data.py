"""Cached released figures for pages: aggregates only, keyed by what has been published."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from bgm_dashboard.analytics.common import subtree_codes
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
    """Released figures the viewer may see (the gate's output, cached per publication;
    limited to the viewer's subtree when its account is scoped)."""
    if viewer.has(*FIGURE_ROLES):
        audience = "full"
    else:
        require(viewer, *ROLES)  # every employee, logged in or not, sees the public subset
        audience = "public"
    ctx = app_context()
    with ctx.read() as session:
        version = publication_version(session)
        rules = tuple(sorted((k, str(v)) for k, v in current(session).as_dict().items()))
    frame = _released(version, rules, granularity, audience, include_rest)
    return within_scope(frame, viewer.scope) if viewer.scope else frame


def within_scope(frame: pd.DataFrame, scope: str) -> pd.DataFrame:
    """The rows of ``scope`` and the units below it, by each publication's own org chart
    (a scoped leadership account sees its subtree only; nothing else is shown to it)."""
    if frame.empty:
        return frame
    keep: set[tuple[str, str]] = set()
    for quarter, rows in frame.groupby("quarter", sort=False):
        units = rows.drop_duplicates("code")[["code", "parent_code"]]
        if scope in set(units["code"]):
            keep |= {(str(quarter), c) for c in subtree_codes(units, scope)}
    mask = [(str(q), c) in keep for q, c in zip(frame["quarter"], frame["code"], strict=True)]
    return frame[mask].reset_index(drop=True)
