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
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bgm_dashboard.context import Context, make_context
from bgm_dashboard.db.engine import normalise_url
from bgm_dashboard.db.models import Department, Response
from bgm_dashboard.demo import approve_open_link
from bgm_dashboard.formatting import number
from bgm_dashboard.i18n import t
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
    errors: Counter[str] = field(default_factory=Counter)
    """Refusals by kind (exception class), to tell a pool wait from a lock wait."""

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
            # the load is anonymous browsers pressing "Absenden": an open-link wave, approved
            # by the (synthetic) staff council through the real four-eyes flow
            approve_open_link(ctx, session)
            wave = open_wave(
                session, month_of(today), indicators=list(ctx.bank.indicator_codes), access="link"
            )
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
            except Exception as exc:  # the page would say "not stored, please send again"
                outcome = False
                with lock:
                    result.errors[type(getattr(exc, "orig", None) or exc).__name__] += 1
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


@contextmanager
def fresh_database(backend: str, workdir: Path, postgres_url: str, name: str) -> Iterator[str]:
    """A new, empty database for one measurement: a SQLite file, or a PostgreSQL schema that
    is dropped afterwards."""
    if backend == "sqlite":
        path = workdir / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    schema = f"{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(postgres_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(normalise_url(postgres_url))
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def one_file(folder: Path, target: Path) -> int:
    """The generator's monthly files as one import file (a large import); returns its rows."""
    rows = 0
    with target.open("w", encoding="utf-8") as out:
        for number, path in enumerate(sorted(folder.glob("responses_*.csv"))):
            with path.open(encoding="utf-8") as handle:
                header = handle.readline()
                if number == 0:
                    out.write(header)
                for line in handle:
                    out.write(line)
                    rows += 1
    return rows


LOAD_ROWS: tuple[tuple[str, str, int], ...] = (
    ("load_seconds", "bench.load_row_seconds", 0),
    ("load_submitted", "bench.load_row_submitted", 0),
    ("load_per_s", "bench.load_row_rate", 0),
    ("load_refused", "bench.load_row_refused", 0),
    ("load_lost", "bench.load_row_lost", 0),
    ("load_duplicated", "bench.load_row_duplicated", 0),
    ("load_p50_s", "bench.load_row_p50", 2),
    ("load_p99_s", "bench.load_row_p99", 2),
    ("load_max_s", "bench.load_row_max", 2),
    ("import_per_s", "bench.load_row_import_rate", 0),
)
LOAD_TARGETS = {
    "load_refused": ("≤", 0.0),
    "load_lost": ("≤", 0.0),
    "load_duplicated": ("≤", 0.0),
    "load_p99_s": ("≤", P99_TARGET_S),
    "import_per_s": ("≥", 20_000.0),
}


def run_load_suite(
    backends: list[str],
    postgres_url: str,
    workdir: Path,
    lang: str,
    *,
    seconds: float,
    submitters: int,
    import_size: int,
    echo: Echo,
) -> tuple[str, bool]:
    """Every backend: import throughput alone, then the load alone and during the import.
    Returns the Markdown table and whether every target was met."""
    from bgm_dashboard.bench.generator import make_org, months, write_files
    from bgm_dashboard.instrument.bank import load_bank

    workdir.mkdir(parents=True, exist_ok=True)
    folder = workdir / f"load-{import_size}"
    if not (folder / "manifest.json").exists():
        write_files(folder, make_org(), load_bank(), import_size, months("2025-12", 12))
    big = workdir / f"load-{import_size}.csv"
    rows = one_file(folder, big)
    departments = folder / "departments.csv"
    columns: list[tuple[str, dict[str, float]]] = []
    notes: list[str] = []
    for backend in backends:
        name = t(f"bench.backend_{backend}", lang)
        echo(t("bench.load_step_import", lang, backend=name, rows=number(rows, lang, 0)))
        with fresh_database(backend, workdir, postgres_url, "load_import") as url:
            rate = time_import(url, departments, big, rows)
        echo(
            t("bench.load_step_alone", lang, backend=name, n=submitters, s=number(seconds, lang, 0))
        )
        with fresh_database(backend, workdir, postgres_url, "load") as url:
            alone_result = run_load(url, departments, submitters=submitters, seconds=seconds)
            alone, alone_errors = figures(alone_result), alone_result.errors
            echo(t("bench.load_step_during", lang, backend=name, n=submitters))
            during = run_load(
                url,
                departments,
                submitters=submitters,
                seconds=seconds,
                import_file=big,
                import_rows=rows,
            )
        alone["import_per_s"] = rate
        columns.append((t("bench.load_col_alone", lang, backend=name), alone))
        shown = figures(during)
        if during.import_s:
            shown["import_per_s"] = during.imported / during.import_s
        columns.append((t("bench.load_col_during", lang, backend=name), shown))
        for label, kinds in ((columns[-2][0], alone_errors), (columns[-1][0], during.errors)):
            if kinds:
                notes.append(f"{label}: " + ", ".join(f"{k} {v}" for k, v in kinds.items()))
    report, ok = load_table(columns, lang)
    if notes:
        report += "\n\n" + t("bench.load_refusals", lang) + "\n" + "\n".join(notes)
    return report, ok


def load_table(columns: list[tuple[str, dict[str, float]]], lang: str) -> tuple[str, bool]:
    ok = True
    header = [t("bench.col_measure", lang), t("bench.col_target", lang), *(c[0] for c in columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for key, label, digits in LOAD_ROWS:
        target = LOAD_TARGETS.get(key)
        cells = [t(label, lang), f"{target[0]} {number(target[1], lang, digits)}" if target else ""]
        for _, values in columns:
            value = values.get(key)
            if value is None:
                cells.append("–")
                continue
            cell = number(value, lang, digits)
            if target is not None:
                passed = value <= target[1] if target[0] == "≤" else value >= target[1]
                ok = ok and passed
                cell += " " + t("bench.pass" if passed else "bench.fail", lang)
            cells.append(cell)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines), ok
