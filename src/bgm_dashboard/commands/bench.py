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
    bench.add_argument(
        "--load-seconds", type=float, default=120.0, help="load test: seconds a phase (0: none)"
    )
    bench.add_argument("--submitters", type=int, default=50, help="load test: concurrent senders")
    bench.add_argument(
        "--load-import", type=int, default=200_000, help="load test: responses in the large import"
    )
    bench.add_argument("--load-only", action="store_true", help="only the load test")


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

    ok = True
    if not args.load_only:
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
    if args.load_seconds > 0:
        from bgm_dashboard.bench.load import run_load_suite
        from bgm_dashboard.formatting import number
        from bgm_dashboard.i18n import t

        load_report, load_ok = run_load_suite(
            backends,
            args.postgres_url,
            args.workdir,
            lang,
            seconds=args.load_seconds,
            submitters=args.submitters,
            import_size=args.load_import,
            echo=echo,
        )
        title = t(
            "bench.load_title",
            lang,
            n=args.submitters,
            s=number(args.load_seconds, lang, 0),
            rows=number(args.load_import, lang, 0),
        )
        print(f"\n{title}\n\n{load_report}")
        ok = ok and load_ok
    if not ok:
        raise SystemExit(1)
