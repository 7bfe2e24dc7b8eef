"""Recommendations on the demo data: the catalogue's rules (read straight from the TOML file
and evaluated here with pandas on the released, shown cells) decide which entries a unit gets;
the reasons carry the unit's figures in German (or English) formats; hidden cells never count."""

from __future__ import annotations

import tomllib
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from bgm_dashboard.formatting import number, period_short, signed
from bgm_dashboard.instrument.bank import load_bank
from bgm_dashboard.interventions.catalogue import shipped
from bgm_dashboard.interventions.recommend import by_unit, reason, recommend
from bgm_dashboard.periods import shift_quarter
from tests.interventions_helpers import released

BANK = load_bank()


@pytest.fixture(scope="module")
def quarterly(demo_db: str) -> pd.DataFrame:
    return released(demo_db)


def latest(frame: pd.DataFrame) -> str:
    return str(frame.loc[frame["status"] == "shown", "period"].max())


def expected_codes(frame: pd.DataFrame, units: list[str], quarter: str) -> dict[str, set[str]]:
    """Which entries the rules of the catalogue file select, computed here from shown cells."""
    text = resources.files("bgm_dashboard.interventions").joinpath("catalogue.toml").read_text()
    shown = frame[(frame["status"] == "shown") & (frame["kind"] == "unit")]
    table = shown.pivot_table(index=["code", "period"], columns="indicator", values="mean")
    rules = tomllib.loads(text)["intervention"]
    return {unit: _matches(table, rules, frame, unit, quarter) for unit in units}


def _matches(
    table: pd.DataFrame,
    entries: list[dict[str, object]],
    frame: pd.DataFrame,
    unit: str,
    quarter: str,
) -> set[str]:

    def value(code: str, q: str, dim: str) -> float:
        try:
            return float(table.loc[(code, q), dim])
        except KeyError:
            return np.nan

    root = str(frame.loc[frame["depth"] == 0, "code"].iloc[0])
    out: set[str] = set()
    for raw in entries:
        for rule in raw["when"]:  # type: ignore[attr-defined]
            dim = rule["dimension"]
            now = value(unit, quarter, dim)
            if np.isnan(now):
                continue
            if "below" in rule and now < rule["below"]:
                out.add(str(raw["code"]))
            if "decline" in rule:
                then = value(unit, shift_quarter(quarter, -rule.get("quarters", 2)), dim)
                if not np.isnan(then) and then - now >= rule["decline"]:
                    out.add(str(raw["code"]))
            if "behind" in rule and unit != root:
                admin = value(root, quarter, dim)
                if not np.isnan(admin) and admin - now >= rule["behind"]:
                    out.add(str(raw["code"]))
    return out


def test_rules_select_the_same_entries_as_an_independent_evaluation(
    quarterly: pd.DataFrame,
) -> None:
    quarter = latest(quarterly)
    entries = list(shipped())
    units = [str(u) for u in quarterly["code"].unique()]
    expected = expected_codes(quarterly, units, quarter)
    seen = 0
    for unit in units:
        got = {r.entry.code for r in recommend(quarterly, unit, quarter, entries, BANK)}
        assert got == expected[unit], unit
        seen += bool(got)
    assert seen >= 3  # the demo shows recommendations for several units


def test_the_declining_jugendamt_gets_recommendations_with_reasons(
    quarterly: pd.DataFrame,
) -> None:
    quarter = latest(quarterly)
    found = recommend(quarterly, "A51", quarter, list(shipped()), BANK)
    assert found, "the Jugendamt must get recommendations"
    assert "workload_recovery" in {r.entry.code for r in found}
    severities = [r.severity for r in found]
    assert severities == sorted(severities, reverse=True)
    cell = quarterly[
        (quarterly["code"] == "A51")
        & (quarterly["period"] == quarter)
        & (quarterly["indicator"] == "workload")
    ].iloc[0]
    workload = next(r for r in found if r.entry.code == "workload_recovery")
    text = reason(workload, BANK, "de")
    title = BANK.scale("workload").title["de"]
    assert text.startswith(f"{title} {number(float(cell['mean']), 'de', 0)}")
    assert text.endswith("→ " + workload.entry.title("de"))
    english = reason(workload, BANK, "en")
    assert BANK.scale("workload").title["en"] in english and "→" in english


def test_decline_reason_names_the_change_and_the_quarter(quarterly: pd.DataFrame) -> None:
    quarter = latest(quarterly)
    for unit in quarterly["code"].unique():
        for rec in recommend(quarterly, str(unit), quarter, list(shipped()), BANK):
            for finding in rec.findings:
                if finding.kind != "decline":
                    continue
                assert finding.since is not None and finding.change is not None
                before = quarterly[
                    (quarterly["code"] == unit)
                    & (quarterly["period"] == finding.since)
                    & (quarterly["indicator"] == finding.dimension)
                ].iloc[0]
                assert before["status"] == "shown"
                assert abs(finding.change - (finding.value - float(before["mean"]))) < 1e-9
                text = reason(rec, BANK, "de")
                assert (
                    f"{signed(finding.change, 'de', 0)} seit {period_short(finding.since)}" in text
                )
                return
    pytest.fail("the demo data should show at least one decline")


def test_suppressed_cells_never_lead_to_a_recommendation(quarterly: pd.DataFrame) -> None:
    quarter = latest(quarterly)
    hidden = quarterly.copy()
    mask = (hidden["code"] == "A51") & (hidden["period"] == quarter)
    hidden.loc[mask, "status"] = "suppressed"
    hidden.loc[mask, ["n", "mean", "sd", "ci_low", "ci_high"]] = np.nan
    assert recommend(hidden, "A51", quarter, list(shipped()), BANK) == []
    # and a suppressed reference quarter cannot make a "decline"
    earlier = quarterly.copy()
    for q in {shift_quarter(quarter, -k) for k in range(1, 9)}:
        m = (earlier["code"] == "A51") & (earlier["period"] == q)
        earlier.loc[m, "status"] = "suppressed"
        earlier.loc[m, ["n", "mean", "sd"]] = np.nan
    found = recommend(earlier, "A51", quarter, list(shipped()), BANK)
    assert all(f.kind != "decline" for r in found for f in r.findings)


def test_units_with_recommendations_most_urgent_first(quarterly: pd.DataFrame) -> None:
    quarter = latest(quarterly)
    ranked = by_unit(quarterly, quarter, list(shipped()), BANK)
    assert ranked and all(recs for _, recs in ranked)
    tops = [recs[0].severity for _, recs in ranked]
    assert tops == sorted(tops, reverse=True)
    assert ranked[0][0] == "A51"
