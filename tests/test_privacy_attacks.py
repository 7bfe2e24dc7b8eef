"""Attack tests: each one tries a known way to find out what one person answered, and each
would succeed against a naive implementation (show every cell with n >= k)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sqlalchemy import inspect, select, text

from bgm_dashboard.auth.viewer import SYSTEM
from bgm_dashboard.context import Context
from bgm_dashboard.db.models import Comment, ParticipationToken, Publication, Response
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.privacy.gate import released_figures
from bgm_dashboard.survey.importer import import_responses
from bgm_dashboard.survey.intake import submit
from bgm_dashboard.survey.waves import close_wave, issue_tokens, open_wave, wave_for_period
from tests.ballot_helpers import allow_open_link
from tests.privacy_auditor import isolatable_groups, published_sets
from tests.scenario import TODAY, load, write_responses

Q1 = ["2026-01", "2026-02", "2026-03"]
K = 5


def release(ctx: Context) -> pd.DataFrame:
    with ctx.read() as session:
        return pd.concat(
            [
                released_figures(session, SYSTEM, granularity=g, include_rest=True)
                for g in ("quarter", "month")
            ],
            ignore_index=True,
        )


def audit(
    frame: pd.DataFrame,
    counts: Mapping[str, Sequence[int]],
    indicator: str = "who5",
    months: Sequence[str] = Q1,
) -> list[tuple[frozenset[tuple[int, str]], int]]:
    units = frame.drop_duplicates("department_id")
    ids = dict(zip(units["code"], units["department_id"], strict=True))
    parents = {
        int(r.department_id): (None if pd.isna(r.parent_id) else int(r.parent_id))
        for r in units.itertuples()
    }
    atoms = {(int(ids[code]), m): 0 for code in ids for m in months}
    for code, per_month in counts.items():
        for month, count in zip(months, per_month, strict=True):
            atoms[(int(ids[code]), month)] = count
    rows = frame[frame["indicator"] == indicator].to_dict("records")
    return isolatable_groups(atoms, published_sets(rows, parents), K)


def status(frame: pd.DataFrame, code: str, period: str, indicator: str = "who5") -> str:
    row = frame[
        (frame["code"] == code)
        & (frame["period"] == period)
        & (frame["indicator"] == indicator)
        & (frame["kind"] == "unit")
    ]
    return str(row["status"].iloc[0])


def test_siblings_cannot_be_subtracted_from_their_parent(ctx: Context, tmp_path: Path) -> None:
    units = {"ROOT": None, "P": "ROOT", "A": "P", "B": "P", "C": "P", "Z": "ROOT"}
    counts = {"A": [7, 7, 6], "B": [8, 7, 7], "C": [1, 1, 0], "Z": [9, 9, 9]}
    assert load(ctx, tmp_path, units, counts, Q1) == ["2026-Q1"]
    frame = release(ctx)
    assert status(frame, "C", "2026-Q1") == "suppressed"
    # naive: P, A and B shown -> P - A - B = C (2 people). Now one of them must be hidden.
    shown = [status(frame, u, "2026-Q1") == "shown" for u in ("P", "A", "B")]
    assert not all(shown)
    assert audit(frame, counts) == []


def test_quarter_cannot_be_subtracted_from_its_months(ctx: Context, tmp_path: Path) -> None:
    units = {"ROOT": None, "U": "ROOT", "V": "ROOT"}
    counts = {"U": [10, 10, 2], "V": [12, 12, 12]}
    load(ctx, tmp_path, units, counts, Q1)
    frame = release(ctx)
    assert status(frame, "U", "2026-Q1") == "shown"
    assert status(frame, "U", "2026-03") == "suppressed"
    # naive: U's quarter (22) and its January and February (10 each) -> March = 2 people.
    assert status(frame, "U", "2026-01") == "suppressed"
    assert status(frame, "U", "2026-02") == "suppressed"
    assert audit(frame, counts) == []


def test_staff_placed_directly_in_a_unit_stay_hidden(ctx: Context, tmp_path: Path) -> None:
    units = {"D": None, "A": "D", "B": "D"}
    counts = {"D": [1, 1, 1], "A": [8, 8, 8], "B": [9, 9, 9]}
    load(ctx, tmp_path, units, counts, Q1)
    frame = release(ctx)
    # naive: D (54), A (24), B (27) shown -> D - A - B = the 3 people placed directly in D.
    assert not all(status(frame, u, "2026-Q1") == "shown" for u in ("D", "A", "B"))
    assert audit(frame, counts) == []


def test_no_count_leaks_through_a_suppressed_cell(reference_ctx: Context) -> None:
    frame = release(reference_ctx)
    hidden = frame[frame["status"] == "suppressed"]
    assert not hidden.empty
    numbers = [
        "n",
        "mean",
        "sd",
        "ci_low",
        "ci_high",
        "share_a",
        "share_b",
        "alpha",
        "alpha_n",
        "headcount",
        "se",
        "alpha_low",
        "alpha_high",
    ]
    assert hidden[numbers].isna().all().all()
    raw = pd.read_csv(Path(__file__).parent / "data" / "reference" / "responses.csv")
    counts = raw.groupby(["department", "period"]).size().unstack(fill_value=0)
    months = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    per_unit = {code: [int(counts.loc[code].get(m, 0)) for m in months] for code in counts.index}
    # participation counts follow the same rules as every figure
    assert audit(frame, per_unit, indicator="responses", months=months) == []


def test_consecutive_views_of_a_running_wave_do_not_exist(ctx: Context, tmp_path: Path) -> None:
    """Watching a figure before and after a colleague answers would reveal the answer: no
    figure of a quarter exists until all its waves are closed, and a closed wave is final."""
    units = {"ROOT": None, "X": "ROOT", "Y": "ROOT"}
    with ctx.write() as session:
        allow_open_link(session, ctx.bank)
        wave_id = open_wave(session, "2026-03", indicators=["who5", "enps"], access="link").id
    assert load(ctx, tmp_path, units, {"X": [6, 6], "Y": [8, 8]}, Q1[:2]) == []
    answers = {f"who5_{i}": 3 for i in range(1, 6)} | {"enps": 8}
    for _ in range(6):
        answer(ctx, wave_id, answers)
    with ctx.write() as session:
        assert ctx.publish_due(session, TODAY) == []
    assert release(ctx).empty
    answer(ctx, wave_id, answers | {"who5_1": 0}, today=date(2026, 3, 11))
    with ctx.write() as session:
        assert ctx.publish_due(session, TODAY) == []
        close_wave(session, wave_for_period(session, "2026-03"))  # type: ignore[arg-type]
        assert ctx.publish_due(session, TODAY) == ["2026-Q1"]
    with pytest.raises(ValidationError):
        answer(ctx, wave_id, answers, today=date(2026, 3, 12))
    more = write_responses(tmp_path / "late.csv", {"X": [1]}, ["2026-03"])
    with pytest.raises(ValidationError), ctx.write() as session:
        import_responses(session, ctx.bank, more)
    with ctx.read() as session:
        assert len(session.scalars(select(Publication)).all()) == 1
    frame = release(ctx)
    x_q = frame[
        (frame["code"] == "X")
        & (frame["period"] == "2026-Q1")
        & (frame["indicator"] == "responses")
    ]
    assert int(x_q["n"].iloc[0]) == 6 + 6 + 7


def answer(
    ctx: Context,
    wave_id: int,
    answers: Mapping[str, int],
    *,
    unit: str = "X",
    token: str | None = None,
    comment: str | None = None,
    today: date = date(2026, 3, 10),
) -> None:
    """One submission through the survey's intake service, in its own transaction."""
    with ctx.write() as session:
        submit(
            session,
            ctx.bank,
            wave_id=wave_id,
            department_code=unit,
            answers=answers,
            comment=comment,
            token=token,
            today=today,
        )


