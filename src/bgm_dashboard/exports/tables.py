"""Writes tables as CSV, German Excel CSV (``;``, decimal comma, UTF-8 with BOM) or XLSX;
text that a spreadsheet would run as a formula is made inert in every format."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from bgm_dashboard.exports.cells import inert_frame, is_risky
from bgm_dashboard.i18n import has, t

if TYPE_CHECKING:  # openpyxl loads only when an XLSX file is written
    from openpyxl.worksheet.worksheet import Worksheet

FORMATS = ("csv", "csv-de", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv",
    "csv-de": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {"csv": "csv", "csv-de": "csv", "xlsx": "xlsx"}


def _text_cells(sheet: Worksheet) -> None:
    """openpyxl stores a text starting with ``=`` as a formula: store every risky text as
    text, with Excel's quote prefix so that editing the cell keeps it text."""
    for row in sheet.iter_rows():
        for cell in row:
            if is_risky(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True


INVALID_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")
MAX_WIDTH = 60


def sheet_title(name: str) -> str:
    r"""A sheet name Excel accepts: no ``[]:*?/\``, at most 31 characters, never empty."""
    cleaned = INVALID_SHEET_CHARACTERS.sub(" ", name).strip() or "Daten"
    return cleaned[:31]


def _number_format(values: pd.Series) -> str | None:
    """Whole numbers with thousands separators, decimals as many as the data need (at most
    three); Excel shows them in the reader's locale (1.234,5 in German)."""
    numeric = pd.to_numeric(values, errors="coerce").dropna()
    if numeric.empty or values.dtype == bool:
        return None
    for digits in range(4):
        if ((numeric * 10**digits).round(9) % 1 == 0).all():
            return "#,##0" + ("." + "0" * digits if digits else "")
    return "#,##0.000"


def _readable(sheet: Worksheet, frame: pd.DataFrame) -> None:
    """Bold header, frozen first row, a filter, number formats and column widths."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    if sheet.max_row > 1:
        sheet.auto_filter.ref = sheet.dimensions
    for index, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(index)
        values = frame[column]
        fmt = _number_format(values) if pd.api.types.is_numeric_dtype(values) else None
        if fmt is not None:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = fmt
        longest = max([len(str(column)), *(len(str(v)) for v in values.head(500))])
        sheet.column_dimensions[letter].width = min(MAX_WIDTH, longest + 2)


def file_stem(name: str, lang: str, today: date) -> str:
    """A file name a person recognises: ``Beteiligung_A51_2026-12-07`` for
    ``participation_A51`` (the first word in the user's language, the rest kept, the date)."""
    if has(f"files.{name}"):
        parts = [t(f"files.{name}", lang)]
    else:
        head, _, rest = name.partition("_")
        parts = [t(f"files.{head}", lang) if has(f"files.{head}") else head, rest]
    safe = re.sub(r"[^\w.-]+", "-", "_".join(parts)).strip("-_")
    return f"{safe}_{today.isoformat()}"


def table_bytes(frame: pd.DataFrame, fmt: str, *, sheet: str = "Daten") -> bytes:
    """The table in the requested format. Numbers keep six decimals in CSV. Lines end in
    CRLF (RFC 4180): Python's csv writer quotes a value holding a lone CR only then, and an
    unquoted CR would split a row, starting a new line with whatever follows it."""
    if fmt == "csv":
        return (
            inert_frame(frame)
            .to_csv(index=False, float_format="%.6f", lineterminator="\r\n")
            .encode("utf-8")
        )
    if fmt == "csv-de":
        text = inert_frame(frame).to_csv(
            index=False, sep=";", decimal=",", float_format="%.6f", lineterminator="\r\n"
        )
        return text.encode("utf-8-sig")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        title = sheet_title(sheet)
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            frame.to_excel(writer, index=False, sheet_name=title)
            _text_cells(writer.sheets[title])
            _readable(writer.sheets[title], frame)
        return buffer.getvalue()
    raise ValueError(f"unknown format {fmt!r}")
