"""The "Sie haben gesagt, wir haben gehandelt" board for all staff: per public unit its latest
results, the measures started there with their effect, and the good examples.

Figures come only from the viewer's own released figures (for staff: the public levels). A
measure's verdict in words ("wirksam", "unklar", …) is shown once HR has recorded
its evaluation; its numbers are shown only when the viewer's own figures reproduce the whole
evaluation (every cell it rests on is visible to the viewer). The verdict itself is taken from
the released figures through the gate; it is a word, never a number."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.auth.viewer import SYSTEM
from bgm_dashboard.db.models import Department
from bgm_dashboard.indicators.moments import RESPONSES
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.interventions.effect import Evaluation, evaluate, same_basis
from bgm_dashboard.interventions.plans import ENDED, PLANNED, PlanView, all_plans
from bgm_dashboard.privacy.gate import released_figures

SHOWN = "shown"
EVALUATED = "evaluated"
RUNS = "running"
NOT_EVALUATED = "not_evaluated"


@dataclass(frozen=True)
class Result:
    """One indicator of a unit in a quarter; ``change`` against the previous quarter when
    both cells are shown."""

    indicator: str
    value: float
    n: int
    change: float | None


@dataclass(frozen=True)
class Measure:
    plan: PlanView
    state: str
    verdict: str | None
    evaluation: Evaluation | None
    """The evaluation from the viewer's own figures, when they reproduce it (else None)."""


def latest_results(
    public: pd.DataFrame, unit: str, bank: ItemBank
) -> tuple[str | None, list[Result], Result | None]:
    """The unit's latest quarter with a shown cell: its shown indicators (bank order) and the
    response count. Nothing of a suppressed cell."""
    cells = public[(public["code"] == unit) & (public["kind"] == "unit")]
    shown = cells[cells["status"] == SHOWN]
    if shown.empty:
        return None, [], None
    period = str(max(shown["period"]))
    quarters = sorted(cells["period"].unique())
    previous = quarters[quarters.index(period) - 1] if quarters.index(period) > 0 else None
    now = shown[shown["period"] == period]
    means = dict(zip(now["indicator"].tolist(), now["mean"].tolist(), strict=True))
    counts = dict(zip(now["indicator"].tolist(), now["n"].tolist(), strict=True))
    earlier = shown[shown["period"] == previous] if previous else shown.iloc[0:0]
    before = dict(zip(earlier["indicator"].tolist(), earlier["mean"].tolist(), strict=True))
    results = []
    responses = None
    for code in [*bank.indicator_codes, RESPONSES]:
        if code not in means:
            continue
        change = float(means[code]) - float(before[code]) if code in before else None
        result = Result(code, float(means[code]), int(counts[code]), change)
        if code == RESPONSES:
            responses = result
        else:
            results.append(result)
    return period, results, responses


def plans_in(session: Session, plans: Sequence[PlanView], unit: str) -> list[PlanView]:
    """Plans that ran in ``unit`` or in any unit below it."""
    rows = session.execute(select(Department.id, Department.code, Department.parent_id)).all()
    ids = {code: i for i, code, _ in rows}
    if unit not in ids:
        return []
    children: dict[int | None, list[int]] = {}
    for i, _, parent in rows:
        children.setdefault(parent, []).append(i)
    inside, stack = set(), [ids[unit]]
    while stack:
        node = stack.pop()
        inside.add(node)
        stack.extend(children.get(node, []))
    return [p for p in plans if inside & set(p.unit_ids)]


def measures(session: Session, public: pd.DataFrame, bank: ItemBank) -> dict[int, Measure]:
    """Every started plan with its state and, once evaluated, its verdict."""
    plans = all_plans(session)
    full = released_figures(session, SYSTEM, granularity="quarter")
    out = {}
    for plan in plans:
        if plan.status == PLANNED:
            continue
        if plan.evaluated_on is None:
            state = NOT_EVALUATED if plan.status in ENDED else RUNS
            out[plan.id] = Measure(plan, state, None, None)
            continue
        whole = evaluate(full, plan, plans, bank)
        own = evaluate(public, plan, plans, bank)
        shown = own if same_basis(whole, own) else None
        out[plan.id] = Measure(plan, EVALUATED, whole.verdict, shown)
    return out
