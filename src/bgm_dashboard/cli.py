"""The ``bgm`` command: parses arguments and hands them to the sub-command modules."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from bgm_dashboard.commands import (
    audit,
    backup,
    bench,
    core,
    council,
    pulse,
    snapshot,
    users,
    validate,
)
from bgm_dashboard.errors import UserError
from bgm_dashboard.i18n import t
from bgm_dashboard.settings import ConfigError, load_settings

MODULES: list[ModuleType] = [core, users, audit, bench, pulse, backup, council, snapshot, validate]
"""Each module has NAMES (its sub-commands), register(subparsers) and handle(ctx, args, lang)."""


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="bgm", description="BGM Resilienz-Dashboard")
    sub = root.add_subparsers(dest="command", required=True)
    for module in MODULES:
        module.register(sub)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"bgm: {exc}", file=sys.stderr)
        return 2
    lang = settings.language
    from bgm_dashboard.context import make_context  # the heavy part: after parsing

    try:
        ctx = make_context(settings)
        for module in MODULES:
            if args.command in module.NAMES:
                module.handle(ctx, args, lang)
                break
    except UserError as exc:
        print(t("cli.error", lang, message=exc.message(lang)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
