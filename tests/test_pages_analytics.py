"""The analytics pages run as HR on the demo data: no exception, the key elements present
(the cyber-attack curve with its figures, the Jugendamt in sustained decline, drivers,
participation, alpha), German formats; staff get nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from bgm_dashboard.auth.viewer import STAFF, Viewer
from bgm_dashboard.ui.navigation import pages_for
from tests.conftest import ROOT

HR = Viewer("hr1", frozenset({"hr"}))
PAGES = [
    "pages/unit.py",
    "pages/crises.py",
    "pages/drivers.py",
    "pages/participation.py",
    "pages/indicators.py",
    "pages/overview.py",
]


@pytest.fixture
def app(demo_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv("BGM_DATABASE_URL", demo_db)
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    yield at
    st.cache_resource.clear()
    st.cache_data.clear()


def open_page(at: AppTest, page: str, viewer: Viewer = HR) -> AppTest:
    at.session_state["viewer"] = viewer
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def frames(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def text_of(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_crises_page_shows_curve_figures_and_the_declining_jugendamt(app: AppTest) -> None:
    at = open_page(app, "pages/crises.py")
    assert at.title[0].value == "Krisen und Erholung"
    events = frames(at)[0]
    assert "03.06.2025" in set(events["Beginn"])  # German date format
    assert at.selectbox(key="crises_event").value is not None
    sentence = text_of(at)
    assert "Ausgangsniveau" in sentence and "Monaten" in sentence and "Resilienzdreieck" in sentence
    decline = next(f for f in frames(at) if "seit" in f.columns)
    assert "Jugendamt" in set(decline["Bereich"])
    assert "Feuerwehr" not in set(decline["Bereich"])
    assert any("," in v for v in decline["Veränderung im Fenster"])  # decimal comma
    # plain words first: one sentence per decline, before the method details
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("Jugendamt: Wohlbefinden (WHO-5) sinkt seit ") for w in warnings)
    assert not any("Feuerwehr" in w for w in warnings)
    assert any("höchstens in 1 von 10 Quartalen" in c.value for c in at.caption)
    assert len(at.text_input) == 1  # HR gets the form to record an event


def test_council_sees_curves_but_cannot_record(app: AppTest) -> None:
    at = open_page(app, "pages/crises.py", Viewer("pr", frozenset({"council"})))
    assert not at.text_input and at.selectbox(key="crises_event").value is not None


def test_unit_page_as_hr(app: AppTest) -> None:
    at = open_page(app, "pages/unit.py")
    subheaders = [s.value for s in at.subheader]
    assert any("Resilienzkurven" in s for s in subheaders)
    assert any("Cronbachs α" in s for s in subheaders)
    assert any("Beteiligung" in s for s in subheaders)
    assert any("Veränderung" in s for s in subheaders)
    at.selectbox(key="unit_code").set_value("A51").run()
    assert not at.exception
    trends = next(f for f in frames(at) if "Kendalls τ" in f.columns)
    assert "anhaltende Verschlechterung" in set(trends["Status"])


def test_drivers_page(app: AppTest) -> None:
    at = open_page(app, "pages/drivers.py")
    assert "Was hier am meisten zählt" in at.subheader[0].value
    table = frames(at)[0]
    assert list(table["Rang"]) == [str(i) for i in range(1, 8)]
    at.segmented_control(key="drivers_target").set_value("ori").run()
    assert not at.exception and "Organisationaler Resilienzindex" in at.subheader[0].value


def test_participation_page(app: AppTest) -> None:
    at = open_page(app, "pages/participation.py")
    quarter = frames(at)[0]
    assert "Stadtverwaltung Musterstadt" in set(quarter["Bereich"])
    assert "verborgen (Mindestgruppe)" in set(quarter["Status"])  # small units stay hidden


def test_indicators_page_documents_ori_and_alpha(app: AppTest) -> None:
    at = open_page(app, "pages/indicators.py")
    facts = text_of(at)
    assert "**Berechnung:**" in facts and "sieben Dimensionen" in facts
    assert "**Lizenz:** CC BY 4.0" in facts and "höher ist besser" in facts
    at.selectbox(key="indicators_code").set_value("who5").run()
    assert not at.exception
    assert "α =" in text_of(at)
    items = frames(at)[0]
    assert len(items) == 5 and "froh und guter Laune" in " ".join(items["Wortlaut"])


def test_overview_filters_and_drill_down(app: AppTest) -> None:
    at = open_page(app, "pages/overview.py")
    at.selectbox(key="ov_root").set_value("D2").run()
    assert not at.exception
    at.selectbox(key="ov_unit").set_value("A51").run()
    at.button(key="ov_open").click().run()
    assert not at.exception
    assert at.title[0].value == "Bereichsseite"
    assert at.selectbox(key="unit_code").value == "A51"


@pytest.mark.parametrize("page", PAGES)
def test_staff_get_nothing(app: AppTest, page: str) -> None:
    assert page not in [p.path for p in pages_for(STAFF)]  # not in the staff menu
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)  # opened anyway, by its path
    at.session_state["viewer"] = STAFF
    at.run()
    assert not at.exception
    assert at.warning and not at.dataframe and not at.get("plotly_chart")


def test_every_page_runs_in_english(app: AppTest) -> None:
    app.session_state["lang"] = "en"
    app.session_state["viewer"] = HR
    app.run()
    for page in PAGES:
        app.switch_page(page).run()
        assert not app.exception, (page, [e.value for e in app.exception])
        assert app.title and "ü" not in app.title[0].value


def test_overview_as_a_list_per_unit_for_the_phone(app: AppTest) -> None:
    """The map of units × indicators is unreadable on a phone: "Liste je Bereich" shows one
    unit's indicators as rows instead (no chart), hidden cells left empty, with their note."""
    at = open_page(app, "pages/overview.py")
    assert at.get("plotly_chart"), "the map by default"
    before = len(at.get("plotly_chart"))
    next(w for w in at.get("button_group") if w.key == "ov_view").set_value("list").run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == before - 1, "no map in the list view"
    at.selectbox(key="ov_list_unit").set_value("A51").run()
    listed = frames(at)[0]
    assert list(listed.columns)[:2] == ["Indikator", "Wert"]
    assert "Wohlbefinden (WHO-5)" in set(listed["Indikator"])
    assert len(listed) == len(set(listed["Indikator"]))  # one row per indicator
