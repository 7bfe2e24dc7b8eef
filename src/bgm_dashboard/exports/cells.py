"""Formula injection: text cells that a spreadsheet would run as a formula are made inert
(OWASP "CSV Injection"); numbers stay numbers."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these may be taken for a formula (OWASP)."""
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")
"""A text that is just a number (``-1,5``): a spreadsheet reads it as a number, not a formula."""


def is_risky(value: object) -> bool:
    """True for a text a spreadsheet could evaluate as a formula."""
    return (
        isinstance(value, str)
        and value.startswith(TRIGGERS)
        and not _NUMBER.fullmatch(value.strip())
    )


def inert(value: Any) -> Any:
    """The value for a CSV cell: risky text gets a leading apostrophe, anything else as is."""
    return "'" + value if is_risky(value) else value


def inert_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every risky text cell (and column name) made inert; number columns are
    left untouched, so negative figures stay numbers."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        if any(is_risky(v) for v in values):
            out[column] = values.astype(object).map(inert)
    out.columns = [inert(c) for c in out.columns]
    return out
