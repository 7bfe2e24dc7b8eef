"""The load test of `bgm bench`: many staff press "Absenden" at once for a while, on their own
and while a large file is imported by `bgm import` in another process. Counts what the
people are told (refused), what the database holds (lost, duplicated) and how long they wait
(p50, p99, maximum)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from bgm_dashboard.context import Context, make_context
from bgm_dashboard.db.models import Department, Response
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.periods import month_of
from bgm_dashboard.settings import load_settings
from bgm_dashboard.survey.intake import asked_items, submit_response
from bgm_dashboard.survey.waves import open_wave, wave_for_period

P99_TARGET_S = 1.0


@dataclass
class LoadResult:
    """What one load phase measured."""

    seconds: float = 0.0
    submitted: int = 0
    stored: int = 0
    refused: int = 0
    latencies: list[float] = field(default_factory=list)
    imported: int = 0
    import_s: float = 0.0
    import_failed: bool = False

    @property
    def lost(self) -> int:
        return max(0, self.submitted - self.stored)

    @property
    def duplicated(self) -> int:
        return max(0, self.stored - self.submitted)

    def quantile(self, q: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def ok(self) -> bool:
        clean = self.refused == 0 and self.lost == 0 and self.duplicated == 0
        return clean and self.quantile(0.99) <= P99_TARGET_S and not self.import_failed


def _context(url: str) -> Context:
    return make_context(replace(load_settings({}), database_url=url))


def prepare(ctx: Context, departments: Path, today: date) -> int:
    """Units and an open wave of the current month; returns the wave's id."""
    with ctx.write() as session:
        if session.scalar(select(func.count()).select_from(Department)) == 0:
            import_departments(session, departments)
        wave = wave_for_period(session, month_of(today))
        if wave is None:
            wave = open_wave(session, month_of(today), indicators=list(ctx.bank.indicator_codes))
        return wave.id


def _stored(ctx: Context, wave_id: int) -> int:
    with ctx.read() as session:
        query = select(func.count()).select_from(Response).where(Response.wave_id == wave_id)
        return int(session.scalar(query) or 0)


def _import_process(url: str, path: Path) -> subprocess.Popen[bytes]:
    """`bgm import responses FILE` as an operator runs it, in a process of its own."""
    env = {**os.environ, "BGM_DATABASE_URL": url}
    command = [sys.executable, "-m", "bgm_dashboard.cli", "import", "responses", str(path)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def run_load(
    url: str,
    departments: Path,
    *,
    submitters: int = 50,
    seconds: float = 120.0,
    import_file: Path | None = None,
    import_rows: int = 0,
    today: date | None = None,
    seed: int = 14,
) -> LoadResult:
    """``submitters`` threads (as in one app server) send answers for ``seconds``; with an
    ``import_file``, while it is imported and at least until the import has ended."""
    today = today or date.today()
    ctx = _context(url)
    wave_id = prepare(ctx, departments, today)
    with ctx.read() as session:
        units = list(session.scalars(select(Department.code).where(Department.active.is_(True))))
    items = asked_items(ctx.bank, list(ctx.bank.indicator_codes))
    ranges = {code: ctx.bank.answer_range(code) for code in items}
    before = _stored(ctx, wave_id)
    result = LoadResult()
    lock = threading.Lock()
    importer = _import_process(url, import_file) if import_file is not None else None
    start = time.perf_counter()
    deadline = start + seconds

    def running() -> bool:
        if time.perf_counter() < deadline:
            return True
        return importer is not None and importer.poll() is None

    def submitter(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        while running():
            answers = {c: rng.randint(*ranges[c]) for c in items if rng.random() < 0.9}
            answers.setdefault(items[0], ranges[items[0]][0])
            began = time.perf_counter()
            try:
                submit_response(
                    ctx.read,
                    ctx.write,
                    ctx.bank,
                    wave_id=wave_id,
                    department_code=rng.choice(units),
                    answers=answers,
                    today=today,
                )
                outcome = True
            except Exception:  # what the page would show as "not stored, send again"
                outcome = False
            waited = time.perf_counter() - began
            with lock:
                result.latencies.append(waited)
                if outcome:
                    result.submitted += 1
                else:
                    result.refused += 1

    threads = [threading.Thread(target=submitter, args=(n,)) for n in range(submitters)]
    for thread in threads:
        thread.start()
    if importer is not None:
        _, errors = importer.communicate()
        result.import_s = time.perf_counter() - start
        result.import_failed = importer.returncode != 0
        result.imported = import_rows if not result.import_failed else 0
        if result.import_failed:
            sys.stderr.write(errors.decode("utf-8", "replace"))
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - start
    result.stored = _stored(ctx, wave_id) - before
    ctx.engine.dispose()
    return result


def time_import(url: str, departments: Path, path: Path, rows: int) -> float:
    """Responses per second of `bgm import responses` (the batched import, the publication
    that becomes due included), alone on the database."""
    ctx = _context(url)
    prepare(ctx, departments, date.today())
    ctx.engine.dispose()
    start = time.perf_counter()
    process = _import_process(url, path)
    _, errors = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(errors.decode("utf-8", "replace"))
    return rows / (time.perf_counter() - start)


def figures(result: LoadResult) -> dict[str, float]:
    return {
        "load_seconds": result.seconds,
        "load_submitted": float(result.submitted),
        "load_refused": float(result.refused),
        "load_lost": float(result.lost),
        "load_duplicated": float(result.duplicated),
        "load_p50_s": result.quantile(0.5),
        "load_p99_s": result.quantile(0.99),
        "load_max_s": max(result.latencies, default=0.0),
        "load_per_s": result.submitted / result.seconds if result.seconds else 0.0,
    }


Echo = Callable[[str], None]
