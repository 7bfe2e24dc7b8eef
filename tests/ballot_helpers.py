"""Helpers for the one-answer-per-person tests: the staff council's approval of an open link
through the real four-eyes flow (HR proposes, the council approves)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.governance.changes import approve, propose
from bgm_dashboard.instrument.bank import ItemBank

HR = Viewer("hr.mueller", frozenset({"hr"}))
COUNCIL = Viewer("pr.schulz", frozenset({"council"}))


def allow_open_link(session: Session, bank: ItemBank) -> None:
    """HR proposes the open link, the staff council approves it."""
    change = propose(session, HR, "open_link_allowed", True, bank=bank, reason="test")
    approve(session, COUNCIL, change.id, bank=bank)
