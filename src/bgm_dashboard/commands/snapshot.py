"""Snapshot sub-commands: ``snapshot create|release|list|show|report`` (the operator acts
for HR and leadership; every step and every report is audited)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.i18n import t

if TYPE_CHECKING:  # the modules that do the work load when a command runs (fast `--help`)
    from bgm_dashboard.context import Context
    from bgm_dashboard.snapshots.store import SnapshotView

FORMATS = (
    "pdf",
    "html",
)  # as snapshots.report.FORMATS (tests/test_snapshot_cli.py holds them equal)

NAMES = ("snapshot",)
CLI = Viewer("cli", frozenset({"system"}))
"""The operator at the command line (named "cli" in the audit log)."""


def register(sub: Any) -> None:
    snap = sub.add_parser("snapshot", help="leadership's frozen quarter: create, release, report")
    s_sub = snap.add_subparsers(dest="action", required=True)
    create = s_sub.add_parser("create", help="freeze a published quarter (a new version)")
    create.add_argument("quarter", help="e.g. 2026-Q3")
    release = s_sub.add_parser("release", help="release a snapshot (leadership)")
    release.add_argument("quarter")
    listing = s_sub.add_parser("list", help="snapshots with version, status and checksum")
    listing.add_argument("quarter", nargs="?", default=None)
    show = s_sub.add_parser("show", help="a snapshot's facts, indicators and changes")
    show.add_argument("quarter")
    report = s_sub.add_parser("report", help="the quarter report as PDF or HTML")
    report.add_argument("quarter")
    report.add_argument("--format", choices=FORMATS, default="pdf")
    report.add_argument("--lang", choices=("de", "en"), default=None)
    report.add_argument("--output", type=Path, default=None)
    report.add_argument("--depth", type=int, default=None, help="units down to this depth")
    for parser in (create, release, show, report):
        parser.add_argument("--scope", default="", help="unit code of a subtree")
    for parser in (release, show, report):
        parser.add_argument("--version", type=int, default=None)


def _line(snap: SnapshotView, lang: str) -> str:
    from bgm_dashboard.formatting import moment

    status = t(f"snapshot.status.{snap.status}", lang)
    scope = f" [{snap.scope}]" if snap.scope else ""
    when = moment(snap.created_at, lang)
    return f"{snap.quarter}{scope} v{snap.version}  {status}  {snap.checksum[:16]}  {when}"


def _changes(snap: SnapshotView, lang: str) -> None:
    for change in snap.changes:
        what = t("snapshot.change." + change["what"], lang)
        print(f"  * {what} {change['key']}: {change['before']} -> {change['after']}")


def _show(ctx: Context, snap: SnapshotView, lang: str) -> None:
    from bgm_dashboard.formatting import moment, number, signed
    from bgm_dashboard.snapshots.document import digits

    payload = snap.payload
    print(_line(snap, lang))
    print(t("snapshot.cli.sha", lang, checksum=snap.checksum))
    if snap.released:
        print(
            t(
                "snapshot.report.released_by",
                lang,
                who=snap.released_by,
                at=moment(snap.released_at, lang),
            )
        )
    for row in payload["glance"]:
        places = digits(ctx.bank, row["indicator"])
        previous = row["previous"]["diff"] if row["previous"] else None
        year = row["year"]["diff"] if row["year"] else None
        title = ctx.bank.scale(row["indicator"]).title[lang]
        print(
            f"  {title}: {number(row['value'], lang, places)}"
            f"  ({signed(previous, lang, places)} / {signed(year, lang, places)})"
        )
    _changes(snap, lang)


def handle(ctx: Context, args: argparse.Namespace, lang: str) -> None:
    from bgm_dashboard.formatting import period
    from bgm_dashboard.snapshots.report import snapshot_report
    from bgm_dashboard.snapshots.store import (
        create_snapshot,
        get_snapshot,
        list_snapshots,
        release_snapshot,
    )

    if args.action == "create":
        with ctx.write() as session:
            snap = create_snapshot(session, CLI, args.quarter, bank=ctx.bank, scope=args.scope)
        print(
            t(
                "snapshot.cli.created",
                lang,
                quarter=period(snap.quarter, lang),
                version=snap.version,
                checksum=snap.checksum,
            )
        )
        _changes(snap, lang)
    elif args.action == "release":
        with ctx.write() as session:
            snap = release_snapshot(session, CLI, args.quarter, args.version, scope=args.scope)
        print(
            t(
                "snapshot.cli.released",
                lang,
                quarter=period(snap.quarter, lang),
                version=snap.version,
                checksum=snap.checksum,
            )
        )
    elif args.action == "list":
        with ctx.read() as session:
            snaps = list_snapshots(session, CLI, quarter=args.quarter)
        if not snaps:
            print(t("snapshot.cli.none", lang))
        for snap in snaps:
            print(_line(snap, lang))
    elif args.action == "show":
        with ctx.read() as session:
            snap = get_snapshot(session, CLI, args.quarter, args.version, scope=args.scope)
        _show(ctx, snap, lang)
    elif args.action == "report":
        with ctx.write() as session:
            snap = get_snapshot(session, CLI, args.quarter, args.version, scope=args.scope)
            data = snapshot_report(
                session,
                CLI,
                snap,
                bank=ctx.bank,
                fmt=args.format,
                lang=args.lang or lang,
                depth=args.depth,
            )
        if args.output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            args.output.write_bytes(data)
            print(t("snapshot.cli.written", lang, path=str(args.output)), file=sys.stderr)
