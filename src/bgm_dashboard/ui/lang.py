"""The user's language (German by default) and the catalogue lookup for pages."""

from __future__ import annotations

from typing import Any

import streamlit as st

from bgm_dashboard.i18n import LANGUAGES, t
from bgm_dashboard.settings import load_settings

KEY = "lang"
NAMES = {"de": "Deutsch", "en": "English"}


def lang() -> str:
    if KEY not in st.session_state:
        st.session_state[KEY] = load_settings().language
    value = st.session_state[KEY]
    return value if value in LANGUAGES else "de"


def tr(key: str, /, **params: Any) -> str:
    return t(key, lang(), **params)


def language_switch(*, where: str = "sidebar") -> None:
    """A switch between Deutsch and English that keeps the rest of the session. Every switch
    shows the session's language (one source of truth) and a choice takes effect in the same
    run, on the whole page, sidebar included."""
    key = f"lang_switch_{where}"
    st.session_state[key] = lang()

    def chosen() -> None:
        choice = st.session_state.get(key)
        if choice in LANGUAGES:
            st.session_state[KEY] = choice

    container = st.sidebar if where == "sidebar" else st
    container.segmented_control(
        tr("ui.language"),
        options=list(LANGUAGES),
        format_func=lambda code: NAMES[code],
        key=key,
        on_change=chosen,
        label_visibility="collapsed",
    )
