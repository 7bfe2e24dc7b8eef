"""Every restricted page checks the role itself, whatever the navigation offered."""

from __future__ import annotations

import contextlib

import streamlit as st
from streamlit.errors import StreamlitAPIException

from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.ui.lang import tr
from bgm_dashboard.ui.session import current_viewer


def require_roles(*roles: str, scoped: bool = False) -> Viewer:
    """Stop the page unless the session's viewer holds one of ``roles``. An account scoped
    to a subtree reaches only pages built for scopes (``scoped=True``)."""
    viewer = current_viewer()
    if not viewer.has(*roles) or (viewer.scope and not scoped):
        if viewer.is_staff_only:
            st.warning(tr("ui.login_required"))
            # a page run on its own (no navigation) has no link target: the warning stands alone
            with contextlib.suppress(StreamlitAPIException):
                st.page_link("pages/login.py", label=tr("nav.login"), icon=":material/login:")
        else:
            st.warning(tr("ui.not_for_your_role"))
        st.stop()
    return viewer
