"""Defaults of `bgm bench`, apart from the suite so that the command line starts without it."""

from __future__ import annotations

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgresql")
MONTHS = 60
