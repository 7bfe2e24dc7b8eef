"""Built-in accounts: create, roles, passwords, (de)activation, login with lockout. Every
change and every login attempt is written to the audit log; no password ever is."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bgm_dashboard.auth.audit import record
from bgm_dashboard.auth.passwords import (
    burn_time,
    check_policy,
    hash_password,
    needs_rehash,
    verify_password,
)
from bgm_dashboard.auth.scopes import scope_of
from bgm_dashboard.auth.viewer import ROLES, Viewer, require
from bgm_dashboard.db.models import Account, AccountRole, LoginSession
from bgm_dashboard.errors import ValidationError

LOGIN_ROLES = tuple(r for r in ROLES if r != "staff")
"""Roles an account can hold; staff never log in."""
MAX_FAILURES = 5
"""Failed logins in a row that lock an account ..."""
LOCK_MINUTES = 15
"""... for this long. A successful login resets the counter."""
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,99}$")

# audit actions
LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGOUT = "logout"
ANONYMOUS = "anonymous"
"""The actor of a failed login: whoever typed it is not known."""
ACCOUNT_ACTIONS = (
    "account_create",
    "account_roles",
    "account_password",
    "account_deactivate",
    "account_activate",
    "account_unlock",
)


@dataclass(frozen=True)
class AccountInfo:
    """What an administrator (or the staff council) sees of an account: never the hash."""

    username: str
    display_name: str
    roles: tuple[str, ...]
    active: bool
    has_password: bool
    oidc_subject: str | None
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    scope: str = ""
    """The unit a leadership account is limited to ("" = not limited)."""


@dataclass(frozen=True)
class LoginResult:
    """A login attempt: the viewer on success, else why not (for the message and the log)."""

    viewer: Viewer | None
    reason: str | None = None
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.viewer is not None

    def message_key(self) -> str:
        """One message for an unknown name, a wrong password and a locked account, so that
        nobody learns which accounts exist; only throttling (which treats every name alike)
        says so."""
        return "login.throttled" if self.reason == "throttled" else "login.failed"


def utc(moment: datetime) -> datetime:
    """A stored time as aware UTC (SQLite hands back naive datetimes)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def actor_name(viewer: Viewer) -> str:
    """The name written to the audit log: the command line acts as ``cli``."""
    return "cli" if "system" in viewer.roles else viewer.name


def normalise_username(raw: str) -> str:
    name = raw.strip().lower()
    if not USERNAME.fullmatch(name):
        raise ValidationError("account.bad_username", name=raw.strip()[:40])
    return name


def normalise_roles(roles: Iterable[str]) -> tuple[str, ...]:
    """Known login roles, in the canonical order; at least one."""
    wanted = {r.strip().lower() for r in roles if r.strip()}
    unknown = sorted(wanted - set(LOGIN_ROLES))
    if unknown:
        raise ValidationError(
            "account.bad_role", role=", ".join(unknown), allowed=", ".join(LOGIN_ROLES)
        )
    if not wanted:
        raise ValidationError("account.no_role")
    return tuple(r for r in LOGIN_ROLES if r in wanted)


def get_account(session: Session, username: str) -> Account | None:
    return session.scalar(select(Account).where(Account.username == username.strip().lower()))


def _account(session: Session, username: str) -> Account:
    account = get_account(session, username)
    if account is None:
        raise ValidationError("account.unknown", name=username.strip()[:40])
    return account


def roles_of(session: Session, account_id: int) -> tuple[str, ...]:
    held = set(
        session.scalars(select(AccountRole.role).where(AccountRole.account_id == account_id))
    )
    return tuple(r for r in LOGIN_ROLES if r in held)


def _other_active_admins(session: Session, account_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Account)
            .join(AccountRole, AccountRole.account_id == Account.id)
            .where(AccountRole.role == "admin", Account.active.is_(True), Account.id != account_id)
        )
        or 0
    )


def _keep_an_admin(session: Session, account: Account, *, loses_admin: bool) -> None:
    """Refuse a change that would leave the installation without an active administrator."""
    is_admin = account.active and "admin" in roles_of(session, account.id)
    if is_admin and loses_admin and _other_active_admins(session, account.id) == 0:
        raise ValidationError("account.last_admin")


