"""Backup and restore of the whole database, consistent while the app writes: SQLite through
``VACUUM INTO`` (one read transaction: a snapshot) and the online backup API for restoring;
PostgreSQL through ``pg_dump -Fc`` (one snapshot) and ``pg_restore``.

A backup holds every raw answer and comment: keep it as protected as the database itself."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from bgm_dashboard.errors import ValidationError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
_SEARCH_PATH = re.compile(r"-c\s*search_path=([A-Za-z0-9_]+)")


def backup(engine: Engine, target: Path) -> None:
    """Write a consistent copy of the database to ``target`` (replaced if it exists)."""
    target = target.resolve()
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    if engine.dialect.name == "sqlite":
        # VACUUM INTO reads one snapshot (WAL readers do not block writers) and writes a
        # compact, self-contained file; never copy the live file with cp
        raw = engine.raw_connection()  # autocommit: VACUUM cannot run inside BEGIN
        try:
            driver = raw.driver_connection
            assert isinstance(driver, sqlite3.Connection)
            driver.execute("VACUUM INTO ?", (str(partial),))
        finally:
            raw.close()
    else:
        _pg_tool(engine, ["pg_dump", "--format=custom", f"--file={partial}", *_schema(engine)])
    os.replace(partial, target)


def restore(engine: Engine, source: Path) -> None:
    """Replace the database's content with a backup made by :func:`backup`."""
    try:
        head = _head(source)
    except OSError:
        raise ValidationError("backup.unreadable", path=str(source)) from None
    if engine.dialect.name == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise ValidationError("backup.wrong_kind", path=str(source), kind="SQLite")
        _sqlite_restore(engine, source)
        return
    if not head.startswith(PG_MAGIC):
        raise ValidationError(
            "backup.wrong_kind", path=str(source), kind="PostgreSQL (pg_dump -Fc)"
        )
    _pg_tool(
        engine,
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            *_schema(engine),
            str(source),
        ],
    )


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(16)


def _sqlite_restore(engine: Engine, source: Path) -> None:
    """Copy the backup into the live file with SQLite's online backup API: it takes the
    write lock, so the app's connections see the old or the restored data, never a mix."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        if src.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise ValidationError("backup.damaged", path=str(source))
        live = engine.raw_connection()
        try:
            driver = live.driver_connection
            assert isinstance(driver, sqlite3.Connection)
            src.backup(driver)
        finally:
            live.close()
    except sqlite3.DatabaseError:
        raise ValidationError("backup.damaged", path=str(source)) from None
    finally:
        src.close()
    engine.dispose()  # pooled connections re-read the schema


def _schema(engine: Engine) -> list[str]:
    """Limit the tools to the schema the URL's search_path names (one database, several
    installations or test schemas); the whole database otherwise."""
    options = engine.url.query.get("options", "")
    found = _SEARCH_PATH.search(" ".join(options) if isinstance(options, tuple) else options)
    return [f"--schema={found.group(1)}"] if found else []


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password (that goes through PGPASSWORD, not the
    command line that every user of the machine can read)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    plain = plain.difference_update_query(["options"])
    return plain.render_as_string(hide_password=False), env


def _pg_tool(engine: Engine, command: list[str]) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        raise ValidationError("backup.tool_missing", tool=command[0])
    uri, env = _libpq(engine.url)
    argv = [tool, f"--dbname={uri}", *command[1:]]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, errors="replace")
    if done.returncode != 0:
        lines = (done.stderr or "").strip().splitlines()
        raise ValidationError(
            "backup.tool_failed", tool=command[0], detail=lines[-1] if lines else ""
        )
