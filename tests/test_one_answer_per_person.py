"""Attack class 3 (issue 9): padding a small unit. With an open link, a few extra answers
from fresh browser sessions lift a unit of two over k, and the released mean minus the
padder's own answers is the one real colleague's answer. So: participation codes are the
default everywhere a wave opens (page, command line, schedule), an open link needs the staff
council's four-eyes approval and is shown to staff as weaker, and a unit with more answers
than staff holds its quarter's publication (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.context import Context
from bgm_dashboard.db.models import Publication, Wave
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.governance.changes import approve, propose
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.privacy.overfull import held_text
from bgm_dashboard.privacy.publication import held_quarters
from bgm_dashboard.pulse.schedule import Plan, save_plan
from bgm_dashboard.survey.importer import import_responses
from bgm_dashboard.survey.intake import submit
from bgm_dashboard.survey.management import open_wave_as
from bgm_dashboard.survey.waves import open_wave
from bgm_dashboard.ui.plain import WORD_JOINER
from tests.ballot_helpers import COUNCIL, HR, allow_open_link
from tests.cli_helpers import cli
from tests.scenario import write_org


def as_shown(markdown: str) -> str:
    """Text as the reader sees it (Markdown escapes of ui.plain removed)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(WORD_JOINER, "")


ANSWERS = {f"who5_{i}": 3 for i in range(1, 6)}


@pytest.fixture
def org(ctx: Context, tmp_path: Path) -> Context:
    with ctx.write() as session:
        import_departments(
            session, write_org(tmp_path / "org.csv", {"R": None, "X": "R"}, headcount=2)
        )
    return ctx


def _access(ctx: Context, period: str) -> str:
    with ctx.read() as session:
        return session.scalars(select(Wave.access).where(Wave.period == period)).one()


def _plan(access: str) -> Plan:
    return Plan("monthly", "2027-01", 4, 14, (7,), ("who5",), (), access=access)


