"""The operator's SMTP server and public address: from the environment; the password from
the environment or ``.streamlit/secrets.toml`` only, never from the database or the repo."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bgm_dashboard.settings import ConfigError

SECURITY = ("starttls", "tls", "none")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    security: str
    user: str
    sender: str
    public_url: str
    password: str = field(default="", repr=False)
    timeout: float = 30.0


def secrets_files(cwd: Path | None = None) -> list[Path]:
    """Where Streamlit looks for secrets: the project folder first, then the home folder."""
    return [
        (cwd or Path.cwd()) / ".streamlit" / "secrets.toml",
        Path.home() / ".streamlit" / "secrets.toml",
    ]


def _secret_password(paths: Sequence[Path]) -> str:
    for path in paths:
        if path.is_file():
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            smtp = data.get("smtp", {})
            if isinstance(smtp, dict) and smtp.get("password"):
                return str(smtp["password"])
    return ""


def public_url(env: Mapping[str, str] | None = None) -> str:
    """The address staff open the survey at (``BGM_PUBLIC_URL``); empty when not set."""
    env = os.environ if env is None else env
    url = env.get("BGM_PUBLIC_URL", "").strip().rstrip("/")
    if url and not url.startswith(("https://", "http://")):
        raise ConfigError("BGM_PUBLIC_URL must start with https:// (or http:// for a test)")
    return url


def load_mail_settings(
    env: Mapping[str, str] | None = None, secrets: Sequence[Path] | None = None
) -> MailSettings | None:
    """The SMTP settings, or None when no server is configured (``BGM_SMTP_HOST`` unset)."""
    env = os.environ if env is None else env
    host = env.get("BGM_SMTP_HOST", "").strip()
    if not host:
        return None
    security = env.get("BGM_SMTP_SECURITY", "starttls").strip().lower() or "starttls"
    if security not in SECURITY:
        raise ConfigError(f"BGM_SMTP_SECURITY must be one of {', '.join(SECURITY)}")
    default_port = {"starttls": 587, "tls": 465, "none": 25}[security]
    raw_port = env.get("BGM_SMTP_PORT", "").strip()
    try:
        port = int(raw_port) if raw_port else default_port
    except ValueError as exc:
        raise ConfigError(f"BGM_SMTP_PORT must be a whole number, got {raw_port!r}") from exc
    user = env.get("BGM_SMTP_USER", "").strip()
    password = env.get("BGM_SMTP_PASSWORD", "") or _secret_password(
        secrets if secrets is not None else secrets_files()
    )
    if security == "none" and (user or password) and host not in LOCAL_HOSTS:
        raise ConfigError("refusing to send an SMTP password without TLS (BGM_SMTP_SECURITY)")
    sender = env.get("BGM_MAIL_FROM", "").strip() or user
    if "@" not in sender:
        raise ConfigError("BGM_MAIL_FROM must be the sender's e-mail address")
    url = public_url(env)
    if not url:
        raise ConfigError("BGM_PUBLIC_URL must be set: the mails carry the link to the survey")
    return MailSettings(
        host=host,
        port=port,
        security=security,
        user=user,
        sender=sender,
        public_url=url,
        password=password,
    )
