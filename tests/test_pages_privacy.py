"""The staff anonymity page, the comments page and wave management, run with AppTest."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.context import Context, make_context
from bgm_dashboard.db.models import AuditEntry, Comment, Wave
from bgm_dashboard.governance.settings import current
from bgm_dashboard.settings import load_settings
from tests.auth_helpers import app_test

HR = Viewer("hr-test", frozenset({"hr"}))


@pytest.fixture
def demo_copy(demo_db: str, tmp_path: Path) -> str:
    """A private, writable copy of the demo database."""
    source = Path(demo_db.removeprefix("sqlite:///"))
    target = tmp_path / "demo.sqlite3"
    shutil.copy(source, target)
    return f"sqlite:///{target}"


@pytest.mark.parametrize("lang", ["de", "en"])
def test_anonymity_page_shows_the_live_settings(
    demo_db: str, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    at = app_test(demo_db, monkeypatch)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("pages/anonymity.py").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert list(metrics.values())[:2] == ["5", "10"]
    heading = (
        "So schützen wir Ihre Anonymität" if lang == "de" else "How your anonymity is protected"
    )
    assert at.title[0].value == heading
    text = " ".join(m.value for m in at.markdown)
    assert ("mindestens 5 Antworten" if lang == "de" else "at least 5 responses") in text
    # the retention periods in force (issue 15), not a fixed text
    assert ("24 Monate nach" if lang == "de" else "24 months after") in text
    assert ("nach 60 Monaten" if lang == "de" else "after 60 months") in text


def test_comments_are_plain_text_and_can_be_withheld(
    reference_ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_test(reference_ctx.settings.database_url, monkeypatch)
    at.session_state["viewer"] = HR
    at.run()
    at.switch_page("pages/comments.py").run()
    quarters = at.selectbox(key="comments_quarter").options
    found = False
    for quarter in quarters:
        at.selectbox(key="comments_quarter").set_value(quarter).run()
        texts = [t.value for t in at.text]
        if any("<script>alert(1)</script>" in t for t in texts):
            found = True
            break
    assert found, "the reference comment with HTML must appear verbatim as text"
    assert not any("<script>" in m.value for m in at.markdown)
    assert not at.exception

    target = next(t for t in at.text if "<script>" in t.value).value
    keys = {w.key for w in at.text_input}
    with reference_ctx.read() as session:
        candidates = session.scalars(select(Comment).where(Comment.text == target)).all()
    comment = next(c for c in candidates if f"reason_{c.id}" in keys)
    at.text_input(key=f"reason_{comment.id}").set_value("nennt eine Person").run()
    before = sum(t.value == target for t in at.text)
    at.button(key=f"hold_{comment.id}").click().run()
    assert sum(t.value == target for t in at.text) == before - 1
    with reference_ctx.read() as session:
        assert session.get(Comment, comment.id).withheld  # type: ignore[union-attr]
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "withhold_comment")
        ).one()
    assert entry.details == {"reason": "nennt eine Person"}
    assert target not in str(entry.details) and entry.actor == "hr-test"


def test_staff_cannot_read_comments(
    reference_ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_test(reference_ctx.settings.database_url, monkeypatch)
    at.switch_page("pages/comments.py").run()  # the page file itself, bypassing the menu
    assert not at.text and not at.selectbox
    assert "Anmeldung" in " ".join(w.value for w in at.warning)


def test_hr_opens_issues_codes_and_closes_a_wave(
    demo_copy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_test(demo_copy, monkeypatch)
    at.session_state["viewer"] = HR
    at.run()
    at.switch_page("pages/waves.py").run()
    assert not at.exception
    at.selectbox(key="wave_month_year").set_value(2026)
    at.get("button_group")[0].set_value(12)  # the month picker: Dez.
    at.radio(key="wave_access").set_value("tokens")
    at.button(key="wave_open").click().run()
    assert not at.exception
    at.selectbox(key="wave_chosen").set_value("2026-12").run()
    at.number_input(key="token_count").set_value(7).run()
    at.button(key="tokens_issue").click().run()
    assert not at.exception
    issued = at.session_state["issued_tokens"]
    assert issued[0] == "2026-12" and len(issued[1]) == 7
    at.button(key="wave_close").click().run()
    at.button(key="wave_close_confirm").click().run()  # closing asks first
    ctx = make_context(replace(load_settings({}), database_url=demo_copy))
    with ctx.read() as session:
        wave = session.scalars(select(Wave).where(Wave.period == "2026-12")).one()
        assert wave.status == "closed" and wave.tokens_issued == 7
        actions = session.scalars(select(AuditEntry.action)).all()
        assert current(session).min_group_size == 5
    assert {"wave_open", "wave_tokens", "wave_close"} <= set(actions)
    ctx.engine.dispose()
