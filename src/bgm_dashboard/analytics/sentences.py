"""Plain-language first sentences of statistical results, in German and English (the method
details go behind a "Methode" expander on the pages and into the export's columns)."""

from __future__ import annotations

from collections.abc import Mapping

from bgm_dashboard.formatting import number, period
from bgm_dashboard.i18n import t
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.periods import is_month, period_index


def indicator_title(bank: ItemBank, indicator: str, lang: str) -> str:
    try:
        return bank.scale(indicator).title[lang]
    except KeyError:
        return indicator


def change_text(bank: ItemBank, indicator: str, value: float, lang: str) -> str:
    """An absolute change with the scale's unit words ("15,8 Punkte" / "0,42 Skalenpunkte")."""
    try:
        digits = 2 if bank.scale(indicator).range[1] <= 5 else 1
    except KeyError:
        digits = 1
    points = "Punkte" if lang == "de" else "points"
    return f"{number(abs(value), lang, digits)} {points}"


def decline_sentence(row: Mapping[str, object], unit_name: str, bank: ItemBank, lang: str) -> str:
    """ "Jugendamt: Wohlbefinden (WHO-5) sinkt seit Juli 2025 deutlich – …"."""
    indicator = str(row["indicator"])
    return t(
        "plain.decline",
        lang,
        unit=unit_name,
        indicator=indicator_title(bank, indicator, lang),
        since=period(str(row["since"]), lang),
        change=change_text(bank, indicator, float(str(row["change"])), lang),
        months=window_months(str(row["first_period"]), str(row["last_period"])),
    )


def window_months(first: str, last: str) -> int:
    """Months covered from the period ``first`` to ``last``, both included."""
    step = 1 if is_month(first) else 3
    return (period_index(last) - period_index(first) + 1) * step
