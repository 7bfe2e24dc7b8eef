"""Council sub-commands (issue 15): ``retention run [--dry-run] [--today DATE]`` deletes what
the retention periods let go; ``docs dienstvereinbarung|vvt|dsfa`` writes the documents for
the staff council and the data protection officer from the live settings."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the modules that do the work load when a command runs (fast `--help`)
    from bgm_dashboard.context import Context
    from bgm_dashboard.privacy.retention import RetentionResult

# as governance.documents.KINDS / FORMATS (tests/test_documents.py holds them equal)
KINDS = ("dienstvereinbarung", "vvt", "dsfa")
FORMATS = ("pdf", "docx", "md")

NAMES = ("retention", "docs")
ACTOR = "cli"


def register(sub: Any) -> None:
    retention = sub.add_parser("retention", help="delete raw answers and audit entries now due")
    r_sub = retention.add_subparsers(dest="action", required=True)
    run = r_sub.add_parser("run", help="delete what the retention periods let go")
    run.add_argument("--dry-run", action="store_true", help="only count, delete nothing")
    run.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    docs = sub.add_parser("docs", help="documents for the staff council and data protection")
    docs.add_argument("kind", choices=KINDS)
    docs.add_argument("--format", choices=FORMATS, default="pdf")
    docs.add_argument("--lang", choices=("de", "en"), default="de")
    docs.add_argument("--output", type=Path, default=None, help="file (default: a dated name)")


def run_retention(ctx: Context, *, today: date, dry_run: bool, actor: str) -> RetentionResult:
    from bgm_dashboard.governance.settings import current
    from bgm_dashboard.privacy.retention import apply_retention

    with ctx.write() as session:
        governance = current(session, ctx.settings)
        return apply_retention(session, governance, today=today, actor=actor, dry_run=dry_run)


def handle(ctx: Context, args: argparse.Namespace, lang: str) -> None:
    from bgm_dashboard.auth.audit import record
    from bgm_dashboard.governance.documents import build, file_name, render
    from bgm_dashboard.privacy.retention import retention_lines

    if args.command == "retention":
        result = run_retention(
            ctx, today=args.today or date.today(), dry_run=args.dry_run, actor=ACTOR
        )
        print("\n".join(retention_lines(result, lang)))
    elif args.command == "docs":
        today = date.today()
        with ctx.write() as session:
            document = build(session, args.kind, ctx.bank, lang=args.lang, config=ctx.settings)
            record(session, ACTOR, "document_export", args.kind, {"format": args.format})
        output = args.output or Path(file_name(args.kind, args.format, args.lang, today))
        output.write_bytes(render(document, args.format))
        print(output)
