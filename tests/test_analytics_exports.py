"""Exports of analytics tables: CSV, German Excel CSV (';', decimal comma, UTF-8 with BOM) and
XLSX with the same numbers; every download is written to the audit log."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
from sqlalchemy import select

from bgm_dashboard.context import Context
from bgm_dashboard.db.models import AuditEntry
from bgm_dashboard.exports.tables import table_bytes
from bgm_dashboard.ui.downloads import export_bytes

TABLE = pd.DataFrame(
    {"Bereich": ["Jugendamt", "Sozialamt"], "Wert": [1234.5, 47.25], "n": [88, 62]}
)


def test_german_excel_csv() -> None:
    data = table_bytes(TABLE, "csv-de")
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == "Bereich;Wert;n"
    assert lines[1].split(";") == ["Jugendamt", "1234,500000", "88"]
    back = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig")
    assert back["Wert"].tolist() == TABLE["Wert"].tolist()


def test_plain_csv_and_xlsx_hold_the_same_numbers() -> None:
    back = pd.read_csv(io.BytesIO(table_bytes(TABLE, "csv")))
    assert back["Wert"].tolist() == TABLE["Wert"].tolist()
    book = openpyxl.load_workbook(io.BytesIO(table_bytes(TABLE, "xlsx", sheet="Abfall")))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("Bereich", "Wert", "n")
    assert [r[1] for r in rows[1:]] == TABLE["Wert"].tolist()
    assert [r[2] for r in rows[1:]] == TABLE["n"].tolist()


def test_every_export_is_audited(ctx: Context) -> None:
    data = export_bytes(ctx, "hr1", TABLE, "xlsx", "sustained_decline")
    assert data[:2] == b"PK"
    with ctx.read() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    assert (entry.actor, entry.action, entry.target) == ("hr1", "export", "sustained_decline")
    assert entry.details == {"format": "xlsx", "rows": 2, "columns": ["Bereich", "Wert", "n"]}


def test_xlsx_opens_readable_in_excel() -> None:
    """Bold, frozen header with a filter; numbers stored as numbers with a format that shows
    as many decimals as the data have (Excel shows 1.234,50 to a German reader); columns wide
    enough for their longest entry; a sheet name Excel accepts."""
    book = openpyxl.load_workbook(io.BytesIO(table_bytes(TABLE, "xlsx", sheet="Q3/2026: Werte")))
    sheet = book.active
    assert sheet.title == "Q3 2026  Werte"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:C3"
    assert sheet["B2"].value == 1234.5 and sheet["B2"].number_format == "#,##0.00"
    assert sheet["C2"].number_format == "#,##0"
    assert sheet.column_dimensions["A"].width >= len("Jugendamt")


def test_file_names_say_what_the_table_is() -> None:
    from datetime import date

    from bgm_dashboard.exports.tables import file_stem

    day = date(2026, 12, 7)
    assert file_stem("participation_A51", "de", day) == "Beteiligung_A51_2026-12-07"
    assert file_stem("sustained_decline", "de", day) == "Anhaltende-Verschlechterung_2026-12-07"
    assert file_stem("sustained_decline", "en", day) == "Sustained-decline_2026-12-07"
