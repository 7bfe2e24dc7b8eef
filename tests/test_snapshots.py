"""Leadership's snapshots on SQLite and PostgreSQL: created by HR from released figures only,
released by leadership, never changed by later imports, republication or setting changes; a
correction is a new version that lists what changed."""

from __future__ import annotations

import hashlib
import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from bgm_dashboard.auth.viewer import STAFF, Viewer
from bgm_dashboard.context import Context
from bgm_dashboard.db.models import AuditEntry, GovernedSetting, Snapshot
from bgm_dashboard.errors import AccessDenied, ValidationError
from bgm_dashboard.formatting import number
from bgm_dashboard.governance.settings import current
from bgm_dashboard.interventions.plans import change_status
from bgm_dashboard.privacy.gate import released_figures
from bgm_dashboard.privacy.publication import republish
from bgm_dashboard.snapshots.document import Table, digits, report_document
from bgm_dashboard.snapshots.reflection import (
    add_decision,
    decision_to_plan,
    reflections,
    save_reflection,
)
from bgm_dashboard.snapshots.report import FORMATS, snapshot_report
from bgm_dashboard.snapshots.store import create_snapshot, get_snapshot, release_snapshot
from bgm_dashboard.survey.importer import import_responses
from tests.conftest import REFERENCE

HR = Viewer("hr1", frozenset({"hr"}))
LEADER = Viewer("lead1", frozenset({"leadership"}))
COUNCIL = Viewer("pr1", frozenset({"council"}))
QUARTER = "2026-Q2"


def _more_answers(tmp_path: Path) -> Path:
    """The reference answers of 2026-Q2 again, moved to 2026-Q3 (a later import)."""
    frame = pd.read_csv(REFERENCE / "responses.csv", dtype=str, keep_default_na=False)
    frame = frame[frame["period"].isin(["2026-04", "2026-05", "2026-06"])].copy()
    frame["period"] = frame["period"].map(
        {"2026-04": "2026-07", "2026-05": "2026-08", "2026-06": "2026-09"}
    )
    path = tmp_path / "later.csv"
    frame.to_csv(path, index=False)
    return path


def test_released_snapshot_never_changes(reference_ctx: Context, tmp_path: Path) -> None:
    ctx = reference_ctx
    with ctx.write() as session:
        created = create_snapshot(session, HR, QUARTER, bank=ctx.bank)
    with ctx.write() as session:
        released = release_snapshot(session, LEADER, QUARTER)
    assert released.checksum == hashlib.sha256(created.payload_text.encode()).hexdigest()
    assert released.payload_text == created.payload_text

    # later: more answers imported and published, the quarter republished, a setting changed
    with ctx.write() as session:
        import_responses(session, ctx.bank, _more_answers(tmp_path))
        assert ctx.publish_due(session, date(2026, 11, 26)) == ["2026-Q3"]
    with ctx.write() as session:
        republish(session, QUARTER, bank=ctx.bank, governance=current(session))
        session.add(GovernedSetting(key="public_depth", value=2, updated_at=released.created_at))
    with ctx.read() as session:
        again = get_snapshot(session, COUNCIL, QUARTER)
        stored = session.scalars(select(Snapshot)).one()
    assert again.payload_text.encode() == released.payload_text.encode()
    assert (
        hashlib.sha256(stored.payload.encode()).hexdigest() == stored.checksum == released.checksum
    )
    assert again.payload["settings"]["public_depth"] == 1
    assert [p["version"] for p in again.payload["publications"]] == [1, 1]

    # a correction is a new version that lists what changed; the released one stays
    with ctx.write() as session:
        corrected = create_snapshot(session, HR, QUARTER, bank=ctx.bank)
    assert corrected.version == 2 and corrected.status == "draft"
    kinds = {(c["what"], c["key"]) for c in corrected.changes}
    assert ("publication", QUARTER) in kinds
    assert ("setting", "public_depth") in kinds
    with ctx.read() as session:
        first = get_snapshot(session, LEADER, QUARTER, 1)
    assert first.payload_text == released.payload_text and first.released


def test_snapshot_holds_only_what_the_gate_released(reference_ctx: Context) -> None:
    ctx = reference_ctx
    with ctx.write() as session:
        snap = create_snapshot(session, HR, QUARTER, bank=ctx.bank)
        gate = released_figures(session, LEADER, granularity="quarter")
    gate = gate[gate["kind"] == "unit"]
    released = {(r["period"], r["code"], r["indicator"]): r for r in gate.to_dict("records")}
    cells = snap.payload["figures"]
    assert cells, "the snapshot carries the quarter's figures"
    hidden = 0
    for cell in cells:
        source = released[(cell["period"], cell["code"], cell["indicator"])]
        assert cell["status"] == source["status"]
        if source["status"] != "shown":
            hidden += 1
            assert all(cell[k] is None for k in ("n", "mean", "sd", "ci_low", "ci_high"))
            continue
        assert math.isclose(cell["mean"], source["mean"], abs_tol=1e-6)
        assert cell["n"] == source["n"]
    assert hidden > 0, "the reference data has suppressed cells; none may carry a figure"
    # every value in the glance is one the gate showed
    shown = {
        (k[0], k[2]): r["mean"]
        for k, r in released.items()
        if k[1] == snap.payload["root"] and r["status"] == "shown"
    }
    for row in snap.payload["glance"]:
        if row["value"] is not None:
            assert math.isclose(row["value"], shown[(QUARTER, row["indicator"])], abs_tol=1e-6)
    assert "publication_rules" in snap.payload and snap.payload["item_bank"]


