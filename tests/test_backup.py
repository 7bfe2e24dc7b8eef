"""`bgm backup` and `bgm restore` on SQLite and PostgreSQL: a backup taken while answers
keep arriving restores to a consistent database (every answer whole, figures equal a rebuild
from the raw answers), a quiet backup restores to exactly the same figures, and a wrong or
damaged file is refused without touching the database."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from bgm_dashboard.context import Context
from bgm_dashboard.db.models import Response
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.survey.intake import submit_response
from bgm_dashboard.survey.waves import open_wave
from tests.ballot_helpers import allow_open_link
from tests.cli_helpers import Result
from tests.conftest import REFERENCE
from tests.datapath_helpers import assert_moments_equal_rebuild
from tests.test_storage import _moments

TODAY = date(2026, 11, 26)


@pytest.fixture
def live(ctx: Context) -> tuple[Context, Callable[[], None]]:
    """A database with an open wave and a function that sends one random answer."""
    with ctx.write() as session:
        import_departments(session, REFERENCE / "departments.csv")
        allow_open_link(session, ctx.bank)  # answers arriving without codes, as from browsers
        wave = open_wave(
            session, "2026-11", indicators=list(ctx.bank.indicator_codes), access="link"
        )
    rng = random.Random(3)

    def answer() -> None:
        submit_response(
            ctx.read,
            ctx.write,
            ctx.bank,
            wave_id=wave.id,
            department_code=rng.choice(["A10", "A21", "A51"]),
            answers={"enps": rng.randint(0, 10)}
            | {f"who5_{i}": rng.randint(0, 5) for i in range(1, 6)},
            comment=rng.choice([None, "Mehr Austausch"]),
            today=TODAY,
        )

    for _ in range(30):
        answer()
    return ctx, answer


def count(ctx: Context) -> int:
    with ctx.read() as session:
        return int(session.scalar(select(func.count()).select_from(Response)) or 0)


def assert_consistent(ctx: Context) -> None:
    """The figures kept at write time equal a rebuild from the raw answers, and the stored
    response count equals the counted one: no answer half in the backup."""
    kept = assert_moments_equal_rebuild(ctx)
    responses = kept[0][kept[0]["indicator"] == "responses"]["n"].sum()
    assert responses == count(ctx)


def test_backup_while_answers_arrive_restores_consistently(
    live: tuple[Context, Callable[[], None]], run: Callable[..., Result], tmp_path: Path
) -> None:
    ctx, answer = live
    stop = threading.Event()
    errors: list[BaseException] = []
    sent = [0]

    def writer() -> None:
        while not stop.is_set():
            try:
                answer()
                sent[0] += 1
            except BaseException as exc:
                errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.5)
        done = run(ctx.settings.database_url, "backup", str(tmp_path / "during.bak"))
        time.sleep(0.3)
    finally:
        stop.set()
        thread.join()
    assert done.returncode == 0, done.stderr
    assert errors == [], "the backup turned answers away"
    final = count(ctx)
    assert final == 30 + sent[0]
    refused = run(ctx.settings.database_url, "restore", str(tmp_path / "during.bak"))
    assert refused.returncode != 0 and "--force" in refused.stderr
    assert count(ctx) == final
    done = run(ctx.settings.database_url, "restore", "--force", str(tmp_path / "during.bak"))
    assert done.returncode == 0, done.stderr
    restored = count(ctx)
    assert 30 < restored < final, (restored, final)
    assert_consistent(ctx)


def test_quiet_backup_restores_the_same_figures(
    live: tuple[Context, Callable[[], None]], run: Callable[..., Result], tmp_path: Path
) -> None:
    ctx, answer = live
    path = tmp_path / "quiet.bak"
    assert run(ctx.settings.database_url, "backup", str(path)).returncode == 0
    before = _moments(ctx), count(ctx)
    for _ in range(5):
        answer()
    assert count(ctx) == before[1] + 5
    done = run(ctx.settings.database_url, "restore", "--force", str(path), lang="de")
    assert done.returncode == 0 and "zurückgespielt" in done.stdout
    assert count(ctx) == before[1]
    for a, b in zip(_moments(ctx), before[0], strict=True):
        pd.testing.assert_frame_equal(a, b)
    answer()  # the restored database takes answers again
    assert count(ctx) == before[1] + 1


def test_wrong_or_damaged_files_are_refused(
    live: tuple[Context, Callable[[], None]], run: Callable[..., Result], tmp_path: Path
) -> None:
    ctx, _ = live
    before = count(ctx)
    text = tmp_path / "notes.txt"
    text.write_text("keine Sicherung", encoding="utf-8")
    done = run(ctx.settings.database_url, "restore", "--force", str(text), lang="de")
    assert done.returncode != 0 and "keine Sicherung dieser Datenbank" in done.stderr
    good = tmp_path / "good.bak"
    assert run(ctx.settings.database_url, "backup", str(good)).returncode == 0
    damaged = tmp_path / "damaged.bak"
    data = bytearray(good.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4096] = b"\xff" * min(4096, len(data) - middle)
    damaged.write_bytes(bytes(data))
    done = run(ctx.settings.database_url, "restore", "--force", str(damaged))
    assert done.returncode != 0, done.stdout
    assert count(ctx) == before
    assert_consistent(ctx)
