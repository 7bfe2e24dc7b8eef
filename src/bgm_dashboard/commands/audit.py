"""``bgm audit``: check the audit log's chain (optionally against kept anchors), anchor its
head, export it as CSV (the export is itself recorded), rotate its key, and grant the
PostgreSQL app role its rights."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bgm_dashboard.errors import ValidationError
from bgm_dashboard.i18n import t

if TYPE_CHECKING:  # the modules that do the work load when a command runs (fast `--help`)
    from bgm_dashboard.context import Context

NAMES = ("audit",)


def register(sub: Any) -> None:
    audit = sub.add_parser("audit", help="check, anchor or export the audit log")
    audit_sub = audit.add_subparsers(dest="action", required=True)
    verify = audit_sub.add_parser("verify", help="check the chain (and kept anchors)")
    verify.add_argument(
        "--anchor", type=Path, action="append", default=[], help="a file `bgm audit anchor` wrote"
    )
    anchor = audit_sub.add_parser("anchor", help="record and print the head of the chain")
    anchor.add_argument("--output", type=Path, default=None, help="append the anchor to FILE")
    export = audit_sub.add_parser("export", help="the audit log as CSV")
    export.add_argument("--output", type=Path, default=None)
    audit_sub.add_parser("rotate-key", help="add a new audit key to the key file")
    grant = audit_sub.add_parser("grant", help="PostgreSQL: rights of the app role")
    grant.add_argument("--app-role", required=True)


def _verify(ctx: Context, files: list[Path], lang: str) -> None:
    from bgm_dashboard.auth.audit import read_anchors, verify_chain
    from bgm_dashboard.auth.viewer import SYSTEM

    anchors = [a for path in files for a in read_anchors(path)]
    with ctx.read() as session:
        check = verify_chain(session, SYSTEM, anchors)
    if not check.ok:
        raise ValidationError(
            "audit.chain_broken_at",
            seq=check.first_bad_seq,
            problem=t(f"audit.problem_{check.problem}", lang),
        )
    print(
        t(
            "audit.chain_ok_head",
            lang,
            count=check.entries,
            seq=check.head_seq,
            hash=check.head_hash,
        )
    )
    if anchors:
        print(t("audit.anchors_ok", lang, count=len(anchors)))


def _anchor(ctx: Context, output: Path | None, lang: str) -> None:
    from bgm_dashboard.auth.audit import ANCHORED, Anchor, record

    with ctx.write() as session:
        entry = record(session, "cli", ANCHORED, "audit_log", {"file": output is not None})
        anchor = Anchor(entry.seq, entry.hash)
    line = anchor.line(entry.at)
    if output is not None:
        with output.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        print(t("audit.anchor_written", lang, seq=anchor.seq, hash=anchor.hash, path=output))
    else:
        print(line)


def handle(ctx: Context, args: argparse.Namespace, lang: str) -> None:
    from bgm_dashboard.auth.audit import csv_bytes, entries, record_export, rotate_key
    from bgm_dashboard.auth.db_roles import grant_app_role
    from bgm_dashboard.auth.viewer import SYSTEM

    if args.action == "verify":
        _verify(ctx, args.anchor, lang)
        return
    if args.action == "anchor":
        _anchor(ctx, args.output, lang)
        return
    if args.action == "rotate-key":
        with ctx.write() as session:
            ring = rotate_key(session, SYSTEM, ctx.keyring)
        print(t("audit.key_rotated", lang, key=ring.current_id, path=ring.path))
        return
    if args.action == "grant":
        grant_app_role(ctx.engine, args.app_role)
        print(t("audit.grant_done", lang, role=args.app_role))
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
