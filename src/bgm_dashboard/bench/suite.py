"""Runs the benchmark for every size and backend (each in its own process, so that peak
memory is per run), checks the targets and prints the table of figures."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bgm_dashboard.bench.defaults import MONTHS
from bgm_dashboard.bench.generator import SEED, make_org, months, write_files
from bgm_dashboard.db.engine import normalise_url
from bgm_dashboard.formatting import number
from bgm_dashboard.i18n import t
from bgm_dashboard.instrument.bank import load_bank

RUN_TIMEOUT_S = 3 * 3600


@dataclass(frozen=True)
class Target:
    """An upper bound on one measured figure; it applies from ``from_size`` responses on
    (and to smaller sizes too: what is fast at a million is fast at ten thousand)."""

    key: str
    limit: float


TARGETS = (
    Target("table_cold_s", 2.0),
    Target("dashboard_cold_s", 2.0),
    Target("dashboard_warm_s", 0.5),
    Target("peak_mb", 1024.0),
)
RATIO_LIMIT = 2.0
"""The dashboard may cost at most this much more at the largest size than at the smallest
(100 times the responses for 10,000 vs 1,000,000): its cost follows units and quarters,
not responses."""

ROWS: tuple[tuple[str, str, int], ...] = (
    # figure key, text key, digits
    ("responses", "bench.row_responses", 0),
    ("answers", "bench.row_answers", 0),
    ("import_s", "bench.row_import", 1),
    ("import_responses_per_s", "bench.row_import_responses_rate", 0),
    ("import_answers_per_s", "bench.row_import_answers_rate", 0),
    ("publish_s", "bench.row_publish", 1),
    ("published_rows", "bench.row_published_rows", 0),
    ("table_cold_s", "bench.row_table_cold", 2),
    ("table_warm_s", "bench.row_table_warm", 2),
    ("dashboard_first_s", "bench.row_dashboard_first", 2),
    ("dashboard_cold_s", "bench.row_dashboard_cold", 2),
    ("dashboard_warm_s", "bench.row_dashboard_warm", 2),
    ("peak_mb", "bench.row_peak", 0),
)


@dataclass
class Result:
    backend: str
    size: int
    figures: dict[str, float] = field(default_factory=dict)
    error: str | None = None


def last_complete_month(today: date) -> str:
    """The last month of the last quarter that has ended before ``today``."""
    quarter_start = (today.month - 1) // 3 * 3 + 1
    index = today.year * 12 + quarter_start - 1 - 1
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def find_app() -> Path:
    """``app.py`` of the checkout: the working directory's, else the one beside ``src/``."""
    here = Path.cwd() / "app.py"
    if here.exists():
        return here
    return Path(__file__).resolve().parents[3] / "app.py"


def prepare_data(workdir: Path, size: int, periods: list[str]) -> Path:
    """The import files of one size (written once, reused while the recipe is the same)."""
    folder = workdir / f"data-{size}"
    manifest = folder / "manifest.json"
    if manifest.exists():
        known = json.loads(manifest.read_text(encoding="utf-8"))
        if known.get("seed") == SEED and known.get("months") == periods:
            return folder
    write_files(folder, make_org(), load_bank(), size, periods)
    return folder


