"""Core sub-commands: init, seed-demo, import, export, publish, wave."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bgm_dashboard.auth.viewer import SYSTEM
from bgm_dashboard.errors import UserError
from bgm_dashboard.i18n import t

if TYPE_CHECKING:  # the modules that do the work load when a command runs (fast `--help`)
    from bgm_dashboard.context import Context
    from bgm_dashboard.privacy.disclosure import WithheldCell

FORMATS = ("csv", "csv-de", "xlsx")  # as exports.tables.FORMATS (tests hold them equal)
TABLES = ("declines", "effects", "crises", "drivers")  # as exports.analytics.TABLES (tests too)

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
    imp_sub.add_parser(
        "clean-up", help="remove what an interrupted response import left (only while none runs)"
    )

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

    publish = sub.add_parser(
        "publish", help="publish every quarter that has ended and whose waves are closed"
    )
    publish.add_argument(
        "--republish",
        metavar="QUARTER",
        default=None,
        help="publish a published quarter again on today's org chart (e.g. 2026-Q1)",
    )

    wave = sub.add_parser("wave", help="open or close a survey wave, issue tokens")
    wave_sub = wave.add_subparsers(dest="action", required=True)
    w_open = wave_sub.add_parser("open")
    w_open.add_argument("period", help="month, e.g. 2026-11")
    w_open.add_argument("--title", default="")
    w_open.add_argument("--closes-on", type=date.fromisoformat, default=None)
    w_open.add_argument(
        "--access",
        choices=("tokens", "link"),
        default="tokens",
        help="participation codes (default); an open link needs the staff council's approval",
    )
    wave_sub.add_parser("close").add_argument("period")
    wave_sub.add_parser("list", help="waves with their counts as they may be shown")
    wave_sub.add_parser(
        "compact", help="rebuild the database files after a close (run as the table owner)"
    )
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
    from bgm_dashboard.auth.audit import record
    from bgm_dashboard.exports.indicators import indicator_table
    from bgm_dashboard.exports.tables import table_bytes
    from bgm_dashboard.governance.settings import current
    from bgm_dashboard.privacy.disclosure import withheld_cells
    from bgm_dashboard.privacy.overfull import held_text
    from bgm_dashboard.privacy.publication import held_quarters, republish

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
            else:  # the analytics (scipy, statsmodels) load only for these tables
                from bgm_dashboard.exports.analytics import analytics_table

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
            withheld: list[WithheldCell] = []
            if args.republish:
                version = republish(
                    session,
                    args.republish,
                    bank=ctx.bank,
                    governance=current(session, ctx.settings),
                )
                published = [args.republish]
                withheld = withheld_cells(
                    list(version.rules.get("withheld", [])), version.tree, ctx.bank, lang
                )
            else:
                published = ctx.publish_due(session)
            record(
                session, "cli", "publish", ", ".join(published), {"republish": bool(args.republish)}
            )
            held = held_quarters(session, date.today())
        print(t("cli.published", lang, quarters=", ".join(published) or "–"))
        for quarter, units in held.items():
            print(held_text(quarter, units, lang))
        if withheld:
            print(t("cli.withheld", lang, count=len(withheld)))
            for cell in withheld:
                print(t("cli.withheld_line", lang, **asdict(cell)))
    elif args.command == "wave":
        _wave(ctx, args, lang)


def _import(ctx: Context, args: argparse.Namespace, lang: str) -> None:
    from bgm_dashboard.auth.audit import record
    from bgm_dashboard.org.service import import_departments
    from bgm_dashboard.survey.importer import import_responses_in_batches, remove_unfinished

    if args.what == "clean-up":
        with ctx.write() as session:
            periods = remove_unfinished(session)
            record(session, "cli", "import_clean_up", ", ".join(periods) or "-")
        print(t("cli.import_cleaned", lang, periods=", ".join(periods) or "–"))
        return
    if args.what == "departments":
        with ctx.write() as session:
            count = import_departments(session, args.file)
            record(session, "cli", "import_departments", str(args.file), {"rows": count})
        print(t("cli.imported_departments", lang, count=count))
        return
    # batch by batch, so that the survey keeps taking answers while a large file goes in;
    # each quarter that becomes due is published in a transaction of its own
    count = import_responses_in_batches(ctx.read, ctx.write, ctx.bank, args.file)
    published = ctx.publish_due_stepwise()
    with ctx.write() as session:
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


def _wave_list(ctx: Context, lang: str) -> None:
    """The waves page's table for the terminal: counts only as ranges, none below k."""
    from bgm_dashboard.governance.settings import current
    from bgm_dashboard.survey.livecounts import band_text
    from bgm_dashboard.survey.management import wave_rows

    with ctx.write() as session:
        rows = wave_rows(session, SYSTEM)
        k = current(session, ctx.settings).min_group_size
    print(t("cli.wave_list_header", lang))
    for r in rows:
        used = f"{band_text(r.codes_used, k, lang)} / {r.tokens_issued}" if r.tokens_issued else "–"
        print(
            " | ".join(
                [
                    r.period,
                    t(f"waves.status_{r.status}", lang),
                    t(f"waves.access_{r.access}", lang),
                    band_text(r.responses, k, lang),
                    used,
                ]
            )
        )


def _wave(ctx: Context, args: argparse.Namespace, lang: str) -> None:
    from bgm_dashboard.auth.audit import record
    from bgm_dashboard.db.compaction import compact
    from bgm_dashboard.privacy.overfull import held_text
    from bgm_dashboard.privacy.publication import held_quarters
    from bgm_dashboard.survey.waves import close_wave, issue_tokens, open_wave, wave_for_period

    if args.action == "list":
        _wave_list(ctx, lang)
        return
    if args.action == "compact":
        if not compact(ctx.engine):
            raise UserError("cli.compact_refused")
        print(t("cli.compacted", lang))
        return
    with ctx.write() as session:
        if args.action == "open":
            open_wave(
                session,
                args.period,
                indicators=list(ctx.bank.indicator_codes),
                title=args.title,
                closes_on=args.closes_on,
                access=args.access,
            )
            record(session, "cli", "wave_open", args.period, {"access": args.access})
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
            for quarter, units in held_quarters(session, date.today()).items():
                print(held_text(quarter, units, lang))
        else:
            tokens = issue_tokens(session, wave, args.count)
            args.output.write_text("token\n" + "\n".join(tokens) + "\n", encoding="utf-8")
            record(session, "cli", "wave_tokens", args.period, {"count": len(tokens)})
            print(t("cli.tokens_issued", lang, count=len(tokens), path=str(args.output)))
