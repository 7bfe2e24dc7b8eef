"""Large imports in short transactions, on SQLite and PostgreSQL: the same result as one
transaction, answers from the survey get through while the import runs, a failure half-way
leaves nothing behind, and a month being imported is neither open nor published."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from bgm_dashboard.bench.load import fresh_database
from bgm_dashboard.context import Context, make_context
from bgm_dashboard.db.models import Comment, IndicatorMoment, Response, Wave
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.survey import importer
from bgm_dashboard.survey.importer import import_responses, import_responses_in_batches
from bgm_dashboard.survey.intake import submit_response
from bgm_dashboard.survey.waves import IMPORTING, open_wave, wave_for_period
from tests.ballot_helpers import allow_open_link
from tests.cli_helpers import Result
from tests.conftest import POSTGRES_URL, REFERENCE
from tests.test_storage import _moments

TODAY = date(2026, 11, 26)


@pytest.fixture
def org_ctx(ctx: Context) -> Context:
    with ctx.write() as session:
        import_departments(session, REFERENCE / "departments.csv")
    return ctx


def table_counts(ctx: Context) -> tuple[int, int, int, int]:
    with ctx.read() as session:
        return (
            int(session.scalar(select(func.count()).select_from(Response)) or 0),
            int(session.scalar(select(func.count()).select_from(Comment)) or 0),
            int(session.scalar(select(func.count()).select_from(Wave)) or 0),
            int(session.scalar(select(func.count()).select_from(IndicatorMoment)) or 0),
        )


def test_batches_store_what_one_transaction_stores(org_ctx: Context, tmp_path: Path) -> None:
    """The reference file in batches of 50 rows gives the same rows, comments and moments
    as the single-transaction import, and the new waves end closed."""
    ctx = org_ctx
    count = import_responses_in_batches(
        ctx.read, ctx.write, ctx.bank, REFERENCE / "responses.csv", batch=50, today=TODAY
    )
    batched = _moments(ctx), table_counts(ctx)
    with ctx.read() as session:
        assert {w.status for w in session.scalars(select(Wave))} == {"closed"}
    backend = ctx.engine.dialect.name
    with fresh_database(backend, tmp_path, POSTGRES_URL, "t_single") as url:
        one = make_context(replace(ctx.settings, database_url=url))
        with one.write() as session:
            import_departments(session, REFERENCE / "departments.csv")
            stored = import_responses(session, one.bank, REFERENCE / "responses.csv", today=TODAY)
        single = _moments(one), table_counts(one)
        one.engine.dispose()
    assert stored == count
    assert batched[1] == single[1] and batched[1][0] == count == 384
    for a, b in zip(batched[0], single[0], strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)


def test_survey_answers_get_through_while_a_file_is_imported(org_ctx: Context) -> None:
    """While an import writes batch after batch (each slowed down), a submitter keeps
    sending answers to the open wave: none refused, all stored, and answers are stored
    between the import's batches (the import does not hold the write lock throughout)."""
    ctx = org_ctx
    with ctx.write() as session:
        allow_open_link(session, ctx.bank)
        wave = open_wave(
            session, "2026-11", indicators=list(ctx.bank.indicator_codes), access="link"
        )
    real = importer.store_batch
    events: list[str] = []

    def slow_batch(*args: object, **kwargs: object) -> int:
        events.append("batch")
        time.sleep(0.2)  # a batch that holds the write lock for a while
        return real(*args, **kwargs)  # type: ignore[arg-type]

    importer.store_batch = slow_batch  # type: ignore[assignment]
    errors: list[BaseException] = []
    done = threading.Event()

    def survey() -> None:
        while not done.is_set():
            try:
                submit_response(
                    ctx.read,
                    ctx.write,
                    ctx.bank,
                    wave_id=wave.id,
                    department_code="A10",
                    answers={"enps": 8},
                    today=TODAY,
                )
                events.append("answer")
            except BaseException as exc:
                errors.append(exc)

    thread = threading.Thread(target=survey)
    thread.start()
    try:
        count = import_responses_in_batches(
            ctx.read, ctx.write, ctx.bank, REFERENCE / "responses.csv", batch=40, today=TODAY
        )
    finally:
        done.set()
        thread.join()
        importer.store_batch = real
    assert errors == []
    batches = [i for i, e in enumerate(events) if e == "batch"]
    assert len(batches) == 10  # 384 rows in batches of 40
    between = events[batches[0] : batches[-1]].count("answer")
    assert between >= 3, events
    assert table_counts(ctx)[0] == count + events.count("answer")


