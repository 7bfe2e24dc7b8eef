"""Demo accounts, created only when the demo municipality is loaded (``make run``); the login
page lists them while the installation is in demo mode. Never used outside the demo."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bgm_dashboard.auth.accounts import create_account, get_account
from bgm_dashboard.auth.viewer import SYSTEM


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    roles: tuple[str, ...]
    display_name: str


DEMO_ACCOUNTS = (
    DemoAccount("hr", "demo-hr", ("hr",), "BGM-Team (Demo)"),
    DemoAccount("leitung", "demo-leitung", ("leadership",), "Verwaltungsleitung (Demo)"),
    DemoAccount("personalrat", "demo-personalrat", ("council",), "Personalrat (Demo)"),
    DemoAccount("admin", "demo-admin", ("admin",), "Administration (Demo)"),
)
"""Simple, published passwords: fine for a demo on one's own machine, nowhere else."""


def create_demo_accounts(session: Session) -> list[str]:
    """Create the demo accounts that do not exist yet; returns the names created."""
    made = []
    for demo in DEMO_ACCOUNTS:
        if get_account(session, demo.username) is not None:
            continue
        create_account(
            session,
            SYSTEM,
            demo.username,
            demo.roles,
            password=demo.password,
            display_name=demo.display_name,
            enforce_policy=False,
        )
        made.append(demo.username)
    return made
