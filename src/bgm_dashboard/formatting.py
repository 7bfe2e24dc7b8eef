"""Numbers, dates and periods in the user's language (German: ``1.234,5`` and ``26.11.2026``)."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.numbers import format_decimal, format_percent

from bgm_dashboard.i18n import t
from bgm_dashboard.periods import is_month, is_quarter, parse_month, parse_quarter

MINUS = "\u2212"
LOCALES = {"de": "de_DE", "en": "en_GB"}
TIMEZONE = ZoneInfo("Europe/Berlin")
"""Times are stored in UTC and shown in the administration's local time."""


def locale(lang: str) -> str:
    return LOCALES.get(lang, "de_DE")


def number(value: float | int | None, lang: str = "de", digits: int = 1) -> str:
    """``1.234,5`` in German, ``1,234.5`` in English; a dash for no value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    text = format_decimal(value, format=pattern, locale=locale(lang))
    if not text.startswith("-"):
        return text
    # a real minus sign (U+2212), as typeset; a value that rounds to zero has no sign
    digits_only = text[1:]
    return digits_only if not any(ch in "123456789" for ch in digits_only) else MINUS + digits_only


def signed(value: float | None, lang: str = "de", digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = number(abs(value), lang, digits)
    if round(value, digits) == 0:
        return "±" + text
    return ("+" if value > 0 else "−") + text


def arrow(value: float | None, digits: int = 1) -> Literal["up", "down", "off"]:
    """The arrow beside a change, agreeing with its sign as ``signed`` writes it: ±0 has none.
    (Streamlit cannot read the real minus sign "−" and would draw an up arrow.)"""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "off"
    rounded = round(value, digits)
    return "up" if rounded > 0 else "down" if rounded < 0 else "off"


def percent(share: float | None, lang: str = "de", digits: int = 0) -> str:
    """A share 0..1 as a percentage (``12 %`` in German)."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + " %"
    if lang == "en":
        pattern = pattern.replace(" %", "%")
    return format_percent(share, format=pattern, locale=locale(lang))


def day(value: date | None, lang: str = "de") -> str:
    """``26.11.2026`` in German, ``26/11/2026`` in English."""
    if value is None:
        return "–"
    return _format_date(
        value, format="dd.MM.yyyy" if lang == "de" else "dd/MM/yyyy", locale=locale(lang)
    )


def moment(value: datetime | None, lang: str = "de") -> str:
    """``26.11.2026 14:05`` in local time (naive values are taken as local already)."""
    if value is None:
        return "–"
    pattern = "dd.MM.yyyy HH:mm" if lang == "de" else "dd/MM/yyyy HH:mm"
    if value.tzinfo is not None:
        value = value.astimezone(TIMEZONE)
    return _format_datetime(value, format=pattern, locale=locale(lang))


def local_day(value: datetime | None, lang: str = "de") -> str:
    """The local calendar day of a stored (UTC) time."""
    if value is None:
        return "–"
    return day(value.astimezone(TIMEZONE).date() if value.tzinfo else value.date(), lang)


def period(label: str, lang: str = "de") -> str:
    """``März 2026`` / ``March 2026``; ``Q1/2026`` / ``Q1 2026`` (one quarter format)."""
    if is_month(label):
        year, month = parse_month(label)
        return _format_date(date(year, month, 1), format="MMMM yyyy", locale=locale(lang))
    if is_quarter(label):
        year, quarter = parse_quarter(label)
        return t("period.quarter", lang, quarter=quarter, year=year)
    return label


def period_short(label: str, lang: str = "de") -> str:
    """``03/2026`` for a month on a compact axis; a quarter as everywhere (``Q1/2026``)."""
    if is_month(label):
        year, month = parse_month(label)
        return f"{month:02d}/{year}"
    return period(label, lang)
