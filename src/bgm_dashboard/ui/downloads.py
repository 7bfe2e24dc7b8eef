"""Tables on pages: shown with German (or English) number and date formats, and offered for
download as CSV, German Excel CSV and XLSX; every download writes an audit "export" entry."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, Literal

import pandas as pd
import streamlit as st

from bgm_dashboard.auth.audit import record
from bgm_dashboard.context import Context
from bgm_dashboard.exports.tables import (
    EXTENSIONS,
    FORMATS,
    MEDIA_TYPES,
    file_stem,
    table_bytes,
)
from bgm_dashboard.formatting import day, number
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.lang import lang, tr
from bgm_dashboard.ui.session import current_viewer


def export_bytes(ctx: Context, actor: str, frame: pd.DataFrame, fmt: str, name: str) -> bytes:
    """The table as a file, with an audit entry (who exported which table, how many rows)."""
    data = table_bytes(frame, fmt, sheet=name)
    with ctx.write() as session:
        record(
            session,
            actor,
            "export",
            name,
            {"format": fmt, "rows": len(frame), "columns": [str(c) for c in frame.columns]},
        )
    return data


def _deferred(
    ctx: Context, actor: str, frame: pd.DataFrame, fmt: str, name: str
) -> Callable[[], bytes]:
    return lambda: export_bytes(ctx, actor, frame, fmt, name)


def audited_download(
    container: Any,
    label: str,
    *,
    build: Callable[[], bytes],
    file_name: str,
    mime: str,
    key: str,
    target: str,
    details: dict[str, object] | None = None,
    action: str = "export",
) -> None:
    """A download button whose file is built on click, with an audit entry ("export", or
    another action with "export" in its name) — for documents that carry figures (a good
    example as HTML or PDF) or settings (the council's documents)."""
    ctx = app_context()
    actor = current_viewer().name

    def made() -> bytes:
        data = build()
        with ctx.write() as session:
            record(session, actor, action, target, {"file": file_name, **(details or {})})
        return data

    container.download_button(
        label,
        data=made,
        file_name=file_name,
        mime=mime,
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )


def download_buttons(frame: pd.DataFrame, name: str, *, key: str) -> None:
    """Three buttons (CSV, Excel-CSV, XLSX); the file is built only when one is clicked."""
    ctx = app_context()
    actor = current_viewer().name
    row = st.container(horizontal=True, gap="small")
    for fmt in FORMATS:
        row.download_button(
            tr(f"downloads.{fmt}"),
            data=_deferred(ctx, actor, frame, fmt, name),
            file_name=f"{file_stem(name, lang(), date.today())}.{EXTENSIONS[fmt]}",
            mime=MEDIA_TYPES[fmt],
            key=f"dl_{key}_{fmt}",
            on_click="ignore",
            icon=":material/download:",
        )


def _cell(value: object, digits: int, language: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return tr("downloads.yes") if value else tr("downloads.no")
    if isinstance(value, pd.Timestamp):
        return day(value.date(), language)
    if isinstance(value, date):
        return day(value, language)
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            return "–"
        return number(value, language, digits)
    return str(value)


Digits = Mapping[str, int | Sequence[int]]
"""Decimals per column: one number, or one per row (columns mixing indicators)."""


def formatted(frame: pd.DataFrame, digits: Digits | None = None) -> pd.DataFrame:
    """The table as text in the user's formats (``1.234,5``, ``26.11.2026``, "–" for none);
    integer columns without decimals, other numbers with one unless ``digits`` says more."""
    digits = digits or {}
    language = lang()
    out = {}
    for column in frame.columns:
        default = 0 if pd.api.types.is_integer_dtype(frame[column]) else 1
        spec = digits.get(str(column), default)
        per_row = [spec] * len(frame) if isinstance(spec, int) else list(spec)
        values = frame[column].astype(object)
        out[column] = [_cell(v, d, language) for v, d in zip(values, per_row, strict=True)]
    return pd.DataFrame(out, index=frame.index)


def show_table(
    frame: pd.DataFrame,
    name: str,
    *,
    key: str,
    digits: Digits | None = None,
    height: int | Literal["auto", "content", "stretch"] = "auto",
) -> None:
    """Show a table in the user's number formats, with its three download buttons."""
    st.dataframe(formatted(frame, digits), hide_index=True, width="stretch", height=height)
    download_buttons(frame, name, key=key)
