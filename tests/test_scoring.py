"""Scoring rules of every indicator, each checked against an independent formula."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bgm_dashboard.instrument.bank import load_bank
from bgm_dashboard.instrument.scoring import score_frame, score_one
from tests.conftest import REFERENCE

BANK = load_bank()
WHO5 = [f"who5_{i}" for i in range(1, 6)]
BRS = [f"brs_{i}" for i in range(1, 7)]


def test_who5_is_the_sum_times_four_and_needs_all_five() -> None:
    assert score_one(dict(zip(WHO5, [5, 5, 5, 5, 5], strict=True)), BANK)["who5"] == 100
    assert score_one(dict(zip(WHO5, [0, 0, 0, 0, 0], strict=True)), BANK)["who5"] == 0
    assert score_one(dict(zip(WHO5, [2, 3, 3, 2, 4], strict=True)), BANK)["who5"] == 56
    assert score_one(dict(zip(WHO5, [2, 3, 3, 2, None], strict=True)), BANK)["who5"] is None


def test_who5_is_not_the_wrong_calculator_formula() -> None:
    score = score_one(dict(zip(WHO5, [1, 1, 1, 1, 1], strict=True)), BANK)["who5"]
    assert score == 20 and score != (5 - 5) * 4


def test_brs_reverses_items_2_4_6_and_needs_three_answers() -> None:
    answers = dict(zip(BRS, [4, 2, 4, 2, 4, 2], strict=True))
    assert score_one(answers, BANK)["brs"] == pytest.approx(4.0)
    three = {"brs_1": 5, "brs_2": 1, "brs_3": None, "brs_4": 5, "brs_5": None, "brs_6": None}
    assert score_one(three, BANK)["brs"] == pytest.approx((5 + 5 + 1) / 3)
    two = {"brs_1": 5, "brs_2": 1}
    assert score_one(two, BANK)["brs"] is None


@pytest.mark.parametrize(
    ("value", "coded"), [(10, 100), (9, 100), (8, 0), (7, 0), (6, -100), (0, -100)]
)
def test_enps_codes_promoters_passives_detractors(value: int, coded: int) -> None:
    assert score_one({"enps": value}, BANK)["enps"] == coded


def test_enps_group_mean_is_promoters_minus_detractors() -> None:
    values = [10, 9, 9, 8, 7, 6, 3, 0, 10, 5]
    frame = pd.DataFrame({"enps": values}, dtype=float)
    coded = score_frame(frame, BANK)["enps"]
    promoters = sum(v >= 9 for v in values) / len(values)
    detractors = sum(v <= 6 for v in values) / len(values)
    assert coded.mean() == pytest.approx(100 * (promoters - detractors))


def test_own_dimensions_rescale_reverse_and_need_half_the_items() -> None:
    # solidarity: sol_3 is reverse-coded; 1..5 -> 0..100
    assert score_one({"sol_1": 5, "sol_2": 5, "sol_3": 1}, BANK)["solidarity"] == 100
    assert score_one({"sol_1": 1, "sol_2": 3, "sol_3": 5}, BANK)["solidarity"] == pytest.approx(
        (0 + 50 + 0) / 3
    )
    assert score_one({"sol_1": 4, "sol_2": 2}, BANK)["solidarity"] == pytest.approx(50)
    assert score_one({"sol_1": 4}, BANK)["solidarity"] is None  # 1 of 3 is less than half
    assert score_one({"par_1": 4}, BANK)["participation"] == 75  # 1 of 2 is half
    assert score_one({"wl_2": 5}, BANK)["workload"] == 0  # reverse: strain -> low score


def test_every_dimension_is_documented_bilingual_and_marked_not_validated() -> None:
    dims = BANK.dimensions()
    codes = {d.code for d in dims}
    assert {
        "solidarity",
        "participation",
        "leadership",
        "learning",
        "collaboration",
        "workload",
        "health_leadership",
    } <= codes
    for dim in dims:
        assert 2 <= len(dim.items) <= 3
        assert not dim.validated and dim.source and dim.licence
        assert dim.direction in ("higher_better", "lower_better")
        for item in dim.items:
            assert item.text["de"].strip() and item.text["en"].strip()


def test_ori_is_the_mean_of_all_seven_dimensions() -> None:
    """Scored only with every dimension (a partial ORI beside its dimensions would reveal the
    skipping person's answers, issue 9)."""
    seven = {"sol_1": 5, "sol_2": 5, "par_1": 1, "lea_1": 3, "lrn_1": 4}
    seven |= {"col_1": 2, "col_2": 4, "wl_1": 5, "hl_2": 1}
    scores = score_one(seven, BANK)
    dims = ("solidarity", "participation", "leadership", "learning")
    dims += ("collaboration", "workload", "health_leadership")
    assert scores["ori"] == pytest.approx(np.mean([scores[c] for c in dims]))
    six = {key: value for key, value in seven.items() if not key.startswith("hl_")}
    assert score_one(six, BANK)["health_leadership"] is None
    assert score_one(six, BANK)["ori"] is None


def test_reference_responses_score_as_the_reference_rules_say() -> None:
    raw = pd.read_csv(REFERENCE / "responses.csv")
    scores = score_frame(raw[WHO5 + BRS + ["enps"]].astype(float), BANK)
    for (_, row), (_, got) in zip(raw.iterrows(), scores.iterrows(), strict=True):
        who5 = [row[c] for c in WHO5]
        expected_who5 = sum(who5) * 4 if not any(math.isnan(v) for v in who5) else math.nan
        brs = [6 - row[c] if c in ("brs_2", "brs_4", "brs_6") else row[c] for c in BRS]
        brs = [v for v in brs if not math.isnan(v)]
        expected_brs = sum(brs) / len(brs) if len(brs) >= 3 else math.nan
        for name, want in (("who5", expected_who5), ("brs", expected_brs)):
            have = got[name]
            assert (math.isnan(want) and math.isnan(have)) or have == pytest.approx(want)


def test_demographic_questions_are_refused_by_the_item_bank() -> None:
    """No demographic questions: an organisation's bank that adds one is refused with the
    reason, so no breakdown by person attributes can ever meet the org chart."""
    import tomllib

    from bgm_dashboard.instrument.bank import ItemBankError, parse_bank

    shipped = tomllib.loads(
        (Path(__file__).parents[1] / "src/bgm_dashboard/instrument/item_bank.toml").read_text()
    )
    assert not any(s.get("group") == "demographic" for s in shipped["scales"])
    age = {
        "code": "age",
        "kind": "demographic",
        "group": "demographic",
        "range": [0, 4],
        "source": "org",
        "licence": "org",
        "title": {"de": "Alter", "en": "Age"},
        "description": {"de": "-", "en": "-"},
        "items": [],
    }
    with pytest.raises(ItemBankError, match="demographic"):
        parse_bank({**shipped, "scales": [*shipped["scales"], age]})
