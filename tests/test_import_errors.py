"""Bad input through the real command line: refused with line and column, a non-zero exit
code, the user's language, and nothing of the file stored."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from bgm_dashboard.db.engine import make_engine
from tests.cli_helpers import Result, cli
from tests.conftest import REFERENCE

HEADER = "period,department,who5_1,who5_2,who5_3,who5_4,who5_5,enps,comment\n"
GOOD = "2026-01,A10,3,3,3,3,3,8,\n"


def counts(db_url: str) -> tuple[int, int, int, int]:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        out = tuple(
            int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in ("responses", "answers", "comments", "waves")
        )
    engine.dispose()
    return out  # type: ignore[return-value]


@pytest.fixture
def run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Result]:
    def runner(db_url: str, *args: str, lang: str = "en") -> Result:
        return cli(monkeypatch, capsys, db_url, *args, lang=lang)

    return runner


@pytest.fixture
def org(db_url: str, run: Callable[..., Result]) -> str:
    done = run(db_url, "import", "departments", str(REFERENCE / "departments.csv"))
    assert done.returncode == 0, done.stderr
    return db_url


CASES = [
    ("bad value", GOOD + "2026-01,A10,3,3,9,3,3,8,\n", "Line 3, column “who5_3”"),
    ("not a number", GOOD + "2026-02,A10,3,x,3,3,3,8,\n", "Line 3, column “who5_2”"),
    ("fraction", GOOD + "2026-02,A10,3,3,3,3,3,7.5,\n", "Line 3, column “enps”"),
    ("unknown unit", GOOD + "2026-02,A99,3,3,3,3,3,8,\n", "Line 3, column “department”"),
    ("bad period", GOOD + "2026-13,A10,3,3,3,3,3,8,\n", "Line 3, column “period”"),
    ("period format", "period,department,who5_1\n03/2026,A10,3\n", "Line 2, column “period”"),
    ("empty row", GOOD + "2026-02,A10,,,,,,,\n", "Line 3"),
]


@pytest.mark.parametrize(("name", "body", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_responses_file_is_refused_whole(
    org: str, tmp_path: Path, run: Callable[..., Result], name: str, body: str, message: str
) -> None:
    path = tmp_path / "responses.csv"
    path.write_text(body if body.startswith("period") else HEADER + body, encoding="utf-8")
    before = counts(org)
    done = run(org, "import", "responses", str(path))
    assert done.returncode != 0
    assert message in done.stderr, done.stderr
    assert counts(org) == before, f"{name}: something was stored"


def test_unknown_item_column_is_named(org: str, tmp_path: Path, run: Callable[..., Result]) -> None:
    path = tmp_path / "responses.csv"
    path.write_text("period,department,who5_1,mood\n2026-01,A10,3,4\n", encoding="utf-8")
    done = run(org, "import", "responses", str(path))
    assert done.returncode != 0 and "“mood”" in done.stderr


def test_messages_are_german_by_default(
    org: str, tmp_path: Path, run: Callable[..., Result]
) -> None:
    path = tmp_path / "responses.csv"
    path.write_text(HEADER + "2026-01,A10,3,3,3,3,3,11,\n", encoding="utf-8")
    done = run(org, "import", "responses", str(path), lang="de")
    assert done.returncode != 0
    assert "Zeile 2, Spalte „enps“" in done.stderr
    assert "ganze Zahl von 0 bis 10" in done.stderr


def test_not_utf8_is_refused(org: str, tmp_path: Path, run: Callable[..., Result]) -> None:
    path = tmp_path / "responses.csv"
    path.write_bytes((HEADER + "2026-01,A10,3,3,3,3,3,8,Müde\n").encode("latin-1"))
    done = run(org, "import", "responses", str(path))
    assert done.returncode != 0 and "UTF-8" in done.stderr
    assert counts(org)[0] == 0


def test_closed_month_is_not_added_to(org: str, tmp_path: Path, run: Callable[..., Result]) -> None:
    path = tmp_path / "responses.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    assert run(org, "import", "responses", str(path)).returncode == 0
    before = counts(org)
    again = run(org, "import", "responses", str(path))
    assert again.returncode != 0 and "2026-01" in again.stderr
    assert counts(org) == before


ORG_CASES = [
    ("duplicate", "A,Eins,,0\nA,Zwei,,0\n", "Line 3, column “code”"),
    ("unknown parent", "A,Eins,,0\nB,Zwei,X,3\n", "Line 3, column “parent_code”"),
    ("two tops", "A,Eins,,0\nB,Zwei,,3\n", "exactly one top unit"),
    ("negative", "A,Eins,,0\nB,Zwei,A,-2\n", "Line 3, column “headcount”"),
    ("cycle", "A,Eins,,0\nB,Zwei,C,1\nC,Drei,B,1\n", "column “parent_code”"),
]


@pytest.mark.parametrize(("name", "body", "message"), ORG_CASES, ids=[c[0] for c in ORG_CASES])
def test_bad_org_chart_is_refused_whole(
    db_url: str,
    tmp_path: Path,
    name: str,
    body: str,
    message: str,
    run: Callable[..., Result],
) -> None:
    path = tmp_path / "departments.csv"
    path.write_text("code,name,parent_code,headcount\n" + body, encoding="utf-8")
    done = run(db_url, "import", "departments", str(path))
    assert done.returncode != 0
    assert message in done.stderr, (name, done.stderr)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM departments")).scalar_one() == 0
    engine.dispose()
