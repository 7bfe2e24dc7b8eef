"""The measures page as HR and the "Sie haben gesagt, wir haben gehandelt" page as staff, on
the demo data, tried as a new user would: recommendations with reasons, a plan created, started and
evaluated, a good example published and exported; staff see the loop without a figure of a
unit below the public level."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import streamlit as st
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from bgm_dashboard.auth.viewer import STAFF, Viewer
from bgm_dashboard.context import make_context
from bgm_dashboard.db.models import ActionPlan
from bgm_dashboard.formatting import number
from bgm_dashboard.instrument.bank import load_bank
from bgm_dashboard.interventions.catalogue import shipped
from bgm_dashboard.interventions.effect import evaluate
from bgm_dashboard.interventions.plans import PlanInput, all_plans, create_plan
from bgm_dashboard.interventions.recommend import by_unit, reason
from bgm_dashboard.settings import load_settings
from bgm_dashboard.ui.navigation import pages_for
from bgm_dashboard.ui.plain import WORD_JOINER
from tests.conftest import ROOT
from tests.interventions_helpers import HR, group_scores, raw_scores, released

BANK = load_bank()


def copy_of(demo_db: str, tmp_path: Path) -> str:
    target = tmp_path / "demo-copy.sqlite3"
    shutil.copy(demo_db.removeprefix("sqlite:///"), target)
    return f"sqlite:///{target}"


@pytest.fixture
def writable(demo_db: str, tmp_path: Path) -> str:
    return copy_of(demo_db, tmp_path)


def start_app(url: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("BGM_DATABASE_URL", url)
    st.cache_resource.clear()
    st.cache_data.clear()
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)


@pytest.fixture(autouse=True)
def _clear_caches() -> Iterator[None]:
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


def open_page(at: AppTest, page: str, viewer: Viewer | None) -> AppTest:
    if viewer is not None:
        at.session_state["viewer"] = viewer
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    """What the reader sees: Markdown escapes (``plain``) and invisible word joiners removed."""
    parts: list[str] = []
    for kind in (
        "title",
        "subheader",
        "markdown",
        "caption",
        "success",
        "info",
        "warning",
        "error",
    ):
        parts.extend(str(e.value) for e in getattr(at, kind))
    parts.extend(str(m.value) for m in at.metric)
    shown = [re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", p).replace(WORD_JOINER, "") for p in parts]
    for frame in at.dataframe:
        shown.append(pd.DataFrame(frame.value).to_string())
    return "\n".join(shown)


def plans_in(url: str) -> dict[str, ActionPlan]:
    ctx = make_context(replace(load_settings({}), database_url=url))
    try:
        with ctx.read() as session:
            return {p.title: p for p in session.scalars(select(ActionPlan))}
    finally:
        ctx.engine.dispose()


def test_navigation_offers_the_pages_by_role() -> None:
    staff = {p.path for p in pages_for(STAFF)}
    assert "pages/results.py" in staff and "pages/measures.py" not in staff
    assert "pages/measures.py" in {p.path for p in pages_for(HR)}
    leader = Viewer("l", frozenset({"leadership"}))
    assert "pages/measures.py" not in {p.path for p in pages_for(leader)}


def test_recommendations_appear_with_their_reasons(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(start_app(demo_db, monkeypatch), "pages/measures.py", HR)
    figures = released(demo_db)
    quarter = str(figures.loc[figures["status"] == "shown", "period"].max())
    ranked = by_unit(figures, quarter, list(shipped()), BANK)
    unit, recs = ranked[0]
    assert at.selectbox(key="mp_reco_unit").value == unit  # the most urgent unit first
    page = texts(at)
    for rec in recs:
        assert reason(rec, BANK, "de") in page
    assert "Dazu gibt es hier schon einen Plan" in page  # the running Jugendamt plan


def test_plan_is_created_started_evaluated_and_published(
    writable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(start_app(writable, monkeypatch), "pages/measures.py", HR)
    # take over a recommendation: the new-plan form opens with the entry and the unit
    take = [b for b in at.button if str(b.key).startswith("mp_take_")]
    assert take
    take[0].click().run()
    code = at.selectbox(key="mp_new_entry").value
    assert str(take[0].key) == f"mp_take_{code}"
    at.text_input(key=f"mp_n_title_{code}").set_value("Neue Maßnahme im Test")
    at.text_input(key=f"mp_n_owner_{code}").set_value("Amtsleitung")
    at.date_input(key=f"mp_n_start_{code}").set_value(date(2026, 12, 1))
    at.date_input(key=f"mp_n_end_{code}").set_value(date(2027, 11, 30))
    create = next(b for b in at.button if b.label == "Plan anlegen")
    create.click().run()
    assert not at.exception
    assert any("ist angelegt" in str(s.value) for s in at.success)
    stored = plans_in(writable)["Neue Maßnahme im Test"]
    assert stored.status == "planned" and stored.owner == "Amtsleitung"

    # a missing owner is refused with a message, nothing stored
    at.text_input(key=f"mp_n_title_{code}").set_value("Ohne Verantwortliche")
    at.text_input(key=f"mp_n_owner_{code}").set_value("")
    next(b for b in at.button if b.label == "Plan anlegen").click().run()
    assert any("verantwortlich" in str(e.value) for e in at.error)
    assert "Ohne Verantwortliche" not in plans_in(writable)

    # run it
    at.selectbox(key="mp_plan").set_value(stored.id).run()
    at.button(key=f"mp_to_running_{stored.id}").click().run()
    assert plans_in(writable)["Neue Maßnahme im Test"].status == "running"

    # evaluate the unevaluated short campaign of the demo
    fruit = plans_in(writable)["Obstkorb und Bewegungspause"]
    assert fruit.evaluated_on is None
    at.selectbox(key="mp_plan").set_value(fruit.id).run()
    assert "kein Effekt in der angestrebten Größe" in texts(at) or "unklar" in texts(at)
    at.button(key=f"mp_record_{fruit.id}").click().run()
    assert plans_in(writable)["Obstkorb und Bewegungspause"].evaluated_on == date.today()
    assert at.button(key=f"mp_publish_{fruit.id}").disabled  # no effect: no good example

    # the after-action review ran in the whole administration: no comparison, never "wirksam"
    review = plans_in(writable)["Auswertung nach dem Cyberangriff"]
    at.selectbox(key="mp_plan").set_value(review.id).run()
    assert "Vorher-nachher ohne Vergleichsgruppe" in texts(at)
    assert at.button(key=f"mp_publish_{review.id}").disabled

    # the Platzwechsel worked against comparison units: it stays a good example
    swap = plans_in(writable)["Platzwechsel Sozialamt ↔ Gesundheitsamt"]
    at.selectbox(key="mp_plan").set_value(swap.id).run()
    assert "wirksam" in texts(at)
    assert plans_in(writable)["Platzwechsel Sozialamt ↔ Gesundheitsamt"].good_example
    downloads = at.get("download_button")
    assert len(downloads) == 2


def test_plan_view_shows_no_figure_of_a_suppressed_cell(
    writable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan with the Grünflächenamt, whose cell before the start is suppressed: the page
    names it as left out and shows neither its hidden figures nor a pooled figure with it."""
    ctx = make_context(replace(load_settings({}), database_url=writable))
    try:
        with ctx.write() as session:
            created = create_plan(
                session,
                HR,
                PlanInput(
                    "platzwechsel",
                    "Platzwechsel mit dem Grünflächenamt",
                    "BGM-Team",
                    ("A50", "A53", "A67"),
                    date(2025, 1, 1),
                    date(2025, 6, 30),
                    "collaboration",
                    10.0,
                ),
                bank=BANK,
            )
        with ctx.read() as session:
            plans = all_plans(session)
    finally:
        ctx.engine.dispose()
    figures = released(writable)
    result = evaluate(figures, next(p for p in plans if p.id == created.id), plans, BANK)
    before, after = str(result.before_period), str(result.after_period)
    scores = raw_scores("collaboration")
    hidden_n = {
        len(group_scores(scores, ["A67"], before)),
        len(group_scores(scores, ["A50", "A53", "A67"], before)),
        len(group_scores(scores, ["A50", "A53", "A67"], after)),
    }
    hidden_mean = {
        number(group_scores(scores, codes, q).mean(), "de", 1)
        for codes, q in (
            (["A67"], before),
            (["A50", "A53", "A67"], before),
            (["A50", "A53", "A67"], after),
        )
    }

    at = open_page(start_app(writable, monkeypatch), "pages/measures.py", HR)
    at.selectbox(key="mp_plan").set_value(created.id).run()
    assert not at.exception
    page = texts(at)
    assert "Grünflächenamt" in page and "verborgen" in page
    shown_n = len(group_scores(scores, ["A50", "A53"], before))
    assert f"n = {shown_n}" in page
    for n in hidden_n:
        assert f"n = {n})" not in page
    for mean in hidden_mean:
        assert f"{mean} (n" not in page