def test_roles_and_refusals(reference_ctx: Context) -> None:
    ctx = reference_ctx
    for viewer in (LEADER, STAFF, COUNCIL):
        with pytest.raises(AccessDenied), ctx.write() as session:
            create_snapshot(session, viewer, QUARTER, bank=ctx.bank)
    with pytest.raises(ValidationError) as caught, ctx.write() as session:
        create_snapshot(session, HR, "2025-Q1", bank=ctx.bank)
    assert caught.value.key == "snapshot.error.not_published"
    with ctx.write() as session:
        create_snapshot(session, HR, QUARTER, bank=ctx.bank)
    with pytest.raises(ValidationError) as caught, ctx.write() as session:
        create_snapshot(session, HR, QUARTER, bank=ctx.bank)
    assert caught.value.key == "snapshot.error.unchanged"
    for viewer in (HR, COUNCIL):
        with pytest.raises(AccessDenied), ctx.write() as session:
            release_snapshot(session, viewer, QUARTER)
    with ctx.write() as session:
        release_snapshot(session, LEADER, QUARTER)
    with pytest.raises(ValidationError) as caught, ctx.write() as session:
        release_snapshot(session, LEADER, QUARTER)
    assert caught.value.key == "snapshot.error.released"
    with ctx.read() as session:
        actions = [a for a in session.scalars(select(AuditEntry.action))]
    assert actions.count("snapshot_create") == 1 and actions.count("snapshot_release") == 1


def _reports(ctx: Context, viewer: Viewer, quarter: str, version: int) -> dict[str, bytes]:
    out = {}
    with ctx.write() as session:
        snap = get_snapshot(session, viewer, quarter, version)
        for fmt in FORMATS:
            for lang in ("de", "en"):
                out[f"{fmt}-{lang}"] = snapshot_report(
                    session, viewer, snap, bank=ctx.bank, fmt=fmt, lang=lang
                )
    return out


def test_released_report_is_byte_identical_later(reference_ctx: Context, tmp_path: Path) -> None:
    ctx = reference_ctx
    with ctx.write() as session:
        snap = create_snapshot(session, HR, QUARTER, bank=ctx.bank)
        save_reflection(session, LEADER, snap.id, {"reading": "Wir lesen: stabil."})
        add_decision(
            session, LEADER, snap.id, "Platzwechsel ausweiten", "Dezernat I", date(2027, 3, 31)
        )
    with ctx.write() as session:
        release_snapshot(session, LEADER, QUARTER)
    before = _reports(ctx, COUNCIL, QUARTER, 1)
    assert before["pdf-de"].startswith(b"%PDF") and b"<svg" in before["html-en"]
    assert "Wir lesen: stabil." in before["html-de"].decode()
    with ctx.write() as session:
        import_responses(session, ctx.bank, _more_answers(tmp_path))
        ctx.publish_due(session, date(2026, 11, 26))
        republish(session, QUARTER, bank=ctx.bank, governance=current(session))
        session.add(GovernedSetting(key="min_group_size", value=7, updated_at=snap.created_at))
    after = _reports(ctx, LEADER, QUARTER, 1)
    assert after == before
    with ctx.read() as session:
        exports = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "snapshot_export")
        ).all()
    assert len(exports) == 8  # every download audited, with who asked
    assert {e.actor for e in exports} == {COUNCIL.name, LEADER.name}


def test_report_shows_nothing_the_gate_hid(reference_ctx: Context) -> None:
    ctx = reference_ctx
    with ctx.write() as session:
        snap = create_snapshot(session, HR, QUARTER, bank=ctx.bank)
        gate = released_figures(session, LEADER, granularity="quarter")
    gate = gate[(gate["kind"] == "unit") & (gate["period"] == QUARTER)]
    k = snap.payload["min_group_size"]
    doc = report_document(
        snap.payload,
        {
            "version": 1,
            "checksum": snap.checksum,
            "created_by": "hr1",
            "created_at": snap.created_at,
            "released_by": "",
            "released_at": None,
            "changes": [],
            "scope_name": "Stadt",
        },
        None,
        ctx.bank,
        "de",
        stamp=snap.created_at,
    )
    unit_table = next(b for b in doc.blocks if isinstance(b, Table) and b.header[0] == "Bereich")
    indicators = [g["indicator"] for g in snap.payload["glance"]]
    names = dict(zip(gate["name"], gate["code"], strict=False))
    checked = hidden = 0
    for row in unit_table.rows:
        code = names[row[0].strip()]
        for indicator, text in zip(indicators, row[1:], strict=True):
            cell = gate[(gate["code"] == code) & (gate["indicator"] == indicator)]
            if cell.empty:
                assert text == ""
                continue
            if cell["status"].iloc[0] != "shown":
                hidden += 1
                assert text == f"<{k}"
            else:
                assert text == number(
                    float(cell["mean"].iloc[0]), "de", digits(ctx.bank, indicator)
                )
            checked += 1
    assert hidden > 0 and checked > hidden


