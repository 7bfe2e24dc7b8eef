"""Browser tests: the real app served by ``streamlit run`` on the demo data, driven by
Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def browser_available() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("BGM_TEST_REQUIRE_BROWSER") == "1":
            pytest.fail("Debian's Chromium (/usr/bin/chromium) is required for browser tests")
        pytest.skip("no /usr/bin/chromium on this machine (apt-get install chromium)")


@contextmanager
def serve(db_url: str) -> Iterator[str]:
    """``streamlit run app.py`` in demo mode on ``db_url``; yields the app's address."""
    port = _free_port()
    env = {**os.environ, "BGM_DATABASE_URL": db_url, "BGM_ENV": "demo"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("streamlit did not become healthy within 60 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def server(
    browser_available: None, demo_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app on a private copy of the demo database."""
    folder = tmp_path_factory.mktemp("e2e")
    db = folder / "demo.sqlite3"
    shutil.copy(Path(demo_db.removeprefix("sqlite:///")), db)
    with serve(f"sqlite:///{db}") as url:
        yield url


@pytest.fixture
def browser(browser_available: None) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()
