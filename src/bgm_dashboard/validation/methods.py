"""Runs each verdict rule on simulated administrations and counts how often it fires: the
false-alarm rate without any real change and the power with a known one (fixed seeds)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from bgm_dashboard.analytics.curves import event_curves
from bgm_dashboard.analytics.decline import trends
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.interventions.effect import EFFECTIVE, evaluate
from bgm_dashboard.interventions.plans import PlanView
from bgm_dashboard.validation.organisation import Scenario, simulate

NULL = Scenario()
STRESS = Scenario(unit_sd=0.15, unit_rho=0.5, sampling_rho=0.5)
PERSISTENT = Scenario(unit_sd=0.2, unit_rho=0.7, sampling_rho=0.5)
DECLINE = Scenario(decline_unit="A50", decline_per_month=-2.0, decline_headcount=60)
EFFECT_UNITS = ("A50", "A53")


@dataclass(frozen=True)
class Result:
    """How often a rule fired in ``runs`` simulated administrations."""

    method: str
    scenario: str
    runs: int
    hits: int
    target: str
    share: float | None = None  # rules judged per curve: the share of all curves flagged

    @property
    def rate(self) -> float:
        if self.share is not None:
            return self.share
        return self.hits / self.runs if self.runs else float("nan")


def any_decline(bank: ItemBank, scenario: Scenario, seed: int) -> bool:
    """Whether the decline list of the whole administration has any entry."""
    monthly, quarterly = simulate(bank, scenario, seed)
    table = trends(monthly, quarterly, bank)
    return bool((table["status"] == "decline").any())


def decline_found(bank: ItemBank, scenario: Scenario, seed: int) -> bool:
    """Whether the injected decline (its unit, its indicator) is listed."""
    monthly, quarterly = simulate(bank, scenario, seed)
    table = trends(monthly, quarterly, bank)
    row = table[(table["code"] == scenario.decline_unit)
                & (table["indicator"] == scenario.decline_indicator)]  # fmt: skip
    return bool(len(row)) and str(row["status"].iloc[0]) == "decline"


def measure(bank: ItemBank, scenario: Scenario, seed: int) -> str:
    """The verdict on a Platzwechsel-like measure (two units, July–September 2025, target
    +10 points on collaboration) in one simulated administration."""
    _, quarterly = simulate(bank, scenario, seed)
    ids = dict(zip(quarterly["code"], quarterly["department_id"], strict=False))
    plan = PlanView(
        id=1, intervention_code="platzwechsel", title="Simulation", owner="BGM",
        starts_on=date(2025, 7, 1), planned_end=date(2025, 9, 30),
        ended_on=date(2025, 9, 30), evaluated_on=None, status="done",
        target_indicator=scenario.effect_indicator, target_change=10.0,
        standing_practice=False, good_example=False, notes="", created_by="sim",
        unit_ids=tuple(int(ids[c]) for c in EFFECT_UNITS), unit_codes=EFFECT_UNITS,
    )  # fmt: skip
    return evaluate(quarterly, plan, [plan], bank).verdict


PLACEBO_DAYS = (date(2025, 9, 10), date(2025, 11, 20), date(2026, 2, 5))


def placebo_dip_share(bank: ItemBank, scenario: Scenario, seed: int) -> float:
    """Share of WHO-5 curves of all units that show a dip on placebo dates (no crisis)."""
    monthly, quarterly = simulate(bank, scenario, seed)
    codes = sorted(set(monthly["code"]))
    curves = [event_curves(monthly, quarterly, bank, day, codes, ["who5"]) for day in PLACEBO_DAYS]
    table = pd.concat(curves, ignore_index=True)
    table = table[table["outcome"] != "no_baseline"]
    return float(table["dipped"].mean()) if len(table) else 0.0


def effective(bank: ItemBank, scenario: Scenario, seed: int) -> bool:
    return measure(bank, scenario, seed) == EFFECTIVE


def run(
    name: str,
    scenario_name: str,
    rule: Callable[[ItemBank, Scenario, int], bool],
    bank: ItemBank,
    scenario: Scenario,
    runs: int,
    target: str,
    seed0: int,
) -> Result:
    hits = sum(int(rule(bank, scenario, seed0 + i)) for i in range(runs))
    return Result(name, scenario_name, runs, hits, target)


def validate(bank: ItemBank, runs: int = 100) -> list[Result]:
    """Every rule on its scenarios; seeds fixed, so the figures repeat exactly."""
    null_effect = replace(NULL, effect_units=EFFECT_UNITS, effect_size=0.0)
    real_effect = replace(NULL, effect_units=EFFECT_UNITS, effect_size=15.0)
    plan: list[tuple[str, str, Callable[[ItemBank, Scenario, int], bool], Scenario, str]] = [
        ("decline", "no_trend", any_decline, NULL, "<= 10 %"),
        ("decline", "no_trend_strong_ar", any_decline, STRESS, "<= 10 %"),
        ("decline", "no_trend_persistent", any_decline, PERSISTENT, "-"),
        ("decline", "decline_2_per_month", decline_found, DECLINE, ">= 80 %"),
        ("effect", "no_effect", effective, null_effect, "<= 5 %"),
        ("effect", "effect_15_points", effective, real_effect, "-"),
    ]
    results = [
        run(name, label, rule, bank, scenario, runs, target, 10_000 * (i + 1))
        for i, (name, label, rule, scenario, target) in enumerate(plan)
    ]
    shares = [placebo_dip_share(bank, NULL, 90_000 + i) for i in range(runs)]
    results.append(Result("crisis", "placebo", runs, 0, "-", float(np.mean(shares))))
    return results
