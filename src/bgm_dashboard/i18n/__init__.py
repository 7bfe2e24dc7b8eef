"""The one text catalogue: every user-facing text in German and English, looked up by key.

The catalogue is kept in several files under ``messages/`` (one per area of the product) and
merged here; a key defined twice is an error."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """All messages: ``{key: {"de": ..., "en": ...}}``."""
    merged: dict[str, dict[str, str]] = {}
    folder = resources.files(__package__).joinpath("messages")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        for key, value in data.items():
            if key in merged:
                raise ValueError(f"text key {key!r} is defined twice ({entry.name})")
            merged[key] = dict(value)
    return merged


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: Any) -> str:
    """The text for ``key`` in ``lang``, with ``{name}`` placeholders filled from ``params``."""
    entry = catalogue().get(key)
    if entry is None:
        raise KeyError(f"no text for {key!r} in the catalogue")
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**params)  # a placeholder left unfilled is an error, never shown


def template(key: str, lang: str = DEFAULT_LANGUAGE, /) -> str:
    """The text for ``key`` with its ``{name}`` placeholders left in, for texts filled in later
    by their own code (mail templates HR may edit)."""
    entry = catalogue().get(key)
    if entry is None:
        raise KeyError(f"no text for {key!r} in the catalogue")
    return entry.get(lang) or entry[DEFAULT_LANGUAGE]


def has(key: str) -> bool:
    return key in catalogue()
