"""Wires configuration, database and item bank together for the CLI, the app and the tests."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bgm_dashboard.auth.audit import KEYRING_OPTION, needs_seal, seal_legacy
from bgm_dashboard.auth.audit_key import Keyring, load_keyring
from bgm_dashboard.db.engine import (
    SQLITE_BUSY_TIMEOUT_MS,
    make_engine,
    session_factory,
    writer_factory,
)
from bgm_dashboard.db.migrate import upgrade
from bgm_dashboard.governance.settings import current
from bgm_dashboard.instrument.bank import ItemBank, load_bank
from bgm_dashboard.privacy.publication import due_quarters, publish_due, publish_quarter
from bgm_dashboard.settings import Settings, load_settings


@dataclass
class Context:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    writers: sessionmaker[Session]
    bank: ItemBank
    keyring: Keyring
    writer_gate: threading.RLock = field(default_factory=threading.RLock)
    """SQLite: this process's writers queue here, one at a time, instead of all polling
    SQLite's busy handler (which sleeps up to 100 ms between tries and lets a convoy of
    threads starve each other); the database's own lock still orders processes."""

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction for one use case: committed at the end, rolled back on error."""
        if self.engine.dialect.name != "sqlite":
            with self.writers.begin() as session:
                yield session
            return
        if not self.writer_gate.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            error = sqlite3.OperationalError("database is locked")
            raise OperationalError("BEGIN IMMEDIATE", {}, error)
        try:
            with self.writers.begin() as session:
                yield session
        finally:
            self.writer_gate.release()

    def publish_due(self, session: Session, today: date | None = None) -> list[str]:
        return publish_due(
            session,
            today=today or date.today(),
            bank=self.bank,
            governance=current(session, self.settings),
        )

    def publish_due_stepwise(self, today: date | None = None) -> list[str]:
        """Publish every due quarter, each in a transaction of its own, so that a large
        import's publications never hold the write lock for long (answers get in between);
        a quarter another process published meanwhile is skipped."""
        today = today or date.today()
        with self.read() as session:
            due = due_quarters(session, today)
        done = []
        for quarter in due:
            with self.write() as session:
                if quarter not in due_quarters(session, today):
                    continue
                governance = current(session, self.settings)
                publish_quarter(session, quarter, bank=self.bank, governance=governance)
                done.append(quarter)
        return done


def make_context(settings: Settings | None = None, *, migrate: bool = True) -> Context:
    """Build the context; bring the schema up to date unless told otherwise."""
    settings = settings or load_settings()
    keyring = load_keyring(
        {"BGM_AUDIT_KEY": settings.audit_key, "BGM_AUDIT_KEY_FILE": settings.audit_key_file}
    )
    engine = make_engine(settings.database_url)
    engine.update_execution_options(**{KEYRING_OPTION: keyring})
    context = Context(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        writers=writer_factory(engine),
        bank=load_bank(settings.item_bank_path),
        keyring=keyring,
    )
    if migrate:
        upgrade(engine)
        with context.read() as session:
            pending = needs_seal(session)
        if pending:
            with context.write() as session:
                seal_legacy(session, keyring)
    return context
