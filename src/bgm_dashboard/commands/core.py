"""Core sub-commands: init, seed-demo, import, export, publish, wave."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from bgm_dashboard.auth.audit import record
from bgm_dashboard.auth.viewer import SYSTEM
from bgm_dashboard.context import Context
from bgm_dashboard.errors import UserError
from bgm_dashboard.exports.analytics import TABLES, analytics_table
from bgm_dashboard.exports.indicators import indicator_table
from bgm_dashboard.exports.tables import FORMATS, table_bytes
from bgm_dashboard.governance.settings import current
from bgm_dashboard.i18n import t
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.privacy.publication import republish
from bgm_dashboard.survey.importer import import_responses
from bgm_dashboard.survey.waves import close_wave, issue_tokens, open_wave, wave_for_period

NAMES = ("init", "seed-demo", "import", "export", "publish", "wave")


def register(sub: Any) -> None:
    sub.add_parser("init", help="create or update the database schema")
    seed = sub.add_parser("seed-demo", help="load the demo municipality from sample_data/")
    seed.add_argument("--if-empty", action="store_true", help="only when no unit exists yet")
    seed.add_argument("--folder", type=Path, default=None, help="folder with the demo CSV files")

    imp = sub.add_parser("import", help="import departments or responses from CSV")
    imp_sub = imp.add_subparsers(dest="what", required=True)
    for what in ("departments", "responses"):
        imp_sub.add_parser(what).add_argument("file", type=Path)

    exp = sub.add_parser("export", help="export released figures")
    exp_sub = exp.add_subparsers(dest="what", required=True)
    ind = exp_sub.add_parser("indicators")
    ind.add_argument("--period", choices=("month", "quarter"), default="quarter")
    ind.add_argument("--format", choices=FORMATS, default="csv")
    ind.add_argument("--output", type=Path, default=None)
    for what in TABLES:
        table = exp_sub.add_parser(what, help=f"the {what} table as the pages show it")
        table.add_argument("--format", choices=FORMATS, default="csv")
        table.add_argument("--output", type=Path, default=None)

    sub.add_parser(
        "publish", help="publish every quarter that has ended and whose waves are closed"
    )

    wave = sub.add_parser("wave", help="open or close a survey wave, issue tokens")
    wave_sub = wave.add_subparsers(dest="action", required=True)
    w_open = wave_sub.add_parser("open")
    w_open.add_argument("period", help="month, e.g. 2026-11")
    w_open.add_argument("--title", default="")
    w_open.add_argument("--closes-on", type=date.fromisoformat, default=None)
    wave_sub.add_parser("close").add_argument("period")
    w_tokens = wave_sub.add_parser("tokens")
    w_tokens.add_argument("period")
    w_tokens.add_argument("--count", type=int, required=True)
    w_tokens.add_argument("--output", type=Path, required=True)


def _emit(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)


def handle(ctx: Context, args: argparse.Namespace, lang: str) -> None:
    if args.command == "init":
        print(t("cli.init_done", lang))
    elif args.command == "seed-demo":
        from bgm_dashboard.demo import seed_demo

        loaded = seed_demo(ctx, folder=args.folder, only_if_empty=args.if_empty)
        print(t("cli.seed_done" if loaded else "cli.seed_skipped", lang))
    elif args.command == "import":
        _import(ctx, args, lang)
    elif args.command == "export":
        with ctx.write() as session:
            if args.what == "indicators":
                table = indicator_table(session, SYSTEM, ctx.bank, granularity=args.period)
                details = {"period": args.period}
            else:
                table = analytics_table(session, SYSTEM, ctx.bank, args.what, lang)
                details = {}
            record(
                session,
                "cli",
                "export",
                args.what,
                {**details, "format": args.format, "rows": len(table)},
            )
        _emit(table_bytes(table, args.format, sheet=args.what), args.output)
    elif args.command == "publish":
        with ctx.write() as session:
            if args.republish:
                republish(
                    session,
                    args.republish,
                    bank=ctx.bank,
                    governance=current(session, ctx.settings),
                )
                published = [args.republish]
            else:
                published = ctx.publish_due(session)
            record(
                session, "cli", "publish", ", ".join(published), {"republish": bool(args.republish)}
            )
        print(t("cli.published", lang, quarters=", ".join(published) or "–"))
    elif args.command == "wave":
        _wave(ctx, args, lang)


def _import(ctx: Context, args: argparse.Namespace, lang: str) -> None:
    with ctx.write() as session:
        if args.what == "departments":
            count = import_departments(session, args.file)
            record(session, "cli", "import_departments", str(args.file), {"rows": count})
            print(t("cli.imported_departments", lang, count=count))
            return
        count = import_responses(session, ctx.bank, args.file)
        published = ctx.publish_due(session)
        record(
            session,
            "cli",
            "import_responses",
            str(args.file),
            {"rows": count, "published": published},
        )
        print(t("cli.imported_responses", lang, count=count))
        if published:
            print(t("cli.published", lang, quarters=", ".join(published)))


def _wave(ctx: Context, args: argparse.Namespace, lang: str) -> None:
    with ctx.write() as session:
        if args.action == "open":
            open_wave(
                session,
                args.period,
                indicators=list(ctx.bank.indicator_codes),
                title=args.title,
                closes_on=args.closes_on,
            )
            record(session, "cli", "wave_open", args.period)
            print(t("cli.wave_opened", lang, period=args.period))
            return
        wave = wave_for_period(session, args.period)
        if wave is None:
            raise UserError("wave.unknown", period=args.period)
        if args.action == "close":
            close_wave(session, wave)
            published = ctx.publish_due(session)
            record(session, "cli", "wave_close", args.period, {"published": published})
            print(t("cli.wave_closed", lang, period=args.period))
            if published:
                print(t("cli.published", lang, quarters=", ".join(published)))
        else:
            tokens = issue_tokens(session, wave, args.count)
            args.output.write_text("token\n" + "\n".join(tokens) + "\n", encoding="utf-8")
            record(session, "cli", "wave_tokens", args.period, {"count": len(tokens)})
            print(t("cli.tokens_issued", lang, count=len(tokens), path=str(args.output)))
