"""Nobody is turned away and nothing lands behind a published quarter: many submitters at
once, closing a wave while answers arrive (a widened race window), a failing database on the
survey page. On SQLite and PostgreSQL."""

from __future__ import annotations

import random
import threading
import time
from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bgm_dashboard.context import Context
from bgm_dashboard.db.models import Department, Publication, PublishedFigure, Response, Wave
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.indicators.moments import RESPONSES, moments_for_batch, moments_for_one
from bgm_dashboard.instrument.scoring import score_frame, score_one
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.survey import intake
from bgm_dashboard.survey.intake import submit_response
from bgm_dashboard.survey.management import close_wave_as
from bgm_dashboard.survey.waves import open_wave, wave_for_period
from tests.ballot_helpers import allow_open_link
from tests.conftest import REFERENCE
from tests.datapath_helpers import assert_moments_equal_rebuild

TODAY = date(2026, 11, 26)
PERIOD = "2026-01"  # a month of an ended quarter: closing its wave publishes the quarter


def random_answers(ctx: Context, rng: random.Random, blank: float = 0.15) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for code in ctx.bank.item_codes:
        lo, hi = ctx.bank.answer_range(code)
        out[code] = None if rng.random() < blank else rng.randint(lo, hi)
    return out


@pytest.fixture
def open_ctx(ctx: Context) -> Context:
    with ctx.write() as session:
        import_departments(session, REFERENCE / "departments.csv")
        allow_open_link(session, ctx.bank)
        open_wave(session, PERIOD, indicators=list(ctx.bank.indicator_codes), access="link")
    return ctx


def wave_id(ctx: Context) -> int:
    with ctx.read() as session:
        wave = wave_for_period(session, PERIOD)
        assert wave is not None
        return wave.id


def send(ctx: Context, answers: dict[str, int | None], unit: str = "A10") -> None:
    submit_response(
        ctx.read,
        ctx.write,
        ctx.bank,
        wave_id=wave_id(ctx),
        department_code=unit,
        answers=answers,
        today=TODAY,
    )


def stored_responses(ctx: Context) -> int:
    with ctx.read() as session:
        return int(session.scalar(select(func.count()).select_from(Response)) or 0)


def assert_same_rows(rows: list[tuple[object, ...]], frame: pd.DataFrame) -> None:
    expected = sorted(tuple(r) for r in frame.itertuples(index=False))
    got = sorted(rows)
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected, strict=True):
        for a, b in zip(mine, theirs, strict=True):
            assert a == (pytest.approx(b, rel=1e-12) if isinstance(b, float) else b)


def test_single_response_scores_and_moments_equal_the_batch_rules(ctx: Context) -> None:
    """The plain-Python scoring used before the write lock agrees with the vectorised
    scoring of imports and rebuilds, response by response (every kind of scale, gaps)."""
    rng = random.Random(14)
    for blank in (0.0, 0.3, 0.7):
        for _ in range(60):
            answers = random_answers(ctx, rng, blank)
            if all(v is None for v in answers.values()):
                continue
            frame = pd.DataFrame([{k: np.nan if v is None else v for k, v in answers.items()}])
            expected = score_frame(frame, ctx.bank).iloc[0]
            got = score_one(answers, ctx.bank)
            for code, value in expected.items():
                if pd.isna(value):
                    assert got[str(code)] is None, code
                else:
                    assert got[str(code)] == pytest.approx(float(value), rel=1e-12), code
            meta = pd.DataFrame({"period": ["2026-01"], "department_id": [7]})
            ind, items = moments_for_batch(meta, frame.astype("float64"), ctx.bank)
            one_ind, one_items = moments_for_one("2026-01", 7, answers, ctx.bank)
            assert_same_rows(one_ind, ind)
            assert_same_rows(one_items, items)


def test_many_concurrent_submitters_none_refused_lost_or_doubled(open_ctx: Context) -> None:
    """50 threads submit at once (the survey page's path): every answer is stored exactly
    once and the moments kept at write time equal a rebuild from the raw answers."""
    threads, each = 50, 4
    errors: list[BaseException] = []
    start = threading.Barrier(threads)
    rng = random.Random(5)
    plans = [[random_answers(open_ctx, rng) for _ in range(each)] for _ in range(threads)]

    def worker(plan: list[dict[str, int | None]]) -> None:
        start.wait()
        for answers in plan:
            if all(v is None for v in answers.values()):
                answers = {**answers, "enps": 5}
            try:
                send(open_ctx, answers, unit=random.choice(["A10", "A21", "A51"]))
            except BaseException as exc:  # every failure is a refused answer
                errors.append(exc)

    pool = [threading.Thread(target=worker, args=(plan,)) for plan in plans]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert errors == []
    assert stored_responses(open_ctx) == threads * each
    assert_moments_equal_rebuild(open_ctx)


