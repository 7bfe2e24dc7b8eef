"""Leadership's quarter page on the demo municipality, as a new user would use it: leadership
lands on the latest quarter, picks an earlier one, compares two; HR creates the snapshot;
leadership writes a reflection with a decision, turns the decision into a plan and releases
the snapshot; the staff council reads all of it; the report download is audited."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.context import make_context
from bgm_dashboard.db.models import ActionPlan, AuditEntry, Snapshot, SnapshotDecision
from bgm_dashboard.formatting import period
from bgm_dashboard.settings import load_settings
from bgm_dashboard.snapshots.report import snapshot_report
from bgm_dashboard.snapshots.store import get_snapshot
from bgm_dashboard.ui.navigation import landing_page, pages_for
from tests.conftest import ROOT
from tests.test_pages_measures import copy_of, texts

LEADER = Viewer("leitung", frozenset({"leadership"}))
HR = Viewer("personal", frozenset({"hr"}))
COUNCIL = Viewer("personalrat", frozenset({"council"}))
PAGE = "pages/leadership.py"


@pytest.fixture(autouse=True)
def _clear_caches() -> Iterator[None]:
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def writable(demo_db: str, tmp_path: Path) -> str:
    return copy_of(demo_db, tmp_path)


def app(url: str, monkeypatch: pytest.MonkeyPatch, viewer: Viewer) -> AppTest:
    monkeypatch.setenv("BGM_DATABASE_URL", url)
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state["viewer"] = viewer
    at.run()
    return at


def open_page(at: AppTest) -> AppTest:
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def rows(url: str, model: type) -> list:  # type: ignore[type-arg]
    ctx = make_context(replace(load_settings({}), database_url=url))
    try:
        with ctx.read() as session:
            return list(session.scalars(select(model)))
    finally:
        ctx.engine.dispose()


def test_leadership_lands_on_its_quarter() -> None:
    assert landing_page(LEADER, pages_for(LEADER)).path == PAGE  # type: ignore[union-attr]
    assert landing_page(HR, pages_for(HR)).path != PAGE  # type: ignore[union-attr]


def test_the_quarter_from_landing_to_released_report(
    writable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(app(writable, monkeypatch, LEADER))
    picker = at.selectbox(key="lead_quarter")
    assert picker.value == "2026-Q3"  # the latest published quarter first
    page = texts(at)
    assert period("2026-Q3", "de") in page and "Fünf Dinge, auf die es ankommt" in page
    assert "zum Vorjahresquartal" in page
    picker.set_value("2026-Q1").run()
    at.selectbox(key="lead_compare").set_value("2025-Q1").run()
    assert not at.exception
    compared = at.dataframe[0].value
    assert set(compared.columns) >= {period("2026-Q1", "de"), period("2025-Q1", "de")}

    # the demo HR team prepared the latest quarter's snapshot; a second one would change nothing
    draft = rows(writable, Snapshot)
    assert [(d.quarter, d.version, d.status, d.created_by) for d in draft] == [
        ("2026-Q3", 1, "draft", "hr")
    ]
    hr = open_page(app(writable, monkeypatch, HR))
    hr.button(key="lead_create").click().run()
    assert not hr.exception and "hat sich nichts geändert" in texts(hr)

    # leadership writes its reading and a decision, turns it into a plan, releases
    at = open_page(app(writable, monkeypatch, LEADER))
    snap_id = rows(writable, Snapshot)[0].id
    at.text_area(key=f"lead_ref_reading_{snap_id}").input("Die Lage ist stabil.")
    at.text_area(key=f"lead_ref_perspective_{snap_id}").input("Aus Sicht des Jugendamts …")
    at.button[[b.label for b in at.button].index("Reflexion speichern (neue Version)")].click()
    at.run()
    assert "Reflexion gespeichert (Version 1)." in texts(at)
    at.text_area(key=f"lead_dec_text_{snap_id}").input("Platzwechsel im Jugendamt")
    at.text_input(key=f"lead_dec_owner_{snap_id}").input("Dezernat II")
    at.button[[b.label for b in at.button].index("Entscheidung festhalten")].click()
    at.run()
    decision = rows(writable, SnapshotDecision)[0]
    at.multiselect(key=f"lead_plan_units_{decision.id}").select("A51")
    at.button[[b.label for b in at.button].index("Maßnahmenplan anlegen")].click()
    at.run()
    assert not at.exception
    plans = {p.title: p for p in rows(writable, ActionPlan)}
    assert plans["Platzwechsel im Jugendamt"].owner == "Dezernat II"
    assert rows(writable, SnapshotDecision)[0].plan_id == plans["Platzwechsel im Jugendamt"].id
    at.button(key=f"lead_release_{snap_id}").click().run()
    at.button(key=f"lead_release_{snap_id}_confirm").click().run()
    assert not at.exception
    snap = rows(writable, Snapshot)[0]
    assert snap.status == "released" and "Platzwechsel im Jugendamt" in snap.reflection

    # the staff council reads reflection and decisions; the report carries them
    council = open_page(app(writable, monkeypatch, COUNCIL))
    shown = texts(council)
    assert "Die Lage ist stabil." in shown and "Platzwechsel im Jugendamt" in shown
    ctx = make_context(replace(load_settings({}), database_url=writable))
    try:
        with ctx.write() as session:
            released = get_snapshot(session, COUNCIL, "2026-Q3")
            html = snapshot_report(
                session, COUNCIL, released, bank=ctx.bank, fmt="html", lang="de"
            ).decode()
        with ctx.read() as session:
            audited = list(
                session.scalars(
                    select(AuditEntry.actor).where(AuditEntry.action == "snapshot_export")
                )
            )
    finally:
        ctx.engine.dispose()
    assert "Die Lage ist stabil." in html and "Aus Sicht des Jugendamts" in html
    assert audited == [COUNCIL.name]
