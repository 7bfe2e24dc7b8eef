"""Alembic environment: runs migrations on the engine handed over by ``migrate.upgrade``."""

from __future__ import annotations

from alembic import context

from bgm_dashboard.db.engine import make_engine
from bgm_dashboard.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or make_engine(
        config.get_main_option("sqlalchemy.url") or ""
    )
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
