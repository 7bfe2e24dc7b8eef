"""Attack class 4 (issue 9): counts below k. While a wave runs, "codes used 1 / 20, 2 / 20 …"
on the waves page gave the count of a group below k and timed each submission. Now answers
and codes used appear only as ranges from k on, nothing below, and only as of the day's
first look — on the page, in the command line and in the withdraw dialog (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from bgm_dashboard.auth.viewer import SYSTEM
from bgm_dashboard.context import Context
from bgm_dashboard.db.models import Wave
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.survey.intake import submit
from bgm_dashboard.survey.livecounts import band
from bgm_dashboard.survey.management import wave_rows
from bgm_dashboard.survey.waves import issue_tokens, open_wave
from tests.auth_helpers import app_test
from tests.ballot_helpers import HR
from tests.cli_helpers import cli
from tests.scenario import write_org

K = 5
DAY = date(2026, 3, 10)


@pytest.fixture
def running(ctx: Context, tmp_path: Path) -> tuple[Context, list[str]]:
    with ctx.write() as session:
        import_departments(session, write_org(tmp_path / "org.csv", {"R": None, "X": "R"}))
        wave = open_wave(session, "2026-03", indicators=["who5"])
        return ctx, issue_tokens(session, wave, 20)


def _answer(ctx: Context, token: str) -> None:
    with ctx.write() as session:
        wave_id = session.scalars(select(Wave.id)).one()
        submit(
            session,
            ctx.bank,
            wave_id=wave_id,
            department_code="X",
            answers={"who5_1": 3},
            token=token,
            today=DAY,
        )


def _row(ctx: Context, today: date) -> tuple[object, object]:
    with ctx.write() as session:
        (row,) = wave_rows(session, HR, today)
    return row.responses, row.codes_used


def test_bands_hide_below_k_and_never_give_a_single_count() -> None:
    assert [band(n, K) for n in (0, 1, 4)] == [None, None, None]
    assert band(5, K) == band(9, K) == (5, 9)
    assert band(10, K) == band(19, K) == (10, 19)
    assert band(20, K) == (20, 49)
    assert band(10**6, K) == (100_000, None)
    for n in range(K, 3000):  # every shown range holds at least k possible counts
        low, high = band(n, K)  # type: ignore[misc]
        assert low <= n and (high is None or (high >= n and high - low + 1 >= K))


def test_running_wave_counts_are_hidden_below_k_and_change_once_a_day(
    running: tuple[Context, list[str]],
) -> None:
    ctx, tokens = running
    assert _row(ctx, DAY) == (None, None)
    for token in tokens[:3]:
        _answer(ctx, token)
    assert _row(ctx, DAY) == (None, None), "nothing below k, and the day's snapshot holds"
    for token in tokens[3:8]:
        _answer(ctx, token)
    assert _row(ctx, DAY) == (None, None), "a count seen today does not move until tomorrow"
    assert _row(ctx, date(2026, 3, 11)) == ((5, 9), (5, 9))
    _answer(ctx, tokens[8])
    _answer(ctx, tokens[9])
    assert _row(ctx, date(2026, 3, 11)) == ((5, 9), (5, 9))
    assert _row(ctx, date(2026, 3, 12)) == ((10, 19), (10, 19))


def test_the_page_and_the_command_line_show_no_count_below_k(
    running: tuple[Context, list[str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ctx, tokens = running
    for token in tokens[:2]:
        _answer(ctx, token)
    at = app_test(ctx.settings.database_url, monkeypatch)
    at.session_state["viewer"] = HR
    at.switch_page("pages/waves.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    cells = " ".join(str(v) for v in table.to_numpy().ravel())
    assert "weniger als 5 / 20" in cells and "2 / 20" not in cells
    with ctx.write() as session:
        (row,) = wave_rows(session, SYSTEM)
    assert row.responses is None and row.codes_used is None
    url = ctx.settings.database_url
    ctx.engine.dispose()
    listed = cli(monkeypatch, capsys, url, "wave", "list")
    assert listed.returncode == 0, listed.stderr
    line = next(x for x in listed.stdout.splitlines() if x.startswith("2026-03"))
    assert line.count("fewer than 5") == 2 and "2 / 20" not in line
