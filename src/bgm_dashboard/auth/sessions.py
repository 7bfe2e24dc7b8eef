"""Login sessions that survive a reload or a bookmark: the browser keeps a random token in a
cookie, the database only the token's SHA-256 (a copy of the database opens no session).
A session ends at logout, after ``BGM_SESSION_TIMEOUT_MINUTES`` without use, ``LIFETIME``
after the login, or when its account is deactivated or its roles change."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bgm_dashboard.auth.accounts import get_account, roles_of, utc
from bgm_dashboard.auth.audit import record
from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.db.models import Account, LoginSession

if TYPE_CHECKING:
    from bgm_dashboard.context import Context

TOKEN_BYTES = 32
LIFETIME = timedelta(hours=12)
"""The longest a login lasts, used or not: one working day."""
TOUCH_EVERY = timedelta(minutes=1)
"""``last_seen`` is written at most this often (not on every click)."""
KEEP_ENDED = timedelta(days=1)
"""Ended sessions are deleted this long after their expiry, at the next login."""
SESSION_RESUMED = "session_resumed"
MAX_TOKEN_LENGTH = 100


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).replace(microsecond=0)


def digest(token: str) -> str:
    """The stored form of a token (SHA-256, hex)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_login_session(
    session: Session, viewer: Viewer, method: str, *, now: datetime | None = None
) -> str:
    """Start a server-side session for a fresh login; returns the token for the cookie
    (never stored). Sessions that ended more than ``KEEP_ENDED`` ago are removed."""
    moment = _now(now)
    account = get_account(session, viewer.name)
    if account is None:
        raise LookupError(viewer.name)
    session.execute(delete(LoginSession).where(LoginSession.expires_at < moment - KEEP_ENDED))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        LoginSession(
            token_hash=digest(token),
            account_id=account.id,
            method=method,
            roles=",".join(roles_of(session, account.id)),
            created_at=moment,
            last_seen=moment,
            expires_at=moment + LIFETIME,
            revoked_at=None,
        )
    )
    session.flush()
    return token


def _judge(
    session: Session, row: LoginSession | None, idle: timedelta, now: datetime
) -> Viewer | None:
    """The viewer of a session that is still valid, else None."""
    if row is None or row.revoked_at is not None:
        return None
    if utc(row.expires_at) <= now or now - utc(row.last_seen) > idle:
        return None
    account = session.get(Account, row.account_id)
    if account is None or not account.active:
        return None
    roles = roles_of(session, account.id)
    if not roles or ",".join(roles) != row.roles:
        return None
    return Viewer(account.username, frozenset(roles))


def check_login_session(
    ctx: Context,
    token_hash: str,
    idle: timedelta,
    *,
    resumed: bool = False,
    now: datetime | None = None,
) -> Viewer | None:
    """The viewer of a valid session, else None (and the session is revoked for good).
    ``resumed``: a new browser session came back with the cookie (audited). Reads only,
    unless ``last_seen`` is due (once a minute), the session ended or it was resumed."""
    moment = _now(now)
    with ctx.read() as session:
        row = session.get(LoginSession, token_hash)
        if row is None:
            return None
        viewer = _judge(session, row, idle, moment)
        due = viewer is not None and moment - utc(row.last_seen) >= TOUCH_EVERY
        ended = viewer is None and row.revoked_at is None
    if not (resumed or due or ended):
        return viewer
    with ctx.write() as session:
        row = session.get(LoginSession, token_hash)
        if row is None:
            return None
        viewer = _judge(session, row, idle, moment)
        if viewer is None:
            if row.revoked_at is None:
                row.revoked_at = moment
            return None
        if moment - utc(row.last_seen) >= TOUCH_EVERY:
            row.last_seen = moment
        if resumed:
            record(session, viewer.name, SESSION_RESUMED, viewer.name, {"method": row.method})
    return viewer


def resume_login_session(
    ctx: Context, token: str, idle: timedelta, *, now: datetime | None = None
) -> tuple[Viewer, str] | None:
    """A new browser session with a session cookie: the viewer and the token's hash when the
    session is valid; None for an unknown, tampered, ended or revoked token."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    token_hash = digest(token)
    viewer = check_login_session(ctx, token_hash, idle, resumed=True, now=now)
    return None if viewer is None else (viewer, token_hash)


def revoke_login_session(session: Session, token_hash: str, *, now: datetime | None = None) -> None:
    """Logout: the session cannot be resumed, not even with a copy of the cookie."""
    row = session.get(LoginSession, token_hash)
    if row is not None and row.revoked_at is None:
        row.revoked_at = _now(now)