def create_account(
    session: Session,
    actor: Viewer,
    username: str,
    roles: Iterable[str],
    *,
    password: str | None = None,
    display_name: str = "",
    oidc_subject: str | None = None,
    enforce_policy: bool = True,
    now: datetime | None = None,
) -> Account:
    """A new account with its roles; it needs a password, an OIDC subject, or both."""
    require(actor, "admin")
    name = normalise_username(username)
    wanted = normalise_roles(roles)
    subject = (oidc_subject or "").strip() or None
    if not password and subject is None:
        raise ValidationError("account.needs_credential")
    if get_account(session, name) is not None:
        raise ValidationError("account.exists", name=name)
    if subject is not None and session.scalar(
        select(Account.id).where(Account.oidc_subject == subject)
    ):
        raise ValidationError("account.subject_taken")
    if password and enforce_policy:
        check_policy(password, name)
    account = Account(
        username=name,
        display_name=display_name.strip()[:200],
        password_hash=hash_password(password) if password else None,
        oidc_subject=subject,
        active=True,
        failed_logins=0,
        locked_until=None,
        created_at=(now or datetime.now(UTC)).replace(microsecond=0),
    )
    session.add(account)
    session.flush()
    session.add_all(AccountRole(account_id=account.id, role=r) for r in wanted)
    session.flush()
    record(
        session,
        actor_name(actor),
        "account_create",
        name,
        {"roles": list(wanted), "password": bool(password), "oidc": subject is not None},
    )
    return account


def set_roles(session: Session, actor: Viewer, username: str, roles: Iterable[str]) -> None:
    require(actor, "admin")
    account = _account(session, username)
    wanted = normalise_roles(roles)
    old = roles_of(session, account.id)
    if wanted == old:
        return
    _keep_an_admin(session, account, loses_admin="admin" not in wanted)
    session.execute(delete(AccountRole).where(AccountRole.account_id == account.id))
    session.add_all(AccountRole(account_id=account.id, role=r) for r in wanted)
    end_login_sessions(session, account.id)
    session.flush()
    record(
        session,
        actor_name(actor),
        "account_roles",
        account.username,
        {"old": list(old), "new": list(wanted)},
    )


def set_password(
    session: Session,
    actor: Viewer,
    username: str,
    password: str,
    *,
    enforce_policy: bool = True,
) -> None:
    """Set a new password (an administrator, or the account holder) and lift a lockout."""
    account = _account(session, username)
    if actor.name != account.username or "system" in actor.roles:
        require(actor, "admin")
    if enforce_policy:
        check_policy(password, account.username)
    account.password_hash = hash_password(password)
    account.failed_logins = 0
    account.locked_until = None
    session.flush()
    record(session, actor_name(actor), "account_password", account.username, {})


def set_active(session: Session, actor: Viewer, username: str, active: bool) -> None:
    """Deactivate (no login, open sessions end at their next step) or reactivate."""
    require(actor, "admin")
    account = _account(session, username)
    if account.active == active:
        return
    if not active:
        _keep_an_admin(session, account, loses_admin=True)
    account.active = active
    if not active:
        end_login_sessions(session, account.id)
    session.flush()
    action = "account_activate" if active else "account_deactivate"
    record(session, actor_name(actor), action, account.username, {})


def end_login_sessions(session: Session, account_id: int) -> None:
    """Revoke every open login session of an account (deactivated, or its roles changed):
    no browser gets back in with an old cookie."""
    session.execute(
        update(LoginSession)
        .where(LoginSession.account_id == account_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC).replace(microsecond=0))
    )


def unlock(session: Session, actor: Viewer, username: str) -> None:
    require(actor, "admin")
    account = _account(session, username)
    account.failed_logins = 0
    account.locked_until = None
    session.flush()
    record(session, actor_name(actor), "account_unlock", account.username, {})


def list_accounts(session: Session, viewer: Viewer) -> list[AccountInfo]:
    """Every account with its roles: for administrators and for the staff council, who
    checks who may see what."""
    require(viewer, "admin", "council")
    held: dict[int, set[str]] = {}
    for account_id, role in session.execute(select(AccountRole.account_id, AccountRole.role)):
        held.setdefault(account_id, set()).add(role)
    out = []
    for account in session.scalars(select(Account).order_by(Account.username)):
        out.append(
            AccountInfo(
                username=account.username,
                display_name=account.display_name,
                roles=tuple(r for r in LOGIN_ROLES if r in held.get(account.id, set())),
                active=account.active,
                has_password=account.password_hash is not None,
                oidc_subject=account.oidc_subject,
                failed_logins=account.failed_logins,
                locked_until=utc(account.locked_until) if account.locked_until else None,
                created_at=utc(account.created_at),
                scope=scope_of(session, account.id),
            )
        )
    return out