def test_codes_are_the_default_wherever_a_wave_opens(
    org: Context, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with org.write() as session:
        open_wave(session, "2026-03", indicators=["who5"])
        open_wave_as(session, HR, org.bank, "2026-04")
        assert (
            save_plan(
                session,
                HR,
                Plan("monthly", "2027-01", 4, 14, (7,), ("who5",), ()),
                bank=org.bank,
                today=date(2026, 12, 1),
            ).access
            == "tokens"
        )
    assert _access(org, "2026-03") == _access(org, "2026-04") == "tokens"
    url = org.settings.database_url
    org.engine.dispose()
    opened = cli(monkeypatch, capsys, url, "wave", "open", "2026-05")
    assert opened.returncode == 0, opened.stderr
    assert _access(org, "2026-05") == "tokens"
    refused = cli(monkeypatch, capsys, url, "wave", "open", "2026-06", "--access", "link")
    assert refused.returncode != 0 and "staff council" in refused.stderr + refused.stdout


def test_a_wave_with_codes_takes_no_answer_without_an_unused_code(org: Context) -> None:
    with org.write() as session:
        wave_id = open_wave(session, "2026-03", indicators=["who5"]).id
    for token in (None, "", "AAAA-BBBB-CCCC"):
        with pytest.raises(ValidationError), org.write() as session:
            submit(
                session,
                org.bank,
                wave_id=wave_id,
                department_code="X",
                answers=ANSWERS,
                token=token,
                today=date(2026, 3, 10),
            )


def test_an_open_link_needs_the_councils_approval_everywhere(org: Context) -> None:
    for attempt in (
        lambda s: open_wave(s, "2026-03", indicators=["who5"], access="link"),
        lambda s: open_wave_as(s, HR, org.bank, "2026-03", access="link"),
        lambda s: save_plan(s, HR, _plan("link"), bank=org.bank, today=date(2026, 12, 1)),
    ):
        with pytest.raises(ValidationError) as refused, org.write() as session:
            attempt(session)
        assert refused.value.key == "wave.link_needs_approval"
    # HR cannot approve its own proposal; the council's approval opens the way
    with org.write() as session:
        change = propose(session, HR, "open_link_allowed", True, bank=org.bank)
    with pytest.raises(ValidationError), org.write() as session:
        approve(session, Viewer(HR.name, frozenset({"hr", "council"})), change.id, bank=org.bank)
    with org.write() as session:
        approve(session, COUNCIL, change.id, bank=org.bank)
        open_wave_as(session, HR, org.bank, "2026-03", access="link")
        save_plan(session, HR, _plan("link"), bank=org.bank, today=date(2026, 12, 1))
    assert _access(org, "2026-03") == "link"


def test_the_staff_page_says_when_the_open_link_is_allowed_and_that_it_is_weaker(
    org: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.auth_helpers import app_test

    def page_text() -> str:
        at = app_test(org.settings.database_url, monkeypatch)
        at.switch_page("pages/anonymity.py").run()
        assert not at.exception
        return " ".join(m.value for m in at.markdown)

    before = page_text()
    assert "Teilnahmecodes" in before and "derzeit ist er nicht erlaubt" in before
    with org.write() as session:
        allow_open_link(session, org.bank)
    after = page_text()
    assert "schwächer als Teilnahmecodes" in after and "mehr Antworten als Beschäftigte" in after


def test_more_answers_than_staff_hold_the_quarter_with_a_message(
    org: Context,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The padding attack of the issue: a unit of two, four extra answers through an open
    link. Whatever the mode, the quarter is not published (no 300 % participation, no mean
    to subtract one's own answers from) and HR and the council are told why."""
    with org.write() as session:
        allow_open_link(session, org.bank)
        wave_id = open_wave(session, "2026-03", indicators=["who5"], access="link").id
    for _ in range(6):  # two real colleagues and four padded answers
        with org.write() as session:
            submit(
                session,
                org.bank,
                wave_id=wave_id,
                department_code="X",
                answers=ANSWERS,
                today=date(2026, 3, 10),
            )
    url = org.settings.database_url
    org.engine.dispose()
    closed = cli(monkeypatch, capsys, url, "wave", "close", "2026-03", lang="de")
    assert closed.returncode == 0, closed.stderr
    assert "2026-Q1" in closed.stdout and "mehr Antworten als Beschäftigte" in closed.stdout
    with org.write() as session:
        assert org.publish_due(session, date(2026, 4, 2)) == []
        held = held_quarters(session, date(2026, 4, 2))
        assert session.scalars(select(Publication)).first() is None
    assert [(u.code, u.period) for u in held["2026-Q1"]] == [("X", "2026-03")]
    assert "Einheit X (X)" in held_text("2026-Q1", held["2026-Q1"], "de")
    # the org chart had the unit too small: corrected, the quarter publishes
    write_org(tmp_path / "fixed.csv", {"R": None, "X": "R"}, headcount=6)
    with org.write() as session:
        import_departments(session, tmp_path / "fixed.csv")
        assert org.publish_due(session, date(2026, 4, 2)) == ["2026-Q1"]


def test_hr_and_the_council_see_the_held_quarter_on_the_waves_page(
    org: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.auth_helpers import app_test

    write_org(tmp_path / "r.csv", {"R": None, "X": "R"}, headcount=2)
    rows = "period,department,who5_1\n" + "2026-01,X,3\n" * 3
    (tmp_path / "answers.csv").write_text(rows, encoding="utf-8")
    with org.write() as session:
        import_responses(session, org.bank, tmp_path / "answers.csv")
    for who in (HR, COUNCIL):
        at = app_test(org.settings.database_url, monkeypatch)
        at.session_state["viewer"] = who
        at.switch_page("pages/waves.py").run()
        assert not at.exception
        warnings = " ".join(as_shown(w.value) for w in at.warning)
        assert "2026-Q1" in warnings and "mehr Antworten als Beschäftigte" in warnings
