"""Built-in accounts: Argon2id hashes (never the password), roles, the lockout after five
wrong passwords, deactivation, the last administrator, single sign-on role mapping, and an
audit entry for every account change and login attempt. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, text

from bgm_dashboard.auth import accounts
from bgm_dashboard.auth.accounts import (
    LOCK_MINUTES,
    MAX_FAILURES,
    authenticate,
    create_account,
    list_accounts,
    set_active,
    set_password,
    set_roles,
    unlock,
    viewer_for_account,
)
from bgm_dashboard.auth.oidc import OidcConfig, oidc_login, oidc_viewer, roles_from_claims
from bgm_dashboard.auth.passwords import hash_password, verify_password
from bgm_dashboard.auth.viewer import SYSTEM, Viewer
from bgm_dashboard.context import Context
from bgm_dashboard.db.models import Account
from bgm_dashboard.errors import AccessDenied, ValidationError
from tests.auth_helpers import audit_rows

ADMIN = Viewer("chefin", frozenset({"admin"}))
PASSWORD = "Sommerfest-2026!"
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def make(ctx: Context, name: str = "meier", roles: tuple[str, ...] = ("hr",)) -> None:
    with ctx.write() as session:
        create_account(session, SYSTEM, name, roles, password=PASSWORD)


def login(ctx: Context, name: str, password: str, now: datetime = T0) -> accounts.LoginResult:
    with ctx.write() as session:
        return authenticate(session, name, password, now=now)


# ------------------------------------------------------------------ hashing


def test_password_hash_is_salted_argon2id_and_never_the_password() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("$argon2id$") and second.startswith("$argon2id$")
    assert first != second, "each hash must carry its own salt"
    assert PASSWORD not in first
    assert PasswordHasher().verify(first, PASSWORD)  # the library itself agrees
    assert verify_password(first, PASSWORD)
    assert not verify_password(first, PASSWORD + "x")
    assert not verify_password(None, PASSWORD)
    assert not verify_password("plain-text-is-no-hash", "plain-text-is-no-hash")


def test_stored_account_holds_only_the_hash(ctx: Context) -> None:
    make(ctx)
    with ctx.read() as session:
        stored = session.execute(text("SELECT * FROM accounts")).mappings().one()
    assert all(PASSWORD not in str(value) for value in stored.values())
    assert str(stored["password_hash"]).startswith("$argon2id$")


@pytest.mark.parametrize(
    ("name", "password", "key"),
    [
        ("kurz", "zu-kurz", "account.password_too_short"),
        ("lang", "x" * 300, "account.password_too_long"),
        ("gleichername", "GleicherName", "account.password_is_username"),
    ],
)
def test_password_rules(ctx: Context, name: str, password: str, key: str) -> None:
    with pytest.raises(ValidationError) as caught, ctx.write() as session:
        create_account(session, SYSTEM, name, ["hr"], password=password)
    assert caught.value.key == key
    with ctx.read() as session:
        assert session.scalar(select(Account).where(Account.username == name)) is None


# ------------------------------------------------------------------ login and lockout


def test_login_success_and_failure_are_audited(ctx: Context) -> None:
    make(ctx, "meier", ("hr", "council"))
    ok = login(ctx, "Meier ", PASSWORD)
    assert ok.viewer == Viewer("meier", frozenset({"hr", "council"}))
    bad = login(ctx, "meier", "falsch-falsch")
    unknown = login(ctx, "niemand", PASSWORD)
    assert bad.viewer is None and unknown.viewer is None
    assert bad.message_key() == unknown.message_key() == "login.failed"  # no enumeration
    success = audit_rows(ctx, "login")
    assert [(e.actor, e.target, e.details["method"]) for e in success] == [
        ("meier", "meier", "password")
    ]
    failed = audit_rows(ctx, "login_failed")
    assert [(e.target, e.details["reason"]) for e in failed] == [
        ("meier", "password"),
        ("", "unknown_account"),
    ]
    for entry in audit_rows(ctx):
        assert PASSWORD not in str(entry.details) and "falsch-falsch" not in str(entry.details)


def test_five_failures_lock_the_account_for_fifteen_minutes(ctx: Context) -> None:
    make(ctx)
    for attempt in range(1, MAX_FAILURES):
        result = login(ctx, "meier", "daneben-daneben", T0 + timedelta(seconds=attempt))
        assert result.reason == "password"
    locking = login(ctx, "meier", "daneben-daneben", T0 + timedelta(seconds=MAX_FAILURES))
    assert locking.reason == "locked"
    assert locking.message_key() == "login.failed"  # the same as a wrong password
    # while locked, even the right password is refused
    during = login(ctx, "meier", PASSWORD, T0 + timedelta(minutes=LOCK_MINUTES - 1))
    assert during.viewer is None and during.reason == "locked"
    after = login(ctx, "meier", PASSWORD, T0 + timedelta(minutes=LOCK_MINUTES, seconds=10))
    assert after.viewer is not None
    reasons = [e.details["reason"] for e in audit_rows(ctx, "login_failed")]
    assert reasons == ["password"] * (MAX_FAILURES - 1) + ["locked", "locked"]


def test_success_resets_the_failure_counter(ctx: Context) -> None:
    make(ctx)
    for i in range(MAX_FAILURES - 1):
        login(ctx, "meier", "daneben-daneben", T0 + timedelta(seconds=i))
    assert login(ctx, "meier", PASSWORD, T0 + timedelta(seconds=10)).viewer is not None
    # four more failures after the success do not lock: the counter started again
    for i in range(MAX_FAILURES - 1):
        assert login(ctx, "meier", "nein-nein-nein", T0 + timedelta(seconds=20 + i)).reason == (
            "password"
        )
    assert login(ctx, "meier", PASSWORD, T0 + timedelta(seconds=40)).viewer is not None


def test_admin_unlock_and_new_password_lift_the_lock(ctx: Context) -> None:
    make(ctx)
    for i in range(MAX_FAILURES):
        login(ctx, "meier", "daneben-daneben", T0 + timedelta(seconds=i))
    assert login(ctx, "meier", PASSWORD, T0 + timedelta(minutes=1)).reason == "locked"
    make(ctx, "chefin", ("admin",))
    with ctx.write() as session:
        unlock(session, ADMIN, "meier")
    assert login(ctx, "meier", PASSWORD, T0 + timedelta(minutes=1)).viewer is not None
    for i in range(MAX_FAILURES):
        login(ctx, "meier", "daneben-daneben", T0 + timedelta(minutes=2, seconds=i))
    with ctx.write() as session:
        set_password(session, ADMIN, "meier", "Neues-Passwort-1")
    assert login(ctx, "meier", "Neues-Passwort-1", T0 + timedelta(minutes=3)).viewer is not None
    assert login(ctx, "meier", PASSWORD, T0 + timedelta(minutes=3)).viewer is None


# ------------------------------------------------------------------ account changes


def test_every_account_change_is_audited_without_secrets(ctx: Context) -> None:
    make(ctx, "chefin", ("admin",))
    with ctx.write() as session:
        create_account(session, ADMIN, "meier", ["hr"], password=PASSWORD)
    with ctx.write() as session:
        set_roles(session, ADMIN, "meier", ["hr", "council"])
    with ctx.write() as session:
        set_password(session, ADMIN, "meier", "Anderes-Passwort-2")
    with ctx.write() as session:
        set_active(session, ADMIN, "meier", False)
    with ctx.write() as session:
        set_active(session, ADMIN, "meier", True)
    with ctx.write() as session:
        unlock(session, ADMIN, "meier")
    trail = [
        (e.actor, e.action, e.target)
        for e in audit_rows(ctx)
        if e.action.startswith("account_") and e.target == "meier"
    ]
    assert trail == [
        ("chefin", "account_create", "meier"),
        ("chefin", "account_roles", "meier"),
        ("chefin", "account_password", "meier"),
        ("chefin", "account_deactivate", "meier"),
        ("chefin", "account_activate", "meier"),
        ("chefin", "account_unlock", "meier"),
    ]
    roles = next(e for e in audit_rows(ctx, "account_roles"))
    assert roles.details == {"old": ["hr"], "new": ["hr", "council"]}
    for entry in audit_rows(ctx):
        assert "Passwort" not in str(entry.details) and "$argon2" not in str(entry.details)


def test_only_admins_change_accounts_and_council_may_read(ctx: Context) -> None:
    make(ctx, "meier", ("hr",))
    for viewer in (Viewer("x", frozenset({"hr"})), Viewer("y", frozenset({"council"}))):
        with pytest.raises(AccessDenied), ctx.write() as session:
            create_account(session, viewer, "neu", ["hr"], password=PASSWORD)
        with pytest.raises(AccessDenied), ctx.write() as session:
            set_roles(session, viewer, "meier", ["admin"])
    with ctx.read() as session:
        seen = list_accounts(session, Viewer("pr", frozenset({"council"})))
        assert [(a.username, a.roles) for a in seen] == [("meier", ("hr",))]
        with pytest.raises(AccessDenied):
            list_accounts(session, Viewer("x", frozenset({"hr"})))


def test_deactivated_account_cannot_log_in_and_loses_its_session(ctx: Context) -> None:
    make(ctx, "chefin", ("admin",))
    make(ctx)
    with ctx.write() as session:
        set_active(session, ADMIN, "meier", False)
    assert login(ctx, "meier", PASSWORD).viewer is None
    with ctx.read() as session:
        assert viewer_for_account(session, "meier") is None
        assert viewer_for_account(session, "chefin") == Viewer("chefin", frozenset({"admin"}))


def test_the_last_active_admin_cannot_be_removed(ctx: Context) -> None:
    make(ctx, "chefin", ("admin",))
    with pytest.raises(ValidationError) as caught, ctx.write() as session:
        set_active(session, ADMIN, "chefin", False)
    assert caught.value.key == "account.last_admin"
    with pytest.raises(ValidationError), ctx.write() as session:
        set_roles(session, ADMIN, "chefin", ["hr"])
    make(ctx, "vertretung", ("admin",))
    with ctx.write() as session:
        set_roles(session, ADMIN, "chefin", ["hr"])
    with ctx.read() as session:
        assert viewer_for_account(session, "chefin") == Viewer("chefin", frozenset({"hr"}))


def test_bad_names_and_roles_store_nothing(ctx: Context) -> None:
    for name, roles, key in (
        ("Leer Zeichen", ["hr"], "account.bad_username"),
        ("meier", ["staff"], "account.bad_role"),
        ("meier", ["boss"], "account.bad_role"),
        ("meier", [], "account.no_role"),
    ):
        with pytest.raises(ValidationError) as caught, ctx.write() as session:
            create_account(session, SYSTEM, name, roles, password=PASSWORD)
        assert caught.value.key == key
    with ctx.read() as session:
        assert session.scalar(select(Account.id)) is None
    assert audit_rows(ctx) == []


# ------------------------------------------------------------------ single sign-on


def test_roles_from_a_claim_or_from_the_account_table() -> None:
    claims = {"sub": "abc", "groups": ["BGM-Team", "Personalrat", "Kantine"], "roles": "hr admin"}
    mapped = roles_from_claims(
        claims, roles_claim="groups", role_map={"BGM-Team": "hr", "Personalrat": "council"}
    )
    assert mapped == frozenset({"hr", "council"})
    assert roles_from_claims(claims, roles_claim="roles") == frozenset({"hr", "admin"})
    assert roles_from_claims({"roles": "staff,hr"}, roles_claim="roles") == frozenset({"hr"})
    assert roles_from_claims(claims, roles_claim="missing") == frozenset()
    assert roles_from_claims(claims, account_roles=["leadership"]) == frozenset({"leadership"})
    assert roles_from_claims(claims) == frozenset()


def test_oidc_login_through_the_account_table(ctx: Context) -> None:
    with ctx.write() as session:
        create_account(session, SYSTEM, "schulz", ["leadership"], oidc_subject="sub-42")
    config = OidcConfig()
    with ctx.write() as session:
        result = oidc_login(session, {"sub": "sub-42", "email": "s@stadt.de"}, config)
    assert result.viewer == Viewer("schulz", frozenset({"leadership"}))
    with ctx.write() as session:
        stranger = oidc_login(session, {"sub": "sub-99", "email": "x@stadt.de"}, config)
    assert stranger.viewer is None
    assert [(e.target, e.details) for e in audit_rows(ctx, "login")] == [
        ("schulz", {"method": "oidc"})
    ]
    assert audit_rows(ctx, "login_failed")[0].details["reason"] == "unknown_account"
    # an OIDC-only account has no password: the password form can never open it
    assert login(ctx, "schulz", "").viewer is None
    with ctx.write() as session:
        set_active(session, SYSTEM, "schulz", False)
    with ctx.read() as session:
        assert oidc_viewer(session, {"sub": "sub-42"}, config)[1] == "inactive"
