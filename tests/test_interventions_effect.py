"""Effect of action plans on the demo data: before/after, its Welch interval and the
difference in differences agree with an independent computation from the raw sample answers
(pooled per unit and quarter with pandas, only where the released cell is shown) and with the
released figures; the verdicts; suppressed cells are left out, never reconstructed."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bgm_dashboard.instrument.bank import load_bank
from bgm_dashboard.interventions.effect import (
    AFTER_PENDING,
    EFFECTIVE,
    NO_EFFECT,
    TOO_LITTLE,
    TREATED_HIDDEN,
    choose_periods,
    evaluate,
)
from bgm_dashboard.periods import period_start, quarter_end
from tests.interventions_helpers import (
    depth_of,
    group_scores,
    plan,
    raw_scores,
    released,
    shown_in,
)

BANK = load_bank()
TOL = 1e-6


@pytest.fixture(scope="module")
def quarterly(demo_db: str) -> pd.DataFrame:
    return released(demo_db)


def independent(
    figures: pd.DataFrame, indicator: str, treated: list[str], before: str, after: str
) -> dict[str, object]:
    """Effect and DiD straight from the raw answers, with scipy's Welch test for the change
    and a hand-written Satterthwaite interval for the DiD (four independent groups)."""
    scores = raw_scores(indicator)
    used = [u for u in treated if all(shown_in(figures, u, q, indicator) for q in (before, after))]
    level = {depth_of(u) for u in treated}
    units = figures.drop_duplicates("code")["code"].tolist()
    comparison = [
        u
        for u in units
        if u not in treated
        and depth_of(u) in level
        and all(shown_in(figures, u, q, indicator) for q in (before, after))
    ]
    tb, ta = group_scores(scores, used, before), group_scores(scores, used, after)
    cb, ca = group_scores(scores, comparison, before), group_scores(scores, comparison, after)
    welch = stats.ttest_ind(ta, tb, equal_var=False).confidence_interval(0.95)
    groups = [tb, ta, cb, ca]
    parts = [g.var(ddof=1) / len(g) for g in groups]
    var = sum(parts)
    df = var**2 / sum(p**2 / (len(g) - 1) for p, g in zip(parts, groups, strict=True))
    did = (ta.mean() - tb.mean()) - (ca.mean() - cb.mean())
    half = stats.t.ppf(0.975, df) * math.sqrt(var)
    return {
        "used": used,
        "comparison": comparison,
        "before": (len(tb), tb.mean(), tb.std(ddof=1)),
        "after": (len(ta), ta.mean(), ta.std(ddof=1)),
        "change": (ta.mean() - tb.mean(), welch.low, welch.high),
        "did": (did, did - half, did + half),
    }


def close(a: float, b: float) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(b))


@pytest.mark.parametrize(
    ("codes", "start", "end", "indicator"),
    [
        (["A50", "A53"], date(2025, 1, 1), date(2025, 6, 30), "collaboration"),
        (["A32", "A37", "A61", "A66"], date(2025, 10, 1), date(2026, 3, 31), "leadership"),
        (["D1"], date(2025, 3, 1), date(2025, 4, 30), "solidarity"),
    ],
)
def test_effect_and_did_match_an_independent_computation(
    quarterly: pd.DataFrame, codes: list[str], start: date, end: date, indicator: str
) -> None:
    measure = plan(1, quarterly, codes, start, end, indicator)
    result = evaluate(quarterly, measure, [measure], BANK)
    # the period rule, checked by hand: the last quarter ending before the start, the first
    # quarter starting after the end
    quarters = sorted(quarterly["period"].unique())
    before = max(q for q in quarters if quarter_end(q) < start)
    after = min(q for q in quarters if period_start(q) > end)
    assert (result.before_period, result.after_period) == (before, after)
    expected = independent(quarterly, indicator, codes, before, after)
    assert result.treated is not None and result.comparison is not None
    assert list(result.treated.units) == expected["used"]
    assert sorted(result.comparison.units) == sorted(expected["comparison"])
    for pooled, (n, mean, sd) in (
        (result.treated.before, expected["before"]),
        (result.treated.after, expected["after"]),
    ):
        assert pooled is not None
        assert pooled.n == n
        assert close(pooled.mean, mean) and close(pooled.sd, sd)
    change = result.treated.change
    assert change is not None
    for got, want in zip((change.value, change.low, change.high), expected["change"], strict=True):
        assert close(got, want), (got, want)
    assert result.did is not None
    for got, want in zip(
        (result.did.value, result.did.low, result.did.high), expected["did"], strict=True
    ):
        assert close(got, want), (got, want)


def test_pooled_figures_equal_the_released_cells(quarterly: pd.DataFrame) -> None:
    """A one-unit group is exactly its released cell; a pooled group's n is the sum of the
    released n and its mean the n-weighted mean of the released means."""
    single = plan(1, quarterly, ["D1"], date(2025, 3, 1), date(2025, 4, 30), "solidarity")
    result = evaluate(quarterly, single, [single], BANK)
    assert result.treated is not None and result.treated.before is not None
    cell = quarterly[
        (quarterly["code"] == "D1")
        & (quarterly["period"] == result.before_period)
        & (quarterly["indicator"] == "solidarity")
    ].iloc[0]
    assert result.treated.before.n == int(cell["n"])
    assert close(result.treated.before.mean, float(cell["mean"]))
    assert close(result.treated.before.sd, float(cell["sd"]))

    pair = plan(2, quarterly, ["A50", "A53"], date(2025, 1, 1), date(2025, 6, 30), "collaboration")
    result = evaluate(quarterly, pair, [pair], BANK)
    cells = quarterly[
        quarterly["code"].isin(["A50", "A53"])
        & (quarterly["period"] == result.after_period)
        & (quarterly["indicator"] == "collaboration")
    ]
    assert result.treated is not None and result.treated.after is not None
    assert result.treated.after.n == int(cells["n"].sum())
    weighted = float((cells["n"] * cells["mean"]).sum() / cells["n"].sum())
    assert close(result.treated.after.mean, weighted)


def test_verdicts_on_the_demo_plans(quarterly: pd.DataFrame) -> None:
    platz = plan(1, quarterly, ["A50", "A53"], date(2025, 1, 1), date(2025, 6, 30), "collaboration")
    training = plan(
        2,
        quarterly,
        ["A32", "A37", "A61", "A66"],
        date(2025, 10, 1),
        date(2026, 3, 31),
        "leadership",
    )
    every = [platz, training]
    clear = evaluate(quarterly, platz, every, BANK)
    assert clear.verdict == EFFECTIVE
    assert clear.did is not None and clear.did.low > 0
    assert clear.did.value >= min(
        platz.target_change, BANK.scale("collaboration").meaningful_change
    )
    none = evaluate(quarterly, training, every, BANK)
    assert none.verdict == NO_EFFECT
    assert none.did is not None and none.did.low <= 0 <= none.did.high


def test_whole_administration_plan_has_no_comparison_and_rests_on_the_change(
    quarterly: pd.DataFrame,
) -> None:
    review = plan(3, quarterly, ["STADT"], date(2025, 8, 15), date(2025, 10, 31), "learning")
    result = evaluate(quarterly, review, [review], BANK)
    assert result.did is None
    assert result.treated is not None and result.treated.change is not None
    assert result.effect == result.treated.change
    scores = raw_scores("learning")
    before = group_scores(scores, ["STADT"], str(result.before_period))
    after = group_scores(scores, ["STADT"], str(result.after_period))
    ci = stats.ttest_ind(after, before, equal_var=False).confidence_interval(0.95)
    assert close(result.treated.change.low, ci.low) and close(result.treated.change.high, ci.high)
    threshold = min(review.target_change, BANK.scale("learning").meaningful_change)
    effective = ci.low > 0 and after.mean() - before.mean() >= threshold
    expected = EFFECTIVE if effective else NO_EFFECT
    assert result.verdict == expected


def test_suppressed_plan_cells_give_too_little_data(quarterly: pd.DataFrame) -> None:
    """The Grünflächenamt's cells are suppressed in the quarter before the start: nothing to
    compare, and the evaluation names the hidden cell instead of estimating it."""
    before, after = choose_periods(
        quarterly["period"].unique(), date(2025, 1, 1), date(2025, 6, 30)
    )
    assert before is not None and after is not None
    assert not shown_in(quarterly, "A67", before, "collaboration")
    small = plan(4, quarterly, ["A67"], date(2025, 1, 1), date(2025, 6, 30), "collaboration")
    result = evaluate(quarterly, small, [small], BANK)
    assert result.verdict == TOO_LITTLE
    assert result.reason == TREATED_HIDDEN
    assert result.treated is not None and result.treated.before is None
    assert ("A67", before) in {(x.code, x.period) for x in result.treated.left_out}
    assert result.effect is None


def test_after_quarter_not_published_yet(quarterly: pd.DataFrame) -> None:
    running = plan(
        5, quarterly, ["A51"], date(2026, 7, 1), date(2027, 6, 30), "workload", status="running"
    )
    result = evaluate(quarterly, running, [running], BANK)
    assert result.verdict == TOO_LITTLE and result.reason == AFTER_PENDING
    assert result.after_period is None


def test_units_with_a_measure_on_the_same_indicator_are_no_comparison(
    quarterly: pd.DataFrame,
) -> None:
    """A parallel measure on collaboration in the Kämmerei takes it out of the comparison;
    one on another indicator does not."""
    platz = plan(1, quarterly, ["A50", "A53"], date(2025, 1, 1), date(2025, 6, 30), "collaboration")
    same = plan(6, quarterly, ["A20"], date(2025, 2, 1), date(2025, 5, 31), "collaboration")
    other = plan(7, quarterly, ["A10"], date(2025, 2, 1), date(2025, 5, 31), "workload")
    whole = plan(8, quarterly, ["D1"], date(2023, 1, 1), date(2023, 6, 30), "collaboration")
    result = evaluate(quarterly, platz, [platz, same, other, whole], BANK)
    assert result.comparison is not None
    assert "A20" not in result.comparison.units
    assert "A10" in result.comparison.units
    planned = plan(
        9,
        quarterly,
        ["A11"],
        date(2025, 2, 1),
        date(2025, 5, 31),
        "collaboration",
        status="planned",
    )
    result = evaluate(quarterly, platz, [platz, planned], BANK)
    assert result.comparison is not None and "A11" in result.comparison.units


def test_partly_suppressed_plan_leaves_the_hidden_unit_out(quarterly: pd.DataFrame) -> None:
    """Sportamt's cell after the measure is suppressed: the Sportamt is left out in both
    quarters (the same units before and after), the Sozialamt carries the estimate."""
    start, end = date(2025, 7, 1), date(2025, 9, 30)
    before, after = choose_periods(quarterly["period"].unique(), start, end)
    assert before is not None and after is not None
    assert shown_in(quarterly, "A52", before, "collaboration")
    assert not shown_in(quarterly, "A52", after, "collaboration")
    mixed = plan(10, quarterly, ["A50", "A52"], start, end, "collaboration")
    result = evaluate(quarterly, mixed, [mixed], BANK)
    assert result.treated is not None and result.treated.units == ("A50",)
    assert {(x.code, x.period) for x in result.treated.left_out} == {("A52", after)}
    alone = evaluate(quarterly, plan(11, quarterly, ["A50"], start, end, "collaboration"), [], BANK)
    assert alone.treated is not None and result.treated.before == alone.treated.before
    assert result.treated.after == alone.treated.after
    assert np.isfinite(result.treated.after.mean if result.treated.after else np.nan)
