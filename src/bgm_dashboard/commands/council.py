"""Council sub-commands (issue 15): ``retention run [--dry-run] [--today DATE]`` deletes what
the retention periods let go."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from bgm_dashboard.context import Context
from bgm_dashboard.governance.settings import current
from bgm_dashboard.privacy.retention import RetentionResult, apply_retention, retention_lines

NAMES = ("retention",)
ACTOR = "cli"


def register(sub: Any) -> None:
    retention = sub.add_parser("retention", help="delete raw answers and audit entries now due")
    r_sub = retention.add_subparsers(dest="action", required=True)
    run = r_sub.add_parser("run", help="delete what the retention periods let go")
    run.add_argument("--dry-run", action="store_true", help="only count, delete nothing")
    run.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD")


def run_retention(ctx: Context, *, today: date, dry_run: bool, actor: str) -> RetentionResult:
    with ctx.write() as session:
        governance = current(session, ctx.settings)
        return apply_retention(session, governance, today=today, actor=actor, dry_run=dry_run)


def handle(ctx: Context, args: argparse.Namespace, lang: str) -> None:
    if args.command == "retention":
        result = run_retention(
            ctx, today=args.today or date.today(), dry_run=args.dry_run, actor=ACTOR
        )
        print("\n".join(retention_lines(result, lang)))
