"""A month picker like a calendar page: the year, then the twelve months by their German
(or English) names — no typed "JJJJ-MM"."""

from __future__ import annotations

import streamlit as st
from babel.dates import get_month_names

from bgm_dashboard.formatting import locale
from bgm_dashboard.periods import month_label, parse_month


def month_picker(
    label: str, *, key: str, default: str, lang: str, years: range, help: str | None = None
) -> str | None:
    """The chosen month as ``YYYY-MM`` (None while no month is selected)."""
    year0, month0 = parse_month(default)
    names = get_month_names("abbreviated", locale=locale(lang))
    st.markdown(f"**{label}**", help=help)
    year = st.selectbox(
        label,
        list(years),
        index=list(years).index(year0) if year0 in years else 0,
        key=f"{key}_year",
        label_visibility="collapsed",
    )
    month = st.pills(
        label,
        list(range(1, 13)),
        default=month0,
        format_func=lambda m: str(names[m]),
        key=f"{key}_month",
        label_visibility="collapsed",
    )
    if month is None:
        return None
    return month_label(int(year), int(month))
