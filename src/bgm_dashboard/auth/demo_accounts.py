"""Demo accounts, created only when the demo municipality is loaded in demo or development
mode (``make run``); the login page lists them only then. In production they cannot log in,
even when a database from the demo is reused."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bgm_dashboard.auth.accounts import create_account, get_account
from bgm_dashboard.auth.viewer import SYSTEM
from bgm_dashboard.db.models import AppState

DEMO_FLAG = "demo_mode"
"""Set in ``app_state`` when the demo municipality was loaded into this database."""


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


def is_demo_database(session: Session) -> bool:
    state = session.get(AppState, DEMO_FLAG)
    return state is not None and state.value == "1"


def is_demo_account(session: Session, username: str) -> bool:
    """True for one of the published demo accounts in a database the demo was loaded into."""
    names = {demo.username for demo in DEMO_ACCOUNTS}
    return username.strip().lower() in names and is_demo_database(session)
