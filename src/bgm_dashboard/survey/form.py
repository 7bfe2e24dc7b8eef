"""What the survey page shows: the open wave, its questions in order, and the units to pick."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from bgm_dashboard.db.models import Wave
from bgm_dashboard.instrument.bank import ItemBank, Scale
from bgm_dashboard.org.service import load_tree
from bgm_dashboard.survey.waves import open_waves


@dataclass(frozen=True)
class UnitChoice:
    code: str
    label: str


@dataclass(frozen=True)
class SurveyForm:
    wave_id: int
    period: str
    needs_token: bool
    sections: tuple[Scale, ...]
    units: tuple[UnitChoice, ...]


def survey_form(session: Session, bank: ItemBank, today: date) -> SurveyForm | None:
    """The questionnaire of today's open wave, or None when no wave is open."""
    waves: list[Wave] = open_waves(session, today)
    if not waves:
        return None
    wave = waves[-1]
    asked = set(wave.indicators)
    sections = tuple(s for s in bank.scales if s.code in asked and s.items)
    tree = load_tree(session, include_inactive=False)
    units = []
    for unit in tree.units:
        path = [u.name for u in tree.path(unit.id)[1:]]
        label = " › ".join(path) if path else unit.name
        units.append(UnitChoice(unit.code, label))
    return SurveyForm(wave.id, wave.period, wave.access == "tokens", sections, tuple(units))
