"""Writes tables as CSV, German Excel CSV (``;``, decimal comma, UTF-8 with BOM) or XLSX;
text that a spreadsheet would run as a formula is made inert in every format."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pandas as pd

from bgm_dashboard.exports.cells import inert_frame, is_risky

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
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            frame.to_excel(writer, index=False, sheet_name=sheet[:31])
            _text_cells(writer.sheets[sheet[:31]])
        return buffer.getvalue()
    raise ValueError(f"unknown format {fmt!r}")
