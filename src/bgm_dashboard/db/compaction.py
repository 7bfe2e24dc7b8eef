"""Storage that forgets: after a wave closes, the database files are rebuilt so that neither
old row versions, freed space nor the write-ahead log keep the order or the content of
single submissions (SQLite: VACUUM and a truncating WAL checkpoint; PostgreSQL: VACUUM FULL
of the survey tables and a CHECKPOINT)."""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

COMPACT_AFTER_COMMIT = "bgm_compact_after_commit"
"""Set in ``session.info`` by a use case whose commit must be followed by a compaction."""
SURVEY_TABLES = (
    "responses",
    "answers",
    "comments",
    "participation_tokens",
    "indicator_moments",
    "item_moments",
)
"""Tables whose old row versions would tell single submissions apart: the rows themselves,
the spent codes, and the aggregates that each submission updated."""
PENDING_KEY = "storage_compaction_pending"
"""AppState key: a compaction could not run with the app's database role (see operations)."""
CHECKPOINT_TRIES = 50

log = logging.getLogger(__name__)


def request_compaction(session: Session, tables: tuple[str, ...] = SURVEY_TABLES) -> None:
    """Compact the database files (on PostgreSQL: ``tables``) once this session's
    transaction has committed."""
    session.info[COMPACT_AFTER_COMMIT] = tables


def compact_after_commit(session: Session) -> None:
    """Session ``after_commit`` hook: runs the compaction a use case asked for. It never
    raises (the transaction is already committed); a failure leaves the pending mark."""
    tables = session.info.pop(COMPACT_AFTER_COMMIT, None)
    if not tables:
        return
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    try:
        compact(engine, tuple(tables) if isinstance(tables, tuple | list) else SURVEY_TABLES)
    except Exception:  # logged and marked; the close itself stands
        log.exception("database compaction after a wave close failed")
        _mark_pending(engine, True)


def compact(engine: Engine, tables: tuple[str, ...] = SURVEY_TABLES) -> bool:
    """Rebuild the survey's storage. Returns False when the role may not do it on
    PostgreSQL (then a pending mark is kept for ``bgm wave compact`` run by the owner)."""
    if engine.dialect.name == "sqlite":
        _compact_sqlite(engine)
        return True
    done = _compact_postgresql(engine, tables)
    _mark_pending(engine, not done)
    return done


def compaction_pending(session: Session) -> bool:
    found = session.execute(
        text("SELECT value FROM app_state WHERE key = :k"), {"k": PENDING_KEY}
    ).scalar()
    return found == "1"


def _mark_pending(engine: Engine, pending: bool) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM app_state WHERE key = :k"), {"k": PENDING_KEY})
        if pending:
            conn.execute(
                text("INSERT INTO app_state (key, value) VALUES (:k, '1')"), {"k": PENDING_KEY}
            )


def _compact_sqlite(engine: Engine) -> None:
    """VACUUM rebuilds the file (rows in primary-key order, freed pages gone, and with
    ``secure_delete`` nothing deleted was left readable before); the truncating checkpoint
    folds the WAL into the file and cuts the WAL to zero bytes."""
    raw: Any = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.execute("VACUUM")
        for _ in range(CHECKPOINT_TRIES):
            busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if not busy:
                break
            time.sleep(0.1)  # a reader still holds an old snapshot
        else:
            raise RuntimeError("WAL checkpoint stayed busy")
        cursor.close()
    finally:
        raw.close()


def _owns_tables(conn: Any, tables: tuple[str, ...]) -> bool:
    owned = conn.execute(
        text(
            "SELECT bool_and(pg_has_role(current_user, c.relowner, 'USAGE')) FROM pg_class c "
            "WHERE c.oid = ANY(CAST(:names AS regclass[]))"
        ),
        {"names": list(tables)},
    ).scalar()
    return bool(owned)


SNAPSHOT_WAIT_SECONDS = 30.0


def _await_older_snapshots(conn: Any) -> None:
    """VACUUM FULL copies row versions that a transaction still open in this database may see
    (the close's old rows, in submission order). Wait, up to ``SNAPSHOT_WAIT_SECONDS``, until
    every transaction that began before the close has ended; one that outlasts the wait leaves
    those versions for the next compaction (docs/anonymity.md)."""
    started = conn.execute(text("SELECT txid_current_snapshot()::text")).scalar()
    horizon = int(str(started).split(":")[0])
    deadline = time.monotonic() + SNAPSHOT_WAIT_SECONDS
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL "
        "AND age(backend_xmin) >= age(CAST(CAST(:horizon AS text) AS xid))"
    )
    while time.monotonic() < deadline and conn.execute(query, {"horizon": horizon}).scalar():
        time.sleep(0.2)


def _compact_postgresql(engine: Engine, tables: tuple[str, ...]) -> bool:
    """VACUUM FULL writes each table into a new file (live rows only, in their physical
    order, which the close shuffled) and drops the old file with its dead row versions and
    free space; CHECKPOINT writes the new pages out. Needs the table owner."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not _owns_tables(conn, tables):
            return False
        _await_older_snapshots(conn)
        conn.execute(text("VACUUM (FULL, ANALYZE) " + ", ".join(tables)))
        can_checkpoint = conn.execute(
            text(
                "SELECT r.rolsuper OR EXISTS (SELECT 1 FROM pg_auth_members m "
                "JOIN pg_roles g ON g.oid = m.roleid "
                "WHERE g.rolname = 'pg_checkpoint' AND m.member = r.oid) "
                "FROM pg_roles r WHERE r.rolname = current_user"
            )
        ).scalar()
        if can_checkpoint:
            conn.execute(text("CHECKPOINT"))
    return True
