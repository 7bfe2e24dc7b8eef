"""Runs one use case of a page in one transaction and reports the outcome in the user's
language: an error in place, or a success message shown after the rerun."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from sqlalchemy.orm import Session

from bgm_dashboard.errors import UserError
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.lang import lang, tr

FLASH = "flash_message"


def show_flash() -> None:
    """The success message of the action that caused this rerun, if any."""
    if FLASH in st.session_state:
        st.success(st.session_state.pop(FLASH))


def flash(text: str) -> None:
    st.session_state[FLASH] = text


def act(action: Callable[[Session], Any], done_key: str, **params: Any) -> None:
    """Run ``action`` in a write transaction; on success remember the message and rerun."""
    try:
        with app_context().write() as session:
            action(session)
    except UserError as error:
        st.error(error.message(lang()))
        return
    flash(tr(done_key, **params))
    st.rerun()
