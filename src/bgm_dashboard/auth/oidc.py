"""Single sign-on (OpenID Connect through ``st.login()``): the identity provider says who
someone is; the roles come from a configured claim or from the account table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.auth.accounts import (
    LOGIN,
    LOGIN_ROLES,
    LoginResult,
    record_failed_login,
    roles_of,
)
from bgm_dashboard.auth.audit import record
from bgm_dashboard.auth.scopes import scope_of
from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.db.models import Account


@dataclass(frozen=True)
class OidcConfig:
    """``[bgm_oidc]`` in secrets: ``roles_claim`` (e.g. ``"bgm_roles"``; empty: roles from
    the account table) and ``role_map`` (claim value -> role, e.g. ``"BGM-Team" = "hr"``)."""

    roles_claim: str | None = None
    role_map: Mapping[str, str] = field(default_factory=dict)


def oidc_config(section: Mapping[str, Any] | None) -> OidcConfig:
    """Read the ``[bgm_oidc]`` secrets section (missing: roles from the account table)."""
    if not section:
        return OidcConfig()
    claim = str(section.get("roles_claim", "") or "").strip() or None
    raw_map = section.get("role_map") or {}
    role_map = {str(k): str(v).strip().lower() for k, v in dict(raw_map).items()}
    return OidcConfig(roles_claim=claim, role_map=role_map)


def _claim_values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    return [str(value)]


def roles_from_claims(
    claims: Mapping[str, Any],
    *,
    roles_claim: str | None = None,
    role_map: Mapping[str, str] | None = None,
    account_roles: Iterable[str] | None = None,
) -> frozenset[str]:
    """The login roles of an OIDC identity. With ``roles_claim`` configured the claim alone
    decides (a list, or a space- or comma-separated string; values translated through
    ``role_map`` or taken as role names); otherwise the account table's roles do. Unknown
    values are ignored; ``staff`` is never a login role."""
    if roles_claim:
        mapping = role_map or {}
        values = _claim_values(claims.get(roles_claim))
        wanted = {mapping.get(v, v).strip().lower() for v in values}
    else:
        wanted = {r.strip().lower() for r in (account_roles or ())}
    return frozenset(r for r in LOGIN_ROLES if r in wanted)


def display_name(claims: Mapping[str, Any]) -> str:
    for key in ("preferred_username", "email", "name", "sub"):
        value = claims.get(key)
        if value:
            return str(value)[:100]
    return "oidc"


def oidc_viewer(
    session: Session, claims: Mapping[str, Any], config: OidcConfig
) -> tuple[Viewer | None, str | None, str]:
    """(viewer or None, why not, name for the log) for an identity; writes nothing."""
    subject = str(claims.get("sub") or "").strip()
    if not subject:
        return None, "no_subject", ""
    account = session.scalar(select(Account).where(Account.oidc_subject == subject))
    name = account.username if account is not None else display_name(claims)
    if account is not None and not account.active:
        return None, "inactive", name
    if account is None and not config.roles_claim:
        return None, "unknown_account", name
    roles = roles_from_claims(
        claims,
        roles_claim=config.roles_claim,
        role_map=config.role_map,
        account_roles=roles_of(session, account.id) if account is not None else (),
    )
    if not roles:
        return None, "no_role", name
    scope = scope_of(session, account.id) if account is not None else ""
    return Viewer(name, roles, scope), None, name


def oidc_login(session: Session, claims: Mapping[str, Any], config: OidcConfig) -> LoginResult:
    """Map an identity to a viewer and record the login (or its refusal) in the audit log."""
    viewer, reason, name = oidc_viewer(session, claims, config)
    if viewer is None:
        return record_failed_login(session, name, reason or "no_role", method="oidc")
    record(session, viewer.name, LOGIN, viewer.name, {"method": "oidc"})
    return LoginResult(viewer)
