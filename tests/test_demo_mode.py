"""Demo accounts only in demo or development mode. ``bgm seed-demo --if-empty`` (what
``make run`` called) with BGM_ENV unset creates no account and loads nothing; ``make run``
starts the demo explicitly in demo mode and says so in the terminal and in the app; the
production path (``BGM_ENV=production make run``) has no demo account; a demo database reused
in production lists no demo passwords and lets no demo account in."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bgm_dashboard.auth.demo_accounts import DEMO_ACCOUNTS
from bgm_dashboard.context import Context, make_context
from bgm_dashboard.db.models import Account, Department
from bgm_dashboard.demo import seed_demo
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.i18n import t
from bgm_dashboard.settings import load_settings
from tests.auth_helpers import app_test, audit_rows, bgm
from tests.conftest import ROOT, SAMPLE

BANNER = "Demo-Modus – nicht für den Produktivbetrieb"


def counts(db_url: str) -> tuple[int, int]:
    ctx = make_context(replace(load_settings({}), database_url=db_url))
    with ctx.read() as session:
        found = (
            int(session.scalar(select(func.count()).select_from(Account)) or 0),
            int(session.scalar(select(func.count()).select_from(Department)) or 0),
        )
    ctx.engine.dispose()
    return found


def test_seed_demo_in_production_creates_no_account(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BGM_ENV", raising=False)
    done = bgm(db_url, "seed-demo", "--if-empty", "--folder", str(SAMPLE))
    assert done.returncode == 1 and "only in demo or development mode" in done.stderr
    assert counts(db_url) == (0, 0)
    monkeypatch.setenv("BGM_ENV", "production")
    assert bgm(db_url, "seed-demo", "--folder", str(SAMPLE)).returncode == 1
    assert counts(db_url) == (0, 0)


def test_seed_demo_refuses_in_production_in_code_too(ctx: Context) -> None:
    assert ctx.settings.environment == "production"
    with pytest.raises(ValidationError) as refused:
        seed_demo(ctx, folder=SAMPLE)
    assert refused.value.key == "demo.refused_in_production"


def _env(db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "BGM_ENV"}
    return {**env, "BGM_DATABASE_URL": f"sqlite:///{db}", **extra}


def test_make_db_loads_the_demo_in_demo_mode_and_make_run_says_so(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite3"
    done = subprocess.run(
        ["make", "-s", "db"], cwd=ROOT, env=_env(db), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    url = f"sqlite:///{db}"
    ctx = make_context(replace(load_settings({}), database_url=url))
    with ctx.read() as session:
        names = set(session.scalars(select(Account.username)))
    ctx.engine.dispose()
    assert names == {a.username for a in DEMO_ACCOUNTS}
    plan = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, env=_env(db), capture_output=True, text=True, check=True
    ).stdout
    assert BANNER in plan and "BGM_ENV=demo" in plan


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _outside_address() -> str | None:
    """This machine's address on its network (no packet is sent), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_make_run_in_production_has_no_demo_account(tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.fail("make is required")
    db = tmp_path / "prod.sqlite3"
    port = _free_port()
    process = subprocess.Popen(
        ["make", "-s", "run", f"PORT={port}"],
        cwd=ROOT,
        env=_env(db, BGM_ENV="production"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 90
        healthy = False
        while time.time() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/_stcore/health", timeout=2
                ) as reply:
                    healthy = reply.status == 200
                    break
            except OSError:
                time.sleep(0.5)
        assert healthy, "make run did not start the app"
        outside = _outside_address()
        if outside is not None:  # the app listens on 127.0.0.1 only
            with pytest.raises(OSError), socket.create_connection((outside, port), timeout=2):
                pass
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert "Produktivbetrieb" in output and BANNER not in output
    assert counts(f"sqlite:///{db}") == (0, 0)


def test_the_app_says_demo_mode_and_lists_passwords_only_then(
    demo_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "demo.sqlite3"
    shutil.copy(demo_db.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    demo = app_test(url, monkeypatch, BGM_ENV="demo")
    demo.run()
    assert any(BANNER in w.value for w in demo.sidebar.warning)  # on every page
    demo.switch_page("pages/login.py").run()
    assert not demo.exception, demo.exception
    assert any(BANNER in w.value for w in demo.warning)
    assert "`demo-hr`" in " ".join(m.value for m in demo.markdown)

    production = app_test(url, monkeypatch, BGM_ENV="production")
    production.run()
    production.switch_page("pages/login.py").run()
    assert not production.exception, production.exception
    shown = " ".join([m.value for m in production.markdown] + [e.value for e in production.error])
    assert "demo-hr" not in shown and BANNER not in shown
    assert t("demo.production_warning", "de") in [e.value for e in production.error]
    for account in DEMO_ACCOUNTS:
        production.text_input(key="login_username").input(account.username)
        production.text_input(key="login_password").input(account.password)
        production.button(key="login_submit").click().run()
        assert "viewer" not in production.session_state
        assert t("login.failed", "de") in [e.value for e in production.error]
    ctx = make_context(replace(load_settings({}), database_url=url))
    refused = [e for e in audit_rows(ctx, "login_failed") if e.target in {"hr", "admin"}]
    assert {e.details["reason"] for e in refused} == {"demo_account_in_production"}
    ctx.engine.dispose()
