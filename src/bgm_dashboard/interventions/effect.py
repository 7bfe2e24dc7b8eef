"""The measured effect of an action plan, from released and shown quarterly cells only.

Periods (the rule, also shown on the page):

* "before" = the last published quarter that ends before the plan starts;
* "after" = the first published quarter that starts after the plan ends (its actual end, or its
  planned end while it runs): the first quarter wholly after the measure. Until that quarter is
  published the verdict is "zu wenig Daten".

Groups:

* plan units: the plan's units (a unit inside another plan unit is already covered by it). A
  unit counts when its cell is shown in both quarters; a suppressed or missing cell leaves the
  unit out (the evaluation names it). Nothing is ever reconstructed.
* comparison units: the units at the same level(s) of the org chart that are not plan units,
  neither contain nor lie inside a plan unit, and in which (or above or below which) no other
  measure aimed at the same indicator ran between the start of the "before" and the end of the
  "after" quarter; again only units shown in both quarters.

Pooling: the pooled n, mean and SD of shown cells equal those of all their responses together
(n = Σnᵢ, mean = Σnᵢ·meanᵢ / n, SS = Σ(nᵢ−1)·sdᵢ² + nᵢ·(meanᵢ − mean)²). eNPS cells carry no SD;
it follows from their promoter and detractor shares. A pooled figure of shown cells reveals
nothing that the cells do not.

Estimates: change = after − before of the plan units with the Welch 95 % interval (two
independent groups); difference in differences (DiD) = change of the plan units − change of
the comparison units, with the Welch–Satterthwaite interval of four independent groups.

Verdict: "wirksam" when the interval of the DiD (without any comparison unit: of the change)
lies wholly on the better side of 0 and the estimate reaches the smaller of the plan's target
and the indicator's meaningful change; "zu wenig Daten" when a quarter is not published (yet)
or no plan unit is shown in both; otherwise "kein messbarer Effekt"."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy import stats

from bgm_dashboard.indicators.stats import CONFIDENCE, nps_standard_error
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.interventions.plans import PlanView
from bgm_dashboard.periods import period_start, quarter_end

EFFECTIVE = "effective"
NO_EFFECT = "no_effect"
TOO_LITTLE = "too_little_data"
VERDICTS = (EFFECTIVE, NO_EFFECT, TOO_LITTLE)

# reasons
NO_BEFORE = "no_before"
AFTER_PENDING = "after_pending"
TREATED_HIDDEN = "treated_hidden"
NO_SPREAD = "no_spread"
REACHED = "reached"
INCLUDES_ZERO = "includes_zero"
BELOW_THRESHOLD = "below_threshold"

SHOWN = "shown"
SUPPRESSED = "suppressed"
MISSING = "missing"


@dataclass(frozen=True)
class Pooled:
    """n, mean and SD of the responses behind a set of shown cells."""

    n: int
    mean: float
    sd: float

    @property
    def se(self) -> float:
        return self.sd / math.sqrt(self.n) if self.n > 0 else math.nan

    @property
    def df(self) -> float:
        return float(self.n - 1)


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    df: float


@dataclass(frozen=True)
class LeftOut:
    """A unit left out of a group, and why: its cell in ``period`` is suppressed or missing."""

    code: str
    period: str
    status: str


@dataclass(frozen=True)
class Group:
    units: tuple[str, ...]
    left_out: tuple[LeftOut, ...]
    before: Pooled | None
    after: Pooled | None
    change: Estimate | None


@dataclass(frozen=True)
class Evaluation:
    plan_id: int
    indicator: str
    target_change: float
    threshold: float
    before_period: str | None
    after_period: str | None
    treated: Group | None
    comparison: Group | None
    did: Estimate | None
    verdict: str
    reason: str

    @property
    def effect(self) -> Estimate | None:
        """The estimate the verdict rests on: the DiD, or the change without comparison."""
        if self.did is not None:
            return self.did
        return self.treated.change if self.treated is not None else None

    @property
    def has_comparison(self) -> bool:
        return self.did is not None

    def cells_used(self) -> set[tuple[str, str]]:
        """(unit code, quarter) of every released cell this evaluation rests on."""
        out: set[tuple[str, str]] = set()
        for group in (self.treated, self.comparison):
            if group is None or self.before_period is None or self.after_period is None:
                continue
            for code in group.units:
                out.add((code, self.before_period))
                out.add((code, self.after_period))
        return out


# ----------------------------------------------------------------------------- statistics


def cell_variance(row: pd.Series, kind: str) -> float:
    """The sample variance of one released cell (eNPS: from its shares)."""
    n = float(row["n"])
    if n < 2:
        return 0.0
    if kind == "nps":
        se = nps_standard_error(
            np.array([n]), np.array([float(row["share_a"])]), np.array([float(row["share_b"])])
        )
        return float(se[0]) ** 2 * n
    sd = float(row["sd"])
    return sd * sd if math.isfinite(sd) else 0.0


def pool(cells: pd.DataFrame, kind: str) -> Pooled:
    """Pool shown cells of disjoint units into the statistics of all their responses."""
    n = cells["n"].to_numpy(dtype=np.float64)
    means = cells["mean"].to_numpy(dtype=np.float64)
    var = np.array([cell_variance(row, kind) for _, row in cells.iterrows()], dtype=np.float64)
    total = float(n.sum())
    mean = float((n * means).sum() / total)
    squares = float(((n - 1) * var + n * (means - mean) ** 2).sum())
    sd = math.sqrt(squares / (total - 1)) if total > 1 else math.nan
    return Pooled(round(total), mean, sd)


def welch(value: float, parts: Sequence[Pooled]) -> Estimate:
    """``value`` (a signed sum of the parts' means) with the Welch–Satterthwaite interval."""
    var = sum(p.se**2 for p in parts)
    if not math.isfinite(var) or var <= 0 or any(p.df < 1 for p in parts):
        return Estimate(value, math.nan, math.nan, math.nan)
    df = var**2 / sum(p.se**4 / p.df for p in parts)
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, df)) * math.sqrt(var)
    return Estimate(value, value - half, value + half, df)


