"""Reads the CSV files users import: UTF-8 (with or without BOM), comma or semicolon."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bgm_dashboard.errors import ValidationError


def read_csv_rows(path: Path | str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and ``(line number, row)`` pairs; every value is a stripped string."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ValidationError("import.file_unreadable", path=str(path)) from exc
    return read_csv_bytes(raw, str(path))


def read_csv_bytes(
    raw: bytes, path: str = ""
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Like :func:`read_csv_rows`, for an upload held in memory (never written to disk)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError("import.not_utf8", path=str(path)) from exc
    if not text.strip():
        raise ValidationError("import.empty_file", path=str(path))
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = list(reader)
    header = [h.strip() for h in rows[0]]
    out: list[tuple[int, dict[str, str]]] = []
    for number, values in enumerate(rows[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            raise ValidationError("import.too_many_values", row=number)
        padded = values + [""] * (len(header) - len(values))
        out.append((number, {h: v.strip() for h, v in zip(header, padded, strict=True)}))
    return header, out
