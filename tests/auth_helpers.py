"""Helpers for the account, governance and audit tests: an AppTest on a given database,
reading the audit log, and spotting figures among a page's elements."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
import streamlit as st
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from bgm_dashboard.context import Context
from bgm_dashboard.db.models import AuditEntry
from tests.conftest import ROOT

FIGURE_ELEMENTS = ("dataframe", "table", "metric", "plotly_chart", "arrow_vega_lite_chart")


def app_test(db_url: str, monkeypatch: pytest.MonkeyPatch, **env: str) -> AppTest:
    """The app on ``db_url`` with fresh caches (so it opens that database)."""
    monkeypatch.setenv("BGM_DATABASE_URL", db_url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    st.cache_resource.clear()
    st.cache_data.clear()
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def audit_rows(ctx: Context, action: str | None = None) -> list[AuditEntry]:
    with ctx.read() as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        return list(session.scalars(query))


def figure_elements(at: AppTest) -> list[Any]:
    """Every element of a run that can carry figures: tables, metrics, charts."""
    found: list[Any] = []
    for kind in FIGURE_ELEMENTS:
        try:
            found.extend(at.get(kind))
        except Exception:  # an element type this Streamlit version does not know
            continue
    return found


def bgm(
    db_url: str, *args: str, stdin: str | None = None, lang: str = "en"
) -> subprocess.CompletedProcess[str]:
    """The real ``bgm`` command line on ``db_url`` (stdin is not a terminal)."""
    env = {**os.environ, "BGM_DATABASE_URL": db_url, "BGM_LANGUAGE": lang}
    return subprocess.run(
        [sys.executable, "-m", "bgm_dashboard.cli", *args],
        env=env,
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
