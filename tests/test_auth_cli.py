"""``bgm user`` and ``bgm audit`` through the real command line: passwords come from a
prompt or stdin (never from the arguments), accounts can log in afterwards, every change
and every export is audited. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import sys

import pytest

from bgm_dashboard import cli
from bgm_dashboard.auth.accounts import authenticate, get_account
from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.context import Context
from tests.auth_helpers import audit_rows, bgm


def can_login(ctx: Context, name: str, password: str) -> Viewer | None:
    with ctx.write() as session:
        return authenticate(session, name, password).viewer


def test_user_add_and_set_password_read_the_password_from_stdin(ctx: Context, db_url: str) -> None:
    done = bgm(
        db_url,
        "user",
        "add",
        "Meier",
        "--role",
        "hr",
        "--role",
        "council",
        stdin="Erste-Passphrase-1\n",
    )
    assert done.returncode == 0, done.stderr
    assert "Erste-Passphrase-1" not in done.stdout + done.stderr
    assert can_login(ctx, "meier", "Erste-Passphrase-1") == Viewer(
        "meier", frozenset({"hr", "council"})
    )
    done = bgm(db_url, "user", "set-password", "meier", stdin="Zweite-Passphrase-2\n")
    assert done.returncode == 0, done.stderr
    assert can_login(ctx, "meier", "Zweite-Passphrase-2") is not None
    assert can_login(ctx, "meier", "Erste-Passphrase-1") is None
    trail = [(e.actor, e.action, e.target) for e in audit_rows(ctx) if e.action.startswith("acc")]
    assert trail == [("cli", "account_create", "meier"), ("cli", "account_password", "meier")]
    assert all("Passphrase" not in str(e.details) for e in audit_rows(ctx))


def run(
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    """``bgm`` in this process (faster than a subprocess; stdin is not a terminal)."""
    monkeypatch.setenv("BGM_DATABASE_URL", db_url)
    monkeypatch.setenv("BGM_LANGUAGE", "en")
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    capsys.readouterr()
    try:
        code = cli.main(list(args))
    except SystemExit as exc:  # argparse refuses
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_password_is_never_taken_from_the_command_line(
    ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        db_url,
        monkeypatch,
        capsys,
        "user",
        "add",
        "meier",
        "--role",
        "hr",
        "--password",
        "Kommandozeile-1",
    )
    assert code == 2 and "unrecognized arguments" in err
    code, _, err = run(
        db_url, monkeypatch, capsys, "user", "add", "meier", "--role", "hr", stdin="kurz\n"
    )
    assert code == 1 and "at least 10 characters" in err
    code, _, err = run(db_url, monkeypatch, capsys, "user", "add", "meier", "--role", "hr")
    assert code == 1 and "No password was entered" in err
    with ctx.read() as session:
        assert get_account(session, "meier") is None
    assert audit_rows(ctx) == []


def test_prompt_asks_twice_on_a_terminal(
    ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BGM_DATABASE_URL", db_url)
    monkeypatch.setenv("BGM_LANGUAGE", "en")
    answers = iter(["Terminal-Passwort-1", "Terminal-Passwort-X"])
    monkeypatch.setattr(sys, "stdin", _Terminal())
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli.main(["user", "add", "tty", "--role", "admin"]) == 1  # the two differ
    answers = iter(["Terminal-Passwort-1", "Terminal-Passwort-1"])
    assert cli.main(["user", "add", "tty", "--role", "admin"]) == 0
    assert can_login(ctx, "tty", "Terminal-Passwort-1") == Viewer("tty", frozenset({"admin"}))


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_roles_deactivate_and_list(
    ctx: Context, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, role in (("chefin", "admin"), ("meier", "hr")):
        code, _, err = run(
            db_url,
            monkeypatch,
            capsys,
            "user",
            "add",
            name,
            "--role",
            role,
            stdin="Genug-lang-123\n",
        )
        assert code == 0, err
    code, _, err = run(
        db_url, monkeypatch, capsys, "user", "roles", "meier", "--role", "leadership"
    )
    assert code == 0, err
    code, _, err = run(db_url, monkeypatch, capsys, "user", "deactivate", "meier")
    assert code == 0, err
    assert can_login(ctx, "meier", "Genug-lang-123") is None
    code, _, err = run(db_url, monkeypatch, capsys, "user", "deactivate", "chefin")
    assert code == 1 and "last active administrator" in err
    code, out, _ = run(db_url, monkeypatch, capsys, "user", "list")
    rows = {line.split("\t")[0]: line.split("\t")[1:] for line in out.strip().splitlines()}
    assert rows["meier"][0] == "leadership" and rows["meier"][2] == "deactivated"
    assert rows["chefin"][0] == "admin" and rows["chefin"][2] == "active"
    actions = [e.action for e in audit_rows(ctx) if e.target == "meier"]
    assert actions == ["account_create", "account_roles", "account_deactivate", "login_failed"]


def test_cli_export_and_audit_commands_are_recorded(
    reference_ctx: Context,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(db_url, monkeypatch, capsys, "export", "indicators")
    assert code == 0, err
    (export,) = audit_rows(reference_ctx, "export")
    assert export.actor == "cli" and export.target == "indicators"
    assert export.details["rows"] == len(out.strip().splitlines()) - 1
    code, out, err = run(db_url, monkeypatch, capsys, "audit", "verify")
    assert code == 0 and "1 entries" in out, err
    code, out, err = run(db_url, monkeypatch, capsys, "audit", "export")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0] == "id,seq,at,actor,action,target,details,prev_hash,hash"
    assert len(lines) == 2  # the indicator export
    assert [e.action for e in audit_rows(reference_ctx)] == ["export", "audit_export"]
