"""Brings a database schema up to date with the Alembic migrations shipped in the package."""

from __future__ import annotations

import re
from importlib import resources
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

_REVISION = re.compile(r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*['"]?([^'"\s]+)""", re.M)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    location = resources.files("bgm_dashboard.db").joinpath("migrations")
    config.set_main_option("script_location", str(location))
    url = engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # configparser escaping
    config.attributes["engine"] = engine
    return config


def shipped_heads() -> set[str]:
    """The head revisions of the shipped migrations, read from the files' ``revision`` and
    ``down_revision`` lines (without loading Alembic: the command line starts faster)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    folder = resources.files("bgm_dashboard.db").joinpath("migrations", "versions")
    for entry in folder.iterdir():
        if not entry.name.endswith(".py") or entry.name.startswith("__"):
            continue
        found = dict((k, v) for k, v in _REVISION.findall(entry.read_text(encoding="utf-8")))
        if "revision" in found:
            revisions.add(found["revision"])
        if found.get("down_revision", "None") != "None":
            parents.add(found["down_revision"])
    return revisions - parents


def is_current(engine: Engine) -> bool:
    """Whether the database already has exactly the shipped head (then nothing to do)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        stored = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    return stored == shipped_heads()


def upgrade(engine: Engine) -> None:
    """Apply every migration that the database does not have yet."""
    if is_current(engine):
        return
    from alembic import command

    command.upgrade(alembic_config(engine), "head")
