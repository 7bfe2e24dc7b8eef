"""Figures over different respondent sets in one cell: a composite beside its components
(the ORI beside its seven dimensions) and Cronbach's alpha with its complete-case count
beside its indicator. Each attack recovered a person's answers or a hidden unit's count on
the old code; the auditor sees every released row as a linear statistic of its own
respondents (tests/privacy_auditor.py)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bgm_dashboard.auth.viewer import SYSTEM
from bgm_dashboard.context import Context
from bgm_dashboard.org.service import import_departments
from bgm_dashboard.privacy.gate import released_figures
from bgm_dashboard.survey.importer import import_responses
from tests.instance_helpers import BANK, COMPOSITES, MONTHS, people
from tests.privacy_auditor import leaking_groups, statistics_of
from tests.scenario import TODAY, write_org

K = 5
DIMENSIONS = list(COMPOSITES["ori"])
ITEMS = [i.code for s in BANK.scales for i in s.items]


def full_answer(rng: np.random.Generator) -> dict[str, float]:
    """Every item answered."""
    out = {}
    for scale in BANK.scales:
        for item in scale.items:
            assert scale.answer_scale is not None
            low, high = scale.answer_scale.min, scale.answer_scale.max
            out[item.code] = float(rng.integers(low, high + 1))
    return out


def publish(
    ctx: Context, folder: Path, units: Mapping[str, str | None], answers: list[dict[str, object]]
) -> tuple[pd.DataFrame, dict[tuple[int, str, frozenset[str]], int], dict[int, int | None]]:
    """Import the org chart and the answers through the CSV path, publish, and return every
    released row, the attacker's atoms and the org chart (ids)."""
    org = write_org(folder / "departments.csv", units)
    frame = pd.DataFrame(answers, columns=["period", "department", *ITEMS])
    frame.to_csv(folder / "responses.csv", index=False)
    with ctx.write() as session:
        import_departments(session, org)
        import_responses(session, ctx.bank, folder / "responses.csv")
        assert ctx.publish_due(session, TODAY) == ["2026-Q1"]
    with ctx.read() as session:
        rows = pd.concat(
            [
                released_figures(session, SYSTEM, granularity=g, include_rest=True)
                for g in ("quarter", "month")
            ],
            ignore_index=True,
        )
    units_ = rows.drop_duplicates("department_id")
    ids = dict(zip(units_["code"], units_["department_id"].astype(int), strict=True))
    parents = {
        int(r.department_id): (None if pd.isna(r.parent_id) else int(r.parent_id))
        for r in units_.itertuples()
    }
    meta = pd.DataFrame(
        {"period": frame["period"], "department_id": frame["department"].map(ids).astype(int)}
    )
    crowd = people(meta, frame[ITEMS].astype("float64"))
    return rows, crowd, parents


def cell(rows: pd.DataFrame, code: str, period: str, indicator: str) -> pd.Series:
    found = rows[
        (rows["code"] == code)
        & (rows["period"] == period)
        & (rows["indicator"] == indicator)
        & (rows["kind"] == "unit")
    ]
    return found.iloc[0]


def test_the_ori_cannot_be_separated_from_its_dimensions(ctx: Context, tmp_path: Path) -> None:
    """One person in unit A skipped a dimension in January. Old code: the ORI (mean of the
    dimensions answered) beside the seven dimensions' n·mean gave that person's exact ORI:
    (n·ORI − Σ n·dim / 7) / (1/6 − 1/7) = the sum of the six answered dimensions."""
    rng = np.random.default_rng(3)
    units = {"ROOT": None, "A": "ROOT", "B": "ROOT"}
    answers: list[dict[str, object]] = []
    for month in MONTHS:
        for unit in ("A", "B"):
            for _ in range(9):
                answers.append({"period": month, "department": unit, **full_answer(rng)})
    skipper = {"period": MONTHS[0], "department": "A", **full_answer(rng)}
    skipper |= {"hl_1": None, "hl_2": None}
    answers.append(skipper)
    rows, crowd, parents = publish(ctx, tmp_path, units, answers)

    # the attack, as an HR officer would run it on the export: wherever the ORI is shown
    # beside all seven dimensions, it must be exactly their mean over the same people
    checked = 0
    for code, period in (
        rows.loc[rows["kind"] == "unit", ["code", "period"]]
        .drop_duplicates()
        .itertuples(index=False)
    ):
        ori = cell(rows, str(code), str(period), "ori")
        if ori["status"] != "shown":
            continue
        dims = [cell(rows, str(code), str(period), d) for d in DIMENSIONS]
        assert all(d["status"] == "shown" for d in dims), (code, period)
        assert all(d["n"] == ori["n"] for d in dims), (code, period)
        total = sum(d["n"] * d["mean"] for d in dims) / len(dims)
        assert ori["n"] * ori["mean"] == pytest.approx(total, abs=1e-6)
        checked += 1
    assert checked > 0  # the ORI is still shown where nobody skipped (B, and A's later months)
    assert cell(rows, "A", MONTHS[0], "ori")["status"] == "suppressed"
    assert cell(rows, "A", MONTHS[0], "leadership")["status"] == "shown"
    stats = statistics_of([(rows.to_dict("records"), parents)], crowd, COMPOSITES)
    assert leaking_groups(crowd, stats, K) == []