def published_responses(ctx: Context) -> int:
    """Responses of the month in the frozen publication, summed over the top-level units."""
    with ctx.read() as session:
        top = session.scalars(select(Department.id).where(Department.parent_id.is_(None))).all()
        pub = session.scalar(select(Publication.id).where(Publication.quarter == "2026-Q1"))
        assert pub is not None
        n = session.scalar(
            select(func.sum(PublishedFigure.n)).where(
                PublishedFigure.publication_id == pub,
                PublishedFigure.indicator == RESPONSES,
                PublishedFigure.period == PERIOD,
                PublishedFigure.granularity == "month",
                PublishedFigure.department_id.in_(top),
            )
        )
        return int(n or 0)


def test_closing_a_wave_waits_for_an_answer_in_flight(
    open_ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer that has passed the wave check when HR closes the wave is either in the
    publication or refused: never stored behind the published quarter. The window between
    the check and the write is widened to half a second."""
    from bgm_dashboard.auth.viewer import SYSTEM

    rng = random.Random(1)
    for _ in range(12):
        send(open_ctx, {**random_answers(open_ctx, rng), "enps": 7})
    reached = threading.Event()

    def pause() -> None:
        reached.set()
        time.sleep(0.5)

    monkeypatch.setattr(intake, "BEFORE_WRITE", [pause])
    outcome: list[BaseException | None] = []

    def late_answer() -> None:
        try:
            send(open_ctx, {**random_answers(open_ctx, rng), "enps": 9})
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    submitter = threading.Thread(target=late_answer)
    submitter.start()
    assert reached.wait(10)
    with open_ctx.write() as session:
        published = close_wave_as(session, SYSTEM, open_ctx.bank, PERIOD, today=TODAY)
    submitter.join()
    assert published == ["2026-Q1"]
    assert len(outcome) == 1
    if outcome[0] is not None:
        assert isinstance(outcome[0], ValidationError), outcome[0]
    assert stored_responses(open_ctx) == published_responses(open_ctx)
    assert stored_responses(open_ctx) in (12, 13)
    with open_ctx.read() as session:
        assert session.scalar(select(Wave.status).where(Wave.period == PERIOD)) == "closed"


def test_an_answer_after_the_close_is_refused(open_ctx: Context) -> None:
    from bgm_dashboard.auth.viewer import SYSTEM

    with open_ctx.write() as session:
        close_wave_as(session, SYSTEM, open_ctx.bank, PERIOD, today=TODAY)
    with pytest.raises(ValidationError):
        send(open_ctx, {"enps": 3})
    assert stored_responses(open_ctx) == 0


def test_survey_page_keeps_the_form_when_the_database_fails(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A storage failure shows a German message (no Streamlit error page), keeps what was
    entered, and sending again stores the answer once."""
    from bgm_dashboard.periods import month_of
    from tests.test_survey_page import stored, survey

    with ctx.write() as session:
        import_departments(session, REFERENCE / "departments.csv")
        allow_open_link(session, ctx.bank)
        open_wave(
            session,
            month_of(date.today()),
            indicators=list(ctx.bank.indicator_codes),
            access="link",
        )
    at = survey(ctx, monkeypatch)
    at.selectbox(key="department").set_value("A20")
    at.radio(key="item_enps").set_value(9)
    at.text_area(key="comment").set_value("Bitte mehr Pausenräume.")
    real = intake.store

    def broken(*args: object, **kwargs: object) -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(intake, "store", broken)
    at.button(key="submit").click().run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "nicht gespeichert" in errors and "noch einmal" in errors
    assert stored(ctx) == (0, 0)
    assert at.radio(key="item_enps").value == 9
    assert at.text_area(key="comment").value == "Bitte mehr Pausenräume."
    monkeypatch.setattr(intake, "store", real)
    at.button(key="submit").click().run()
    assert not at.exception
    assert "Vielen Dank" in " ".join(s.value for s in at.success)
    assert stored(ctx) == (1, 1)
