"""Attack class 5 (issue 9): a copy of the database files after a wave has closed. The tests
read the raw files — the SQLite main file and its WAL, PostgreSQL heap pages through
pageinspect and the relation files — not SELECT results: nothing there may order the
submissions, pair a comment with its answers, keep an id seen while the wave ran, or keep an
old row version. Nothing stored may be lost by the close."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from scipy import stats
from sqlalchemy import select, text

from bgm_dashboard.context import Context, make_context
from bgm_dashboard.db.compaction import SURVEY_TABLES
from bgm_dashboard.db.models import Answer, Comment, IndicatorMoment, ItemMoment, Response
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.settings import load_settings
from bgm_dashboard.survey.intake import submit
from bgm_dashboard.survey.waves import close_wave, issue_tokens, open_wave, wave_for_period
from tests.pulse_helpers import raw_database_bytes
from tests.scenario import write_org

COUNT = 60
MAX_TAU = 0.35
"""|Kendall's tau| of storage positions against submission order; under a random order its
standard deviation is about 0.09 for 60 submissions, so 0.35 is about four of them."""


def _marker(i: int) -> str:
    return f"Kommentar-Marke-{i:03d}-qxz"


def _answers(i: int) -> dict[str, int]:
    """Answers that encode the submission's number (so a row tells its submission)."""
    return {"who5_1": i // 36 % 6, "who5_2": i // 6 % 6, "who5_3": i % 6, "enps": 5}


def _decode(values: dict[str, int]) -> int:
    return values["who5_1"] * 36 + values["who5_2"] * 6 + values["who5_3"]


def _run_wave(ctx: Context, tmp_path: Path) -> list[uuid.UUID]:
    """Open a wave with codes, submit COUNT responses with a comment each, one by one, and
    return the response ids an insider saw appear while the wave ran (in order)."""
    with ctx.write() as session:
        import_departments(
            session, write_org(tmp_path / "org.csv", {"R": None, "X": "R"}, headcount=100)
        )
        wave = open_wave(session, "2026-03", indicators=["who5", "enps"], access="tokens")
        tokens = issue_tokens(session, wave, COUNT)
        wave_id = wave.id
    seen: list[uuid.UUID] = []
    for i in range(COUNT):
        with ctx.write() as session:
            submit(
                session,
                ctx.bank,
                wave_id=wave_id,
                department_code="X",
                answers=_answers(i),
                comment=_marker(i),
                token=tokens[i],
                today=date(2026, 3, 10),
            )
        with ctx.read() as session:
            ids = set(session.scalars(select(Response.id)))
        (new,) = ids - set(seen)
        seen.append(new)
    return seen


def _stored(ctx: Context) -> dict[str, Any]:
    """Everything the close must keep, as multisets (ids left out: they change)."""
    with ctx.read() as session:
        responses = session.execute(
            select(Response.id, Response.wave_id, Response.department_id, Response.period)
        ).all()
        answers: dict[Any, list[tuple[str, int]]] = {}
        for rid, item, value in session.execute(
            select(Answer.response_id, Answer.item_code, Answer.value)
        ):
            answers.setdefault(rid, []).append((item, value))
        comments = session.execute(
            select(Comment.wave_id, Comment.department_id, Comment.period, Comment.text)
        ).all()
        moments = session.execute(select(IndicatorMoment)).scalars().all()
        items = session.execute(select(ItemMoment)).scalars().all()
    return {
        "responses": Counter(
            (w, d, p, tuple(sorted(answers.get(r, [])))) for r, w, d, p in responses
        ),
        "comments": Counter(tuple(c) for c in comments),
        "moments": sorted(
            (m.period, m.department_id, m.indicator, m.n, m.s1, m.s2, m.b1, m.b2) for m in moments
        ),
        "items": sorted(
            (m.period, m.department_id, m.scale, m.item, m.n, m.s1, m.s2) for m in items
        ),
    }


def _close(ctx: Context) -> None:
    with ctx.write() as session:
        wave = wave_for_period(session, "2026-03")
        assert wave is not None
        close_wave(session, wave)


def _submission_of(ctx: Context) -> dict[uuid.UUID, int]:
    """The (new) id of each response -> its submission number, read from its answers."""
    values: dict[uuid.UUID, dict[str, int]] = {}
    with ctx.read() as session:
        for rid, item, value in session.execute(
            select(Answer.response_id, Answer.item_code, Answer.value)
        ):
            values.setdefault(rid, {})[item] = value
    return {rid: _decode(v) for rid, v in values.items()}


def _tau(positions: dict[int, int]) -> float:
    """Kendall's tau of storage position against submission number."""
    order = sorted(positions)
    return float(stats.kendalltau(order, [positions[i] for i in order]).statistic)


def _id_forms(value: uuid.UUID) -> list[bytes]:
    return [value.bytes, value.hex.encode(), str(value).encode()]


def _check_sqlite_files(ctx: Context, seen: list[uuid.UUID]) -> None:
    path = Path(str(ctx.engine.url.database))
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "the WAL still holds transactions"
    main = path.read_bytes()
    assert not [i for i in seen if any(f in main for f in _id_forms(i))], "old ids remain"
    comment_at = {}
    for i in range(COUNT):
        marker = _marker(i).encode()
        assert main.count(marker) == 1, "a comment is stored twice (an old copy remains)"
        comment_at[i] = main.index(marker)
    assert abs(_tau(comment_at)) < MAX_TAU, "comments lie in submission order"
    response_at = {}
    for rid, number in _submission_of(ctx).items():
        response_at[number] = min(main.index(f) for f in _id_forms(rid) if f in main)
    assert abs(_tau(response_at)) < MAX_TAU, "responses lie in submission order"
    pairing = stats.kendalltau(
        [comment_at[i] for i in range(COUNT)], [response_at[i] for i in range(COUNT)]
    ).statistic
    assert abs(pairing) < MAX_TAU, "comment positions pair with answer positions"


def _heap_items(conn: Any, table: str) -> list[tuple[int, int, str]]:
    """(page, line pointer flags, xmax) of every item on every page of ``table``."""
    pages = conn.execute(
        text("SELECT pg_relation_size(CAST(:t AS regclass)) / current_setting('block_size')::int"),
        {"t": table},
    ).scalar_one()
    items = []
    for page in range(int(pages)):
        items += [
            (page, int(flags), str(xmax))
            for flags, xmax in conn.execute(
                text(
                    "SELECT lp_flags, t_xmax::text FROM "
                    "public.heap_page_items(public.get_raw_page(:t, :p))"
                ),
                {"t": table, "p": page},
            )
        ]
    return items


def _check_postgresql_pages(ctx: Context, seen: list[uuid.UUID]) -> None:
    with ctx.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect WITH SCHEMA public"))
    with ctx.engine.connect() as conn:
        for table in SURVEY_TABLES:
            items = _heap_items(conn, table)
            rows = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            assert all(flags == 1 and xmax == "0" for _, flags, xmax in items), (
                f"{table}: dead or old row versions remain in the heap pages"
            )
            assert len(items) == rows, f"{table}: more tuples on the pages than rows"
        response_page = {
            uuid.UUID(str(rid)): tuple(int(x) for x in ctid.strip("()").split(","))
            for rid, ctid in conn.execute(text("SELECT id, ctid::text FROM responses"))
        }
        comment_page = {
            int(body.split("-")[2]): tuple(int(x) for x in ctid.strip("()").split(","))
            for body, ctid in conn.execute(text("SELECT text, ctid::text FROM comments"))
        }
    numbers = _submission_of(ctx)
    response_rank = {
        numbers[r]: rank
        for rank, r in enumerate(sorted(response_page, key=response_page.__getitem__))
    }
    comment_rank = {
        n: rank for rank, n in enumerate(sorted(comment_page, key=comment_page.__getitem__))
    }
    assert abs(_tau(response_rank)) < MAX_TAU, "responses lie in submission order"
    assert abs(_tau(comment_rank)) < MAX_TAU, "comments lie in submission order"
    pairing = stats.kendalltau(
        [comment_rank[i] for i in range(COUNT)], [response_rank[i] for i in range(COUNT)]
    ).statistic
    assert abs(pairing) < MAX_TAU, "comment positions pair with answer positions"
    raw = raw_database_bytes(ctx)
    assert not [i for i in seen if i.bytes in raw], "ids seen during the wave remain on disk"
    assert all(raw.count(_marker(i).encode()) == 1 for i in range(COUNT)), "old comment copies"


def test_closing_a_wave_leaves_nothing_that_orders_or_links_submissions(
    alone_url: str, tmp_path: Path
) -> None:
    ctx = make_context(replace(load_settings({}), database_url=alone_url))
    seen = _run_wave(ctx, tmp_path)
    before = _stored(ctx)
    _close(ctx)
    assert _stored(ctx) == before, "the close lost or changed stored data"
    if ctx.engine.dialect.name == "sqlite":
        _check_sqlite_files(ctx, seen)
    else:
        _check_postgresql_pages(ctx, seen)
