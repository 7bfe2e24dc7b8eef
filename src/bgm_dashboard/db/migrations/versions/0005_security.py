"""Keyed audit chain: every entry gets a sequence number and the id of the key that signed
it. Entries written before stay as they are (key id "", plain SHA-256 chain) and are numbered
in their order; the first keyed entry (written at the next start) seals their head.

Revision ID: 0005_security
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005_security'
down_revision = '0001'
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = ("UPDATE", "DELETE")


def _guard(enable: bool) -> None:
    """Switch the append-only guard off for the one-time numbering, and on again."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{verb.lower()}")
            if enable:
                op.execute(
                    f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
                )
    else:
        state = "ENABLE" if enable else "DISABLE"
        op.execute(f"ALTER TABLE audit_log {state} TRIGGER audit_log_append_only")


def upgrade() -> None:
    _guard(False)
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('key_id', sa.String(length=16), nullable=True))
    op.execute(
        "UPDATE audit_log SET key_id = '', "
        "seq = (SELECT COUNT(*) FROM audit_log AS earlier WHERE earlier.id <= audit_log.id)"
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column('key_id', existing_type=sa.String(length=16), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_log_seq'), ['seq'])
    _guard(True)


def downgrade() -> None:
    _guard(False)
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_log_seq'), type_='unique')
        batch_op.drop_column('key_id')
        batch_op.drop_column('seq')
    _guard(True)
