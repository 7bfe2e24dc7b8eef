"""Who uses this browser session: anonymous staff unless someone has logged in."""

from __future__ import annotations

import streamlit as st

from bgm_dashboard.auth.viewer import STAFF, Viewer

VIEWER_KEY = "viewer"


def current_viewer() -> Viewer:
    viewer = st.session_state.get(VIEWER_KEY)
    return viewer if isinstance(viewer, Viewer) else STAFF


def set_viewer(viewer: Viewer | None) -> None:
    if viewer is None:
        st.session_state.pop(VIEWER_KEY, None)
    else:
        st.session_state[VIEWER_KEY] = viewer
