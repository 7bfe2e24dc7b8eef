"""Login sessions behind the cookie (SQLite and PostgreSQL): a valid token resumes the login
and is audited without the token; expiry, idle timeout, logout, a role change and a
deactivation end it for good; an unknown or tampered token opens nothing; only the token's
SHA-256 is stored."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bgm_dashboard.auth.accounts import create_account, set_active, set_roles
from bgm_dashboard.auth.sessions import (
    LIFETIME,
    SESSION_RESUMED,
    open_login_session,
    resume_login_session,
    revoke_login_session,
)
from bgm_dashboard.auth.viewer import SYSTEM, Viewer
from bgm_dashboard.context import Context
from bgm_dashboard.db.models import LoginSession
from tests.auth_helpers import audit_rows

IDLE = timedelta(minutes=30)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
MEIER = Viewer("meier", frozenset({"hr", "council"}))


def logged_in(ctx: Context, now: datetime = T0) -> str:
    with ctx.write() as session:
        create_account(session, SYSTEM, "meier", ["hr", "council"], password="Fruehling-2026!")
        return open_login_session(session, MEIER, "password", now=now)


def resume(ctx: Context, token: str, now: datetime) -> Viewer | None:
    found = resume_login_session(ctx, token, IDLE, now=now)
    return None if found is None else found[0]


def stored_rows(ctx: Context) -> list[LoginSession]:
    with ctx.read() as session:
        return list(session.scalars(select(LoginSession)))


def test_a_valid_token_resumes_and_only_its_hash_is_stored(ctx: Context) -> None:
    token = logged_in(ctx)
    (row,) = stored_rows(ctx)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {row.token_hash, row.roles, row.method}
    assert len(token) >= 43  # 32 random bytes, base64url
    assert resume(ctx, token, T0 + timedelta(minutes=10)) == MEIER
    # used within the idle limit again and again: the session lives on past one timeout
    assert resume(ctx, token, T0 + timedelta(minutes=35)) == MEIER
    entries = audit_rows(ctx, SESSION_RESUMED)
    assert [(e.actor, e.details) for e in entries] == [("meier", {"method": "password"})] * 2
    assert all(token not in str(e.details) and token not in e.target for e in entries)


def test_idle_timeout_and_lifetime_end_the_session(ctx: Context) -> None:
    token = logged_in(ctx)
    assert resume(ctx, token, T0 + IDLE + timedelta(minutes=1)) is None
    assert resume(ctx, token, T0 + timedelta(minutes=1)) is None, "ended means ended"
    kept = logged_in_again(ctx)
    moment = T0
    while moment + timedelta(minutes=20) < T0 + LIFETIME:
        moment += timedelta(minutes=20)
        assert resume(ctx, kept, moment) == MEIER
    assert resume(ctx, kept, T0 + LIFETIME) is None
    assert all(r.revoked_at is not None for r in stored_rows(ctx))


def logged_in_again(ctx: Context) -> str:
    with ctx.write() as session:
        return open_login_session(session, MEIER, "password", now=T0)


def test_logout_revokes_the_token(ctx: Context) -> None:
    token = logged_in(ctx)
    other = logged_in_again(ctx)  # a second browser of the same person
    with ctx.write() as session:
        revoke_login_session(session, row_hash(token), now=T0)
    assert resume(ctx, token, T0 + timedelta(minutes=1)) is None
    assert resume(ctx, other, T0 + timedelta(minutes=1)) == MEIER


def row_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def test_a_role_change_or_deactivation_revokes_every_session(ctx: Context) -> None:
    first = logged_in(ctx, now=datetime.now(UTC))
    second = logged_in_again(ctx)
    with ctx.write() as session:
        set_roles(session, SYSTEM, "meier", ["hr"])
    now = datetime.now(UTC)
    assert resume(ctx, first, now) is None
    with ctx.write() as session:
        fresh = open_login_session(session, Viewer("meier", frozenset({"hr"})), "password")
    assert resume(ctx, fresh, now) == Viewer("meier", frozenset({"hr"}))
    with ctx.write() as session:
        set_active(session, SYSTEM, "meier", False)
    assert resume(ctx, fresh, datetime.now(UTC)) is None
    with ctx.write() as session:
        set_active(session, SYSTEM, "meier", True)
    assert resume(ctx, fresh, datetime.now(UTC)) is None, "reactivation opens no old session"
    assert resume(ctx, second, T0) is None


def test_unknown_or_tampered_tokens_open_nothing(ctx: Context) -> None:
    token = logged_in(ctx)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (flipped, token + "x", "", "x" * 5000, row_hash(token)):
        assert resume_login_session(ctx, bad, IDLE, now=T0) is None
    assert audit_rows(ctx, SESSION_RESUMED) == []
    assert resume(ctx, token, T0) == MEIER, "a wrong guess does not end the real session"
