"""The measure catalogue: every entry the workshop asked for, every text in German and English,
the demo's codes, valid rules; the organisation's own entries (HR only, audited, checked)."""

from __future__ import annotations

import csv
import tomllib
from datetime import date
from importlib import resources

import pytest
from sqlalchemy import select

from bgm_dashboard.context import Context
from bgm_dashboard.db.models import AuditEntry, CustomIntervention
from bgm_dashboard.errors import AccessDenied, ValidationError
from bgm_dashboard.instrument.bank import load_bank
from bgm_dashboard.interventions.catalogue import (
    RULE_KINDS,
    TEXT_FIELDS,
    find,
    load_catalogue,
    save_entry,
    shipped,
)
from bgm_dashboard.interventions.plans import PlanInput, create_plan
from bgm_dashboard.org.service import import_departments
from tests.conftest import SAMPLE
from tests.interventions_helpers import HR, LEADER

REQUIRED = {
    "platzwechsel",  # job shadowing / perspective change
    "solidarity_formats",  # solidarity and peer support
    "participation_decisions",  # participation that ends in decisions with an owner
    "resilient_leadership",  # resilient-leadership training
    "after_action_review",  # stronger after the crisis
    "health_in_leadership_meetings",  # health as a standing item (BGM)
    "hiap_round",  # Health in All Policies
    "workload_recovery",  # workload and recovery
    "good_example_communication",  # public communication of good examples
}


def raw_file() -> list[dict[str, object]]:
    text = resources.files("bgm_dashboard.interventions").joinpath("catalogue.toml").read_text()
    return list(tomllib.loads(text)["intervention"])


def test_catalogue_holds_the_workshop_measures_and_the_demo_codes() -> None:
    codes = {e.code for e in shipped()}
    assert len(codes) >= 9
    assert codes >= REQUIRED
    with (SAMPLE / "plans.csv").open(encoding="utf-8") as handle:
        demo = {row["intervention"] for row in csv.DictReader(handle)}
    assert demo <= codes


def test_every_text_in_german_and_english() -> None:
    for raw in raw_file():
        for name in TEXT_FIELDS:
            texts = raw[name]
            assert isinstance(texts, dict), (raw["code"], name)
            assert str(texts["de"]).strip() and str(texts["en"]).strip(), (raw["code"], name)
        title = raw["title"]
        assert isinstance(title, dict) and title["de"] != title["en"]


def test_entries_name_dimensions_duration_effort_evaluation_and_rules() -> None:
    bank = load_bank()
    indicators = set(bank.indicator_codes) - {"responses"}
    for entry in shipped():
        assert entry.dimensions and set(entry.dimensions) <= indicators, entry.code
        assert entry.target_indicator in entry.dimensions
        assert 1 <= entry.typical_months <= 60
        assert entry.effort in ("low", "medium", "high")
        assert entry.text("workshop_idea", "de") and entry.text("evaluation", "en")
        assert entry.rules, f"{entry.code}: no recommendation rule"
        for rule in entry.rules:
            assert rule.dimension in entry.dimensions and rule.kind in RULE_KINDS


@pytest.fixture
def org(ctx: Context) -> Context:
    with ctx.write() as session:
        import_departments(session, SAMPLE / "departments.csv")
    return ctx


def own_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": {"de": "Gesundheitstag im Bauhof", "en": ""},
        "description": {"de": "Ein Tag mit Angeboten zu Bewegung und Erholung.", "en": ""},
        "dimensions": ["workload", "who5"],
        "target_indicator": "workload",
        "target_change": 5,
        "typical_months": 1,
        "effort": "low",
        "when": [{"dimension": "workload", "below": 45}],
    }
    data.update(changes)
    return data


def test_own_entry_is_added_audited_and_usable_for_plans(org: Context) -> None:
    with org.write() as session:
        entry = save_entry(session, HR, "gesundheitstag", own_data(), bank=org.bank, new=True)
    assert entry.source == "own"
    assert entry.title("en") == "Gesundheitstag im Bauhof"  # no English given: German shown
    with org.read() as session:
        entries = load_catalogue(session)
        audit = session.scalars(select(AuditEntry)).all()
    assert find(entries, "gesundheitstag") is not None
    assert [e.code for e in entries][: len(shipped())] == [e.code for e in shipped()]
    assert [(a.action, a.target, a.actor) for a in audit] == [
        ("intervention_add", "intervention:gesundheitstag", HR.name)
    ]
    with org.write() as session:
        plan = create_plan(
            session,
            HR,
            PlanInput(
                "gesundheitstag",
                "Gesundheitstag 2027",
                "Bauhofleitung",
                ("A66",),
                date(2027, 5, 1),
                date(2027, 5, 31),
                "workload",
                5.0,
            ),
            bank=org.bank,
        )
    assert plan.intervention_code == "gesundheitstag"


def test_editing_a_shipped_entry_keeps_the_file_and_marks_the_edit(org: Context) -> None:
    original = find(shipped(), "platzwechsel")
    assert original is not None
    data = original.as_data()
    data["title"] = {"de": "Platzwechsel (unsere Fassung)", "en": "Platzwechsel (our version)"}
    with org.write() as session:
        edited = save_entry(session, HR, "platzwechsel", data, bank=org.bank, new=False)
    assert edited.source == "edited" and edited.title("de") == "Platzwechsel (unsere Fassung)"
    assert find(shipped(), "platzwechsel") == original
    with org.read() as session:
        stored = session.get(CustomIntervention, "platzwechsel")
        assert stored is not None and stored.updated_by == HR.name
        audit = session.scalars(select(AuditEntry.action)).all()
    assert audit == ["intervention_edit"]


@pytest.mark.parametrize(
    ("code", "changes", "key"),
    [
        ("Gesundheitstag!", {}, "interventions.error.code_format"),
        ("platzwechsel", {}, "interventions.error.code_taken"),
        (
            "neu_eintrag",
            {"title": {"de": "", "en": "Only English"}},
            "interventions.error.title_missing",
        ),
        ("neu_eintrag", {"dimensions": []}, "interventions.error.no_dimensions"),
        ("neu_eintrag", {"dimensions": ["mood"]}, "interventions.error.unknown_dimension"),
        ("neu_eintrag", {"effort": "huge"}, "interventions.error.effort"),
        ("neu_eintrag", {"typical_months": 0}, "interventions.error.months"),
        ("neu_eintrag", {"target_change": -3}, "interventions.error.target_change"),
        (
            "neu_eintrag",
            {"when": [{"dimension": "solidarity", "below": 50}]},
            "interventions.error.rule_dimension",
        ),
        (
            "neu_eintrag",
            {"when": [{"dimension": "workload", "decline": 0}]},
            "interventions.error.rule_threshold",
        ),
    ],
)
def test_bad_own_entries_are_refused(
    org: Context, code: str, changes: dict[str, object], key: str
) -> None:
    with pytest.raises(ValidationError) as caught, org.write() as session:
        save_entry(session, HR, code, own_data(**changes), bank=org.bank, new=True)
    assert caught.value.key == key
    assert caught.value.message("de") != caught.value.message("en")
    with org.read() as session:
        assert session.scalars(select(CustomIntervention)).all() == []
        assert session.scalars(select(AuditEntry)).all() == []


def test_only_hr_edits_the_catalogue(org: Context) -> None:
    with pytest.raises(AccessDenied), org.write() as session:
        save_entry(session, LEADER, "gesundheitstag", own_data(), bank=org.bank, new=True)