def test_alpha_count_of_a_parent_minus_its_child_reveals_no_hidden_unit(
    ctx: Context, tmp_path: Path
) -> None:
    """P holds C (8 a month, all BRS items answered), H (2 a month, all answered: hidden) and
    4 people placed directly in P who answered 4 of 6 BRS items (scored, not complete).
    Old code: BRS alpha shown for P and C with their complete-case counts, P − C = 2 = the
    hidden unit H's count. Now the complete-case set is an instance of its own."""
    rng = np.random.default_rng(5)
    units = {"ROOT": None, "P": "ROOT", "C": "P", "H": "P", "Z": "ROOT"}
    answers: list[dict[str, object]] = []
    for month in MONTHS:
        for unit, count in (("C", 8), ("H", 2), ("Z", 9)):
            for _ in range(count):
                answers.append({"period": month, "department": unit, **full_answer(rng)})
        for _ in range(4):
            partial = {"period": month, "department": "P", **full_answer(rng)}
            answers.append(partial | {"brs_5": None, "brs_6": None})
    rows, crowd, parents = publish(ctx, tmp_path, units, answers)
    for period in ("2026-Q1", *MONTHS):
        parent, child = cell(rows, "P", period, "brs"), cell(rows, "C", period, "brs")
        assert parent["status"] == child["status"] == "shown"  # the BRS itself stays shown
        if not (pd.isna(parent["alpha_n"]) or pd.isna(child["alpha_n"])):
            assert parent["alpha_n"] - child["alpha_n"] >= K, period
    assert not rows.loc[rows["indicator"] == "brs", "alpha"].isna().all()  # alpha not lost
    stats = statistics_of([(rows.to_dict("records"), parents)], crowd, COMPOSITES)
    assert leaking_groups(crowd, stats, K) == []


def test_migration_rebuilds_ori_moments_with_the_new_scoring(ctx: Context, tmp_path: Path) -> None:
    """A database from before issue 9 holds ORI moments of the old rule (mean of the answered
    dimensions); migration 0008_disclosure rebuilds them, so counts of the ORI and of its
    dimensions agree exactly where the respondents do."""
    from alembic import command
    from sqlalchemy import select, update

    from bgm_dashboard.db.migrate import alembic_config
    from bgm_dashboard.db.models import IndicatorMoment

    rng = np.random.default_rng(11)
    units = {"ROOT": None, "A": "ROOT"}
    answers: list[dict[str, object]] = [
        {"period": MONTHS[0], "department": "A", **full_answer(rng)} for _ in range(6)
    ]
    answers[0] |= {"hl_1": None, "hl_2": None}  # six dimensions: no ORI any more
    publish(ctx, tmp_path, units, answers)

    def ori_n() -> float:
        with ctx.read() as session:
            return float(
                session.scalar(select(IndicatorMoment.n).where(IndicatorMoment.indicator == "ori"))
                or 0
            )

    assert ori_n() == 5
    with ctx.write() as session:  # as the old rule stored it
        session.execute(
            update(IndicatorMoment).where(IndicatorMoment.indicator == "ori").values(n=6)
        )
    config = alembic_config(ctx.engine)
    command.downgrade(config, "0007_pulse")
    command.upgrade(config, "head")
    assert ori_n() == 5
