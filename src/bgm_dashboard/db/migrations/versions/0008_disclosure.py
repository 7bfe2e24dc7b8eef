"""Composites scored only with every component (issue 9): the stored moments are rebuilt
from the raw answers, so that a composite's respondents are a subset of each component's
and equal counts mean equal respondents (privacy/composite.py relies on it). Published
figures are frozen and stay as they were.

Revision ID: 0008_disclosure
Revises: 0007_pulse
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import op
from sqlalchemy.orm import Session

revision = "0008_disclosure"
down_revision = "0013_snapshots"  # re-chained on merge
branch_labels = None
depends_on = None


def upgrade() -> None:
    from bgm_dashboard.indicators.moments import rebuild_moments
    from bgm_dashboard.instrument.bank import load_bank

    path = os.environ.get("BGM_ITEM_BANK", "").strip()  # as settings.load_settings reads it
    bank = load_bank(Path(path) if path else None)
    session = Session(bind=op.get_bind())
    rebuild_moments(session, bank)
    session.flush()


def downgrade() -> None:
    """Nothing to undo: the moments are a cache of the answers."""