def test_staff_page_shows_the_loop_within_the_public_levels(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(start_app(demo_db, monkeypatch), "pages/results.py", None)
    page = texts(at)
    assert at.title[0].value == "Sie haben gesagt, wir haben gehandelt"
    figures = released(demo_db)
    public = set(figures.loc[figures["depth"] <= 1, "code"])
    options = {o.strip() for o in at.selectbox(key="res_unit").options}
    names = dict(zip(figures["code"], figures["name"], strict=False))
    assert options == {names[c] for c in public}  # shown by name, only the public levels
    assert "Das haben wir getan" in page and "Gute Beispiele" in page
    assert "Wirkung: wirksam." in page
    assert "Beendet, ohne dass die Wirkung geprüft wurde." in page  # the fruit basket
    assert "Platzwechsel Sozialamt ↔ Gesundheitsamt" in page  # the published good example

    # the Platzwechsel ran below the public level: its verdict shows, its numbers do not
    plans = plans_in(demo_db)
    ctx = make_context(replace(load_settings({}), database_url=demo_db))
    try:
        with ctx.read() as session:
            views = all_plans(session)
    finally:
        ctx.engine.dispose()
    platz = next(p for p in views if p.id == plans["Platzwechsel Sozialamt ↔ Gesundheitsamt"].id)
    full = evaluate(figures, platz, views, BANK)
    assert full.did is not None and full.treated is not None and full.treated.after is not None
    for hidden in (full.did.value, full.did.low, full.did.high, full.treated.after.mean):
        assert number(abs(hidden), "de", 1) not in page
    assert f"n = {full.treated.after.n}" not in page
    # the whole administration's review is public: its numbers are shown
    review = next(p for p in views if p.title == "Auswertung nach dem Cyberangriff")
    effect = evaluate(figures, review, views, BANK).effect
    assert effect is not None and number(effect.value, "de", 1) in page


def test_measures_page_refuses_staff(demo_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BGM_DATABASE_URL", demo_db)
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "pages" / "measures.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert not at.title
    assert at.warning and "Anmeldung" in at.warning[0].value


def test_hr_adds_an_own_catalogue_entry(writable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(start_app(writable, monkeypatch), "pages/measures.py", HR)

    def field(kind: str, label: str) -> Any:
        return next(w for w in getattr(at, kind) if w.label == label)

    field("text_input", "Kurzname (Code)").set_value("gesundheitstag")
    field("text_input", "Titel (Deutsch)").set_value("Gesundheitstag im Bauhof")
    field("text_area", "Beschreibung (Deutsch)").set_value("Ein Tag rund um Bewegung.")
    field("multiselect", "Zielt auf").set_value(["workload"])
    next(b for b in at.button if b.label == "Speichern" and "mp_own" in str(b.id)).click().run()
    assert not at.exception
    assert any("Gesundheitstag im Bauhof" in str(s.value) for s in at.success)
    assert "Gesundheitstag im Bauhof · eigener Eintrag" in [e.label for e in at.expander]
    entry_options = at.selectbox(key="mp_new_entry").options
    assert "Gesundheitstag im Bauhof" in entry_options


def test_staff_page_arrows_follow_the_sign_of_the_change(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "Sie haben gesagt": a fall (−4) gets a down arrow, ±0 none, a rise an up arrow; no
    green or red, since a change of a few points may be chance."""
    at = open_page(start_app(demo_db, monkeypatch), "pages/results.py", None)
    metrics = [m.proto for m in at.metric if m.proto.delta]
    assert metrics, "the page shows changes"
    seen = set()
    for m in metrics:
        sign = m.delta[0]
        expected = {"+": "UP", "−": "DOWN", "±": "NONE"}[sign]
        assert type(m).MetricDirection.Name(m.direction) == expected, (m.label, m.delta)
        assert type(m).MetricColor.Name(m.color) == "GRAY"
        seen.add(sign)
    assert "−" in seen, "the demo unit has a fall to check"
