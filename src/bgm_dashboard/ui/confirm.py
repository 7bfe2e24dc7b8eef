"""Irreversible actions ask first: a button opens a dialog that names the consequence; only
its confirm button runs the action (in one transaction, with a message that stays)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from sqlalchemy.orm import Session

from bgm_dashboard.ui.actions import act
from bgm_dashboard.ui.lang import tr

PENDING = "confirm_pending"


def _dismiss() -> None:
    st.session_state.pop(PENDING, None)


def confirm_button(
    label: str,
    *,
    key: str,
    title: str,
    consequence: str,
    confirm_label: str,
    action: Callable[[Session], Any],
    done: Callable[[Any], str],
    container: Any = None,
    disabled: bool = False,
) -> None:
    """A secondary button; the action runs only after "``confirm_label``" in the dialog.
    ``done`` turns the action's result into the message that stays on the page."""
    where = container if container is not None else st
    if where.button(label, key=key, disabled=disabled):
        st.session_state[PENDING] = key
    if st.session_state.get(PENDING) != key:
        return

    @st.dialog(title, on_dismiss=_dismiss)
    def dialog() -> None:
        st.warning(consequence, icon=":material/warning:")
        left, right = st.columns(2)
        if left.button(tr("confirm.cancel"), key=f"{key}_cancel", width="stretch"):
            _dismiss()
            st.rerun()
        if right.button(confirm_label, key=f"{key}_confirm", type="primary", width="stretch"):
            _dismiss()
            act(action, done)

    dialog()
