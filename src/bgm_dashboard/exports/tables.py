"""Writes tables as CSV, German Excel CSV (``;``, decimal comma, UTF-8 with BOM) or XLSX."""

from __future__ import annotations

import io

import pandas as pd

FORMATS = ("csv", "csv-de", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv",
    "csv-de": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {"csv": "csv", "csv-de": "csv", "xlsx": "xlsx"}


def table_bytes(frame: pd.DataFrame, fmt: str, *, sheet: str = "Daten") -> bytes:
    """The table in the requested format. Numbers keep six decimals in CSV."""
    if fmt == "csv":
        return frame.to_csv(index=False, float_format="%.6f", lineterminator="\n").encode("utf-8")
    if fmt == "csv-de":
        text = frame.to_csv(
            index=False, sep=";", decimal=",", float_format="%.6f", lineterminator="\r\n"
        )
        return text.encode("utf-8-sig")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            frame.to_excel(writer, index=False, sheet_name=sheet[:31])
        return buffer.getvalue()
    raise ValueError(f"unknown format {fmt!r}")
