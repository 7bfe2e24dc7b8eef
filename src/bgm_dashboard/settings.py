"""One place for configuration: environment variables, their defaults and their checks."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

LANGUAGES = ("de", "en")
ENVIRONMENTS = ("production", "demo", "development")
"""``production`` (the default: no demo data, no demo accounts), ``demo`` (``make run``: the
sample municipality with published demo passwords), ``development`` (``make dev``)."""
ABSOLUTE_MIN_GROUP_SIZE = 3


class ConfigError(ValueError):
    """A configuration value that the product refuses to run with."""


@dataclass(frozen=True)
class Settings:
    """Start-up configuration. Anonymity settings here are only the first defaults:
    once stored, they change only through the staff council's four-eyes approval."""

    database_url: str
    min_group_size: int
    comment_min_group_size: int
    language: str
    environment: str
    item_bank_path: Path | None
    session_timeout_minutes: int
    audit_key: str = field(default="", repr=False)
    audit_key_file: str = ""

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    @property
    def allows_demo(self) -> bool:
        """Demo data and demo accounts: only in demo or development mode, never in
        production."""
        return self.environment in ("demo", "development")


def default_database_url(base: Path | None = None) -> str:
    folder = (base or Path.cwd()) / "var"
    return f"sqlite:///{folder / 'bgm.sqlite3'}"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read the configuration from the environment and refuse unsafe values."""
    env = os.environ if env is None else env
    min_group = _int(env, "BGM_MIN_GROUP_SIZE", 5)
    if min_group < ABSOLUTE_MIN_GROUP_SIZE:
        raise ConfigError(
            f"BGM_MIN_GROUP_SIZE must be at least {ABSOLUTE_MIN_GROUP_SIZE}, got {min_group}"
        )
    comment_min = _int(env, "BGM_COMMENT_MIN_GROUP_SIZE", max(10, min_group))
    if comment_min < min_group:
        raise ConfigError("BGM_COMMENT_MIN_GROUP_SIZE must not be below BGM_MIN_GROUP_SIZE")
    language = env.get("BGM_LANGUAGE", "de").strip() or "de"
    if language not in LANGUAGES:
        raise ConfigError(f"BGM_LANGUAGE must be one of {', '.join(LANGUAGES)}, got {language!r}")
    environment = env.get("BGM_ENV", "production").strip() or "production"
    if environment not in ENVIRONMENTS:
        raise ConfigError(f"BGM_ENV must be one of {', '.join(ENVIRONMENTS)}, got {environment!r}")
    bank = env.get("BGM_ITEM_BANK", "").strip()
    timeout = _int(env, "BGM_SESSION_TIMEOUT_MINUTES", 30)
    if timeout < 1:
        raise ConfigError("BGM_SESSION_TIMEOUT_MINUTES must be at least 1")
    return Settings(
        database_url=env.get("BGM_DATABASE_URL", "").strip() or default_database_url(),
        min_group_size=min_group,
        comment_min_group_size=comment_min,
        language=language,
        environment=environment,
        item_bank_path=Path(bank) if bank else None,
        session_timeout_minutes=timeout,
        audit_key=env.get("BGM_AUDIT_KEY", "").strip(),
        audit_key_file=env.get("BGM_AUDIT_KEY_FILE", "").strip(),
    )
