"""``bgm audit``: check the audit log's hash chain, or export the log as CSV (the export is
itself recorded)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bgm_dashboard.auth.audit import csv_bytes, entries, record_export, verify_chain
from bgm_dashboard.auth.viewer import SYSTEM
from bgm_dashboard.context import Context
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.i18n import t

NAMES = ("audit",)


def register(sub: Any) -> None:
    audit = sub.add_parser("audit", help="check or export the audit log")
    audit_sub = audit.add_subparsers(dest="action", required=True)
    audit_sub.add_parser("verify", help="check the hash chain of the audit log")
    export = audit_sub.add_parser("export", help="the audit log as CSV")
    export.add_argument("--output", type=Path, default=None)


def handle(ctx: Context, args: argparse.Namespace, lang: str) -> None:
    if args.action == "verify":
        with ctx.read() as session:
            check = verify_chain(session, SYSTEM)
        if not check.ok:
            raise ValidationError("audit.chain_broken", id=check.first_bad_id)
        print(t("audit.chain_ok", lang, count=check.entries))
        return
    with ctx.write() as session:
        frame = entries(session, SYSTEM)
        data = csv_bytes(frame)
        record_export(session, SYSTEM, frame, "cli")
    if args.output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        args.output.write_bytes(data)
