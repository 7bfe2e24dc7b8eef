"""PostgreSQL: the app runs as a role that may read and write the app's tables but can only
read and append to the audit log (and delete only what a signed retention cut covers), and
cannot alter, truncate or switch off triggers on any table. The owner role (which runs the
migrations) grants this with ``bgm audit grant``."""

from __future__ import annotations

from sqlalchemy import Engine, text

from bgm_dashboard.errors import ValidationError

AUDIT_TABLE = "audit_log"
VERSION_TABLE = "alembic_version"


def grant_app_role(engine: Engine, role: str) -> list[str]:
    """Give ``role`` what the app needs in the current schema, and nothing more on the
    audit log than SELECT and INSERT. Run as the owner after every migration (idempotent).
    Returns the statements it ran."""
    if engine.dialect.name != "postgresql":
        raise ValidationError("audit.grant_postgres_only")
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as conn:
        found = conn.execute(
            text(
                "SELECT rolsuper OR rolbypassrls OR rolcreaterole, "
                "pg_has_role(:role, current_user, 'MEMBER') FROM pg_roles WHERE rolname = :role"
            ),
            {"role": role},
        ).first()
        if found is None:
            raise ValidationError("audit.grant_no_role", role=role)
        if found[0] or found[1]:
            raise ValidationError("audit.grant_role_too_strong", role=role)
        schema = quote(str(conn.execute(text("SELECT current_schema()")).scalar_one()))
        who = quote(role)
        statements = [
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {who}",
            f"REVOKE CREATE ON SCHEMA {schema} FROM {who}",
            f"GRANT USAGE ON SCHEMA {schema} TO {who}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {who}",
            # DELETE stays granted: the guard trigger refuses every deletion that no signed
            # retention cut covers (migration 0014), so retention runs as the app role too
            f"REVOKE UPDATE ON {schema}.{AUDIT_TABLE} FROM {who}",
            f"REVOKE INSERT, UPDATE, DELETE ON {schema}.{VERSION_TABLE} FROM {who}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {who}",
        ]
        for statement in statements:
            conn.execute(text(statement))
    return statements
