"""Runs one use case of a page in one transaction and reports the outcome in the user's
language: an error in place, or a success message that stays on the page until it is
dismissed or the next action replaces it."""

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
    """The message of the last action, until dismissed or the next action."""
    if FLASH not in st.session_state:
        return
    text, button = st.columns([12, 2], vertical_alignment="center")
    text.success(st.session_state[FLASH])
    if button.button(tr("confirm.dismiss"), key="flash_dismiss", type="tertiary"):
        st.session_state.pop(FLASH, None)
        st.rerun()


def flash(text: str) -> None:
    st.session_state[FLASH] = text


def act(
    action: Callable[[Session], Any], done_key: str | Callable[[Any], str], **params: Any
) -> None:
    """Run ``action`` in a write transaction; on success remember the message and rerun.
    ``done_key`` is a catalogue key, or a function from the action's result to the text."""
    st.session_state.pop(FLASH, None)
    try:
        with app_context().write() as session:
            result = action(session)
    except UserError as error:
        st.error(error.message(lang()))
        return
    flash(done_key(result) if callable(done_key) else tr(done_key, **params))
    st.rerun()
