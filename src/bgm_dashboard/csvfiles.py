"""Reads the CSV files users import: UTF-8 (with or without BOM), comma or semicolon, strictly.

Every defect is named by its physical line (as an editor counts lines, also inside quoted
fields that span lines) and its column: bytes that are not UTF-8, NUL bytes, unterminated
quotes, fields longer than any cell may be, rows with too few or too many values, duplicate
or empty column names. Nothing is padded or guessed."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from bgm_dashboard.errors import RowError, ValidationError

MAX_FIELD = 10_000
"""Longest cell accepted (characters); longer ones are refused with line and column. The
csv module's own limit (131,072) is raised so that it never cuts a field unnoticed."""

csv.field_size_limit(max(csv.field_size_limit(), 1 << 26))

_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")
"""NUL, and lone surrogates (what undecodable bytes become under ``surrogateescape``)."""


@dataclass(frozen=True)
class CsvTable:
    """A checked file: the header, each record's physical first line, values by column."""

    header: list[str]
    lines: list[int]
    columns: dict[str, list[str]]

    def rows(self) -> list[tuple[int, dict[str, str]]]:
        """``(line, {column: stripped value})`` per record (for small files)."""
        names = self.header
        values = [self.columns[h] for h in names]
        return [
            (line, {h: v.strip() for h, v in zip(names, cells, strict=True)})
            for line, cells in zip(self.lines, zip(*values, strict=True), strict=True)
        ]


def bad_character(text: str) -> str | None:
    """``"nul"`` or ``"encoding"`` when ``text`` holds a NUL byte or a lone surrogate."""
    found = _BAD_CHARACTER.search(text)
    if found is None:
        return None
    return "nul" if found.group() == "\x00" else "encoding"


def read_table(path: Path | str) -> CsvTable:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ValidationError("import.file_unreadable", path=str(path)) from exc
    return read_table_bytes(raw, str(path))


def _unterminated_column(text: str, delimiter: str) -> int:
    """Index of the field whose opening quote is never closed, in the text of one record."""
    field, quoted, at_start, i = 0, False, True, 0
    opened = 0
    while i < len(text):
        char = text[i]
        if quoted:
            if char == '"':
                if text[i + 1 : i + 2] == '"':
                    i += 1
                else:
                    quoted = False
        elif char == '"' and at_start:
            quoted, opened = True, field
        elif char == delimiter:
            field += 1
            at_start = True
            i += 1
            continue
        elif char in "\r\n":
            field, at_start = 0, True
            i += 1
            continue
        at_start = False
        i += 1
    return opened


def _column_name(header: list[str], index: int) -> str:
    return header[index] if index < len(header) else str(index + 1)


def read_table_bytes(raw: bytes, path: str = "") -> CsvTable:
    """Parse and check an upload held in memory (never written to disk)."""
    text = raw.decode("utf-8", errors="surrogateescape")
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise ValidationError("import.empty_file", path=path)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    checked = bad_character(text) is not None
    header: list[str] = []
    lines: list[int] = []
    records: list[list[str]] = []
    previous = 0
    try:
        for values in reader:
            start, previous = previous + 1, reader.line_num
            if not header:
                header = [h.strip() for h in values]
                _check_header(header, start)
                if checked:
                    _check_cells(header, start, values)
                continue
            if not "".join(values).strip():
                continue
            if len(values) != len(header):
                _wrong_width(header, start, values)
            if checked:
                _check_cells(header, start, values)
            lines.append(start)
            records.append(values)
    except csv.Error:
        start = previous + 1
        rest = "".join(text.splitlines(keepends=True)[previous:])
        column = _column_name(header, _unterminated_column(rest, delimiter)) if header else "1"
        raise RowError(start, column, "import.unterminated_quote") from None
    columns = {h: list(c) for h, c in zip(header, zip(*records, strict=True), strict=True)}
    if not records:
        columns = {h: [] for h in header}
    for name, cells in columns.items():
        if cells and max(map(len, cells)) > MAX_FIELD:
            row = next(i for i, v in enumerate(cells) if len(v) > MAX_FIELD)
            raise RowError(lines[row], name, "import.field_too_long", limit=MAX_FIELD)
    return CsvTable(header, lines, columns)


def _check_header(header: list[str], line: int) -> None:
    seen: set[str] = set()
    for index, name in enumerate(header):
        if not name:
            raise RowError(line, str(index + 1), "import.empty_column_name")
        if name in seen:
            raise RowError(line, name, "import.duplicate_column")
        seen.add(name)


def _check_cells(header: list[str], line: int, values: list[str]) -> None:
    for index, value in enumerate(values):
        found = _BAD_CHARACTER.search(value)
        if found is not None:
            # the cell's text is never repeated: it may be what someone wrote about a person
            key = "import.nul_byte" if found.group() == "\x00" else "import.not_utf8_cell"
            before = "".join(values[:index]) + value[: found.start()]
            physical = line + before.count("\n")
            raise RowError(physical, _column_name(header, index), key)


def _wrong_width(header: list[str], line: int, values: list[str]) -> None:
    if len(values) > len(header):
        raise ValidationError("import.too_many_values", row=line)
    missing = header[len(values)]
    raise RowError(line, missing, "import.too_few_values", count=len(values), expected=len(header))


def read_csv_rows(path: Path | str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and ``(line number, row)`` pairs; every value is a stripped string."""
    table = read_table(path)
    return table.header, table.rows()


def read_csv_bytes(
    raw: bytes, path: str = ""
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Like :func:`read_csv_rows`, for an upload held in memory (never written to disk)."""
    table = read_table_bytes(raw, path)
    return table.header, table.rows()
