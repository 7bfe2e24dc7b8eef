"""Survey periods: months (``2026-03``) and quarters (``2026-Q1``), parsed strictly."""

from __future__ import annotations

import re
from datetime import date

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


class PeriodError(ValueError):
    """A period label that is not a month ``YYYY-MM`` or a quarter ``YYYY-Qn``."""


def parse_month(label: str) -> tuple[int, int]:
    """Return ``(year, month)`` for ``YYYY-MM`` or raise :class:`PeriodError`."""
    match = _MONTH.match(label.strip()) if isinstance(label, str) else None
    if match is None:
        raise PeriodError(label)
    return int(match.group(1)), int(match.group(2))


def is_month(label: str) -> bool:
    return isinstance(label, str) and _MONTH.match(label) is not None


def is_quarter(label: str) -> bool:
    return isinstance(label, str) and _QUARTER.match(label) is not None


def month_label(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def month_of(day: date) -> str:
    """The month a calendar day belongs to."""
    return month_label(day.year, day.month)


def quarter_of(month: str) -> str:
    year, mon = parse_month(month)
    return f"{year:04d}-Q{(mon - 1) // 3 + 1}"


def parse_quarter(label: str) -> tuple[int, int]:
    match = _QUARTER.match(label.strip()) if isinstance(label, str) else None
    if match is None:
        raise PeriodError(label)
    return int(match.group(1)), int(match.group(2))


def months_of_quarter(quarter: str) -> list[str]:
    year, q = parse_quarter(quarter)
    return [month_label(year, 3 * (q - 1) + i) for i in (1, 2, 3)]


def quarter_end(quarter: str) -> date:
    """The last day of a quarter."""
    year, q = parse_quarter(quarter)
    if q == 4:
        return date(year, 12, 31)
    first_next = date(year, 3 * q + 1, 1)
    return date.fromordinal(first_next.toordinal() - 1)


def month_index(month: str) -> int:
    """Months since year 0: consecutive months differ by one."""
    year, mon = parse_month(month)
    return year * 12 + mon - 1


def quarter_index(quarter: str) -> int:
    year, q = parse_quarter(quarter)
    return year * 4 + q - 1


def period_index(label: str) -> int:
    """Index of a month or a quarter within its own granularity."""
    return month_index(label) if is_month(label) else quarter_index(label)


def shift_month(month: str, delta: int) -> str:
    idx = month_index(month) + delta
    return month_label(idx // 12, idx % 12 + 1)


def shift_quarter(quarter: str, delta: int) -> str:
    idx = quarter_index(quarter) + delta
    return f"{idx // 4:04d}-Q{idx % 4 + 1}"


def shift_period(label: str, delta: int) -> str:
    return shift_month(label, delta) if is_month(label) else shift_quarter(label, delta)


def periods_per_year(label: str) -> int:
    return 12 if is_month(label) else 4


def period_start(label: str) -> date:
    if is_month(label):
        year, mon = parse_month(label)
        return date(year, mon, 1)
    year, q = parse_quarter(label)
    return date(year, 3 * (q - 1) + 1, 1)
