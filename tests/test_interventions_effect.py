"""Effect of action plans on the demo data: the unit-level effect (units as observations,
several quarters before and after) agrees with an independent computation from the raw sample
answers (per unit and quarter with pandas, only where the released cell is shown); the four
verdicts; no comparison is never "wirksam"; suppressed cells are left out, never
reconstructed."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bgm_dashboard.instrument.bank import load_bank
from bgm_dashboard.interventions.effect import (
    AFTER_PENDING,
    EFFECTIVE,
    NO_COMPARISON,
    TOO_LITTLE,
    TREATED_HIDDEN,
    UNCLEAR,
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
    figures: pd.DataFrame,
    indicator: str,
    treated: list[str],
    before: tuple[str, ...],
    after: tuple[str, ...],
) -> dict[str, object]:
    """The unit-level effect straight from the raw answers: per unit and quarter the mean
    and its standard error sd/√(n/waves) (waves = months of the quarter with answers);
    per unit the change (mean of the after means − mean of the before means) with the
    before and after errors averaged over quarters and added in quadrature; then
    DerSimonian–Laird τ² and Knapp–Hartung, written out with numpy."""
    scores = raw_scores(indicator)
    quarters = (*before, *after)
    used = [u for u in treated if all(shown_in(figures, u, q, indicator) for q in quarters)]
    level = {depth_of(u) for u in treated}
    units = figures.drop_duplicates("code")["code"].tolist()
    comparison = [
        u
        for u in units
        if u not in treated
        and depth_of(u) in level
        and all(shown_in(figures, u, q, indicator) for q in quarters)
    ]

    def unit_change(unit: str) -> tuple[float, float]:
        sides = []
        for side in (before, after):
            means, errors = [], []
            for quarter in side:
                x = group_scores(scores, [unit], quarter)
                waves = scores.loc[scores["quarter"] == quarter, "period"].nunique()
                means.append(x.mean())
                errors.append(x.std(ddof=1) / math.sqrt(len(x) / waves))
            sides.append((float(np.mean(means)), float(np.mean(errors))))
        return sides[1][0] - sides[0][0], math.hypot(sides[0][1], sides[1][1])

    changes = [unit_change(u) for u in [*used, *comparison]]
    d = np.array([c[0] for c in changes])
    v = np.array([c[1] ** 2 for c in changes])
    g = np.r_[np.ones(len(used)), np.zeros(len(comparison))]
    w = 1 / v

    def weighted_fit(weights: np.ndarray) -> tuple[float, float, np.ndarray]:
        m1 = np.sum(weights * d * g) / np.sum(weights * g)
        m0 = np.sum(weights * d * (1 - g)) / np.sum(weights * (1 - g))
        resid = d - np.where(g == 1, m1, m0)
        var = 1 / np.sum(weights * g) + 1 / np.sum(weights * (1 - g))
        return m1 - m0, var, resid

    _, _, resid = weighted_fit(w)
    k = len(d)
    c = np.sum(w) - sum(np.sum(w[g == h] ** 2) / np.sum(w[g == h]) for h in (0, 1))
    tau2 = max(0.0, (np.sum(w * resid**2) - (k - 2)) / c)
    effect, var, resid = weighted_fit(1 / (v + tau2))
    scale = max(1.0, np.sum(resid**2 / (v + tau2)) / (k - 2))
    half = stats.t.ppf(0.975, k - 2) * math.sqrt(var * scale)
    return {
        "used": used,
        "comparison": comparison,
        "did": (effect, effect - half, effect + half),
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
    # the period rule, checked by hand: up to two quarters ending before the start (the
    # latest), up to two starting after the end (the earliest)
    quarters = sorted(quarterly["period"].unique())
    before = tuple(q for q in quarters if quarter_end(q) < start)[-2:]
    after = tuple(q for q in quarters if period_start(q) > end)[:2]
    assert (result.before_periods, result.after_periods) == (before, after)
    assert (result.before_period, result.after_period) == (before[-1], after[0])
    expected = independent(quarterly, indicator, codes, before, after)
    assert result.treated is not None and result.comparison is not None
    assert list(result.treated.units) == expected["used"]
    assert sorted(result.comparison.units) == sorted(expected["comparison"])
    assert result.did is not None
    for got, want in zip(
        (result.did.value, result.did.low, result.did.high), expected["did"], strict=True
    ):
        assert close(got, want), (got, want)
    assert result.did.df == len(expected["used"]) + len(expected["comparison"]) - 2


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
        & quarterly["period"].isin(result.after_periods)
        & (quarterly["indicator"] == "collaboration")
    ]
    assert len(cells) == 4  # two units, two quarters after
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
    unclear = evaluate(quarterly, training, every, BANK)
    # the interval includes 0 and also the targeted 10 points: neither verdict is honest
    assert unclear.verdict == UNCLEAR
    assert unclear.did is not None and unclear.did.low <= 0 <= unclear.did.high
    assert unclear.did.high >= 10


def test_whole_administration_plan_has_no_comparison_and_is_never_effective(
    quarterly: pd.DataFrame,
) -> None:
    """The after-action review ran in the whole administration: there is no comparison, so
    the verdict is "unklar" (Vorher-nachher ohne Vergleichsgruppe) even though the change is
    clear and reaches the target."""
    review = plan(3, quarterly, ["STADT"], date(2025, 8, 15), date(2025, 10, 31), "learning")
    result = evaluate(quarterly, review, [review], BANK)
    assert result.did is None
    assert result.treated is not None and result.treated.change is not None
    assert result.effect == result.treated.change
    scores = raw_scores("learning")
    before = np.concatenate([group_scores(scores, ["STADT"], q) for q in result.before_periods])
    after = np.concatenate([group_scores(scores, ["STADT"], q) for q in result.after_periods])
    assert close(result.treated.change.value, after.mean() - before.mean())
    assert result.treated.change.low > 0  # a clear rise ...
    assert result.verdict == UNCLEAR  # ... that still cannot be credited to the measure
    assert result.reason == NO_COMPARISON


def test_a_modest_target_never_lowers_the_bar(quarterly: pd.DataFrame) -> None:
    platz = plan(1, quarterly, ["A50", "A53"], date(2025, 1, 1), date(2025, 6, 30), "collaboration")
    modest = replace(platz, target_change=2.0)
    result = evaluate(quarterly, modest, [modest], BANK)
    assert result.threshold == BANK.scale("collaboration").meaningful_change


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
