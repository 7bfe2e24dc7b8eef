"""Retention: the audit log may lose old entries, but only behind a recorded cut. A DELETE
is refused unless a ``audit_retention_cut`` entry covers the row (its ``through_seq``) and
the row is not the newest cut itself; updates and TRUNCATE stay refused.

Revision ID: 0014_retention
Revises: 0007_pulse
"""

from __future__ import annotations

from alembic import op

revision = "0014_retention"
down_revision = "0012_sessions"  # re-chained on merge
branch_labels = None
depends_on = None

CUT = "audit_retention_cut"
_SQLITE_GUARD = (
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "WHEN OLD.seq > (SELECT COALESCE(MAX(CAST(json_extract(details, '$.through_seq') "
    f"AS INTEGER)), 0) FROM audit_log WHERE action = '{CUT}') "
    f"OR OLD.seq = (SELECT MAX(seq) FROM audit_log WHERE action = '{CUT}') "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
)
_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
    "BEGIN "
    "IF TG_OP = 'DELETE' AND TG_LEVEL = 'ROW' THEN "
    "IF OLD.seq <= (SELECT COALESCE(MAX((details->>'through_seq')::bigint), 0) "
    f"FROM audit_log WHERE action = '{CUT}') "
    f"AND OLD.seq <> (SELECT MAX(seq) FROM audit_log WHERE action = '{CUT}') THEN "
    "RETURN OLD; END IF; END IF; "
    "RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        op.execute(_SQLITE_GUARD)
        return
    op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
    op.execute(_PG_FUNCTION)
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        op.execute(
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )
        return
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
    op.execute(
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
        "ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
    )
