"""Leadership's quarter: frozen snapshots, their reflection (versioned) and decisions;
leadership accounts scoped to a subtree.

Revision ID: 0013_snapshots
Revises: 0007_pulse
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0013_snapshots'
down_revision = "0014_retention"  # re-chained on merge
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_by', sa.String(length=100), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reflection', sa.Text(), nullable=False),
    sa.Column('reflection_checksum', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_snapshots_publication_id_publications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_snapshots')),
    sa.UniqueConstraint('quarter', 'scope', 'version', name='snapshots_quarter_scope_version')
    )
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_snapshots_quarter'), ['quarter'], unique=False)

    op.create_table('snapshot_reflections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('reading', sa.Text(), nullable=False),
    sa.Column('perspective', sa.Text(), nullable=False),
    sa.Column('crisis', sa.Text(), nullable=False),
    sa.Column('structure', sa.Text(), nullable=False),
    sa.Column('written_by', sa.String(length=100), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshots.id'], name=op.f('fk_snapshot_reflections_snapshot_id_snapshots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_snapshot_reflections')),
    sa.UniqueConstraint('snapshot_id', 'version', name='snapshot_reflections_version')
    )
    with op.batch_alter_table('snapshot_reflections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_snapshot_reflections_snapshot_id'), ['snapshot_id'], unique=False)

    op.create_table('snapshot_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshots.id'], name=op.f('fk_snapshot_decisions_snapshot_id_snapshots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['action_plans.id'], name=op.f('fk_snapshot_decisions_plan_id_action_plans'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_snapshot_decisions')),
    )
    with op.batch_alter_table('snapshot_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_snapshot_decisions_snapshot_id'), ['snapshot_id'], unique=False)


    op.create_table('account_scopes',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('set_by', sa.String(length=100), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_scopes_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_account_scopes'))
    )


def downgrade() -> None:
    op.drop_table('account_scopes')
    op.drop_table('snapshot_decisions')
    op.drop_table('snapshot_reflections')
    op.drop_table('snapshots')
