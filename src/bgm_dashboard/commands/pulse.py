"""Pulse sub-commands: ``schedule run`` (for cron or a systemd timer), ``schedule show``,
``addresses import|erase`` and ``letters`` (printable code letters as PDF)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bgm_dashboard.i18n import t
from bgm_dashboard.settings import ConfigError

if TYPE_CHECKING:  # the modules that do the work load when a command runs (fast `--help`)
    from bgm_dashboard.context import Context

LAYOUTS = ("pages", "slips")  # as pulse.letters.LAYOUTS (tests/test_cli_start.py holds them equal)

NAMES = ("schedule", "addresses", "letters")


def register(sub: Any) -> None:
    schedule = sub.add_parser("schedule", help="run the pulse schedule (cron, systemd timer)")
    s_sub = schedule.add_subparsers(dest="action", required=True)
    run = s_sub.add_parser("run", help="open, remind, close and publish what is due today")
    run.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    s_sub.add_parser("show", help="the rhythm and the next waves")

    addresses = sub.add_parser("addresses", help="the address list for invitations")
    a_sub = addresses.add_subparsers(dest="action", required=True)
    a_sub.add_parser("import", help="replace the list (CSV: email, unit[, language])").add_argument(
        "file", type=Path
    )
    a_sub.add_parser("erase", help="delete every address now")

    letters = sub.add_parser("letters", help="printable code letters (PDF) for an open wave")
    letters.add_argument("period", help="month of the wave, e.g. 2027-01")
    letters.add_argument("--count", type=int, required=True)
    letters.add_argument("--layout", choices=LAYOUTS, default="pages")
    letters.add_argument("--output", type=Path, required=True)


def handle(ctx: Context, args: argparse.Namespace, lang: str) -> None:
    from bgm_dashboard.auth.viewer import SYSTEM
    from bgm_dashboard.formatting import day
    from bgm_dashboard.governance.settings import current
    from bgm_dashboard.pulse.addresses import erase_addresses_as, import_addresses
    from bgm_dashboard.pulse.letters import code_letters
    from bgm_dashboard.pulse.mailconfig import load_mail_settings, public_url
    from bgm_dashboard.pulse.runner import last_run, report_lines, run_schedule
    from bgm_dashboard.pulse.schedule import load_plan, upcoming

    if args.command == "schedule":
        if args.action == "run":
            try:
                mail = load_mail_settings()
            except ConfigError as exc:
                print(f"bgm: {exc}", file=sys.stderr)
                raise SystemExit(2) from None
            report = run_schedule(ctx, today=args.today, mail=mail)
            print("\n".join(report_lines(report, lang)))
            return
        with ctx.read() as session:
            plan = load_plan(session)
            ran = last_run(session)
        if plan is None:
            print(t("pulse.no_schedule", lang))
            return
        print(t(f"pulse.rhythm_{plan.rhythm}", lang) + ("" if plan.active else " (pause)"))
        print(t("pulse.last_run", lang, day=day(ran, lang) if ran else "–"))
        for item in upcoming(plan, date.today()):
            print(f"{item.period}: {day(item.opens_on, lang)} – {day(item.closes_on, lang)}")
    elif args.command == "addresses":
        with ctx.write() as session:
            if args.action == "import":
                count = import_addresses(session, SYSTEM, args.file.read_bytes())
                print(t("pulse.addresses_imported", lang, count=count))
            else:
                count = erase_addresses_as(session, SYSTEM)
                print(t("pulse.addresses_erased", lang, count=count))
    elif args.command == "letters":
        with ctx.write() as session:
            batch = code_letters(
                session,
                SYSTEM,
                args.period,
                args.count,
                public_url=public_url(),
                min_group_size=current(session, ctx.settings).min_group_size,
                layout=args.layout,
                actor="cli",
            )
        args.output.write_bytes(batch.pdf)
        print(t("pulse.letters_written", lang, count=len(batch.codes), path=str(args.output)))
