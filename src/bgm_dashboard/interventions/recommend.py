"""Recommendations: catalogue entries whose rules match a unit's weak or declining dimensions,
with the reason in words; from the unit's released and shown quarterly cells only."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from bgm_dashboard.formatting import number, period_short, signed
from bgm_dashboard.i18n import t
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.interventions.catalogue import Intervention
from bgm_dashboard.periods import shift_quarter

SHOWN = "shown"


@dataclass(frozen=True)
class Finding:
    """One rule that matched: ``kind`` below | decline | behind."""

    dimension: str
    kind: str
    value: float
    threshold: float
    severity: float
    change: float | None = None
    since: str | None = None
    admin: float | None = None


@dataclass(frozen=True)
class Recommendation:
    entry: Intervention
    findings: tuple[Finding, ...]

    @property
    def severity(self) -> float:
        """How far the worst finding is past its threshold, in meaningful changes."""
        return max(f.severity for f in self.findings)


def digits(indicator: str, bank: ItemBank) -> int:
    """Decimals for an indicator's values: two on a 1–5 scale, none on 0–100."""
    return 2 if bank.scale(indicator).range[1] <= 5 else 0


Cells = dict[tuple[str, str, str], float]
"""(unit code, quarter, indicator) -> mean, for shown cells only."""


def shown_cells(figures: pd.DataFrame) -> Cells:
    """The shown unit cells as a lookup (suppressed cells are simply absent)."""
    cells = figures[figures["kind"] == "unit"] if "kind" in figures else figures
    cells = cells[cells["status"] == SHOWN]
    out: Cells = {}
    for code, period, indicator, mean in zip(
        cells["code"].tolist(),
        cells["period"].tolist(),
        cells["indicator"].tolist(),
        cells["mean"].tolist(),
        strict=True,
    ):
        value = float(mean)
        if math.isfinite(value):
            out[(str(code), str(period), str(indicator))] = value
    return out


def _root(figures: pd.DataFrame) -> str | None:
    roots = figures[figures["depth"] == 0]["code"].unique()
    return str(roots[0]) if len(roots) else None


def recommend(
    figures: pd.DataFrame,
    unit: str,
    period: str,
    entries: Sequence[Intervention],
    bank: ItemBank,
    *,
    cells: Cells | None = None,
) -> list[Recommendation]:
    """Entries whose rules match ``unit`` in the quarter ``period``, worst first."""
    cells = shown_cells(figures) if cells is None else cells
    root = _root(figures)
    out = []
    for entry in entries:
        findings = []
        for rule in entry.rules:
            if rule.dimension not in bank.indicator_codes:
                continue
            scale = bank.scale(rule.dimension)
            sign = 1.0 if scale.direction == "higher_better" else -1.0
            step = scale.meaningful_change or 1.0
            value = cells.get((unit, period, rule.dimension))
            if value is None:
                continue
            if rule.kind == "below" and sign * value < sign * rule.threshold:
                severity = sign * (rule.threshold - value) / step
                findings.append(Finding(rule.dimension, "below", value, rule.threshold, severity))
            elif rule.kind == "decline":
                since = shift_quarter(period, -rule.quarters)
                before = cells.get((unit, since, rule.dimension))
                if before is None:
                    continue
                change = value - before
                if -sign * change >= rule.threshold:
                    findings.append(
                        Finding(
                            rule.dimension,
                            "decline",
                            value,
                            rule.threshold,
                            -sign * change / step,
                            change=change,
                            since=since,
                        )
                    )
            elif rule.kind == "behind" and root is not None and unit != root:
                admin = cells.get((root, period, rule.dimension))
                if admin is None:
                    continue
                gap = sign * (admin - value)
                if gap >= rule.threshold:
                    findings.append(
                        Finding(
                            rule.dimension, "behind", value, rule.threshold, gap / step, admin=admin
                        )
                    )
        if findings:
            out.append(Recommendation(entry, tuple(findings)))
    order = {e.code: i for i, e in enumerate(entries)}
    out.sort(key=lambda r: (-r.severity, order[r.entry.code]))
    return out


def facts(rec: Recommendation, bank: ItemBank, lang: str) -> str:
    """ "Solidarität 45, unter 50, −6 seit Q1/2026" (one part per dimension, joined by "; ")."""
    parts = []
    dims = list(dict.fromkeys(f.dimension for f in rec.findings))
    for dim in dims:
        found = [f for f in rec.findings if f.dimension == dim]
        d = digits(dim, bank)
        qualifiers = []
        for f in found:
            if f.kind == "below":
                qualifiers.append(t("reco.below", lang, threshold=number(f.threshold, lang, d)))
            elif f.kind == "decline" and f.since is not None:
                qualifiers.append(
                    t(
                        "reco.decline",
                        lang,
                        change=signed(f.change, lang, d),
                        since=period_short(f.since, lang),
                    )
                )
            elif f.kind == "behind" and f.admin is not None:
                qualifiers.append(
                    t(
                        "reco.behind",
                        lang,
                        gap=signed(f.value - f.admin, lang, d),
                        admin=number(f.admin, lang, d),
                    )
                )
        head = t(
            "reco.value",
            lang,
            dimension=bank.scale(dim).title[lang],
            value=number(found[0].value, lang, d),
        )
        parts.append(", ".join([head, *qualifiers]))
    return "; ".join(parts)


def reason(rec: Recommendation, bank: ItemBank, lang: str) -> str:
    """The full reason: the facts, an arrow, the entry's title."""
    return t("reco.reason", lang, facts=facts(rec, bank, lang), title=rec.entry.title(lang))


def by_unit(
    figures: pd.DataFrame, period: str, entries: Sequence[Intervention], bank: ItemBank
) -> list[tuple[str, list[Recommendation]]]:
    """Every unit with at least one recommendation in ``period``, most urgent first."""
    units = figures.drop_duplicates("code").sort_values("order")["code"].tolist()
    cells = shown_cells(figures)
    found = [
        (str(u), recommend(figures, str(u), period, entries, bank, cells=cells)) for u in units
    ]
    found = [(u, recs) for u, recs in found if recs]
    found.sort(key=lambda item: -item[1][0].severity)
    return found