# ----------------------------------------------------------------------------- org chart


@dataclass(frozen=True)
class _Chart:
    parent: dict[int, int | None]
    code: dict[int, str]
    depth: dict[int, int]

    def ancestors(self, unit: int) -> set[int]:
        out: set[int] = set()
        node = self.parent.get(unit)
        while node is not None and node not in out:
            out.add(node)
            node = self.parent.get(node)
        return out

    def related(self, a: int, b: int) -> bool:
        """Whether a and b are the same unit or one lies inside the other."""
        return a == b or a in self.ancestors(b) or b in self.ancestors(a)


def _chart(frame: pd.DataFrame) -> _Chart:
    units = frame.sort_values("publication_id").drop_duplicates("department_id", keep="last")
    parent: dict[int, int | None] = {}
    code: dict[int, str] = {}
    depth: dict[int, int] = {}
    for unit_id, parent_id, unit_code, unit_depth in zip(
        units["department_id"].tolist(),
        units["parent_id"].tolist(),
        units["code"].tolist(),
        units["depth"].tolist(),
        strict=True,
    ):
        unit = int(unit_id)
        parent[unit] = None if parent_id is None or parent_id != parent_id else int(parent_id)
        code[unit] = str(unit_code)
        depth[unit] = int(unit_depth)
    return _Chart(parent, code, depth)


# ----------------------------------------------------------------------------- periods


def _end(plan: PlanView) -> date:
    return plan.ended_on or plan.planned_end


def choose_periods(
    published: Iterable[str], start: date, end: date
) -> tuple[str | None, str | None]:
    """The "before" and "after" quarters of a measure running from ``start`` to ``end``."""
    quarters = sorted(set(published))
    before = [q for q in quarters if quarter_end(q) < start]
    after = [q for q in quarters if period_start(q) > end]
    return (before[-1] if before else None, after[0] if after else None)


def _ran_during(plan: PlanView, first: date, last: date) -> bool:
    if plan.status == "planned":
        return False
    return plan.starts_on <= last and _end(plan) >= first


# ----------------------------------------------------------------------------- evaluation


def _group(
    cells: pd.DataFrame, units: Sequence[int], chart: _Chart, before: str, after: str, kind: str
) -> Group:
    used: list[int] = []
    left: list[LeftOut] = []
    index = cells.set_index(["department_id", "period"])
    for unit in units:
        statuses = {}
        for period in (before, after):
            key = (unit, period)
            statuses[period] = str(index.loc[key, "status"]) if key in index.index else MISSING
        if all(s == SHOWN for s in statuses.values()):
            used.append(unit)
        else:
            for period, status in statuses.items():
                if status != SHOWN:
                    left.append(LeftOut(chart.code.get(unit, str(unit)), period, status))
    if not used:
        return Group((), tuple(left), None, None, None)
    pre = pool(cells[(cells["period"] == before) & cells["department_id"].isin(used)], kind)
    post = pool(cells[(cells["period"] == after) & cells["department_id"].isin(used)], kind)
    change = welch(post.mean - pre.mean, [pre, post])
    return Group(tuple(chart.code[u] for u in used), tuple(left), pre, post, change)


