"""Every role x every page (``ui.navigation.ALL_PAGES``, so pages added later are covered):
the navigation offers a page only to its roles, the running app registers nothing else, and a
page opened by a role it is not meant for (``AppTest.switch_page``) shows no figure and the
login-required message: every restricted page checks the role itself. Pages offered to a role
run for it without an error. SQLite and PostgreSQL, on the reference municipality."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import create_engine, text

from bgm_dashboard.auth.viewer import STAFF, Viewer
from bgm_dashboard.context import make_context
from bgm_dashboard.db.engine import normalise_url
from bgm_dashboard.i18n import t
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.settings import load_settings
from bgm_dashboard.survey.importer import import_responses
from bgm_dashboard.ui.navigation import ALL_PAGES, PageSpec, menu, pages_for
from tests.auth_helpers import app_test, figure_elements
from tests.conftest import BACKENDS, POSTGRES_URL, REFERENCE, ROOT, _postgres_schema_url

ROLES = ("staff", "hr", "leadership", "council", "admin")


def viewer(role: str) -> Viewer:
    return STAFF if role == "staff" else Viewer(f"test-{role}", frozenset({role}))


def allowed(spec: PageSpec, role: str) -> bool:
    """Written out independently of ``pages_for``: the page's roles, and the login page
    only for sessions nobody has logged in to."""
    return role in spec.roles and not (spec.anonymous_only and role != "staff")


@pytest.fixture(scope="module", params=BACKENDS)
def reference_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The reference municipality, imported and published once per module and backend."""
    admin = None
    schema = ""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('roles') / 'roles.sqlite3'}"
    else:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = _postgres_schema_url(schema)
    ctx = make_context(replace(load_settings({}), database_url=url))
    with ctx.write() as session:
        import_departments(session, REFERENCE / "departments.csv")
        import_responses(session, ctx.bank, REFERENCE / "responses.csv")
        ctx.publish_due(session, date(2026, 11, 26))
    ctx.engine.dispose()
    yield url
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def page_id(spec: PageSpec) -> str:
    return str(spec.path).removeprefix("pages/").removesuffix(".py")


PAIRS = [(spec, role) for spec in ALL_PAGES for role in ROLES]
IDS = [f"{page_id(spec)}-{role}" for spec, role in PAIRS]


@pytest.mark.parametrize(("spec", "role"), PAIRS, ids=IDS)
def test_navigation_offers_the_page_only_to_its_roles(spec: PageSpec, role: str) -> None:
    assert (spec in pages_for(viewer(role))) == allowed(spec, role)


def test_every_page_is_meant_for_someone_and_staff_pages_carry_no_restriction() -> None:
    for spec in ALL_PAGES:
        assert spec.roles and spec.roles <= set(ROLES), spec.path
    assert len({spec.path for spec in ALL_PAGES}) == len(ALL_PAGES)


def test_no_address_is_the_name_of_a_page_file() -> None:
    """Streamlit runs a ``pages/`` file whose name is the address on its own, past app.py,
    when the page is not in the menu: every address is a German word instead."""
    stems = {p.stem for p in (ROOT / "pages").glob("*.py")}
    paths = [spec.url_path for spec in ALL_PAGES]
    assert len(set(paths)) == len(paths) and not set(paths) & stems


@pytest.mark.parametrize("role", ROLES)
def test_the_menu_shows_only_the_offered_pages_and_every_address_is_known(
    role: str, reference_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bookmark or typed address never meets Streamlit's English "Page not found": every
    page is registered; the menu shows only the offered ones (the rest are hidden and refuse
    in German, see below)."""
    assert [s for s, shown in menu(viewer(role)) if shown] == [
        s for s in ALL_PAGES if allowed(s, role)
    ]
    at = app_test(reference_url, monkeypatch)
    if role != "staff":
        at.session_state["viewer"] = viewer(role)
    at.run()
    assert not at.exception, at.exception
    for spec in ALL_PAGES:
        at.switch_page(spec.path)  # registered: switching works


REFUSED = [(spec, role) for spec, role in PAIRS if role not in spec.roles]


@pytest.mark.parametrize(("spec", "role"), REFUSED, ids=[f"{page_id(s)}-{r}" for s, r in REFUSED])
def test_a_page_opened_by_a_role_it_is_not_for_shows_nothing(
    spec: PageSpec, role: str, reference_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_test(reference_url, monkeypatch)
    if role != "staff":
        at.session_state["viewer"] = viewer(role)
    at.switch_page(spec.path).run()  # before any run: the page file itself, past app.py
    assert not at.exception, at.exception
    assert not figure_elements(at), f"{spec.path} showed figures to {role}"
    refusal = "ui.login_required" if role == "staff" else "ui.not_for_your_role"
    assert [w.value for w in at.warning] == [t(refusal, "de")]
    numbers = [m.value for m in at.markdown if any(ch.isdigit() for ch in m.value)]
    assert not numbers, f"{spec.path} wrote numbers for {role}: {numbers}"


OFFERED = [(spec, role) for spec, role in PAIRS if allowed(spec, role)]


@pytest.mark.parametrize(("spec", "role"), OFFERED, ids=[f"{page_id(s)}-{r}" for s, r in OFFERED])
def test_a_page_runs_for_every_role_it_is_offered_to(
    spec: PageSpec, role: str, reference_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_test(reference_url, monkeypatch)
    if role != "staff":
        at.session_state["viewer"] = viewer(role)
    at.switch_page(spec.path).run()
    assert not at.exception, at.exception
    refusals = {t("ui.login_required", "de"), t("ui.not_for_your_role", "de")}
    assert not refusals & {w.value for w in at.warning}
