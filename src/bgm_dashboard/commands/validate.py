"""The ``validate`` sub-command: false-alarm rate and power of every verdict rule on
simulated administrations with fixed seeds (the figures in docs/methods.md)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from bgm_dashboard.errors import UserError
from bgm_dashboard.i18n import t

if TYPE_CHECKING:  # the simulation loads when the command runs (fast `--help`)
    from bgm_dashboard.context import Context
    from bgm_dashboard.validation.methods import Result

NAMES = ("validate",)


def register(sub: Any) -> None:
    command = sub.add_parser(
        "validate", help="simulate administrations; print false-alarm rate and power per rule"
    )
    command.add_argument("--runs", type=int, default=100, help="simulations per scenario")


def table(results: list[Result], lang: str) -> str:
    """A Markdown table: rule, scenario, runs, how often it fired, the target."""
    from bgm_dashboard.formatting import percent

    header = [
        t(f"validate.col_{c}", lang) for c in ("method", "scenario", "runs", "rate", "target")
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in results:
        cells = [
            t(f"validate.method_{r.method}", lang),
            t(f"validate.scenario_{r.scenario}", lang),
            str(r.runs),
            percent(r.rate, lang, 0) + ("" if r.share is not None else f" ({r.hits})"),
            r.target,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def handle(ctx: Context, args: argparse.Namespace, lang: str) -> None:
    from bgm_dashboard.validation.methods import validate

    if not 1 <= args.runs <= 10_000:
        raise UserError("validate.bad_runs")
    print(table(validate(ctx.bank, args.runs), lang))