def evaluate(
    figures: pd.DataFrame,
    plan: PlanView,
    plans: Sequence[PlanView],
    bank: ItemBank,
) -> Evaluation:
    """Evaluate ``plan`` on released quarterly ``figures`` (the gate's frame for the viewer);
    ``plans`` are all plans (those aimed at the same indicator shape the comparison group)."""
    scale = bank.scale(plan.target_indicator)
    threshold = min(float(plan.target_change), float(scale.meaningful_change))
    frame = figures[(figures["indicator"] == plan.target_indicator) & (figures["kind"] == "unit")]
    if "granularity" in frame:
        frame = frame[frame["granularity"] == "quarter"]

    def result(
        verdict: str,
        reason: str,
        before: str | None = None,
        after: str | None = None,
        treated: Group | None = None,
        comparison: Group | None = None,
        did: Estimate | None = None,
    ) -> Evaluation:
        return Evaluation(
            plan.id,
            plan.target_indicator,
            float(plan.target_change),
            threshold,
            before,
            after,
            treated,
            comparison,
            did,
            verdict,
            reason,
        )

    before, after = choose_periods(frame["period"].unique(), plan.starts_on, _end(plan))
    if before is None:
        return result(TOO_LITTLE, NO_BEFORE, after=after)
    if after is None:
        return result(TOO_LITTLE, AFTER_PENDING, before=before)
    chart = _chart(frame)
    cells = frame[frame["period"].isin([before, after])]
    members = [u for u in dict.fromkeys(plan.unit_ids)]
    treated_units = [u for u in members if not (chart.ancestors(u) & set(members))]
    treated = _group(cells, treated_units, chart, before, after, scale.kind)
    if treated.change is None:
        return result(TOO_LITTLE, TREATED_HIDDEN, before, after, treated)
    first, last = period_start(before), quarter_end(after)
    busy = [
        p
        for p in plans
        if p.id != plan.id
        and p.target_indicator == plan.target_indicator
        and _ran_during(p, first, last)
    ]
    depths = {chart.depth[u] for u in treated_units if u in chart.depth}
    candidates = [
        u
        for u in chart.code
        if chart.depth[u] in depths
        and not any(chart.related(u, t) for t in treated_units)
        and not any(chart.related(u, v) for p in busy for v in p.unit_ids)
    ]
    candidates.sort(key=lambda u: _order(frame, u))
    comparison = _group(cells, candidates, chart, before, after, scale.kind) if candidates else None
    if comparison is not None and comparison.change is None:
        comparison = comparison if comparison.left_out else None
    did = None
    if comparison is not None and comparison.change is not None:
        assert treated.before and treated.after and comparison.before and comparison.after
        did = welch(
            treated.change.value - comparison.change.value,
            [treated.before, treated.after, comparison.before, comparison.after],
        )
    estimate = did or treated.change
    if not math.isfinite(estimate.low):
        return result(TOO_LITTLE, NO_SPREAD, before, after, treated, comparison, did)
    sign = 1.0 if scale.direction == "higher_better" else -1.0
    low = min(sign * estimate.low, sign * estimate.high)
    if low <= 0:
        verdict, reason = NO_EFFECT, INCLUDES_ZERO
    elif sign * estimate.value < threshold:
        verdict, reason = NO_EFFECT, BELOW_THRESHOLD
    else:
        verdict, reason = EFFECTIVE, REACHED
    return result(verdict, reason, before, after, treated, comparison, did)


def _order(frame: pd.DataFrame, unit: int) -> int:
    rows = frame[frame["department_id"] == unit]
    return int(rows["order"].iloc[-1]) if len(rows) else 0


def evaluate_all(
    figures: pd.DataFrame, plans: Sequence[PlanView], bank: ItemBank
) -> dict[int, Evaluation]:
    return {p.id: evaluate(figures, p, plans, bank) for p in plans}


def same_basis(a: Evaluation, b: Evaluation) -> bool:
    """Whether two evaluations of one plan rest on the same cells (used to decide whether a
    viewer's own figures reproduce the full evaluation)."""
    return (
        a.verdict == b.verdict
        and a.before_period == b.before_period
        and a.after_period == b.after_period
        and a.cells_used() == b.cells_used()
        and a.has_comparison == b.has_comparison
    )
