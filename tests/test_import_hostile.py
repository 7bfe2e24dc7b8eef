"""Hostile and broken import files through the real command line, on SQLite and PostgreSQL:
each defect is named by its physical line and its column in the user's language, the cell's
text is never repeated, and nothing of the file is stored. A NUL byte or a lone surrogate in
a survey comment is refused with a clear message and never reaches a log."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from bgm_dashboard.context import Context
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.survey.intake import submit
from bgm_dashboard.survey.waves import open_wave
from tests.cli_helpers import Result
from tests.conftest import REFERENCE
from tests.test_import_errors import HEADER, counts


@pytest.fixture
def org(db_url: str, run: Callable[..., Result]) -> str:
    assert run(db_url, "import", "departments", str(REFERENCE / "departments.csv")).returncode == 0
    return db_url


ORG_HEADER = b"code,name,parent_code,headcount\n"
SECRET = "Herr Maier im Hauptamt"
LONG = "x" * 140_000  # longer than the csv module's own field limit of 131,072

ORG_CASES: list[tuple[str, bytes, str, str]] = [
    ("field > 131,072", f"A,Eins,,0\nB,{LONG},A,3\n".encode(), "Line 3, column “name”", "10000"),
    (
        "20-digit headcount",
        b"A,Eins,,0\nB,Zwei,A,12345678901234567890\n",
        "Line 3, column “headcount”",
        "0 to 1000000",
    ),
    (
        "unterminated quote",
        b'A,Eins,,0\nB,"Zwei,A,3\nC,Drei,A,4\n',
        "Line 3, column “name”",
        "not closed",
    ),
    (
        "unknown column",
        b"code,name,parent_code,headcount,manager\nA,Eins,,0,x\n",
        "Line 1, column “manager”",
        "exactly the columns",
    ),
    (
        "a10 and A10",
        b"A,Eins,,0\na10,Zwei,A,3\nA10,Drei,A,4\n",
        "Line 4, column “code”",
        "upper/lower case",
    ),
    ("short row", b"A,Eins,,0\nB,Zwei,A\n", "Line 3, column “headcount”", "only 3 of 4"),
    (
        "physical lines",
        b'A,"Eins\nzweite Zeile\ndritte",,0\nB,Zwei,A,-2\n',
        "Line 5, column “headcount”",
        "0 to",
    ),
    ("NUL byte", f"A,Eins,,0\nB,{SECRET}\x00,A,3\n".encode(), "Line 3, column “name”", "NUL"),
    ("lone surrogate", b"A,Eins,,0\nB,Zw\xed\xa0\x80ei,A,3\n", "Line 3, column “name”", "UTF-8"),
    (
        "not UTF-8 in a later line",
        b'A,Eins,,0\nB,"Zwei\nM\xfcller",A,3\n',
        "Line 4, column “name”",
        "UTF-8",
    ),
]


@pytest.mark.parametrize(
    ("name", "body", "where", "what"), ORG_CASES, ids=[c[0] for c in ORG_CASES]
)
def test_hostile_org_chart_is_named_and_refused_whole(
    db_url: str,
    tmp_path: Path,
    run: Callable[..., Result],
    name: str,
    body: bytes,
    where: str,
    what: str,
) -> None:
    path = tmp_path / "departments.csv"
    path.write_bytes(body if body.startswith(b"code,") else ORG_HEADER + body)
    done = run(db_url, "import", "departments", str(path))
    assert done.returncode != 0
    assert where in done.stderr and what in done.stderr, (name, done.stderr)
    assert SECRET not in done.stderr and LONG[:50] not in done.stderr
    assert "exactly one top unit" not in done.stderr


def test_hostile_org_chart_in_german(
    db_url: str, tmp_path: Path, run: Callable[..., Result]
) -> None:
    path = tmp_path / "departments.csv"
    path.write_bytes(ORG_HEADER + b'A,Eins,,0\nB,"Zwei,A,3\n')
    done = run(db_url, "import", "departments", str(path), lang="de")
    assert "Zeile 3, Spalte „name“" in done.stderr and "Anführungszeichen" in done.stderr


RESPONSE_CASES: list[tuple[str, str, str, str]] = [
    (
        "period 2099-01",
        "2026-01,A10,3,3,3,3,3,8,\n2099-01,A10,3,3,3,3,3,8,\n",
        "Line 3, column “period”",
        "future",
    ),
    ("comment > 131,072", f"2026-01,A10,3,3,3,3,3,8,{LONG}\n", "Line 2, column “comment”", "10000"),
    (
        "unterminated quote",
        '2026-01,A10,3,3,3,3,3,8,"Müde\n2026-01,A10,3,3,3,3,3,8,\n',
        "Line 2, column “comment”",
        "not closed",
    ),
    (
        "short row",
        "2026-01,A10,3,3,3,3,3,8,\n2026-01,A10,3,3\n",
        "Line 3, column “who5_3”",
        "only 4 of 9",
    ),
    (
        "physical lines",
        '2026-01,A10,3,3,3,3,3,8,"eins\nzwei\ndrei"\n2026-01,A10,3,3,9,3,3,8,\n',
        "Line 5, column “who5_3”",
        "whole number",
    ),
    (
        "NUL in a comment",
        f"2026-01,A10,3,3,3,3,3,8,{SECRET}\x00\n",
        "Line 2, column “comment”",
        "NUL",
    ),
    (
        "unknown unit, other case",
        "2026-01,a10,3,3,3,3,3,8,\n",
        "Line 2, column “department”",
        "a10",
    ),
]


@pytest.mark.parametrize(
    ("name", "body", "where", "what"), RESPONSE_CASES, ids=[c[0] for c in RESPONSE_CASES]
)
def test_hostile_responses_file_is_named_and_refused_whole(
    org: str,
    tmp_path: Path,
    run: Callable[..., Result],
    name: str,
    body: str,
    where: str,
    what: str,
) -> None:
    path = tmp_path / "responses.csv"
    path.write_bytes((HEADER + body).encode("utf-8"))
    before = counts(org)
    done = run(org, "import", "responses", str(path))
    assert done.returncode != 0
    assert where in done.stderr and what in done.stderr, (name, done.stderr)
    assert SECRET not in done.stderr and LONG[:50] not in done.stderr
    assert counts(org) == before, f"{name}: something was stored"


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "\udfff"])
def test_comment_with_nul_or_lone_surrogate_is_refused_and_not_logged(
    ctx: Context, caplog: pytest.LogCaptureFixture, bad: str
) -> None:
    with ctx.write() as session:
        import_departments(session, REFERENCE / "departments.csv")
        wave = open_wave(session, "2026-11", indicators=list(ctx.bank.indicator_codes))
    caplog.set_level(logging.DEBUG)
    comment = f"{SECRET} {bad} ist schuld"
    with pytest.raises(ValidationError) as refused, ctx.write() as session:
        submit(
            session,
            ctx.bank,
            wave_id=wave.id,
            department_code="A10",
            answers={"enps": 3},
            comment=comment,
            today=date(2026, 11, 26),
        )
    assert "Steuer- oder ungültiges Zeichen" in refused.value.message("de")
    assert "control or invalid character" in refused.value.message("en")
    assert SECRET not in str(refused.value) and SECRET not in caplog.text
    assert counts(ctx.settings.database_url)[:3] == (0, 0, 0)
