"""Brings a database schema up to date with the Alembic migrations shipped in the package."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    location = resources.files("bgm_dashboard.db").joinpath("migrations")
    config.set_main_option("script_location", str(location))
    url = engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # configparser escaping
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Apply every migration that the database does not have yet."""
    command.upgrade(alembic_config(engine), "head")
