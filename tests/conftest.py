"""Shared fixtures: one test suite, two databases (a SQLite file always, PostgreSQL when
BGM_TEST_POSTGRES_URL is set), the reference dataset, and an app runner for AppTest."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bgm_dashboard.context import Context, make_context
from bgm_dashboard.db.engine import normalise_url
from bgm_dashboard.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(__file__).resolve().parent / "data" / "reference"
SAMPLE = ROOT / "sample_data"
POSTGRES_URL = os.environ.get("BGM_TEST_POSTGRES_URL", "").strip()

BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def _postgres_schema_url(schema: str) -> str:
    url = make_url(normalise_url(POSTGRES_URL))
    url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(autouse=True)
def fresh_login_limiter() -> Iterator[None]:
    """Each test starts with the app's login limiter empty, as after a restart: attempts
    counted in one test must not throttle the next (the limiter is per process)."""
    import contextlib

    import streamlit as st

    from bgm_dashboard.auth.ratelimit import LIMITER

    LIMITER.forget()
    # outside a script run (AppTest evaluating a widget's format_func) Streamlit keeps one
    # process-wide session state: a language chosen there by one test must not carry over
    with contextlib.suppress(Exception):
        st.session_state.pop("lang", None)
    yield


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _postgres_schema_url(schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def alone_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Like ``db_url``, but on PostgreSQL a database of its own: VACUUM keeps row versions
    that an open transaction in the same database may still see, so a test that reads heap
    pages must not share its database with tests running beside it."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'alone.sqlite3'}"
        return
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            make_url(normalise_url(POSTGRES_URL))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def ctx(db_url: str) -> Iterator[Context]:
    settings = replace(load_settings({}), database_url=db_url)
    context = make_context(settings)
    yield context
    context.engine.dispose()


@pytest.fixture
def reference_ctx(ctx: Context) -> Context:
    """The reference municipality and its six months of answers, imported and published."""
    from bgm_dashboard.org.service import import_departments
    from bgm_dashboard.survey.importer import import_responses

    with ctx.write() as session:
        import_departments(session, REFERENCE / "departments.csv")
        import_responses(session, ctx.bank, REFERENCE / "responses.csv")
        ctx.publish_due(session, date(2026, 11, 26))
    return ctx


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file with the demo municipality, built once per test session (read-only use)."""
    from bgm_dashboard.demo import seed_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    settings = replace(load_settings({"BGM_ENV": "demo"}), database_url=f"sqlite:///{path}")
    context = make_context(settings)
    seed_demo(context, folder=SAMPLE, today=date(2026, 11, 26))
    context.engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., Any]:
    """``run(db_url, *args, lang="en")``: the real ``bgm`` entry point, in-process; returns
    tests.cli_helpers.Result (return code, stdout, stderr)."""
    from tests.cli_helpers import cli

    return lambda db_url, *args, lang="en": cli(monkeypatch, capsys, db_url, *args, lang=lang)
