"""The staff survey page through AppTest, on SQLite and PostgreSQL: submitting, validation,
the one-submission-per-session rule, languages and participation codes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from bgm_dashboard.context import Context
from bgm_dashboard.db.models import Answer, Response
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.periods import month_of
from bgm_dashboard.survey.waves import issue_tokens, open_wave
from tests.auth_helpers import app_test
from tests.ballot_helpers import allow_open_link
from tests.conftest import REFERENCE


@pytest.fixture
def survey_ctx(ctx: Context) -> Context:
    with ctx.write() as session:
        import_departments(session, REFERENCE / "departments.csv")
        allow_open_link(session, ctx.bank)
        open_wave(
            session,
            month_of(date.today()),
            indicators=list(ctx.bank.indicator_codes),
            access="link",
        )
    return ctx


def stored(ctx: Context) -> tuple[int, int]:
    with ctx.read() as session:
        return (
            int(session.scalar(select(func.count()).select_from(Response)) or 0),
            int(session.scalar(select(func.count()).select_from(Answer)) or 0),
        )


def survey(ctx: Context, monkeypatch: pytest.MonkeyPatch, lang: str | None = None) -> AppTest:
    at = app_test(ctx.settings.database_url, monkeypatch)
    if lang:
        at.session_state["lang"] = lang
    return at.run()


def test_survey_is_german_by_default_and_says_what_is_stored(
    survey_ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = survey(survey_ctx, monkeypatch)
    assert not at.exception
    assert at.title[0].value.startswith("Kurzbefragung")
    captions = " ".join(c.value for c in at.caption)
    assert "keine IP-Adresse" in captions and "kein Name" in captions
    labels = [r.label for r in at.radio]
    assert len(labels) == len(survey_ctx.bank.item_codes)
    assert "… war ich froh und guter Laune" in labels
    units = at.selectbox(key="department").options
    assert "Dezernat I – Verwaltung und Finanzen › Hauptamt" in units


def test_english_switch(survey_ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    at = survey(survey_ctx, monkeypatch, lang="en")
    assert at.title[0].value.startswith("Pulse survey")
    assert "I have felt cheerful and in good spirits" in [r.label for r in at.radio]


def test_submit_stores_one_response_and_refuses_a_second(
    survey_ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = survey(survey_ctx, monkeypatch)
    at.selectbox(key="department").set_value("A20")
    for i, code in enumerate(["who5_1", "who5_2", "who5_3", "who5_4", "who5_5"]):
        at.radio(key=f"item_{code}").set_value(i)
    at.radio(key="item_enps").set_value(9)
    at.text_area(key="comment").set_value("Mehr Austausch, bitte.")
    at.button(key="submit").click().run()
    assert not at.exception
    assert "Vielen Dank" in " ".join(s.value for s in at.success)
    assert stored(survey_ctx) == (1, 6)
    assert not at.radio, "the form is gone after submitting"
    assert "bereits teilgenommen" in " ".join(i.value for i in at.info)
    at.run()
    assert not at.radio and stored(survey_ctx) == (1, 6)


def test_missing_department_or_answers_are_refused(
    survey_ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = survey(survey_ctx, monkeypatch)
    at.radio(key="item_enps").set_value(4)
    at.button(key="submit").click().run()
    assert "Bitte wählen Sie Ihre Organisationseinheit" in " ".join(e.value for e in at.error)
    at.radio(key="item_enps").set_value(None)
    at.selectbox(key="department").set_value("A10")
    at.button(key="submit").click().run()
    assert "mindestens eine Frage" in " ".join(e.value for e in at.error)
    assert stored(survey_ctx) == (0, 0)
    assert at.radio, "the form stays for another try"


def test_participation_code_is_required_and_single_use(
    survey_ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bgm_dashboard.survey.waves import wave_for_period

    with survey_ctx.write() as session:
        wave = wave_for_period(session, month_of(date.today()))
        assert wave is not None
        token = issue_tokens(session, wave, 2)[0]
    at = app_test(survey_ctx.settings.database_url, monkeypatch)
    at.query_params["code"] = token
    at.run()
    assert at.text_input(key="token").value == token
    at.selectbox(key="department").set_value("A10")
    at.radio(key="item_enps").set_value(10)
    at.text_input(key="token").set_value("FALSCH-CODE")
    at.button(key="submit").click().run()
    assert "ungültig oder wurde bereits verwendet" in " ".join(e.value for e in at.error)
    assert stored(survey_ctx) == (0, 0)
    at.text_input(key="token").set_value(token)
    at.button(key="submit").click().run()
    assert stored(survey_ctx) == (1, 1)
    again = app_test(survey_ctx.settings.database_url, monkeypatch)
    again.run()
    again.selectbox(key="department").set_value("A10")
    again.radio(key="item_enps").set_value(3)
    again.text_input(key="token").set_value(token)
    again.button(key="submit").click().run()
    assert "bereits verwendet" in " ".join(e.value for e in again.error)
    assert stored(survey_ctx) == (1, 1)


def test_no_open_wave_says_so(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    with ctx.write() as session:
        import_departments(session, REFERENCE / "departments.csv")
    at = survey(ctx, monkeypatch)
    assert "keine Befragung geöffnet" in " ".join(i.value for i in at.info)
    assert not at.radio


def switch(at: AppTest, where: str) -> Any:
    return next(w for w in at.get("button_group") if w.key == f"lang_switch_{where}")


def test_the_language_switch_on_the_page_turns_the_whole_page(
    survey_ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a phone the switch on the page is the only one visible: tapping English turns the
    survey to English in the same run and it stays English; the sidebar switch turns it back
    and the page's switch follows (one language per session, never two disagreeing switches;
    the browser test checks the sidebar after a tap on the page's switch)."""
    at = survey(survey_ctx, monkeypatch)
    assert at.title[0].value.startswith("Kurzbefragung")
    switch(at, "main").set_value("en").run()
    assert not at.exception
    assert at.title[0].value.startswith("Pulse survey"), at.title[0].value
    assert "I have felt cheerful and in good spirits" in [r.label for r in at.radio]
    assert switch(at, "main").value == "en"
    at.run()  # any further run keeps English
    assert at.title[0].value.startswith("Pulse survey")

    fresh = survey(survey_ctx, monkeypatch)
    switch(fresh, "sidebar").set_value("en").run()
    assert fresh.title[0].value.startswith("Pulse survey")
    assert switch(fresh, "main").value == "en"
