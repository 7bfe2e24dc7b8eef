"""Issue 15: retention. With the clock moved past the retention period, ``bgm retention run``
deletes the raw answers and the comments never released; every published figure, released
comment and export stays byte-identical; the raw database files (SQLite file and WAL,
PostgreSQL table files) hold none of the deleted rows; a dry run changes nothing; old audit
entries go behind a signed cut and the chain still verifies."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from bgm_dashboard.auth.audit import CUT, cut_before, record, verify_chain
from bgm_dashboard.auth.viewer import SYSTEM, Viewer
from bgm_dashboard.context import Context, make_context
from bgm_dashboard.db.models import (
    Answer,
    AuditEntry,
    Comment,
    GovernedSetting,
    Publication,
    PublishedFigure,
    Response,
)
from bgm_dashboard.governance.settings import current
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.privacy.comments import withhold_comment
from bgm_dashboard.privacy.gate import released_comments, released_figures
from bgm_dashboard.privacy.publication import republish
from bgm_dashboard.privacy.retention import RetentionResult
from bgm_dashboard.pulse.runner import report_lines, run_schedule
from bgm_dashboard.settings import load_settings
from bgm_dashboard.survey.intake import submit
from bgm_dashboard.survey.waves import close_wave, open_wave, wave_for_period
from tests.cli_helpers import cli
from tests.pulse_helpers import raw_database_bytes
from tests.scenario import write_org

COUNCIL = Viewer("rat", frozenset({"council"}))
HR = Viewer("hr", frozenset({"hr"}))
OLD = datetime(2024, 3, 1, tzinfo=UTC)
"""Audit entries older than 60 months on LATER, but not on 2027-01-01."""
LATER = "2029-06-01"
"""Far past 24 months after the quarters' publication (published at today's real date)."""


def _marker(kind: str, i: int) -> str:
    return f"Marke-{kind}-{i:02d}-qxz"


def _wave(ctx: Context, period: str, count: int, kind: str, day: date) -> None:
    with ctx.write() as session:
        wave = open_wave(session, period, indicators=["who5", "enps"], access="link")
        wave_id = wave.id
    for i in range(count):
        with ctx.write() as session:
            submit(
                session,
                ctx.bank,
                wave_id=wave_id,
                department_code="X",
                answers={"who5_1": i % 6, "who5_2": 3, "who5_3": 4, "enps": i % 11},
                comment=_marker(kind, i),
                today=day,
            )
    with ctx.write() as session:
        found = wave_for_period(session, period)
        assert found is not None
        close_wave(session, found)


def _build(ctx: Context, tmp_path: Path) -> None:
    """Q1: 12 answers, their comments released; Q2: 3 answers, too few for comments."""
    with ctx.write() as session:
        for i in range(3):  # old audit entries, the first of the log
            record(session, "hr", "login", "", {"i": i}, at=OLD)
        import_departments(session, write_org(tmp_path / "org.csv", {"R": None, "X": "R"}))
        session.execute(text("UPDATE departments SET headcount = 100"))
    with ctx.write() as session:
        session.add(GovernedSetting(key="open_link_allowed", value=True, updated_at=OLD))
    _wave(ctx, "2026-01", 12, "frei", date(2026, 1, 10))
    _wave(ctx, "2026-04", 3, "weg", date(2026, 4, 10))
    with ctx.write() as session:
        assert ctx.publish_due(session, date(2026, 7, 2)) == ["2026-Q1", "2026-Q2"]


def _released(
    ctx: Context,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: str,
    tmp_path: Path,
    tag: str,
) -> dict[str, bytes | str]:
    """Everything a viewer and an export see: figures, comments, both CSV exports."""
    out: dict[str, bytes | str] = {}
    with ctx.read() as session:
        out["figures"] = released_figures(session, SYSTEM).to_csv()
        for quarter in ("2026-Q1", "2026-Q2"):
            out[quarter] = released_comments(session, SYSTEM, quarter).to_csv()
    for period in ("month", "quarter"):
        path = tmp_path / f"{tag}-{period}.csv"
        done = cli(
            monkeypatch,
            capsys,
            url,
            "export",
            "indicators",
            "--period",
            period,
            "--output",
            str(path),
        )
        assert done.returncode == 0, done.stderr
        out[period] = path.read_bytes()
    return out


def _counts(ctx: Context) -> tuple[int, int, int, int]:
    with ctx.read() as session:
        return tuple(  # type: ignore[return-value]
            int(session.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Response, Answer, Comment, AuditEntry)
        )


def test_retention_deletes_raw_data_and_keeps_every_released_figure(
    alone_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ctx = make_context(replace(load_settings({}), database_url=alone_url))
    _build(ctx, tmp_path)
    with ctx.read() as session:
        response_ids = list(session.scalars(select(Response.id)))
        assert "Marke-frei-00-qxz" in released_comments(session, SYSTEM, "2026-Q1")["text"].tolist()
        assert released_comments(session, SYSTEM, "2026-Q2").empty
    assert len(response_ids) == 15
    with ctx.write() as session:  # HR withholds a released comment that named someone
        named = session.scalars(select(Comment.id).where(Comment.text == _marker("frei", 1))).one()
        withhold_comment(session, HR, named, "nennt eine Person")
    before = _released(ctx, monkeypatch, capsys, alone_url, tmp_path, "before")
    counts = _counts(ctx)

    dry = cli(monkeypatch, capsys, alone_url, "retention", "run", "--dry-run", "--today", LATER)
    assert dry.returncode == 0, dry.stderr
    assert "15 responses" in dry.stdout and "3 unreleased comments" in dry.stdout, dry.stdout
    assert "1 withheld comment texts erased" in dry.stdout, dry.stdout
    assert "3 old entries" in dry.stdout, dry.stdout
    assert _counts(ctx) == counts  # a dry run changes nothing, not even the audit log

    soon = cli(monkeypatch, capsys, alone_url, "retention", "run", "--today", "2027-01-01")
    assert "Nothing is due" in soon.stdout and _counts(ctx) == counts

    done = cli(monkeypatch, capsys, alone_url, "retention", "run", "--today", LATER)
    assert done.returncode == 0, done.stderr
    responses, answers, comments, _ = _counts(ctx)
    assert (responses, answers, comments) == (0, 0, 12)  # the released comments stay
    after = _released(ctx, monkeypatch, capsys, alone_url, tmp_path, "after")
    assert after == before

    with ctx.read() as session:
        check = verify_chain(session, COUNCIL)
        assert check.ok, check
        first = session.scalar(select(func.min(AuditEntry.seq)))
        assert first == 4  # the three old entries went, behind a signed cut
        run = session.scalars(select(AuditEntry).where(AuditEntry.action == "retention_run")).one()
        assert run.details["responses"] == 15 and run.details["comments"] == 3
        assert "qxz" not in str(run.details)  # counts, never content
        assert session.scalar(select(func.count()).where(AuditEntry.action == CUT)) == 1

    raw = raw_database_bytes(ctx)
    for i in range(3):
        assert _marker("weg", i).encode() not in raw
    assert _marker("frei", 0).encode() in raw  # released: kept, as the test can see
    assert _marker("frei", 1).encode() not in raw  # released, then withheld: text erased
    for rid in response_ids:
        assert rid.bytes not in raw and rid.hex.encode() not in raw and str(rid).encode() not in raw

    again = cli(monkeypatch, capsys, alone_url, "retention", "run", "--today", LATER)
    assert "Nothing is due" in again.stdout
    ctx.engine.dispose()


def test_the_audit_log_refuses_a_deletion_no_cut_covers(ctx: Context) -> None:
    with ctx.write() as session:
        for i in range(4):
            record(session, "hr", "login", "", {"i": i}, at=OLD)
    with pytest.raises(DBAPIError), ctx.write() as session:
        session.execute(text("DELETE FROM audit_log WHERE seq = 1"))
    with ctx.write() as session:
        assert cut_before(session, "cli", datetime(2025, 1, 1, tzinfo=UTC)) == 4
        record(session, "hr", "login", "", {"i": 5})
    with ctx.read() as session:
        assert verify_chain(session, COUNCIL).ok
    with pytest.raises(DBAPIError), ctx.write() as session:  # the cut itself stays
        session.execute(text(f"DELETE FROM audit_log WHERE action = '{CUT}'"))
    # someone with the owner's rights removes the cut: the chain no longer verifies
    with ctx.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        conn.execute(text("DELETE FROM audit_log WHERE seq = 5"))
    with ctx.read() as session:
        check = verify_chain(session, COUNCIL)
    assert not check.ok and check.problem == "cut"


def test_the_scheduler_applies_the_retention_periods(ctx: Context, tmp_path: Path) -> None:
    _build(ctx, tmp_path)
    assert run_schedule(ctx, today=date(2027, 1, 4)).retention == RetentionResult(
        date(2027, 1, 4), dry_run=False
    )
    report = run_schedule(ctx, today=date.fromisoformat(LATER))
    assert report.retention is not None
    assert (report.retention.responses, report.retention.comments) == (15, 3)
    assert _counts(ctx)[:3] == (0, 0, 12)
    assert any("15 responses" in line for line in report_lines(report, "en"))
    # a reorganised quarter can still be published again: from the moments, which stay
    with ctx.write() as session:
        governance = current(session, ctx.settings)
        again = republish(session, "2026-Q1", bank=ctx.bank, governance=governance)
        assert again.version == 2
        figures = {
            version: sorted(
                (
                    f.granularity,
                    f.period,
                    f.indicator,
                    f.department_id,
                    f.kind,
                    f.status,
                    f.n,
                    f.mean,
                )
                for f in session.scalars(
                    select(PublishedFigure)
                    .join(Publication, Publication.id == PublishedFigure.publication_id)
                    .where(Publication.quarter == "2026-Q1", Publication.version == version)
                )
            )
            for version in (1, 2)
        }
    assert figures[2] and figures[2] == figures[1]  # same org chart: the same figures
