"""Security basics of the installation: XSRF protection on, no error details in the browser
outside development, secrets only from an ignored ``secrets.toml`` (an example ships) or the
environment, and a session timeout that cannot be switched off."""

from __future__ import annotations

import subprocess
import tomllib

import pytest

from bgm_dashboard.settings import ConfigError, load_settings
from tests.conftest import ROOT


def test_streamlit_config_protects_against_xsrf_and_hides_errors() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["address"] == "127.0.0.1", "listen on this machine only"
    assert config["client"]["showErrorDetails"] == "none"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run_line = next(
        line for line in makefile.splitlines() if "streamlit run" in line and "$(BIN)" in line
    )
    assert "showErrorDetails" not in run_line, "make run must keep the error details hidden"


def test_real_secrets_are_ignored_by_git_and_an_example_ships() -> None:
    example = ROOT / ".streamlit" / "secrets.toml.example"
    assert example.exists()
    assert "[auth]" in example.read_text(encoding="utf-8")
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".streamlit/secrets.toml"], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0, ".streamlit/secrets.toml must be ignored by git"
    tracked = subprocess.run(
        ["git", "ls-files", ".streamlit"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert ".streamlit/secrets.toml" not in tracked


def test_session_timeout_is_configurable_but_never_off() -> None:
    assert load_settings({}).session_timeout_minutes == 30
    assert load_settings({"BGM_SESSION_TIMEOUT_MINUTES": "10"}).session_timeout_minutes == 10
    for bad in ("0", "-5", "never"):
        with pytest.raises(ConfigError):
            load_settings({"BGM_SESSION_TIMEOUT_MINUTES": bad})
