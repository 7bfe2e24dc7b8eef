"""The headcount rule: a unit with more answers in a month than people placed in it was
padded (answers sent more than once). Its quarter is not published — participation above
100 % is never shown, and padded figures would let the padder subtract their own answers —
and HR and the staff council are told which unit and month."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.db.models import Department, IndicatorMoment
from bgm_dashboard.i18n import t
from bgm_dashboard.indicators.moments import RESPONSES
from bgm_dashboard.periods import months_of_quarter


@dataclass(frozen=True)
class Overfull:
    """One unit in one month with more answers than its headcount (counts not kept here)."""

    code: str
    name: str
    period: str


def overfull_units(session: Session, quarter: str) -> list[Overfull]:
    """Units whose own answers in a month of ``quarter`` exceed their own headcount."""
    rows = session.execute(
        select(Department.code, Department.name, IndicatorMoment.period)
        .join(Department, Department.id == IndicatorMoment.department_id)
        .where(
            IndicatorMoment.indicator == RESPONSES,
            IndicatorMoment.period.in_(months_of_quarter(quarter)),
            IndicatorMoment.n > Department.headcount,
        )
        .order_by(IndicatorMoment.period, Department.code)
    ).all()
    return [Overfull(code, name, period) for code, name, period in rows]


def held_text(quarter: str, units: list[Overfull], lang: str) -> str:
    """The message to HR and the staff council: which quarter, units and months, and why."""
    names = ", ".join(dict.fromkeys(f"{u.name} ({u.code})" for u in units))
    periods = ", ".join(dict.fromkeys(u.period for u in units))
    return t("publish.held_overfull", lang, quarter=quarter, units=names, periods=periods)
