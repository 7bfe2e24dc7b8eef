"""The ``bench`` sub-command: the scale benchmark at 10,000 and 1,000,000 responses."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bgm_dashboard.bench.defaults import BACKENDS, DEFAULT_POSTGRES_URL, MONTHS
from bgm_dashboard.errors import UserError

if TYPE_CHECKING:
    from bgm_dashboard.context import Context

NAMES = ("bench",)
MIN_SIZE = 100


def register(sub: Any) -> None:
    bench = sub.add_parser(
        "bench", help="measure import, publication, indicator table and dashboard at scale"
    )
    bench.add_argument("--sizes", default="10000,1000000", help="responses, comma-separated")
    bench.add_argument("--backends", default="sqlite,postgresql", help="sqlite, postgresql")
    bench.add_argument(
        "--postgres-url",
        default=os.environ.get("BGM_BENCH_POSTGRES_URL", "").strip() or DEFAULT_POSTGRES_URL,
        help="server for the PostgreSQL runs (a schema of its own, dropped afterwards)",
    )
    bench.add_argument("--workdir", type=Path, default=Path("var") / "bench")
    bench.add_argument("--months", type=int, default=MONTHS, help="monthly waves (default 60)")
    bench.add_argument("--keep", action="store_true", help="keep the SQLite benchmark files")


def parse_sizes(raw: str) -> list[int]:
    try:
        sizes = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise UserError("bench.bad_sizes") from None
    if not sizes or any(size < MIN_SIZE for size in sizes):
        raise UserError("bench.bad_sizes")
    return sorted(set(sizes))


def parse_backends(raw: str) -> list[str]:
    names = [part.strip() for part in raw.split(",") if part.strip()]
    for name in names:
        if name not in BACKENDS:
            raise UserError("bench.bad_backends", name=name)
    if not names:
        raise UserError("bench.bad_backends", name=raw)
    return list(dict.fromkeys(names))


def handle(ctx: Context, args: argparse.Namespace, lang: str) -> None:
    from bgm_dashboard.bench.suite import run_suite

    del ctx  # the benchmark builds its own databases
    if not 3 <= args.months <= 120:
        raise UserError("bench.bad_months")
    sizes = parse_sizes(args.sizes)
    backends = parse_backends(args.backends)

    def echo(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    report, ok = run_suite(
        sizes,
        backends,
        args.postgres_url,
        args.workdir,
        lang,
        months_count=args.months,
        keep=args.keep,
        echo=echo,
    )
    print(report)
    if not ok:
        raise SystemExit(1)
