"""A leadership account scoped to a subtree (Dezernent): set by an administrator, shown to the
staff council; the account's session sees released figures of its subtree only, on its
quarter page and on every figure page, and only its subtree's snapshots and reports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from bgm_dashboard.auth.accounts import create_account, list_accounts, viewer_for_account
from bgm_dashboard.auth.oidc import OidcConfig, oidc_viewer
from bgm_dashboard.auth.scopes import set_scope
from bgm_dashboard.auth.viewer import SYSTEM, Viewer
from bgm_dashboard.context import Context, make_context
from bgm_dashboard.errors import AccessDenied, ValidationError
from bgm_dashboard.i18n import t
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.privacy.gate import released_figures
from bgm_dashboard.settings import load_settings
from bgm_dashboard.snapshots.report import snapshot_report
from bgm_dashboard.snapshots.store import create_snapshot, get_snapshot, list_snapshots
from bgm_dashboard.ui.data import within_scope
from bgm_dashboard.ui.navigation import landing_page, pages_for
from tests.conftest import ROOT, SAMPLE
from tests.test_pages_measures import copy_of, texts

ADMIN = Viewer("admin1", frozenset({"admin"}))
HR = Viewer("hr1", frozenset({"hr"}))
COUNCIL = Viewer("pr1", frozenset({"council"}))
D2 = {"D2", "A50", "A51", "A52", "A53"}
PAGE = "pages/leadership.py"
OUTSIDE = ("Kämmerei", "Feuerwehr", "Hauptamt", "Stadtverwaltung Musterstadt")


def _dezernent(ctx: Context) -> Viewer:
    with ctx.write() as session:
        create_account(session, ADMIN, "dezernent2", ["leadership"], password="Lang-genug-2026!")
        set_scope(session, ADMIN, "dezernent2", "D2")
    with ctx.read() as session:
        viewer = viewer_for_account(session, "dezernent2")
    assert viewer is not None
    return viewer


@pytest.fixture
def demo_ctx(demo_db: str, tmp_path: Path) -> Iterator[Context]:
    url = copy_of(demo_db, tmp_path)
    ctx = make_context(replace(load_settings({"BGM_ENV": "demo"}), database_url=url))
    yield ctx
    ctx.engine.dispose()


def test_scope_is_set_by_admins_for_leadership_only_and_shown_to_the_council(
    demo_ctx: Context,
) -> None:
    viewer = _dezernent(demo_ctx)
    assert viewer.scope == "D2" and viewer.roles == frozenset({"leadership"})
    with demo_ctx.read() as session:
        shown = {a.username: a.scope for a in list_accounts(session, COUNCIL)}
    assert shown["dezernent2"] == "D2"
    with pytest.raises(AccessDenied), demo_ctx.write() as session:
        set_scope(session, HR, "dezernent2", "D1")
    with pytest.raises(ValidationError) as caught, demo_ctx.write() as session:
        set_scope(session, ADMIN, "dezernent2", "NOPE")
    assert caught.value.key == "snapshot.error.unknown_scope"
    with pytest.raises(ValidationError) as caught, demo_ctx.write() as session:
        set_scope(session, ADMIN, "hr", "D2")  # the demo HR account sees everything anyway
    assert caught.value.key == "scope.error.only_leadership"
    with demo_ctx.write() as session:
        set_scope(session, ADMIN, "dezernent2", None)
        assert viewer_for_account(session, "dezernent2").scope == ""  # type: ignore[union-attr]


def test_within_scope_keeps_the_subtree_of_every_publication(demo_ctx: Context) -> None:
    with demo_ctx.read() as session:
        frame = released_figures(session, SYSTEM, granularity="quarter", include_rest=True)
    kept = within_scope(frame, "D2")
    assert set(kept["code"]) == D2
    units = pd.read_csv(SAMPLE / "departments.csv")
    assert {"D2", *units[units["parent_code"] == "D2"]["code"]} == D2
    expected = frame[frame["code"].isin(D2)]
    assert len(kept) == len(expected) and set(kept["quarter"]) == set(frame["quarter"])


def test_scoped_snapshots_and_reports(demo_ctx: Context) -> None:
    viewer = _dezernent(demo_ctx)
    with demo_ctx.write() as session:
        whole = get_snapshot(session, HR, "2026-Q3")  # prepared by the demo's HR team
        part = create_snapshot(session, HR, "2026-Q3", bank=demo_ctx.bank, scope="D2")
    with demo_ctx.write() as session:
        assert [s.id for s in list_snapshots(session, viewer)] == [part.id]
        own = get_snapshot(session, viewer, "2026-Q3", scope="D2")
        html = snapshot_report(
            session, viewer, own, bank=demo_ctx.bank, fmt="html", lang="de"
        ).decode()
        with pytest.raises(AccessDenied):
            snapshot_report(session, viewer, whole, bank=demo_ctx.bank, fmt="pdf", lang="de")
    assert "Jugendamt" in html and not any(name in html for name in OUTSIDE[:3])


def test_the_scoped_session_sees_its_subtree_only(
    demo_ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    viewer = _dezernent(demo_ctx)
    monkeypatch.setenv("BGM_DATABASE_URL", str(demo_ctx.engine.url))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state["viewer"] = viewer
    at.run()
    try:
        assert [p.path for p in pages_for(viewer) if "staff" not in p.roles] == [PAGE]
        assert landing_page(viewer, pages_for(viewer)).path == PAGE  # type: ignore[union-attr]
        at.switch_page(PAGE).run()
        assert not at.exception, [e.value for e in at.exception]
        shown = texts(at) + " ".join(d.value.to_string() for d in at.dataframe)
        assert "Jugendamt" in shown and "Dezernat II" in shown
        for name in OUTSIDE:
            assert name not in shown, name
        # pages not built for scopes refuse the account, even by their address
        for page in ("pages/overview.py", "pages/unit.py", "pages/crises.py"):
            at.switch_page(page).run()
            assert not at.exception
            assert [w.value for w in at.warning] == [t("ui.not_for_your_role", "de")]
            assert not at.dataframe and not at.get("plotly_chart")
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()


def test_single_sign_on_keeps_the_scope(ctx: Context) -> None:
    with ctx.write() as session:
        import_departments(session, SAMPLE / "departments.csv")
        create_account(session, ADMIN, "dezernentin", ["leadership"], oidc_subject="sub-7")
        set_scope(session, ADMIN, "dezernentin", "D3")
    with ctx.read() as session:
        viewer, why, _ = oidc_viewer(session, {"sub": "sub-7"}, OidcConfig())
    assert why is None and viewer is not None and viewer.scope == "D3"