def issue(ctx: Context, count: int, period: str = "2026-03") -> list[str]:
    with ctx.write() as session:
        wave = wave_for_period(session, period)
        assert wave is not None
        return issue_tokens(session, wave, count)


def _submit_encoded(ctx: Context, wave_id: int, count: int, comments: bool = False) -> None:
    """Submit ``count`` responses whose answers encode their submission order."""
    for i in range(count):
        answers = {"who5_1": i // 36 % 6, "who5_2": i // 6 % 6, "who5_3": i % 6, "enps": 5}
        answer(ctx, wave_id, answers, comment=f"Kommentar {i}" if comments else None)


def _decode(values: Mapping[str, int]) -> int:
    return values["who5_1"] * 36 + values["who5_2"] * 6 + values["who5_3"]


def _natural_order(ctx: Context) -> tuple[list[int], list[int], list[uuid.UUID]]:
    """Submission indexes of responses and comments as the database returns them unordered."""
    with ctx.read() as session:
        march = {"p": "2026-03"}
        ids = [
            uuid.UUID(str(r))
            for r in session.scalars(text("SELECT id FROM responses WHERE period = :p"), march)
        ]
        answers = session.execute(text("SELECT response_id, item_code, value FROM answers")).all()
        comments = session.scalars(text("SELECT text FROM comments WHERE period = :p"), march).all()
    by_response: dict[str, dict[str, int]] = {}
    for rid, item, value in answers:
        by_response.setdefault(str(uuid.UUID(str(rid))), {})[item] = value
    by_response = {r: v for r, v in by_response.items() if uuid.UUID(r) in set(ids)}
    order = [_decode(by_response[str(i)]) for i in ids]
    comment_order = [int(c.split()[-1]) for c in comments]
    return order, comment_order, ids


def _setup_open_wave(ctx: Context, tmp_path: Path) -> int:
    with ctx.write() as session:
        allow_open_link(session, ctx.bank)
        wave_id = open_wave(session, "2026-03", indicators=["who5", "enps"], access="link").id
    load(ctx, tmp_path, {"ROOT": None, "X": "ROOT", "Y": "ROOT"}, {"Y": [6, 6]}, Q1[:2])
    return wave_id


def test_comments_cannot_be_linked_to_answers(ctx: Context, tmp_path: Path) -> None:
    columns = {c["name"] for c in inspect(ctx.engine).get_columns("comments")}
    assert columns == {"id", "wave_id", "department_id", "period", "text", "withheld"}
    assert not any(
        fk["referred_table"] == "responses"
        for fk in inspect(ctx.engine).get_foreign_keys("comments")
    )
    wave_id = _setup_open_wave(ctx, tmp_path)
    _submit_encoded(ctx, wave_id, 80, comments=True)
    with ctx.write() as session:
        close_wave(session, wave_for_period(session, "2026-03"))  # type: ignore[arg-type]
    order, comment_order, _ = _natural_order(ctx)
    assert sorted(order) == sorted(comment_order) == list(range(80))
    same_place = sum(a == b for a, b in zip(order, comment_order, strict=True))
    assert same_place < 8  # a random pairing puts about one in place
    for sequence in (order, comment_order):
        tau = stats.kendalltau(range(80), sequence).statistic
        assert abs(tau) < 0.4, "storage order follows submission order"


def test_ids_and_storage_reveal_no_submission_order(ctx: Context, tmp_path: Path) -> None:
    wave_id = _setup_open_wave(ctx, tmp_path)
    _submit_encoded(ctx, wave_id, 80)
    with ctx.write() as session:
        close_wave(session, wave_for_period(session, "2026-03"))  # type: ignore[arg-type]
    order, _, ids = _natural_order(ctx)
    assert all(i.version == 4 for i in ids)
    by_id = [order[j] for j in np.argsort([str(i) for i in ids])]
    assert abs(stats.kendalltau(range(80), by_id).statistic) < 0.4
    if ctx.engine.dialect.name == "postgresql":
        with ctx.read() as session:
            xmins = set(
                session.scalars(
                    text("SELECT xmin::text FROM responses WHERE period = '2026-03'")
                ).all()
            )
        assert len(xmins) == 1, "transaction ids would tell submissions apart"


def test_responses_keep_no_person_data_and_tokens_do_not_link(ctx: Context, tmp_path: Path) -> None:
    inspector = inspect(ctx.engine)
    assert {c["name"] for c in inspector.get_columns("responses")} == {
        "id",
        "wave_id",
        "department_id",
        "period",
    }
    assert {c["name"] for c in inspector.get_columns("participation_tokens")} == {
        "token_hash",
        "wave_id",
    }
    assert {c["name"] for c in inspector.get_columns("answers")} == {
        "response_id",
        "item_code",
        "value",
    }
    wave_id = _setup_open_wave(ctx, tmp_path)
    tokens = issue(ctx, 12)
    answers = {f"who5_{i}": 2 for i in range(1, 6)}
    for token in tokens[:5]:
        answer(ctx, wave_id, answers, token=token)
    with ctx.read() as session:
        remaining = session.scalar(
            select(ParticipationToken.token_hash)
            .where(ParticipationToken.wave_id == wave_id)
            .limit(1)
        )
        count = len(session.scalars(select(ParticipationToken.token_hash)).all())
        stored = session.scalars(select(Response.id).where(Response.wave_id == wave_id)).all()
    assert count == 7 and remaining is not None  # spent tokens are gone, not marked
    assert len(stored) == 5
    for token in tokens[:5]:
        assert all(token.replace("-", "") not in str(r) for r in stored)


def test_spent_token_is_refused(ctx: Context, tmp_path: Path) -> None:
    wave_id = _setup_open_wave(ctx, tmp_path)
    token = issue(ctx, 1)[0]
    answers = {"enps": 9}
    answer(ctx, wave_id, answers, token=token)
    with pytest.raises(ValidationError) as refused:
        answer(ctx, wave_id, answers, token=token)
    assert refused.value.key == "survey.token_invalid"
    with ctx.read() as session:
        stored = session.scalars(select(Response.id).where(Response.wave_id == wave_id)).all()
        assert len(stored) == 1


def test_racing_submissions_on_one_token_store_exactly_one(ctx: Context, tmp_path: Path) -> None:
    wave_id = _setup_open_wave(ctx, tmp_path)
    tokens = issue(ctx, 6)
    for token in tokens:
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def attempt(
            token: str = token, barrier: threading.Barrier = barrier, outcomes: list[str] = outcomes
        ) -> None:
            barrier.wait()
            try:
                answer(ctx, wave_id, {"enps": 10}, token=token)
                outcomes.append("stored")
            except ValidationError as error:
                outcomes.append(error.key)

        threads = [threading.Thread(target=attempt) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["stored", "survey.token_invalid"]
    with ctx.read() as session:
        stored = session.scalars(select(Response.id).where(Response.wave_id == wave_id)).all()
        assert len(stored) == len(tokens)
        assert session.scalars(select(Comment.id)).all() == []


def test_reorganisation_cannot_be_subtracted_difference_rule(ctx: Context, tmp_path: Path) -> None:
    """A quarter published again after a small unit moved: "P1 before" minus "P1 after" would
    isolate the people of the moved unit. The difference rule hides the newer view."""
    from bgm_dashboard.governance.settings import current
    from bgm_dashboard.org.service import import_departments
    from bgm_dashboard.privacy.publication import republish
    from tests.scenario import write_org

    units = {"ROOT": None, "P1": "ROOT", "A": "P1", "X": "P1", "P2": "ROOT", "B": "P2"}
    counts = {"A": [9, 9, 9], "X": [1, 1, 1], "B": [9, 9, 9], "P1": [2, 2, 2], "P2": [2, 2, 2]}
    load(ctx, tmp_path, units, counts, Q1)
    moved = dict(units, X="P2")
    with ctx.write() as session:
        import_departments(session, write_org(tmp_path / "reorg.csv", moved))
        republish(session, "2026-Q1", bank=ctx.bank, governance=current(session))
    with ctx.read() as session:
        versions = session.scalars(select(Publication).order_by(Publication.version)).all()
        assert [v.version for v in versions] == [1, 2]
        old, new = (released_for(session, pub.id) for pub in versions)
    for unit in ("P1", "P2"):
        before = old[(unit, "2026-Q1")]
        after = new[(unit, "2026-Q1")]
        assert before == "shown"
        assert after == "suppressed", f"{unit} after the move differs by only 3 responses"


def released_for(session: object, publication_id: int) -> dict[tuple[str, str], str]:
    from bgm_dashboard.db.models import PublishedFigure

    rows = session.execute(  # type: ignore[attr-defined]
        select(PublishedFigure.department_id, PublishedFigure.period, PublishedFigure.status).where(
            PublishedFigure.publication_id == publication_id,
            PublishedFigure.indicator == "who5",
            PublishedFigure.kind == "unit",
        )
    ).all()
    pub = session.get(Publication, publication_id)  # type: ignore[attr-defined]
    codes = {int(u["id"]): u["code"] for u in pub.tree}
    return {(codes[d], p): s for d, p, s in rows}


def test_response_rate_is_per_wave_against_headcount(reference_ctx: Context) -> None:
    """Participation: responses of a quarter over (waves x headcount of the subtree)."""
    frame = release(reference_ctx)
    raw = pd.read_csv(Path(__file__).parent / "data" / "reference" / "responses.csv")
    org = pd.read_csv(Path(__file__).parent / "data" / "reference" / "departments.csv")
    rows = frame[
        (frame["indicator"] == "responses") & (frame["code"] == "A10") & (frame["kind"] == "unit")
    ]
    q1 = rows[rows["period"] == "2026-Q1"].iloc[0]
    jan = rows[rows["period"] == "2026-01"].iloc[0]
    a10 = raw[raw["department"] == "A10"]
    headcount = int(org.loc[org["code"] == "A10", "headcount"].iloc[0])
    in_q1 = a10["period"].isin(["2026-01", "2026-02", "2026-03"]).sum()
    assert q1["mean"] == pytest.approx(100 * in_q1 / (3 * headcount))
    if jan["status"] == "shown":
        assert jan["mean"] == pytest.approx(100 * (a10["period"] == "2026-01").sum() / headcount)
