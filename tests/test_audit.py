"""The audit log: append-only at the database (UPDATE and DELETE raise), a hash chain that
verifies and detects tampering, readable and exportable (CSV) by council and administrators
only, an entry for every view of figures by HR or leadership, and never a survey answer or
comment in it. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bgm_dashboard.auth.audit import (
    csv_bytes,
    entries,
    record,
    record_export,
    verify_chain,
)
from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.context import Context
from bgm_dashboard.errors import AccessDenied
from tests.auth_helpers import app_test, audit_rows
from tests.conftest import REFERENCE

COUNCIL = Viewer("pr-clara", frozenset({"council"}))
ADMIN = Viewer("admin-bernd", frozenset({"admin"}))
HR = Viewer("hr-anna", frozenset({"hr"}))
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def fill(ctx: Context, count: int = 5) -> None:
    with ctx.write() as session:
        for i in range(count):
            record(
                session,
                f"user{i % 2}",
                "setting_proposed" if i % 2 else "login",
                f"t{i}",
                {"i": i, "note": "Größe ändern", "values": [1, 2]},
                at=T0 + timedelta(hours=i),
            )


def test_update_and_delete_are_refused_by_the_database(ctx: Context) -> None:
    fill(ctx, 2)
    for statement in (
        "UPDATE audit_log SET actor = 'someone-else'",
        "DELETE FROM audit_log",
    ):
        with pytest.raises(DBAPIError), ctx.write() as session:
            session.execute(text(statement))
    assert [e.actor for e in audit_rows(ctx)] == ["user0", "user1"]


def test_chain_verifies_and_detects_an_altered_entry(ctx: Context) -> None:
    fill(ctx)
    with ctx.read() as session:
        check = verify_chain(session, COUNCIL)
    assert check.ok and check.entries == 5
    victim = audit_rows(ctx)[2].id
    _bypass_append_only(ctx, f"UPDATE audit_log SET actor = 'unschuldig' WHERE id = {victim}")
    with ctx.read() as session:
        check = verify_chain(session, ADMIN)
    assert not check.ok and check.first_bad_id == victim and check.problem == "hash"


def test_chain_detects_a_removed_entry(ctx: Context) -> None:
    fill(ctx)
    rows = audit_rows(ctx)
    _bypass_append_only(ctx, f"DELETE FROM audit_log WHERE id = {rows[1].id}")
    with ctx.read() as session:
        check = verify_chain(session, COUNCIL)
    assert not check.ok and check.first_bad_id == rows[2].id and check.problem == "link"


def _bypass_append_only(ctx: Context, statement: str) -> None:
    """What an attacker with database rights would do: switch the trigger off, edit."""
    with ctx.write() as session:
        if session.get_bind().dialect.name == "sqlite":
            session.execute(text("DROP TRIGGER audit_log_no_update"))
            session.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        session.execute(text(statement))


def test_reading_is_for_council_and_admin_only(ctx: Context) -> None:
    fill(ctx)
    with ctx.read() as session:
        for viewer in (HR, Viewer("lead", frozenset({"leadership"})), Viewer("s", frozenset())):
            with pytest.raises(AccessDenied):
                entries(session, viewer)
            with pytest.raises(AccessDenied):
                verify_chain(session, viewer)
        newest_first = entries(session, COUNCIL)
        assert list(newest_first["target"]) == [f"t{i}" for i in range(4, -1, -1)]
        only_logins = entries(session, ADMIN, actions=["login"])
        assert set(only_logins["action"]) == {"login"} and len(only_logins) == 3
        window = entries(
            session, ADMIN, since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=3)
        )
        assert sorted(window["target"]) == ["t1", "t2"]
        assert list(entries(session, COUNCIL, actor="user1")["target"]) == ["t3", "t1"]


def test_csv_export_holds_every_entry_and_is_itself_recorded(ctx: Context) -> None:
    fill(ctx)
    with ctx.write() as session:
        frame = entries(session, COUNCIL)
        data = csv_bytes(frame)
        record_export(session, COUNCIL, frame, COUNCIL.name)
    table = pd.read_csv(io.BytesIO(data))
    assert list(table.columns) == [
        "id",
        "seq",
        "at",
        "actor",
        "action",
        "target",
        "details",
        "prev_hash",
        "hash",
    ]
    stored = audit_rows(ctx)[:5]
    assert sorted(table["id"]) == [e.id for e in stored]
    by_id = table.set_index("id")
    for entry in stored:
        assert json.loads(by_id.loc[entry.id, "details"]) == entry.details
        assert by_id.loc[entry.id, "hash"] == entry.hash
        assert datetime.fromisoformat(by_id.loc[entry.id, "at"]) == entry.at.replace(
            tzinfo=entry.at.tzinfo or UTC
        )
    (export,) = audit_rows(ctx, "audit_export")
    assert export.actor == "pr-clara"
    assert export.details == {
        "rows": 5,
        "first_id": stored[0].id,
        "last_id": stored[-1].id,
    }
    with ctx.read() as session:
        assert verify_chain(session, COUNCIL).ok


def test_viewing_figures_as_hr_writes_one_entry_per_unit_and_period(
    reference_ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_test(db_url, monkeypatch)
    at.session_state["viewer"] = HR
    at.run()
    assert not at.exception, at.exception
    views = audit_rows(reference_ctx, "view_figures")
    assert views, "opening the overview as HR must be recorded"
    assert all(v.actor == "hr-anna" and v.details["page"] == "overview" for v in views)
    quarters = {v.details["period"] for v in views}
    assert quarters == {"2026-Q2"}
    targets = sorted(v.target for v in views)
    at.run()  # a rerun of the same view writes nothing new
    assert len(audit_rows(reference_ctx, "view_figures")) == len(views)
    assert "*" in targets  # the heatmap of all units
    assert any(t != "*" for t in targets)  # the unit chosen for the trend
    # the staff council's checks are not recorded as views (only HR and leadership are)
    council = app_test(db_url, monkeypatch)
    council.session_state["viewer"] = COUNCIL
    council.run()
    assert not council.exception
    assert len(audit_rows(reference_ctx, "view_figures")) == len(views)


def test_no_survey_answer_or_comment_ever_enters_the_log(
    reference_ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import date

    from bgm_dashboard.survey.intake import submit
    from bgm_dashboard.survey.waves import open_wave

    secret = "Mein Chef im Zimmer 4711 schreit jeden Morgen"
    from tests.ballot_helpers import allow_open_link

    with reference_ctx.write() as session:
        allow_open_link(session, reference_ctx.bank)
        wave = open_wave(
            session, "2026-11", indicators=list(reference_ctx.bank.indicator_codes), access="link"
        )
        answers = {code: 3 for code in reference_ctx.bank.item_codes if code.startswith("who5")}
        submit(
            session,
            reference_ctx.bank,
            wave_id=wave.id,
            department_code="A21",
            answers=answers,
            comment=secret,
            today=date(2026, 11, 26),
        )
    for viewer in (HR, Viewer("lead", frozenset({"leadership"}))):
        at = app_test(db_url, monkeypatch)
        at.session_state["viewer"] = viewer
        at.run()
        assert not at.exception
    log = " ".join(
        json.dumps([e.actor, e.action, e.target, e.details], ensure_ascii=False)
        for e in audit_rows(reference_ctx)
    )
    assert audit_rows(reference_ctx, "view_figures")
    comments = pd.read_csv(REFERENCE / "responses.csv")["comment"].dropna()
    for comment in [secret, *comments]:
        assert comment not in log
    for item in reference_ctx.bank.item_codes:
        assert item not in log, f"an answer key {item!r} appeared in the audit log"
