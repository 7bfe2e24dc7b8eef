"""PostgreSQL: the app runs as a role that cannot switch off the audit log's guard. An owner
role runs the migrations and grants (``bgm audit grant``); the app role then runs the whole
demo (import, publication, accounts, audit entries) but every attempt to disable triggers,
alter, truncate, update or delete the audit log, or to swap its guard function, fails."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bgm_dashboard.auth.audit import verify_chain
from bgm_dashboard.auth.db_roles import grant_app_role
from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.context import make_context
from bgm_dashboard.db.engine import normalise_url
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.settings import load_settings
from tests.conftest import POSTGRES_URL, SAMPLE

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs BGM_TEST_POSTGRES_URL")

ATTACKS = [
    "UPDATE audit_log SET actor = 'jemand'",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
    "ALTER TABLE audit_log DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_log_append_only ON audit_log",
    "ALTER TABLE audit_log ADD COLUMN note text",
    "ALTER TABLE audit_log RENAME TO audit_log_old",
    "DROP TABLE audit_log",
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
    "BEGIN RETURN NULL; END; $$ LANGUAGE plpgsql",
    "SET session_replication_role = replica",
    "GRANT UPDATE ON audit_log TO CURRENT_USER; UPDATE audit_log SET actor = 'jemand'",
    "TRUNCATE responses",
    "ALTER TABLE accounts DISABLE TRIGGER ALL",
    "UPDATE alembic_version SET version_num = '0001'",
    "CREATE TABLE evil (x int)",
]


def _url(role: str, schema: str) -> str:
    url = make_url(normalise_url(POSTGRES_URL)).set(username=role, password=None)
    url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture
def roles() -> Iterator[tuple[str, str, str]]:
    suffix = uuid.uuid4().hex[:8]
    owner, app, schema = f"bgm_owner_{suffix}", f"bgm_app_{suffix}", f"t_roles_{suffix}"
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {owner} LOGIN"))
        conn.execute(text(f"CREATE ROLE {app} LOGIN"))
        conn.execute(text(f"CREATE SCHEMA {schema} AUTHORIZATION {owner}"))
    try:
        yield owner, app, schema
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            for role in (app, owner):
                conn.execute(text(f"DROP OWNED BY {role}"))
                conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()


def _attempt(engine: Engine, statement: str) -> str | None:
    """The error of ``statement`` (rolled back either way), or None when it went through."""
    try:
        with engine.connect() as conn, conn.begin() as transaction:
            conn.execute(text(statement))
            transaction.rollback()
    except DBAPIError as exc:
        return str(exc.orig)
    return None


def test_app_role_runs_the_app_but_cannot_touch_the_audit_log(
    roles: tuple[str, str, str],
) -> None:
    owner, app, schema = roles
    settings = load_settings({"BGM_ENV": "demo"})  # the demo data as a realistic workload
    owner_ctx = make_context(replace(settings, database_url=_url(owner, schema)))
    # the defect on main: the app's own role owns the table and can switch the guard off
    assert _attempt(owner_ctx.engine, ATTACKS[3]) is None
    grant_app_role(owner_ctx.engine, app)
    app_ctx = make_context(replace(settings, database_url=_url(app, schema)))
    from bgm_dashboard.demo import seed_demo

    assert seed_demo(app_ctx, folder=SAMPLE, today=date(2026, 11, 26))
    for statement in ATTACKS:
        error = _attempt(app_ctx.engine, statement)
        assert error is not None, f"the app role could run: {statement}"
        # a DELETE is granted (retention), but the guard refuses any that no signed cut covers
        refused = ("permission denied", "must be owner", "audit_log is append-only")
        assert any(reason in error for reason in refused), (statement, error)
    with app_ctx.read() as session:
        check = verify_chain(session, Viewer("pr", frozenset({"council"})))
    assert check.ok and check.entries >= 4
    app_ctx.engine.dispose()
    owner_ctx.engine.dispose()


def test_grant_refuses_a_role_that_could_change_the_log(roles: tuple[str, str, str]) -> None:
    owner, app, schema = roles
    owner_ctx = make_context(replace(load_settings({}), database_url=_url(owner, schema)))
    superuser = make_url(normalise_url(POSTGRES_URL)).username or "postgres"
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"GRANT {owner} TO {app}"))
    for role, key in (
        (superuser, "audit.grant_role_too_strong"),
        (app, "audit.grant_role_too_strong"),
        ("no_such_role_x", "audit.grant_no_role"),
    ):
        with pytest.raises(ValidationError) as caught:
            grant_app_role(owner_ctx.engine, role)
        assert caught.value.key == key
    with admin.connect() as conn:
        conn.execute(text(f"REVOKE {owner} FROM {app}"))
    admin.dispose()
    owner_ctx.engine.dispose()
