"""The app's password login: throttled, and with the Argon2 check outside any database
transaction, so that logins never hold the write lock that survey answers wait for. Three
steps: read the account (no lock), check the password (no transaction), write the outcome
(one short transaction: failure counter or login, and the audit entry)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bgm_dashboard.auth.accounts import (
    LoginResult,
    Verdict,
    check_password,
    look_up,
    record_failed_login,
    settle,
)
from bgm_dashboard.auth.demo_accounts import is_demo_account
from bgm_dashboard.auth.passwords import burn_time
from bgm_dashboard.auth.ratelimit import LIMITER, LoginLimiter, Throttled

if TYPE_CHECKING:
    from bgm_dashboard.context import Context

THROTTLED = LoginResult(None, "throttled")


def login(
    ctx: Context,
    username: str,
    password: str,
    *,
    limiter: LoginLimiter = LIMITER,
    now: datetime | None = None,
) -> LoginResult:
    """A password login as the login form does it. Throttled attempts are refused before any
    password is checked and are not written to the audit log (a flood must not become a
    flood of writes); every other attempt is."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    if not limiter.allow(username.strip().lower()):
        return THROTTLED
    with ctx.read() as session:
        snapshot = look_up(session, username)
        demo_blocked = not ctx.settings.allows_demo and is_demo_account(session, snapshot.name)
    try:
        if demo_blocked:
            limiter.run(burn_time, password)
            verdict = Verdict(False)
        else:
            verdict = limiter.run(check_password, snapshot, password, now)
    except Throttled:
        return THROTTLED
    with ctx.write() as session:
        if demo_blocked:
            return record_failed_login(session, snapshot.name, "demo_account_in_production")
        return settle(session, snapshot, verdict, now)
