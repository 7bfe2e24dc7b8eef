"""Times a page of the app through Streamlit's AppTest (for the scale benchmark): the very
first run of the process, a cold run after clearing Streamlit's caches, then warm reruns."""

from __future__ import annotations

import logging
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.logger import set_log_level
from streamlit.testing.v1 import AppTest

from bgm_dashboard.auth.viewer import Viewer


@dataclass(frozen=True)
class PageTimes:
    """Seconds: ``first`` loads the code too (a server's first visitor after its start);
    ``cold`` is the first run after clearing Streamlit's caches (a new database engine,
    no cached figures); ``warm`` the median of the reruns that follow."""

    first: float
    cold: float
    warm: float


def _quiet() -> None:
    """Outside a server, Streamlit warns about the missing runtime on every call."""
    set_log_level("error")
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


def _check(at: AppTest) -> None:
    if len(at.exception):
        raise RuntimeError(f"the page failed: {at.exception[0].value}")
    if not at.get("plotly_chart"):
        raise RuntimeError("the page drew no chart")


def _open(app: Path, page: str, viewer: Viewer) -> tuple[AppTest, float]:
    clear()
    at = AppTest.from_file(str(app), default_timeout=600)
    at.session_state["viewer"] = viewer
    start = time.perf_counter()
    at.switch_page(page).run()
    elapsed = time.perf_counter() - start
    _check(at)
    return at, elapsed


def time_page(app: Path, page: str, viewer: Viewer, *, warm_runs: int = 3) -> PageTimes:
    """Time ``page`` of ``app`` for ``viewer`` on the database ``BGM_DATABASE_URL`` names."""
    _quiet()
    _, first = _open(app, page, viewer)
    _quiet()  # loggers created while the app loaded
    at, cold = _open(app, page, viewer)
    warm: list[float] = []
    for _ in range(warm_runs):
        start = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - start)
        _check(at)
    return PageTimes(first, cold, statistics.median(warm))


def clear() -> None:
    """Drop Streamlit's caches (cached figures and the app's context with its engine)."""
    st.cache_data.clear()
    st.cache_resource.clear()
