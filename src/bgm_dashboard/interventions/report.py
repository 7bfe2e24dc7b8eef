"""Words and tables for an evaluation in the user's language (German number formats)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from bgm_dashboard.formatting import number, period_short, signed
from bgm_dashboard.i18n import t
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.interventions.effect import Estimate, Evaluation, Group, Pooled


def effect_digits(indicator: str, bank: ItemBank) -> int:
    """One decimal on 0–100 scales, two on 1–5 scales."""
    return 2 if bank.scale(indicator).range[1] <= 5 else 1


def points(value: float, lang: str, digits: int, *, sign: bool = False) -> str:
    """A threshold or target: without decimals when it is a whole number."""
    d = 0 if float(value).is_integer() else digits
    return signed(value, lang, d) if sign else number(value, lang, d)


def verdict_text(verdict: str, lang: str) -> str:
    return t(f"plan_effect.verdict.{verdict}", lang)


def reason_text(evaluation: Evaluation, bank: ItemBank, lang: str) -> str:
    d = effect_digits(evaluation.indicator, bank)
    return t(
        f"plan_effect.reason.{evaluation.reason}",
        lang,
        threshold=points(evaluation.threshold, lang, d),
        before=period_short(evaluation.before_period or "", lang),
        after=period_short(evaluation.after_period or "", lang),
    )


def pooled_text(pooled: Pooled, lang: str, digits: int) -> str:
    return t(
        "plan_effect.pooled",
        lang,
        mean=number(pooled.mean, lang, digits),
        n=number(pooled.n, lang, 0),
    )


def estimate_text(estimate: Estimate, lang: str, digits: int) -> str:
    if not (math.isfinite(estimate.low) and math.isfinite(estimate.high)):
        return signed(estimate.value, lang, digits)
    return t(
        "plan_effect.estimate",
        lang,
        value=signed(estimate.value, lang, digits),
        low=signed(estimate.low, lang, digits),
        high=signed(estimate.high, lang, digits),
    )


def unit_names(codes: tuple[str, ...], names: Mapping[str, str]) -> str:
    return ", ".join(names.get(c, c) for c in codes)


def _group_rows(
    group: Group, evaluation: Evaluation, lang: str, digits: int, prefix: str
) -> list[tuple[str, str]]:
    rows = []
    if group.before is not None:
        period = period_short(evaluation.before_period or "", lang)
        rows.append(
            (
                t(f"plan_effect.{prefix}_before", lang, period=period),
                pooled_text(group.before, lang, digits),
            )
        )
    if group.after is not None:
        period = period_short(evaluation.after_period or "", lang)
        rows.append(
            (
                t(f"plan_effect.{prefix}_after", lang, period=period),
                pooled_text(group.after, lang, digits),
            )
        )
    if group.change is not None:
        rows.append(
            (t(f"plan_effect.{prefix}_change", lang), estimate_text(group.change, lang, digits))
        )
    return rows


def evaluation_rows(
    evaluation: Evaluation, bank: ItemBank, lang: str, names: Mapping[str, str]
) -> list[tuple[str, str]]:
    """Label/value rows: plan units before/after, comparison, DiD, verdict. Only figures of
    shown cells (and what is pooled from them) appear."""
    d = effect_digits(evaluation.indicator, bank)
    scale = bank.scale(evaluation.indicator)
    rows = [
        (
            t("plan_effect.indicator", lang),
            t(
                "plan_effect.indicator_value",
                lang,
                indicator=scale.title[lang],
                target=points(evaluation.target_change, lang, d, sign=True),
            ),
        )
    ]
    treated = evaluation.treated
    if treated is not None and treated.units:
        rows.append((t("plan_effect.plan_units", lang), unit_names(treated.units, names)))
        rows.extend(_group_rows(treated, evaluation, lang, d, "plan"))
    comparison = evaluation.comparison
    if comparison is not None and comparison.units:
        rows.append(
            (
                t("plan_effect.comparison_units", lang),
                t("plan_effect.comparison_count", lang, count=len(comparison.units)),
            )
        )
        rows.extend(_group_rows(comparison, evaluation, lang, d, "comparison"))
    if evaluation.did is not None:
        rows.append((t("plan_effect.did", lang), estimate_text(evaluation.did, lang, d)))
    rows.append((t("plan_effect.verdict_label", lang), verdict_text(evaluation.verdict, lang)))
    return rows


def left_out_text(evaluation: Evaluation, lang: str, names: Mapping[str, str]) -> str | None:
    """Which units were left out because a needed cell is suppressed or not published."""
    items = []
    for group in (evaluation.treated, evaluation.comparison):
        if group is None:
            continue
        for left in group.left_out:
            items.append(
                t(
                    f"plan_effect.left_out_{left.status}",
                    lang,
                    unit=names.get(left.code, left.code),
                    period=period_short(left.period, lang),
                )
            )
    if not items:
        return None
    return t("plan_effect.left_out", lang, items="; ".join(dict.fromkeys(items)))


def comparison_note(evaluation: Evaluation, lang: str, names: Mapping[str, str]) -> str | None:
    """Names the comparison units, or says that there were none."""
    if evaluation.treated is None or evaluation.treated.change is None:
        return None
    if evaluation.did is None:
        return t("plan_effect.no_comparison", lang)
    assert evaluation.comparison is not None
    return t(
        "plan_effect.comparison_list", lang, units=unit_names(evaluation.comparison.units, names)
    )
