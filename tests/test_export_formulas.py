"""Formula injection (OWASP "CSV Injection"): a unit named ``=HYPERLINK(…)`` must not become a
live formula in the XLSX download nor a ``=``/``+`` cell in the CSVs; real negative numbers stay
numbers. The audit log's CSV export gets the same treatment."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd

from bgm_dashboard.auth.audit import csv_bytes, entries, record
from bgm_dashboard.auth.viewer import SYSTEM
from bgm_dashboard.context import Context
from bgm_dashboard.exports.tables import table_bytes

HOSTILE = [
    '=HYPERLINK("http://evil.example/","Klick")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]
SAFE = ["Jugendamt", "-1,5", "Amt = Behörde"]
TABLE = pd.DataFrame(
    {
        "Bereich": HOSTILE + SAFE,
        "Wert": [-1.5, -0.25, 2.0, -3.0, 0.5, 1.0, -7.125, 4.0, -0.5],
        "n": [-3, 5, 6, 7, 8, 9, 10, 11, 12],
    }
).rename(columns={"n": "=n"})


def _csv_cells(data: bytes, fmt: str) -> list[list[str]]:
    if fmt == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def _formula_like(cell: str) -> bool:
    # what a spreadsheet evaluates: a cell starting with = + - @ (tab or CR first too)
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r")


def test_csvs_hold_no_formula_cells_and_keep_negative_numbers() -> None:
    for fmt, decimal in (("csv", "."), ("csv-de", ",")):
        rows = _csv_cells(table_bytes(TABLE, fmt), fmt)
        header, body = rows[0], rows[1:]
        assert header == ["Bereich", "Wert", "'=n"]
        names = [r[0] for r in body]
        assert names == ["'" + h for h in HOSTILE] + SAFE, fmt
        assert not any(_formula_like(n) and n != "-1,5" for n in names)
        # numbers: still numbers, negative ones unquoted, the same values
        values = [float(r[1].replace(decimal, ".")) for r in body]
        assert values == TABLE["Wert"].tolist()
        assert [int(r[2]) for r in body] == TABLE["=n"].tolist()
        assert body[0][1].startswith("-1") and body[0][2] == "-3"


def test_xlsx_has_no_formula_cell_and_shows_the_text_unchanged() -> None:
    book = openpyxl.load_workbook(io.BytesIO(table_bytes(TABLE, "xlsx", sheet="Bereiche")))
    sheet = book.active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Bereich", "Wert", "=n")
    # (some XML parsers read a stored CR back as LF, lxml keeps it: that is XML, not the export)
    read = [str(r[0]).replace("\r", "\n") for r in rows[1:]]
    assert read == [h.replace("\r", "\n") for h in HOSTILE] + SAFE
    assert [r[1] for r in rows[1:]] == TABLE["Wert"].tolist()
    assert [r[2] for r in rows[1:]] == TABLE["=n"].tolist()
    assert all(isinstance(r[1], int | float) and isinstance(r[2], int) for r in rows[1:])
    # Excel's quote prefix keeps an edited cell text as well
    assert sheet["A2"].quotePrefix and sheet["C1"].quotePrefix and not sheet["A8"].quotePrefix


def test_audit_log_csv_holds_no_formula_cells(ctx: Context) -> None:
    with ctx.write() as session:
        for text in HOSTILE:
            record(session, "hr", "measure_create", text, {"title": text})
    with ctx.read() as session:
        data = csv_bytes(entries(session, SYSTEM))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if _formula_like(c)]
    column = rows[0].index("target")
    targets = {row[column] for row in rows[1:]}
    assert targets == {"'" + h for h in HOSTILE}
