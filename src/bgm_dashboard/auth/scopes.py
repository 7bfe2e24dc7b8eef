"""Leadership accounts scoped to a subtree (Dezernent, Amtsleitung): administrators set the
scope, the staff council sees who holds which; audited."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.auth.audit import record
from bgm_dashboard.auth.viewer import Viewer, require
from bgm_dashboard.db.models import Account, AccountRole, AccountScope, Department
from bgm_dashboard.errors import ValidationError

SCOPED_ROLE = "leadership"


def scope_of(session: Session, account_id: int) -> str:
    """The unit code an account is limited to, "" when it is not limited."""
    row = session.get(AccountScope, account_id)
    return row.unit_code if row is not None else ""


def set_scope(session: Session, actor: Viewer, username: str, unit_code: str | None) -> None:
    """Limit a leadership account to ``unit_code`` and the units below it (None: lift the
    limit). Administrators only; the account must hold only the leadership role, since
    other roles see every figure anyway."""
    require(actor, "admin")
    account = session.scalar(select(Account).where(Account.username == username.strip().lower()))
    if account is None:
        raise ValidationError("account.unknown", name=username.strip()[:40])
    roles = set(
        session.scalars(select(AccountRole.role).where(AccountRole.account_id == account.id))
    )
    row = session.get(AccountScope, account.id)
    if unit_code is None:
        if row is not None:
            session.delete(row)
    else:
        if roles != {SCOPED_ROLE}:
            raise ValidationError("scope.error.only_leadership", name=account.username)
        if session.scalar(select(Department.id).where(Department.code == unit_code)) is None:
            raise ValidationError("snapshot.error.unknown_scope", scope=unit_code)
        moment = datetime.now(UTC).replace(microsecond=0)
        if row is None:
            session.add(
                AccountScope(
                    account_id=account.id, unit_code=unit_code, set_by=actor.name, set_at=moment
                )
            )
        else:
            row.unit_code, row.set_by, row.set_at = unit_code, actor.name, moment
    session.flush()
    record(session, actor.name, "account_scope", account.username, {"unit": unit_code})


def held_scopes(session: Session, viewer: Viewer) -> dict[str, str]:
    """Username -> unit code of every scoped account (administrators, the staff council, and
    HR, which prepares the scoped snapshots)."""
    require(viewer, "admin", "council", "hr")
    rows = session.execute(
        select(Account.username, AccountScope.unit_code)
        .join(AccountScope, AccountScope.account_id == Account.id)
        .order_by(Account.username)
    )
    return {name: code for name, code in rows}
