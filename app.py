"""BGM Resilienz-Dashboard: page setup, language, who is logged in, navigation by role."""

from __future__ import annotations

import streamlit as st

from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.lang import language_switch, tr
from bgm_dashboard.ui.navigation import pages_for
from bgm_dashboard.ui.session import current_viewer

st.set_page_config(page_title="BGM Resilienz-Dashboard", page_icon="🌱", layout="wide")
app_context()
viewer = current_viewer()

sections: dict[str, list[st.Page]] = {}
for spec in pages_for(viewer):
    sections.setdefault(tr(spec.section_key), []).append(
        st.Page(spec.path, title=tr(spec.title_key), icon=spec.icon, default=spec.default)
    )
navigation = st.navigation(sections)
language_switch()
navigation.run()
