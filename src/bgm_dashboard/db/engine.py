"""Engine and session factory: SQLite with foreign keys and WAL, PostgreSQL through psycopg 3."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

from bgm_dashboard.db.compaction import compact_after_commit

WRITE_OPTION = "bgm_write"
SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long a writer waits for SQLite's write lock before the page says "send again"."""
POOL = {"pool_size": 20, "max_overflow": 40, "pool_timeout": 60}
"""Connections per app process: a Streamlit server runs every session in a thread of its own;
with 50 people pressing "Absenden" at once, 15 connections (SQLAlchemy's default) made
answers wait for a connection until the pool gave up. PostgreSQL: keep
replicas × (pool_size + max_overflow) below the server's max_connections."""


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # deleted rows are overwritten with zeros, not left readable in free space
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """Writers take SQLite's write lock at BEGIN, so that two racing writers queue up
    (busy_timeout) instead of failing when one upgrades a read snapshot."""
    immediate = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; creates the folder of a SQLite file if needed."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ValueError("use a SQLite file, not an in-memory database")
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **{**POOL, **kwargs})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "handle_error", _sqlite_readonly)
        return engine
    kwargs.setdefault("pool_pre_ping", True)  # a connection lost meanwhile is replaced
    connect_args = {**postgres_connect_args(parsed.query), **kwargs.pop("connect_args", {})}
    return create_engine(url, connect_args=connect_args, **{**POOL, **kwargs})


POSTGRES_DEFAULTS: dict[str, int] = {
    "connect_timeout": 5,  # seconds: an unreachable server is reported, not waited for
    "keepalives": 1,  # a connection whose peer vanished is noticed by the kernel ...
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,  # ... and unacknowledged data gives up after 30 s
}
"""libpq connection parameters the app sets unless the URL sets them itself."""

POSTGRES_SERVER_DEFAULTS: dict[str, str] = {
    "statement_timeout": "60s",
    "idle_in_transaction_session_timeout": "60s",
}
"""Server settings per session (``-c name=value`` in libpq's ``options``): no statement or
forgotten transaction holds locks for ever. The URL's own ``options`` take precedence."""


def postgres_connect_args(query: Mapping[str, Any]) -> dict[str, Any]:
    """Timeouts and keepalives for psycopg, merged with what the URL's query sets."""
    args: dict[str, Any] = {k: v for k, v in POSTGRES_DEFAULTS.items() if k not in query}
    given = query.get("options", "")
    options = " ".join(given) if isinstance(given, tuple) else str(given)
    extra = [f"-c {k}={v}" for k, v in POSTGRES_SERVER_DEFAULTS.items() if k not in options]
    args["options"] = " ".join([options, *extra]).strip()
    return args


def _sqlite_readonly(context: ExceptionContext) -> None:
    """A connection opened while the file was read-only stays read-only: treat the error
    as a lost connection, so that the pool opens fresh ones (which work once the file is
    writable again) instead of failing until a restart."""
    error = context.original_exception
    if isinstance(error, sqlite3.OperationalError) and "readonly" in str(error):
        context.is_disconnect = True


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for reading and ordinary writes."""
    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "after_commit", compact_after_commit)
    return factory


def writer_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for use cases that must not race (spending a token, storing a response)."""
    factory = sessionmaker(engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False)
    event.listen(factory, "after_commit", compact_after_commit)
    return factory


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
