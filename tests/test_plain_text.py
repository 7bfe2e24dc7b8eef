"""Every user-supplied text is shown as plain text on every page: no Markdown, no HTML, no
image from an outside server (which would hand staff IP addresses to whoever named a unit).
Each page runs on a demo database whose texts are hostile; every element Streamlit renders as
Markdown (text, captions, headers, alerts, expander and widget labels) is rendered here with
an independent CommonMark parser, HTML allowed (the worst case): no image, no link, no
emphasis from the user's text may come out, and the hostile text must read exactly as typed."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.ui.plain import WORD_JOINER, chart_text, plain
from tests.auth_helpers import app_test
from tests.conftest import SAMPLE
from tests.hostile import EVIL_HOST, hostile, make_hostile

RENDER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
EVERYONE = Viewer("alle", frozenset({"hr", "leadership", "council", "admin"}))
MARKDOWN_VALUES = (
    "markdown",
    "caption",
    "header",
    "subheader",
    "title",
    "success",
    "info",
    "warning",
    "error",
    "toast",
)
LABELLED = (
    "expander",
    "tab",
    "button",
    "checkbox",
    "toggle",
    "selectbox",
    "multiselect",
    "radio",
    "text_input",
    "text_area",
    "number_input",
    "date_input",
    "slider",
    "select_slider",
    "download_button",
    "form_submit_button",
    "popover",
    "status",
)
PAGES = {
    "pages/overview.py": ["Unit"],
    "pages/unit.py": ["Unit", "Crisis"],
    "pages/crises.py": [],
    "pages/participation.py": ["Unit"],
    "pages/indicators.py": [],
    "pages/drivers.py": [],
    "pages/comments.py": [],
    "pages/measures.py": ["Entry", "Plan", "Owner", "Notes", "About"],
    "pages/leadership.py": [],
    "pages/governance.py": [],
    "pages/disclosure.py": [],
    "pages/audit.py": [],
    "pages/accounts.py": [],
    "pages/waves.py": [],
}
PUBLIC = {"pages/results.py": ["Plan"], "pages/survey.py": [], "pages/anonymity.py": []}


def texts(at: AppTest) -> list[str]:
    """Every string of the run that Streamlit renders as Markdown."""
    found: list[str] = []
    for kind in MARKDOWN_VALUES:
        found.extend(str(e.value) for e in at.get(kind))
    for kind in LABELLED:
        for element in at.get(kind):
            label = getattr(element, "label", None) or getattr(element.proto, "label", "")
            found.append(str(label))
    for radio in at.get("radio"):
        found.extend(str(o) for o in radio.options)
    return found


def _visible(rendered: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    return text.replace("\n", " ").replace(WORD_JOINER, "")  # (invisible: stops autolinks)


def check(at: AppTest, page: str, expected: list[str]) -> None:
    assert not at.exception, (page, at.exception)
    shown = texts(at)
    visible = []
    for text in shown:
        rendered = RENDER.render(text)
        assert "<img" not in rendered, (page, text)
        assert "<a " not in rendered and "href" not in rendered, (page, text)
        assert EVIL_HOST not in re.sub(r">[^<]*<", "><", rendered), (page, text)
        assert "<strong>fett</strong>" not in rendered, (page, text)
        visible.append(_visible(rendered))
    for tag in expected:
        assert any(hostile(tag) in v for v in visible), f"{page}: {tag} not shown as typed"


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("hostile")
    url = f"sqlite:///{folder / 'hostile.sqlite3'}"
    make_hostile(url, SAMPLE, folder / "sample")
    return url


@pytest.mark.parametrize("page", sorted(PAGES))
def test_restricted_pages_show_user_text_as_plain_text(
    hostile_db: str, page: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_test(hostile_db, monkeypatch, BGM_ENV="demo")
    at.session_state["viewer"] = EVERYONE
    at.switch_page(page).run()
    check(at, page, PAGES[page])


@pytest.mark.parametrize("page", sorted(PUBLIC))
def test_public_staff_pages_show_user_text_as_plain_text(
    hostile_db: str, page: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_test(hostile_db, monkeypatch, BGM_ENV="demo")
    at.switch_page(page).run()
    check(at, page, PUBLIC[page])


def test_the_helpers_escape_and_keep_the_text() -> None:
    nasty = hostile("X") + " :red[rot] $x^2$ :material/home: 1. <b>&amp; # Titel\nZeile 2"
    rendered = RENDER.render(plain(nasty))
    assert "<img" not in rendered and "<a " not in rendered and "<strong>" not in rendered
    assert "<h1>" not in rendered and "<ol>" not in rendered
    assert _visible(rendered).replace("  ", " ").strip() == nasty.replace("\n", " ")
    assert "<br />" in rendered  # the line break is kept
    assert chart_text("<a href='x'>k</a> & co") == "&lt;a href='x'&gt;k&lt;/a&gt; &amp; co"


def test_a_page_without_the_helper_would_fail_this_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check itself catches raw user text (so the page tests can fail)."""

    class Fake:
        def get(self, kind: str) -> list[Any]:
            return [type("E", (), {"value": hostile("Unit")})()] if kind == "markdown" else []

        exception = None

    with pytest.raises(AssertionError):
        check(Fake(), "fake", ["Unit"])  # type: ignore[arg-type]