def test_a_failure_half_way_leaves_nothing(
    org_ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = org_ctx
    before = table_counts(ctx)
    calls = {"n": 0}
    real = importer.store_batch

    def failing(*args: object, **kwargs: object) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            with ctx.read() as session:  # meanwhile: the months are not open, not published
                waves = list(session.scalars(select(Wave)))
                assert waves and {w.status for w in waves} == {IMPORTING}
                assert ctx.publish_due(session, TODAY) == []
                session.rollback()
            raise OSError("disk full")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importer, "store_batch", failing)
    with pytest.raises(OSError):
        import_responses_in_batches(
            ctx.read, ctx.write, ctx.bank, REFERENCE / "responses.csv", batch=50, today=TODAY
        )
    assert calls["n"] == 3
    assert table_counts(ctx) == before
    with ctx.read() as session:
        assert wave_for_period(session, "2026-01") is None


def test_import_into_an_open_wave_closed_meanwhile_is_refused_whole(
    org_ctx: Context, tmp_path: Path
) -> None:
    ctx = org_ctx
    with ctx.write() as session:
        allow_open_link(session, ctx.bank)
        open_wave(session, "2026-11", indicators=list(ctx.bank.indicator_codes), access="link")
    path = tmp_path / "r.csv"
    path.write_text(
        "period,department,enps\n2026-10,A10,5\n2026-11,A10,7\n2026-11,A20,9\n", encoding="utf-8"
    )
    real = importer._widen_indicators

    def close_first(session, bank, plan):  # type: ignore[no-untyped-def]
        from bgm_dashboard.auth.viewer import SYSTEM
        from bgm_dashboard.survey.management import close_wave_as

        with ctx.write() as other:
            close_wave_as(other, SYSTEM, ctx.bank, "2026-11", today=TODAY)
        return real(session, bank, plan)

    before = table_counts(ctx)
    importer._widen_indicators = close_first  # type: ignore[assignment]
    try:
        with pytest.raises(ValidationError, match="2026-11"):
            import_responses_in_batches(ctx.read, ctx.write, ctx.bank, path, today=TODAY)
    finally:
        importer._widen_indicators = real
    after = table_counts(ctx)
    assert after[0] == before[0] and after[1] == before[1]
    with ctx.read() as session:
        assert wave_for_period(session, "2026-10") is None


def test_an_interrupted_import_is_named_and_cleaned_up(
    org_ctx: Context, monkeypatch: pytest.MonkeyPatch, run: Callable[..., Result]
) -> None:
    """A process killed half-way cannot compensate: its months stay "importing" (never
    published), a new import of them is refused with a pointer to `bgm import clean-up`,
    which removes the left-overs; then the import goes through."""
    ctx = org_ctx
    before = table_counts(ctx)
    real = importer.store_batch
    calls = {"n": 0}

    def killed(*args: object, **kwargs: object) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importer, "store_batch", killed)
    monkeypatch.setattr(importer, "remove_waves", lambda session, ids: None)  # no compensation
    with pytest.raises(KeyboardInterrupt):
        import_responses_in_batches(
            ctx.read, ctx.write, ctx.bank, REFERENCE / "responses.csv", batch=50, today=TODAY
        )
    monkeypatch.undo()
    assert table_counts(ctx)[0] == 100
    url = ctx.settings.database_url
    again = run(url, "import", "responses", str(REFERENCE / "responses.csv"), lang="de")
    assert again.returncode != 0 and "bgm import clean-up" in again.stderr
    done = run(url, "import", "clean-up")
    assert done.returncode == 0 and "2026-01" in done.stdout
    assert table_counts(ctx) == before
    assert run(url, "import", "responses", str(REFERENCE / "responses.csv")).returncode == 0
    assert table_counts(ctx)[0] == 384


def test_quarters_due_after_an_import_are_published_one_transaction_each(
    org_ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Publishing after a large import holds the write lock per quarter, not for all."""
    from contextlib import contextmanager

    from bgm_dashboard.context import Context as ContextClass
    from bgm_dashboard.db.models import Publication

    ctx = org_ctx
    import_responses_in_batches(
        ctx.read, ctx.write, ctx.bank, REFERENCE / "responses.csv", today=TODAY
    )
    writes = {"n": 0}
    real = ContextClass.write

    @contextmanager
    def counted(self: ContextClass):  # type: ignore[no-untyped-def]
        writes["n"] += 1
        with real(self) as session:
            yield session

    monkeypatch.setattr(ContextClass, "write", counted)
    assert ctx.publish_due_stepwise(TODAY) == ["2026-Q1", "2026-Q2"]
    assert writes["n"] == 2
    with ctx.read() as session:
        assert sorted(session.scalars(select(Publication.quarter))) == ["2026-Q1", "2026-Q2"]
    assert ctx.publish_due_stepwise(TODAY) == []
