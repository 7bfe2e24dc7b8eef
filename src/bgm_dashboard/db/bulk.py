"""Bulk inserts for large batches of rows: COPY on PostgreSQL, executemany on the raw SQLite
cursor; always inside the caller's transaction."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

CHUNK = 200_000
"""Rows handed to the database driver at a time (bounds the memory of big batches)."""


def copy_text(value: str) -> str:
    """A text value escaped for the text format of PostgreSQL's COPY."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _copy_value(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return copy_text(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same double
    return copy_text(str(value))


def _copy_integer(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, float):
        return str(round(value))  # as PostgreSQL casts a double into an integer column
    return str(value)


def _formatter(table: Table, column: str) -> Callable[[object], str]:
    try:
        python_type = table.c[column].type.python_type
    except NotImplementedError:
        return _copy_value
    return _copy_integer if python_type is int else _copy_value


def _driver_connection(session: Session) -> Any:
    """The DBAPI connection of the session's transaction (psycopg or sqlite3)."""
    raw = session.connection().connection.driver_connection
    if raw is None:
        raise RuntimeError("no database connection")
    return raw


def _copy(session: Session, sql: str, lines: Iterable[str]) -> None:
    with _driver_connection(session).cursor() as cursor, cursor.copy(sql) as copy:
        buffer: list[str] = []
        for line in lines:
            buffer.append(line)
            if len(buffer) >= CHUNK:
                copy.write("".join(buffer))
                buffer.clear()
        if buffer:
            copy.write("".join(buffer))


def insert_rows(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    prepared: bool = False,
) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table``.

    ``prepared``: every value is already in the form the driver stores (no None, ids as the
    column type stores them) and, on PostgreSQL, text is escaped for COPY (``copy_text``);
    that allows the fastest path on SQLite too. Otherwise SQLite goes through a Core
    insert, so that the column types convert the values."""
    dialect = session.get_bind().dialect.name
    names = ", ".join(columns)
    if dialect == "postgresql":
        sql = f"COPY {table.name} ({names}) FROM STDIN"
        if prepared:
            lines: Iterable[str] = ("\t".join(map(str, row)) + "\n" for row in rows)
        else:
            formats = [_formatter(table, c) for c in columns]
            lines = (
                "\t".join([f(v) for f, v in zip(formats, row, strict=True)]) + "\n" for row in rows
            )
        _copy(session, sql, lines)
        return
    if dialect == "sqlite" and prepared:
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' for _ in columns)})"
        cursor = _driver_connection(session).cursor()
        try:
            iterator = iter(rows)
            while chunk := list(itertools.islice(iterator, CHUNK)):
                cursor.executemany(sql, chunk)
        finally:
            cursor.close()
        return
    records = [dict(zip(columns, row, strict=True)) for row in rows]
    if records:
        session.execute(insert(table), records)
