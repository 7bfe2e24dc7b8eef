"""Runs one benchmark (one backend, one size) in its own process: loads the synthetic
administration through the real import path, publishes, and times the reads users wait for."""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bgm_dashboard.auth.viewer import SYSTEM, Viewer
from bgm_dashboard.context import Context, make_context
from bgm_dashboard.db.models import Response
from bgm_dashboard.exports.indicators import indicator_table
from bgm_dashboard.i18n import t
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.privacy.gate import released_figures
from bgm_dashboard.settings import load_settings
from bgm_dashboard.survey.importer import import_responses_in_batches
from bgm_dashboard.ui.page_timing import clear, time_page

WARM_RUNS = 3
DASHBOARD_PAGE = "pages/overview.py"


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = action()
    return time.perf_counter() - start, value


def _context(url: str, *, migrate: bool) -> Context:
    settings = replace(load_settings({}), database_url=url)
    return make_context(settings, migrate=migrate)


def _import(ctx: Context, files: Sequence[Path], echo: Callable[[str], None]) -> float:
    """Import every monthly file as `bgm import responses` does (checked whole, written in
    short batches that let answers through)."""
    total = 0.0
    for number, path in enumerate(files, start=1):
        start = time.perf_counter()
        import_responses_in_batches(ctx.read, ctx.write, ctx.bank, path)
        total += time.perf_counter() - start  # the commit included
        if number % 12 == 0 or number == len(files):
            echo(f"{number}/{len(files)}")
    return total


def run(
    url: str,
    data: Path,
    app: Path,
    today: date,
    *,
    lang: str = "en",
    echo: Callable[[str], None] | None = None,
) -> dict[str, float]:
    """Everything measured for one database: figures in seconds, MB and counts."""
    say = echo or (lambda _text: None)
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    files = [data / name for name in manifest["files"]]
    out: dict[str, float] = {"responses": manifest["responses"], "answers": manifest["answers"]}

    ctx = _context(url, migrate=True)
    with ctx.write() as session:
        import_departments(session, data / "departments.csv")
    say(t("bench.step_import", lang, months=len(files)))
    out["import_s"] = _import(ctx, files, lambda text: say(t("bench.progress", lang, done=text)))
    out["peak_after_import_mb"] = peak_memory_mb()
    with ctx.read() as session:
        stored = session.scalar(select(func.count()).select_from(Response))
    if stored != manifest["responses"]:
        raise RuntimeError(f"{stored} responses stored, {manifest['responses']} written")

    say(t("bench.step_publish", lang))
    with ctx.write() as session:
        out["publish_s"], published = _timed(lambda: ctx.publish_due(session, today))
    out["quarters"] = len(published)
    ctx.engine.dispose()

    say(t("bench.step_read", lang))
    fresh = _context(url, migrate=False)  # a new engine: no pooled connection, no cache
    with fresh.read() as session:
        out["table_cold_s"], table = _timed(
            lambda: indicator_table(session, SYSTEM, fresh.bank, granularity="quarter")
        )
    out["table_rows"] = len(table)
    del table
    with fresh.read() as session:
        out["table_warm_s"], _ = _timed(
            lambda: indicator_table(session, SYSTEM, fresh.bank, granularity="quarter")
        )

    say(t("bench.step_dashboard", lang))
    os.environ["BGM_DATABASE_URL"] = url
    times = time_page(app, DASHBOARD_PAGE, Viewer("bench", frozenset({"hr"})), warm_runs=WARM_RUNS)
    out["dashboard_first_s"] = times.first
    out["dashboard_cold_s"] = times.cold
    out["dashboard_warm_s"] = times.warm
    out["peak_mb"] = peak_memory_mb()
    clear()
    with fresh.read() as session:  # what the dashboard reads: every released quarter cell
        out["published_rows"] = len(
            released_figures(session, SYSTEM, granularity="quarter", include_rest=True)
        )
    fresh.engine.dispose()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the benchmark subprocess; writes its figures as JSON."""
    parser = argparse.ArgumentParser(prog="bgm-bench-run")
    parser.add_argument("--url", required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--app", type=Path, required=True)
    parser.add_argument("--today", type=date.fromisoformat, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--label", default="")
    args = parser.parse_args(argv)

    def echo(text: str) -> None:
        print(f"  {args.label}: {text}", file=sys.stderr, flush=True)

    figures = run(args.url, args.data, args.app, args.today, lang=args.lang, echo=echo)
    args.out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
