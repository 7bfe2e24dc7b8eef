"""``bgm backup FILE`` and ``bgm restore FILE``: the whole database, consistent while the app
writes (see db/backup.py and the README)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bgm_dashboard.errors import ValidationError
from bgm_dashboard.i18n import t

if TYPE_CHECKING:
    from bgm_dashboard.context import Context

NAMES = ("backup", "restore")


def register(sub: Any) -> None:
    save = sub.add_parser("backup", help="write a consistent copy of the database to FILE")
    save.add_argument("file", type=Path)
    load = sub.add_parser("restore", help="replace the database's content with a backup")
    load.add_argument("file", type=Path)
    load.add_argument(
        "--force", action="store_true", help="also when the database already holds answers"
    )


def handle(ctx: Context, args: argparse.Namespace, lang: str) -> None:
    from sqlalchemy import func, select

    from bgm_dashboard.db.backup import backup, restore
    from bgm_dashboard.db.migrate import upgrade
    from bgm_dashboard.db.models import Response

    if args.command == "backup":
        backup(ctx.engine, args.file)
        print(t("cli.backup_done", lang, path=str(args.file)))
        return
    with ctx.read() as session:
        held = int(session.scalar(select(func.count()).select_from(Response)) or 0)
    if held and not args.force:
        raise ValidationError("backup.target_not_empty", count=held)
    restore(ctx.engine, args.file)
    upgrade(ctx.engine)  # a backup of an older version gets the current schema
    print(t("cli.restore_done", lang, path=str(args.file)))
