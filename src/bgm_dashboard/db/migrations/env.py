"""Alembic environment: runs migrations on the engine handed over by ``migrate.upgrade``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from bgm_dashboard.db.engine import make_engine
from bgm_dashboard.db.models import Base

MIGRATION_LOCK = 0x62676D5F6D6967  # "bgm_mig": the advisory lock key of schema migrations

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or make_engine(
        config.get_main_option("sqlalchemy.url") or ""
    )
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # several `bgm init` (or app servers) at once: one migrates, the others wait and
            # then find the schema current (the lock ends with this transaction)
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
