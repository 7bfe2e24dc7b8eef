"""Governance with the staff council: a proposal by HR or an administrator, approval by the
council and never by the proposer (four eyes, even for one account holding both roles), every
step kept with who/when/old/new and audited, the minimum group size never below 3 nor lowered
while a wave is open, and approved values applying only to quarters published afterwards.
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select

from bgm_dashboard.auth.viewer import SYSTEM, Viewer
from bgm_dashboard.context import Context
from bgm_dashboard.db.models import Publication, PublishedFigure
from bgm_dashboard.errors import AccessDenied, ValidationError
from bgm_dashboard.governance.changes import (
    approve,
    history,
    propose,
    reject,
    settings_in_force,
    withdraw,
)
from bgm_dashboard.governance.settings import current
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.survey.importer import import_responses
from bgm_dashboard.survey.waves import close_wave, open_wave
from tests.auth_helpers import audit_rows
from tests.conftest import REFERENCE

HR = Viewer("hr-anna", frozenset({"hr"}))
ADMIN = Viewer("admin-bernd", frozenset({"admin"}))
COUNCIL = Viewer("pr-clara", frozenset({"council"}))
BOTH = Viewer("doppelrolle", frozenset({"hr", "council"}))


def do_propose(ctx: Context, viewer: Viewer, key: str, value: Any, reason: str = "") -> int:
    with ctx.write() as session:
        change = propose(
            session, viewer, key, value, bank=ctx.bank, reason=reason, config=ctx.settings
        )
        return int(change.id)


def do_approve(ctx: Context, viewer: Viewer, change_id: int) -> None:
    with ctx.write() as session:
        approve(session, viewer, change_id, bank=ctx.bank, config=ctx.settings)


def in_force(ctx: Context) -> dict[str, Any]:
    with ctx.read() as session:
        return dict(current(session, ctx.settings).as_dict())


def refused(ctx: Context, viewer: Viewer, key: str, value: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        do_propose(ctx, viewer, key, value)
    return str(caught.value.key)


def test_council_approval_changes_the_value_and_history_keeps_everything(ctx: Context) -> None:
    before = in_force(ctx)["min_group_size"]
    change = do_propose(ctx, HR, "min_group_size", before + 2, reason="Kleine Ämter schützen")
    assert in_force(ctx)["min_group_size"] == before, "a proposal alone changes nothing"
    do_approve(ctx, COUNCIL, change)
    assert in_force(ctx)["min_group_size"] == before + 2
    with ctx.read() as session:
        (entry,) = history(session, COUNCIL, key="min_group_size")
        state = {s.key: s for s in settings_in_force(session, HR, ctx.settings)}
    assert (entry.old_value, entry.new_value) == (before, before + 2)
    assert (entry.proposed_by, entry.decided_by, entry.status) == (
        "hr-anna",
        "pr-clara",
        "approved",
    )
    assert entry.reason == "Kleine Ämter schützen"
    assert entry.proposed_at is not None and entry.decided_at is not None
    assert entry.decided_at >= entry.proposed_at
    assert state["min_group_size"].approved and state["min_group_size"].approved_by == "pr-clara"
    assert not state["comment_min_group_size"].approved
    proposed = audit_rows(ctx, "setting_proposed")
    approved = audit_rows(ctx, "setting_approved")
    assert [(e.actor, e.target, e.details["old"], e.details["new"]) for e in proposed] == [
        ("hr-anna", "min_group_size", before, before + 2)
    ]
    assert [
        (e.actor, e.details["old"], e.details["new"], e.details["proposed_by"]) for e in approved
    ] == [("pr-clara", before, before + 2, "hr-anna")]


def test_the_proposer_can_never_approve_even_holding_the_council_role(ctx: Context) -> None:
    change = do_propose(ctx, BOTH, "difference_min", 4)
    with pytest.raises(ValidationError) as caught:
        do_approve(ctx, BOTH, change)
    assert caught.value.key == "governance.four_eyes"
    with pytest.raises(ValidationError), ctx.write() as session:
        reject(session, BOTH, change)
    assert in_force(ctx)["difference_min"] == 3
    do_approve(ctx, COUNCIL, change)
    assert in_force(ctx)["difference_min"] == 4


def test_only_hr_or_admin_propose_and_only_the_council_decides(ctx: Context) -> None:
    for viewer in (COUNCIL, Viewer("lead", frozenset({"leadership"})), SYSTEM):
        with pytest.raises(AccessDenied):
            do_propose(ctx, viewer, "difference_min", 4)
    change = do_propose(ctx, ADMIN, "difference_min", 4)
    for viewer in (HR, ADMIN, SYSTEM):
        with pytest.raises(AccessDenied):
            do_approve(ctx, viewer, change)
    with ctx.write() as session:
        reject(session, COUNCIL, change, note="nicht nötig")
    assert in_force(ctx)["difference_min"] == 3
    with pytest.raises(ValidationError) as caught:
        do_approve(ctx, COUNCIL, change)
    assert caught.value.key == "governance.not_pending"
    assert audit_rows(ctx, "setting_rejected")[0].actor == "pr-clara"


def test_min_group_size_never_below_three(ctx: Context) -> None:
    assert refused(ctx, HR, "min_group_size", 2) == "governance.min_group_too_small"
    assert refused(ctx, HR, "min_group_size", 0) == "governance.min_group_too_small"
    assert refused(ctx, HR, "min_group_size", "5") == "governance.not_whole_number"
    assert refused(ctx, HR, "min_group_size", True) == "governance.not_whole_number"
    assert refused(ctx, HR, "min_group_size", 4.5) == "governance.not_whole_number"
    # three itself is allowed (no wave open here)
    change = do_propose(ctx, HR, "min_group_size", 3)
    do_approve(ctx, COUNCIL, change)
    assert in_force(ctx)["min_group_size"] == 3
    with ctx.read() as session:
        assert all(c.status == "approved" for c in history(session, COUNCIL))


def test_no_lowering_while_a_wave_is_open(ctx: Context) -> None:
    k = in_force(ctx)["min_group_size"]
    with ctx.write() as session:
        wave = open_wave(session, "2026-11", indicators=list(ctx.bank.indicator_codes))
    assert refused(ctx, HR, "min_group_size", k - 1) == "governance.lowering_while_open"
    assert refused(ctx, HR, "comment_min_group_size", k) == "governance.lowering_while_open"
    raised = do_propose(ctx, HR, "min_group_size", k + 1)  # raising is always possible
    do_approve(ctx, COUNCIL, raised)
    assert in_force(ctx)["min_group_size"] == k + 1
    with ctx.write() as session:
        close_wave(session, session.merge(wave))
    lowered = do_propose(ctx, HR, "min_group_size", k)
    do_approve(ctx, COUNCIL, lowered)
    assert in_force(ctx)["min_group_size"] == k


def test_approval_checks_again_a_wave_opened_after_the_proposal(ctx: Context) -> None:
    k = in_force(ctx)["min_group_size"]
    change = do_propose(ctx, HR, "min_group_size", k - 1)
    with ctx.write() as session:
        open_wave(session, "2026-11", indicators=list(ctx.bank.indicator_codes))
    with pytest.raises(ValidationError) as caught:
        do_approve(ctx, COUNCIL, change)
    assert caught.value.key == "governance.lowering_while_open"
    assert in_force(ctx)["min_group_size"] == k
    with ctx.read() as session:
        assert history(session, HR)[0].status == "pending"


def test_rules_across_settings(ctx: Context) -> None:
    k = in_force(ctx)["min_group_size"]
    assert refused(ctx, HR, "comment_min_group_size", k - 1) == "governance.comment_below_min"
    comment_k = in_force(ctx)["comment_min_group_size"]
    assert refused(ctx, HR, "min_group_size", comment_k + 1) == "governance.comment_below_min"
    assert refused(ctx, HR, "difference_min", 1) == "governance.difference_too_small"
    assert refused(ctx, HR, "reported_depth", -1) == "governance.negative_depth"
    assert refused(ctx, HR, "reported_indicators", ["who5", "nope"]) == (
        "governance.unknown_indicator"
    )
    assert refused(ctx, HR, "reported_indicators", []) == "governance.no_indicator"
    assert refused(ctx, HR, "comment_roles", ["hr", "admin"]) == "governance.bad_comment_role"
    assert refused(ctx, HR, "comment_roles", ["staff"]) == "governance.bad_comment_role"
    assert refused(ctx, HR, "no_such_setting", 1) == "governance.unknown_key"
    assert refused(ctx, HR, "difference_min", in_force(ctx)["difference_min"]) == (
        "governance.unchanged"
    )
    assert audit_rows(ctx) == [], "refused proposals leave nothing behind"


def test_list_settings_are_stored_in_bank_order_and_apply(ctx: Context) -> None:
    codes = list(ctx.bank.indicator_codes)
    chosen = [codes[2], codes[0]]
    change = do_propose(ctx, ADMIN, "reported_indicators", chosen)
    do_approve(ctx, COUNCIL, change)
    assert in_force(ctx)["reported_indicators"] == (codes[0], codes[2])
    roles = do_propose(ctx, HR, "comment_roles", ["council", "hr"])
    do_approve(ctx, COUNCIL, roles)
    assert in_force(ctx)["comment_roles"] == ("hr", "council")
    depth = do_propose(ctx, HR, "reported_depth", 1)
    do_approve(ctx, COUNCIL, depth)
    back = do_propose(ctx, HR, "reported_depth", None)
    do_approve(ctx, COUNCIL, back)
    assert in_force(ctx)["reported_depth"] is None


def test_one_pending_proposal_per_setting_and_withdrawal(ctx: Context) -> None:
    first = do_propose(ctx, HR, "difference_min", 4)
    assert refused(ctx, ADMIN, "difference_min", 5) == "governance.pending_exists"
    with pytest.raises(ValidationError) as caught, ctx.write() as session:
        withdraw(session, ADMIN, first)
    assert caught.value.key == "governance.not_proposer"
    with ctx.write() as session:
        withdraw(session, HR, first)
    second = do_propose(ctx, ADMIN, "difference_min", 5)
    do_approve(ctx, COUNCIL, second)
    assert in_force(ctx)["difference_min"] == 5
    with ctx.read() as session:
        statuses = [(c.id, c.status) for c in history(session, COUNCIL)]
    assert statuses == [(second, "approved"), (first, "withdrawn")]


def test_history_is_for_hr_admin_and_council_only(ctx: Context) -> None:
    with ctx.read() as session:
        for viewer in (
            Viewer("lead", frozenset({"leadership"})),
            Viewer("s", frozenset({"staff"})),
        ):
            with pytest.raises(AccessDenied):
                history(session, viewer)
            with pytest.raises(AccessDenied):
                settings_in_force(session, viewer)


def test_approved_threshold_applies_to_quarters_published_afterwards(ctx: Context) -> None:
    """Q1 is published under k = 5; the council then approves k = 9; Q2, published later,
    follows k = 9 while Q1 keeps its rules. Checked against raw monthly counts per unit."""
    with ctx.write() as session:
        import_departments(session, REFERENCE / "departments.csv")
        import_responses(session, ctx.bank, REFERENCE / "responses.csv")
        assert ctx.publish_due(session, date(2026, 4, 15)) == ["2026-Q1"]
    k_before = in_force(ctx)["min_group_size"]
    change = do_propose(ctx, HR, "min_group_size", 9)
    do_approve(ctx, COUNCIL, change)
    with ctx.write() as session:
        assert ctx.publish_due(session, date(2026, 11, 26)) == ["2026-Q2"]
        pubs = {p.quarter: p for p in session.scalars(select(Publication))}
        rows = session.execute(
            select(
                PublishedFigure.publication_id,
                PublishedFigure.period,
                PublishedFigure.department_id,
                PublishedFigure.status,
                PublishedFigure.n,
            ).where(
                PublishedFigure.kind == "unit",
                PublishedFigure.granularity == "month",
                PublishedFigure.indicator == "responses",
            )
        ).all()
    assert pubs["2026-Q1"].min_group_size == k_before == 5
    assert pubs["2026-Q1"].rules["min_group_size"] == k_before
    assert pubs["2026-Q2"].min_group_size == 9
    cells = pd.DataFrame(rows, columns=["publication_id", "period", "department_id", "status", "n"])
    code_of = {int(u["id"]): u["code"] for u in pubs["2026-Q2"].tree}
    cells["code"] = cells["department_id"].map(code_of)
    # independently: raw responses per leaf unit and month
    raw = pd.read_csv(REFERENCE / "responses.csv")
    counts = raw.groupby(["period", "department"]).size().reset_index(name="n")
    between = [
        (str(r["period"]), str(r["department"]))
        for r in counts.to_dict("records")
        if k_before <= r["n"] < 9 and r["period"] > "2026-03"
    ]
    assert between, "the reference data must hold monthly groups between 5 and 8"
    status = cells.set_index(["period", "code"])["status"]
    assert all(status[(p, d)] == "suppressed" for p, d in between)
    q1 = cells[(cells["publication_id"] == pubs["2026-Q1"].id) & (cells["status"] == "shown")]
    q2 = cells[(cells["publication_id"] == pubs["2026-Q2"].id) & (cells["status"] == "shown")]
    assert (q1["n"] < 9).any(), "under the old rule Q1 released groups of 5 to 8"
    assert (q1["n"] >= k_before).all()
    assert (q2["n"] >= 9).all()