def viewer_for_account(session: Session, username: str) -> Viewer | None:
    """The viewer of an active account with at least one role, else None."""
    account = get_account(session, username)
    if account is None or not account.active:
        return None
    roles = roles_of(session, account.id)
    if not roles:
        return None
    return Viewer(account.username, frozenset(roles), scope_of(session, account.id))


def record_failed_login(
    session: Session,
    target: str,
    reason: str,
    *,
    failures: int | None = None,
    locked_until: datetime | None = None,
    method: str = "password",
) -> LoginResult:
    details: dict[str, object] = {"reason": reason, "method": method}
    if failures is not None:
        details["failures"] = failures
    record(session, ANONYMOUS, LOGIN_FAILED, target, details)
    return LoginResult(None, "locked" if reason == "locked" else reason, locked_until)


@dataclass(frozen=True)
class Snapshot:
    """An account as the read phase of a login saw it (None fields: no such account)."""

    name: str
    account_id: int | None = None
    password_hash: str | None = None
    locked_until: datetime | None = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and utc(self.locked_until) > now


@dataclass(frozen=True)
class Verdict:
    """The password check, done outside any transaction."""

    verified: bool
    new_hash: str | None = None


def look_up(session: Session, username: str) -> Snapshot:
    """Read phase: the account named ``username``, if any (no lock taken)."""
    name = username.strip().lower()
    account = get_account(session, name) if USERNAME.fullmatch(name) else None
    if account is None:
        return Snapshot(name)
    return Snapshot(name, account.id, account.password_hash, account.locked_until)


def check_password(snapshot: Snapshot, password: str, now: datetime) -> Verdict:
    """CPU phase: exactly one Argon2 verification whatever the case (unknown account,
    locked account, wrong or right password), so that the time tells nothing; a rehash for
    upgraded parameters is computed here too, not inside the write transaction."""
    if snapshot.account_id is None or snapshot.locked(now):
        burn_time(password)
        return Verdict(False)
    if not verify_password(snapshot.password_hash, password):
        return Verdict(False)
    hashed = snapshot.password_hash
    return Verdict(True, hash_password(password) if hashed and needs_rehash(hashed) else None)


def settle(session: Session, snapshot: Snapshot, verdict: Verdict, now: datetime) -> LoginResult:
    """Write phase (short): count a failure, lock after ``MAX_FAILURES``, or log in; the
    account is read again under the write lock, so racing attempts count one by one."""
    if snapshot.account_id is None:
        # the typed name is not logged: it may be a mistyped password
        return record_failed_login(session, "", "unknown_account")
    account = session.scalar(
        select(Account).where(Account.id == snapshot.account_id).with_for_update()
    )
    if account is None:
        return record_failed_login(session, "", "unknown_account")
    if account.locked_until is not None and utc(account.locked_until) > now:
        return record_failed_login(
            session, account.username, "locked", locked_until=account.locked_until
        )
    if not verdict.verified or account.password_hash != snapshot.password_hash:
        account.failed_logins += 1
        failures = account.failed_logins
        if failures >= MAX_FAILURES:
            account.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            account.failed_logins = 0
            session.flush()
            return record_failed_login(
                session,
                account.username,
                "locked",
                failures=failures,
                locked_until=account.locked_until,
            )
        session.flush()
        return record_failed_login(session, account.username, "password", failures=failures)
    if not account.active:
        return record_failed_login(session, account.username, "inactive")
    roles = roles_of(session, account.id)
    if not roles:
        return record_failed_login(session, account.username, "no_role")
    account.failed_logins = 0
    account.locked_until = None
    if verdict.new_hash is not None:
        account.password_hash = verdict.new_hash
    session.flush()
    record(session, account.username, LOGIN, account.username, {"method": "password"})
    return LoginResult(Viewer(account.username, frozenset(roles), scope_of(session, account.id)))


def authenticate(
    session: Session, username: str, password: str, *, now: datetime | None = None
) -> LoginResult:
    """Check a password login in the caller's transaction (the command line and tests; the
    app uses ``auth.login.login``, which keeps the password check outside any write
    transaction). Never raises for a wrong login: the failure is recorded, so commit it.

    After ``MAX_FAILURES`` wrong passwords in a row the account is locked for
    ``LOCK_MINUTES``; while locked, not even the right password gets in."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    snapshot = look_up(session, username)
    return settle(session, snapshot, check_password(snapshot, password, now), now)


def record_logout(session: Session, viewer: Viewer, reason: str = "user") -> None:
    """``reason``: ``user`` (the logout button) or ``timeout`` (the session ran out)."""
    record(session, viewer.name, LOGOUT, viewer.name, {"reason": reason})