def test_next_quarter_shows_what_became_of_the_decisions(
    reference_ctx: Context, tmp_path: Path
) -> None:
    ctx = reference_ctx
    with ctx.write() as session:
        snap = create_snapshot(session, HR, QUARTER, bank=ctx.bank)
        save_reflection(session, LEADER, snap.id, {"structure": "Platzwechsel wird Regel."})
        first = add_decision(session, LEADER, snap.id, "Platzwechsel", "Hauptamt", date(2027, 3, 1))
        add_decision(
            session, LEADER, snap.id, "Gespräch mit dem Personalrat", "OB", date(2027, 1, 1)
        )
        plan = decision_to_plan(
            session,
            LEADER,
            first.id,
            intervention_code="platzwechsel",
            units=("A10",),
            target_indicator="collaboration",
            bank=ctx.bank,
            starts_on=date(2026, 7, 1),
        )
    with ctx.write() as session:
        release_snapshot(session, LEADER, QUARTER)
    with pytest.raises(ValidationError) as caught, ctx.write() as session:
        save_reflection(session, LEADER, snap.id, {"reading": "später"})
    assert caught.value.key == "snapshot.error.released"
    with ctx.write() as session:
        change_status(session, HR, plan.id, "running", on=date(2026, 7, 1))
        import_responses(session, ctx.bank, _more_answers(tmp_path))
        ctx.publish_due(session, date(2026, 11, 26))
    with ctx.write() as session:
        following = create_snapshot(session, HR, "2026-Q3", bank=ctx.bank)
    outcomes = {f["text"]: f for f in following.payload["followups"]}
    assert outcomes["Platzwechsel"]["plan_id"] == plan.id
    assert outcomes["Platzwechsel"]["plan_status"] == "running"
    assert outcomes["Gespräch mit dem Personalrat"]["plan_id"] is None
    assert [m["id"] for m in following.payload["measures"]] == [plan.id]
    with ctx.read() as session:
        versions = reflections(session, COUNCIL, snap.id)
    assert [v.structure for v in versions] == ["Platzwechsel wird Regel."]


def test_a_subtree_snapshot_holds_only_its_units(reference_ctx: Context) -> None:
    ctx = reference_ctx
    with ctx.write() as session:
        whole = create_snapshot(session, HR, QUARTER, bank=ctx.bank)
        part = create_snapshot(session, HR, QUARTER, bank=ctx.bank, scope="D1")
        with pytest.raises(ValidationError) as caught:
            create_snapshot(session, HR, QUARTER, bank=ctx.bank, scope="NOPE")
    assert caught.value.key == "snapshot.error.unknown_scope"
    units = pd.read_csv(REFERENCE / "departments.csv")
    below = {"D1"}
    while True:
        more = set(units[units["parent_code"].isin(below)]["code"]) - below
        if not more:
            break
        below |= more
    assert {c["code"] for c in part.payload["figures"]} == below
    assert part.payload["root"] == "D1" and part.version == 1 and whole.version == 1
    assert {c["code"] for c in whole.payload["figures"]} > below
    d1 = {
        (c["period"], c["indicator"]): c["mean"]
        for c in whole.payload["figures"]
        if c["code"] == "D1"
    }
    for row in part.payload["glance"]:
        assert row["value"] == d1[(QUARTER, row["indicator"])]


def test_report_at_the_public_depth_lists_only_the_upper_levels(reference_ctx: Context) -> None:
    ctx = reference_ctx
    with ctx.write() as session:
        snap = create_snapshot(session, HR, QUARTER, bank=ctx.bank)
        depth = current(session).public_depth
        html = {
            d: snapshot_report(
                session, LEADER, snap, bank=ctx.bank, fmt="html", lang="de", depth=d
            ).decode()
            for d in (None, depth)
        }
    units = pd.read_csv(REFERENCE / "departments.csv")
    parents = dict(zip(units["code"], units["parent_code"], strict=True))

    def level(code: str) -> int:
        parent = parents[code]
        return 0 if not isinstance(parent, str) else 1 + level(parent)

    for code, name in zip(units["code"], units["name"], strict=True):
        row = f"<td>{'  ' * level(code)}{name}</td>"
        assert row in html[None]
        assert (row in html[depth]) == (level(code) <= depth), code
