"""The German interface reads as German: every catalogue text has the same placeholders in
both languages, addresses staff as "Sie" throughout, spells out what Germans would misread
("KI"), writes negative numbers with a real minus, and contains no English sentence; every
page, run for every role that may open it, shows no placeholder, no raw period label
("2026-Q3", "2026-03") and no hyphen for a minus. On the demo municipality (SQLite)."""

from __future__ import annotations

import re
import string

import pytest

from bgm_dashboard.auth.viewer import STAFF, Viewer
from bgm_dashboard.i18n import catalogue
from bgm_dashboard.ui.navigation import ALL_PAGES, PageSpec
from bgm_dashboard.ui.plain import WORD_JOINER
from tests.auth_helpers import app_test

# informal address: "du"/"ihr" forms (possessive "ihr"/"Ihr" alone is Sie-form or "their")
INFORMAL = re.compile(
    r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner|euch|euer|eure|euren|eurem|eurer|habt|"
    r"seid|wisst|könnt|wollt|sagt)\b|\b[Ii]hr (habt|seid|könnt|wollt)\b"
)
# a few very common English words that German never uses as words
ENGLISH = re.compile(r"\b(the|and|of|with|your|please|is|are|this|that|to)\b")
# the English line printed on every German code letter, for colleagues who read English
MEANT_TO_BE_ENGLISH = {"pulse.slip_en"}
HYPHEN_MINUS = re.compile(r"(?<![\w\d)\]])-\d")
RAW_PERIOD = re.compile(r"\b\d{4}-(Q[1-4]|\d{2})\b")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_placeholders() -> None:
    wrong = {
        key: (fields(e["de"]), fields(e.get("en", "")))
        for key, e in catalogue().items()
        if "en" in e and fields(e["de"]) != fields(e["en"])
    }
    assert not wrong, wrong


def test_every_text_exists_in_english_too() -> None:
    missing = [key for key, e in catalogue().items() if not e.get("en")]
    assert not missing, missing


@pytest.mark.parametrize(
    ("rule", "pattern"),
    [
        ("informal address (the app says Sie)", INFORMAL),
        ("English words in German", ENGLISH),
        ("KI reads as Künstliche Intelligenz", re.compile(r"\bKI\b")),
        ("a hyphen where a minus is meant", HYPHEN_MINUS),
    ],
)
def test_the_german_catalogue_reads_as_german(rule: str, pattern: re.Pattern[str]) -> None:
    found = {
        key: e["de"]
        for key, e in catalogue().items()
        if key not in MEANT_TO_BE_ENGLISH and pattern.search(strip_code(e["de"]))
    }
    assert not found, f"{rule}: {found}"


def strip_code(text: str) -> str:
    """Commands, file names and placeholders in backticks or braces are not prose."""
    return re.sub(r"`[^`]*`|\{[^}]*\}|https?://\S+", "", text)


ROLES = {
    "staff": STAFF,
    "hr": Viewer("test-hr", frozenset({"hr"})),
    "leadership": Viewer("test-leitung", frozenset({"leadership"})),
    "council": Viewer("test-pr", frozenset({"council"})),
    "admin": Viewer("test-admin", frozenset({"admin"})),
}
RUNS = [
    (spec, next(r for r in ROLES if r in spec.roles))
    for spec in ALL_PAGES
    if not spec.anonymous_only or "staff" in spec.roles
]


def as_read(markdown: str) -> str:
    """The text as the reader sees it: Markdown escapes, word joiners and code spans gone."""
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", strip_code(markdown))
    return text.replace(WORD_JOINER, "")


def shown_texts(at: object) -> list[str]:
    found: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "warning",
        "success",
        "error",
        "metric",
    ):
        for element in at.get(kind):  # type: ignore[attr-defined]
            found.append(str(getattr(element, "value", "")))
            label = getattr(element, "label", None)
            if label:
                found.append(str(label))
            delta = getattr(getattr(element, "proto", None), "delta", "")
            if delta:
                found.append(str(delta))
    return found


@pytest.mark.parametrize(("spec", "role"), RUNS, ids=[f"{s.path}-{r}" for s, r in RUNS])
@pytest.mark.parametrize("lang", ["de", "en"])
def test_pages_show_no_placeholder_raw_period_or_hyphen_minus(
    spec: PageSpec, role: str, lang: str, demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_test(demo_db, monkeypatch)
    at.session_state["lang"] = lang
    if role != "staff":
        at.session_state["viewer"] = ROLES[role]
    at.switch_page(spec.path).run()
    assert not at.exception, at.exception
    bad = [
        text
        for text in map(as_read, shown_texts(at))
        if PLACEHOLDER.search(text) or RAW_PERIOD.search(text) or HYPHEN_MINUS.search(text)
    ]
    assert not bad, bad
