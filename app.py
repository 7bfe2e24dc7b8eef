"""BGM Resilienz-Dashboard: page setup, language, who is logged in, navigation by role."""

from __future__ import annotations

import streamlit as st

from bgm_dashboard.ui.auth import ensure_session, identity_sidebar
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.dbguard import database_guard
from bgm_dashboard.ui.demo import demo_notice
from bgm_dashboard.ui.lang import language_switch, tr
from bgm_dashboard.ui.navigation import landing_page, pages_for

# an emoji, not a :material/…: icon: Streamlit fetches those favicons from fonts.gstatic.com,
# handing every visitor's IP address to an outside server; an emoji favicon is drawn locally
st.set_page_config(page_title="BGM Resilienz-Dashboard", page_icon="🌱", layout="wide")
with database_guard():
    app_context()
viewer = ensure_session()

specs = pages_for(viewer)
landing = landing_page(viewer, specs)
sections: dict[str, list[st.Page]] = {}
for spec in specs:
    sections.setdefault(tr(spec.section_key), []).append(
        st.Page(spec.path, title=tr(spec.title_key), icon=spec.icon, default=spec is landing)
    )
navigation = st.navigation(sections, expanded=True)
language_switch()
identity_sidebar(viewer)
demo_notice()
with database_guard():
    navigation.run()
