"""BGM Resilienz-Dashboard: page setup, language, who is logged in, navigation by role."""

from __future__ import annotations

import streamlit as st

from bgm_dashboard.ui.auth import ensure_session, identity_sidebar, sync_session_cookie
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.dbguard import database_guard
from bgm_dashboard.ui.demo import demo_notice
from bgm_dashboard.ui.lang import lang, language_switch, tr
from bgm_dashboard.ui.layout import page_style
from bgm_dashboard.ui.navigation import START_PATH, landing_page, menu, pages_for

# an emoji, not a :material/…: icon: Streamlit fetches those favicons from fonts.gstatic.com,
# handing every visitor's IP address to an outside server; an emoji favicon is drawn locally
st.set_page_config(page_title="BGM Resilienz-Dashboard", page_icon="🌱", layout="wide")
with database_guard():
    app_context()
page_style(lang())
viewer = ensure_session()

specs = pages_for(viewer)
landing = landing_page(viewer, specs)
sections: dict[str, list[st.Page]] = {}
# every page is registered, so a bookmark or a typed address never meets Streamlit's English
# "Page not found"; pages the session may not open are hidden from the menu and say in the
# user's language that a login (or another role) is needed: each checks the role itself
for spec, shown in menu(viewer):
    section = sections.setdefault(tr(spec.section_key), [])
    title = tr(spec.title_key)
    # Streamlit serves the default page at "/" only, so the landing page gets a hidden second
    # entry under its German address: a bookmark of it (or F5 there) still finds it
    if spec is landing:
        section.append(
            st.Page(spec.path, title=title, icon=spec.icon, url_path=START_PATH, default=True)
        )
    section.append(
        st.Page(
            spec.path,
            title=title,
            icon=spec.icon,
            url_path=spec.url_path,
            visibility="visible" if shown and spec is not landing else "hidden",
        )
    )
navigation = st.navigation(sections, expanded=True)
language_switch()
identity_sidebar(viewer)
sync_session_cookie(viewer)
demo_notice()
with database_guard():
    navigation.run()
