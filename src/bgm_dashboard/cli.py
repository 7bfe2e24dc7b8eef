"""The ``bgm`` command: set up the database, import, publish, export and look after waves."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bgm_dashboard.auth.viewer import SYSTEM
from bgm_dashboard.context import Context, make_context
from bgm_dashboard.errors import UserError
from bgm_dashboard.exports.indicators import indicator_table
from bgm_dashboard.exports.tables import FORMATS, table_bytes
from bgm_dashboard.i18n import t
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.settings import ConfigError, load_settings
from bgm_dashboard.survey.importer import import_responses
from bgm_dashboard.survey.waves import close_wave, issue_tokens, open_wave, wave_for_period


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bgm", description="BGM Resilienz-Dashboard")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create or update the database schema")
    seed = sub.add_parser("seed-demo", help="load the demo municipality from sample_data/")
    seed.add_argument("--if-empty", action="store_true", help="only when no unit exists yet")
    seed.add_argument("--folder", type=Path, default=None, help="folder with the demo CSV files")

    imp = sub.add_parser("import", help="import departments or responses from CSV")
    imp_sub = imp.add_subparsers(dest="what", required=True)
    for what in ("departments", "responses"):
        p = imp_sub.add_parser(what)
        p.add_argument("file", type=Path)

    exp = sub.add_parser("export", help="export released figures")
    exp_sub = exp.add_subparsers(dest="what", required=True)
    ind = exp_sub.add_parser("indicators")
    ind.add_argument("--period", choices=("month", "quarter"), default="quarter")
    ind.add_argument("--format", choices=FORMATS, default="csv")
    ind.add_argument("--output", type=Path, default=None)

    sub.add_parser(
        "publish", help="publish every quarter that has ended and whose waves are closed"
    )

    wave = sub.add_parser("wave", help="open or close a survey wave, issue tokens")
    wave_sub = wave.add_subparsers(dest="action", required=True)
    w_open = wave_sub.add_parser("open")
    w_open.add_argument("period", help="month, e.g. 2026-11")
    w_open.add_argument("--title", default="")
    w_open.add_argument("--closes-on", type=date.fromisoformat, default=None)
    w_close = wave_sub.add_parser("close")
    w_close.add_argument("period")
    w_tokens = wave_sub.add_parser("tokens")
    w_tokens.add_argument("period")
    w_tokens.add_argument("--count", type=int, required=True)
    w_tokens.add_argument("--output", type=Path, required=True)
    return parser


def _emit(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)


def _run(ctx: Context, args: argparse.Namespace, lang: str) -> None:
    if args.command == "init":
        print(t("cli.init_done", lang))
    elif args.command == "seed-demo":
        from bgm_dashboard.demo import seed_demo

        loaded = seed_demo(ctx, folder=args.folder, only_if_empty=args.if_empty)
        print(t("cli.seed_done" if loaded else "cli.seed_skipped", lang))
    elif args.command == "import":
        with ctx.write() as session:
            if args.what == "departments":
                count = import_departments(session, args.file)
                print(t("cli.imported_departments", lang, count=count))
            else:
                count = import_responses(session, ctx.bank, args.file)
                published = ctx.publish_due(session)
                print(t("cli.imported_responses", lang, count=count))
                if published:
                    print(t("cli.published", lang, quarters=", ".join(published)))
    elif args.command == "export":
        with ctx.read() as session:
            table = indicator_table(session, SYSTEM, ctx.bank, granularity=args.period)
        _emit(table_bytes(table, args.format), args.output)
    elif args.command == "publish":
        with ctx.write() as session:
            published = ctx.publish_due(session)
        print(t("cli.published", lang, quarters=", ".join(published) or "–"))
    elif args.command == "wave":
        with ctx.write() as session:
            if args.action == "open":
                open_wave(
                    session,
                    args.period,
                    indicators=list(ctx.bank.indicator_codes),
                    title=args.title,
                    closes_on=args.closes_on,
                )
                print(t("cli.wave_opened", lang, period=args.period))
                return
            wave = wave_for_period(session, args.period)
            if wave is None:
                raise UserError("wave.unknown", period=args.period)
            if args.action == "close":
                close_wave(session, wave)
                published = ctx.publish_due(session)
                print(t("cli.wave_closed", lang, period=args.period))
                if published:
                    print(t("cli.published", lang, quarters=", ".join(published)))
            else:
                tokens = issue_tokens(session, wave, args.count)
                args.output.write_text("token\n" + "\n".join(tokens) + "\n", encoding="utf-8")
                print(t("cli.tokens_issued", lang, count=len(tokens), path=str(args.output)))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"bgm: {exc}", file=sys.stderr)
        return 2
    lang = settings.language
    try:
        ctx = make_context(settings)
        _run(ctx, args, lang)
    except UserError as exc:
        print(t("cli.error", lang, message=exc.message(lang)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