def _schema_url(base: str, schema: str) -> str:
    url = make_url(normalise_url(base)).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def run_one(
    backend: str,
    size: int,
    data: Path,
    workdir: Path,
    postgres_url: str,
    today: date,
    lang: str,
    *,
    keep: bool = False,
) -> Result:
    """One size on one backend in a subprocess, on a fresh database that is removed after."""
    result = Result(backend, size)
    out = workdir / f"result-{backend}-{size}.json"
    out.unlink(missing_ok=True)
    admin = None
    schema = ""
    if backend == "sqlite":
        path = workdir / f"bench-{size}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        schema = f"bench_{size}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(normalise_url(postgres_url), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        except SQLAlchemyError as exc:
            admin.dispose()
            result.error = t("bench.postgres_unreachable", lang, detail=str(exc).splitlines()[0])
            return result
        url = _schema_url(postgres_url, schema)
    command = [
        sys.executable,
        "-m",
        "bgm_dashboard.bench.runner",
        "--url",
        url,
        "--data",
        str(data),
        "--app",
        str(find_app()),
        "--today",
        today.isoformat(),
        "--out",
        str(out),
        "--lang",
        lang,
        "--label",
        f"{backend} {size}",
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    try:
        done = subprocess.run(command, env=env, timeout=RUN_TIMEOUT_S, check=False)
        if done.returncode != 0 or not out.exists():
            result.error = t("bench.run_failed", lang, code=done.returncode)
        else:
            result.figures = json.loads(out.read_text(encoding="utf-8"))
    except subprocess.TimeoutExpired:
        result.error = t("bench.run_timeout", lang, seconds=RUN_TIMEOUT_S)
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
        elif not keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{workdir / f'bench-{size}.sqlite3'}{suffix}").unlink(missing_ok=True)
    if result.figures:
        f = result.figures
        f["import_responses_per_s"] = f["responses"] / f["import_s"]
        f["import_answers_per_s"] = f["answers"] / f["import_s"]
    return result


def _passes(result: Result, target: Target) -> bool | None:
    value = result.figures.get(target.key)
    return None if value is None else value <= target.limit


def ratios(results: Sequence[Result]) -> dict[str, tuple[float, float, float] | None]:
    """Per backend: (responses, cold dashboard, warm dashboard) of the largest size divided
    by those of the smallest."""
    out: dict[str, tuple[float, float, float] | None] = {}
    for backend in dict.fromkeys(r.backend for r in results):
        done = sorted(
            (r for r in results if r.backend == backend and r.figures), key=lambda r: r.size
        )
        if len(done) < 2:
            out[backend] = None
            continue
        small, large = done[0].figures, done[-1].figures
        out[backend] = (
            large["responses"] / small["responses"],
            large["dashboard_cold_s"] / small["dashboard_cold_s"],
            large["dashboard_warm_s"] / small["dashboard_warm_s"],
        )
    return out


def _backend_name(backend: str, lang: str) -> str:
    return t(f"bench.backend_{backend}", lang)


def _target_text(target: Target | None, lang: str) -> str:
    if target is None:
        return ""
    if target.key == "peak_mb":
        return t("bench.target_mb", lang, limit=number(target.limit, lang, 0))
    return t("bench.target_s", lang, limit=number(target.limit, lang, 1))


def table(results: Sequence[Result], lang: str) -> tuple[str, bool]:
    """The Markdown table of every figure with its target, and whether all targets are met."""
    targets = {tg.key: tg for tg in TARGETS}
    ok = all(r.error is None for r in results)
    header = [t("bench.col_measure", lang), t("bench.col_target", lang)] + [
        f"{_backend_name(r.backend, lang)} {number(r.size, lang, 0)}" for r in results
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for key, label, digits in ROWS:
        target = targets.get(key)
        cells = [t(label, lang), _target_text(target, lang)]
        for r in results:
            value = r.figures.get(key)
            if value is None:
                cells.append("–")
                continue
            cell = number(value, lang, digits)
            if target is not None:
                passed = _passes(r, target)
                ok = ok and bool(passed)
                cell += " " + t("bench.pass" if passed else "bench.fail", lang)
            cells.append(cell)
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        "| "
        + " | ".join(
            [
                t("bench.col_backend", lang),
                t("bench.col_responses_ratio", lang),
                t("bench.col_cold_ratio", lang),
                t("bench.col_warm_ratio", lang),
                t("bench.col_target", lang),
            ]
        )
        + " |"
    )
    lines.append("|---|---|---|---|---|")
    for backend, ratio in ratios(results).items():
        if ratio is None:
            lines.append(f"| {_backend_name(backend, lang)} | – | – | – | – |")
            continue
        passed = ratio[1] <= RATIO_LIMIT and ratio[2] <= RATIO_LIMIT
        ok = ok and passed
        verdict = t("bench.pass" if passed else "bench.fail", lang)
        lines.append(
            f"| {_backend_name(backend, lang)} | {number(ratio[0], lang, 0)} | "
            f"{number(ratio[1], lang, 2)} | {number(ratio[2], lang, 2)} | "
            f"{t('bench.ratio_target', lang, limit=number(RATIO_LIMIT, lang, 1))} {verdict} |"
        )
    for r in results:
        if r.error:
            lines.append("")
            lines.append(f"{_backend_name(r.backend, lang)} {number(r.size, lang, 0)}: {r.error}")
    return "\n".join(lines), ok


def machine(lang: str, postgres_version: str | None, load: tuple[float, float]) -> str:
    """One line on the machine the figures come from (other work on it slows every figure:
    the load average says how busy it was)."""
    return t(
        "bench.machine",
        lang,
        cpus=os.cpu_count() or 0,
        python=platform.python_version(),
        sqlite=sqlite3.sqlite_version,
        postgres=postgres_version or "–",
        load_start=number(load[0], lang, 1),
        load_end=number(load[1], lang, 1),
    )


def _postgres_version(url: str) -> str | None:
    try:
        engine = create_engine(normalise_url(url))
        with engine.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar())
        engine.dispose()
        return version.split()[0]
    except SQLAlchemyError:
        return None


def run_suite(
    sizes: Sequence[int],
    backends: Sequence[str],
    postgres_url: str,
    workdir: Path,
    lang: str,
    *,
    today: date | None = None,
    months_count: int = MONTHS,
    keep: bool = False,
    echo: Callable[[str], None] = print,
) -> tuple[str, bool]:
    """Run every size on every backend; returns the report (Markdown) and whether every
    target was met."""
    today = today or date.today()
    load_start = os.getloadavg()[0]
    workdir.mkdir(parents=True, exist_ok=True)
    periods = months(last_complete_month(today), months_count)
    results: list[Result] = []
    for size in sizes:
        echo(t("bench.step_generate", lang, size=number(size, lang, 0), months=len(periods)))
        data = prepare_data(workdir, size, periods)
        for backend in backends:
            echo(
                t(
                    "bench.step_run",
                    lang,
                    backend=_backend_name(backend, lang),
                    size=number(size, lang, 0),
                )
            )
            results.append(
                run_one(backend, size, data, workdir, postgres_url, today, lang, keep=keep)
            )
            if results[-1].error:
                echo(results[-1].error)
    order = {b: i for i, b in enumerate(backends)}
    results.sort(key=lambda r: (order[r.backend], r.size))
    report, ok = table(results, lang)
    pg = _postgres_version(postgres_url) if "postgresql" in backends else None
    lines = [machine(lang, pg, (load_start, os.getloadavg()[0])), "", report, ""]
    lines.append(t("bench.all_met" if ok else "bench.missed", lang))
    return "\n".join(lines), ok
