"""A clear message instead of Streamlit's error page when the database fails (unreachable,
timed out, connection lost): the person is told to try again; nothing of theirs is lost."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, TimeoutError

from bgm_dashboard.ui.lang import tr

log = logging.getLogger(__name__)


@contextmanager
def database_guard() -> Iterator[None]:
    """Run a page (or the app's start) and turn a failing database into the catalogue's
    message. Only the kind of error is logged, never its parameters (they may hold answers)."""
    try:
        yield
    except (DBAPIError, TimeoutError) as error:
        if isinstance(error, DBAPIError) and not _is_outage(error):
            raise
        cause = getattr(error, "orig", None) or error
        log.warning("database unavailable: %s", type(cause).__name__)
        st.error(tr("db.unavailable"))
        st.stop()


def _is_outage(error: DBAPIError) -> bool:
    """Connection-level failures and timeouts; not a bug such as an unknown column."""
    return error.connection_invalidated or isinstance(error, (OperationalError, InterfaceError))
