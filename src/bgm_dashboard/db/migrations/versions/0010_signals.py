"""Released figures carry their standard error (design effect for quarters included) and
the Feldt interval of Cronbach's alpha, so every consumer reads one computation.

Revision ID: 0010_signals
Revises: 0007_pulse
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_signals"
down_revision = "0008_disclosure"  # re-chained on merge
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("published_figures") as batch:
        batch.add_column(sa.Column("se", sa.Float(), nullable=True))
        batch.add_column(sa.Column("alpha_low", sa.Float(), nullable=True))
        batch.add_column(sa.Column("alpha_high", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("published_figures") as batch:
        batch.drop_column("alpha_high")
        batch.drop_column("alpha_low")
        batch.drop_column("se")
