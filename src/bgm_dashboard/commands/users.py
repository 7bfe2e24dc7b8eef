"""``bgm user``: add accounts, set passwords (read from a prompt or stdin, never from the
command line), change roles, (de)activate, unlock, list."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING, Any

from bgm_dashboard.auth.viewer import ROLES, SYSTEM
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.i18n import t

if TYPE_CHECKING:  # the modules that do the work load when a command runs (fast `--help`)
    from bgm_dashboard.context import Context

LOGIN_ROLES = tuple(r for r in ROLES if r != "staff")  # as auth.accounts (tests hold them equal)

NAMES = ("user",)


def register(sub: Any) -> None:
    user = sub.add_parser("user", help="accounts for HR, leadership, staff council, admins")
    user_sub = user.add_subparsers(dest="action", required=True)
    add = user_sub.add_parser("add", help="create an account (asks for the password)")
    add.add_argument("name")
    add.add_argument("--role", action="append", choices=LOGIN_ROLES, required=True)
    add.add_argument("--display-name", default="")
    add.add_argument("--oidc-subject", default=None, help="subject of a single sign-on login")
    add.add_argument(
        "--no-password", action="store_true", help="single sign-on only (needs --oidc-subject)"
    )
    user_sub.add_parser("set-password", help="set a new password (asks for it)").add_argument(
        "name"
    )
    roles = user_sub.add_parser("roles", help="replace an account's roles")
    roles.add_argument("name")
    roles.add_argument("--role", action="append", choices=LOGIN_ROLES, required=True)
    for action in ("deactivate", "activate", "unlock"):
        user_sub.add_parser(action).add_argument("name")
    user_sub.add_parser("list", help="every account with its roles")
    scope = user_sub.add_parser("scope", help="limit a leadership account to a unit's subtree")
    scope.add_argument("name")
    which = scope.add_mutually_exclusive_group(required=True)
    which.add_argument("--unit", default=None, help="unit code, e.g. D2 (Dezernat II)")
    which.add_argument("--clear", action="store_true", help="lift the limit")


def read_password(lang: str, *, confirm: bool = True) -> str:
    """From a hidden prompt (twice) on a terminal; from the first line of stdin otherwise
    (for scripts and tests). Never from the command line, where ``ps`` would show it."""
    if sys.stdin.isatty():
        first = getpass.getpass(t("cli.password_prompt", lang))
        if confirm and getpass.getpass(t("cli.password_repeat", lang)) != first:
            raise ValidationError("account.password_mismatch")
    else:
        first = sys.stdin.readline().rstrip("\r\n")
    if not first:
        raise ValidationError("account.password_empty")
    return first


def handle(ctx: Context, args: argparse.Namespace, lang: str) -> None:
    from bgm_dashboard.auth.accounts import (
        create_account,
        get_account,
        set_active,
        set_password,
        set_roles,
        unlock,
    )
    from bgm_dashboard.auth.scopes import set_scope

    if args.action == "list":
        _list(ctx, lang)
        return
    if args.action == "scope":
        with ctx.write() as session:
            set_scope(session, SYSTEM, args.name, None if args.clear else args.unit)
        name = args.name.strip().lower()
        if args.clear:
            print(t("scope.cli_cleared", lang, name=name))
        else:
            print(t("scope.cli_set", lang, name=name, unit=args.unit))
        return
    if args.action == "add":
        password = None if args.no_password else read_password(lang)
        with ctx.write() as session:
            create_account(
                session,
                SYSTEM,
                args.name,
                args.role,
                password=password,
                display_name=args.display_name,
                oidc_subject=args.oidc_subject,
            )
        print(t("cli.user_added", lang, name=args.name.strip().lower(), roles=", ".join(args.role)))
        return
    if args.action == "set-password":
        with ctx.read() as session:  # a clear error before asking for a password
            if get_account(session, args.name) is None:
                raise ValidationError("account.unknown", name=args.name[:40])
        password = read_password(lang)
        with ctx.write() as session:
            set_password(session, SYSTEM, args.name, password)
        print(t("cli.password_set", lang, name=args.name.strip().lower()))
        return
    with ctx.write() as session:
        if args.action == "roles":
            set_roles(session, SYSTEM, args.name, args.role)
        elif args.action in ("deactivate", "activate"):
            set_active(session, SYSTEM, args.name, args.action == "activate")
        else:
            unlock(session, SYSTEM, args.name)
    print(t(f"cli.user_{args.action}", lang, name=args.name.strip().lower()))


def _list(ctx: Context, lang: str) -> None:
    from bgm_dashboard.auth.accounts import list_accounts
    from bgm_dashboard.formatting import moment

    with ctx.read() as session:
        accounts = list_accounts(session, SYSTEM)
    if not accounts:
        print(t("cli.no_users", lang))
        return
    for a in accounts:
        login = [t("cli.user_password", lang)] if a.has_password else []
        if a.oidc_subject:
            login.append("OIDC")
        state = t("cli.user_active" if a.active else "cli.user_inactive", lang)
        if a.locked_until is not None:
            state += " · " + t("cli.user_locked", lang, until=moment(a.locked_until, lang))
        scope = f"\t{a.scope}" if a.scope else ""
        print(f"{a.username}\t{', '.join(a.roles)}\t{' + '.join(login) or '-'}\t{state}{scope}")
