"""The measured effect of an action plan, from released and shown quarterly cells only.

Periods (the rule, also shown on the page):

* "before" = up to ``QUARTERS`` (2) published quarters that end before the plan starts, the
  latest ones; "after" = up to 2 published quarters that start after the plan ends (its
  actual end, or its planned end while it runs), the earliest ones. Several quarters keep one
  disturbed quarter from deciding. Until the first "after" quarter is published the verdict
  is "zu wenig Daten".

Groups:

* plan units: the plan's units (a unit inside another plan unit is already covered by it). A
  unit counts when its cell is shown in every chosen quarter; a suppressed or missing cell
  leaves the unit out (the evaluation names it). Nothing is ever reconstructed.
* comparison units: the units at the same level(s) of the org chart that are not plan units,
  neither contain nor lie inside a plan unit, and in which (or above or below which) no other
  measure aimed at the same indicator ran between the start of the first "before" and the
  end of the last "after" quarter; again only units shown in every chosen quarter.

Estimate (inference at the level of units, the clusters of the answers): each unit's change
dᵤ = mean of its "after" cells − mean of its "before" cells, with its sampling variance sᵤ²
from the released standard errors (design effect included). The effect is the coefficient
of "plan unit" in the weighted regression dᵤ = a + δ·planᵤ + eᵤ, Var(eᵤ) = τ² + sᵤ², where τ²
is the units' own variation beyond sampling error (DerSimonian–Laird moment estimate); its
95 % interval uses the Knapp–Hartung variance (never below the model's) and t with
(units − 2) degrees of freedom (statsmodels WLS). Respondents are never treated as
independent across units.

Verdicts (the bar is the larger of the plan's target and the indicator's meaningful change:
a modest target never lowers it):

* "wirksam": with comparison units only; the interval lies wholly on the better side of 0
  and the estimate reaches the bar.
* "kein Effekt in der angestrebten Größe": the interval's better end stays below the bar.
* "unklar": anything else, and every measure without comparison units ("Vorher-nachher ohne
  Vergleichsgruppe": a change of the plan units alone can have any cause).
* "zu wenig Daten": a quarter is not published (yet), no plan unit is shown throughout, or
  too few units for an interval.

Pooling for display: the pooled n, mean and SD of shown cells equal those of all their
responses together (n = Σnᵢ, mean = Σnᵢ·meanᵢ / n, SS = Σ(nᵢ−1)·sdᵢ² + nᵢ·(meanᵢ − mean)²).
eNPS cells carry no SD; it follows from their promoter and detractor shares. A pooled figure
of shown cells reveals nothing that the cells do not."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from bgm_dashboard.indicators.stats import CONFIDENCE, nps_standard_error
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.interventions.plans import PlanView
from bgm_dashboard.periods import period_start, quarter_end

EFFECTIVE = "effective"
NO_EFFECT = "no_effect"  # no effect of the targeted size
UNCLEAR = "unclear"
TOO_LITTLE = "too_little_data"
VERDICTS = (EFFECTIVE, NO_EFFECT, UNCLEAR, TOO_LITTLE)
QUARTERS = 2

# reasons
NO_BEFORE = "no_before"
AFTER_PENDING = "after_pending"
TREATED_HIDDEN = "treated_hidden"
NO_SPREAD = "no_spread"
REACHED = "reached"
INCLUDES_ZERO = "includes_zero"
BELOW_THRESHOLD = "below_threshold"
NO_COMPARISON = "no_comparison"
NO_COMPARISON_BELOW = "no_comparison_below"

SHOWN = "shown"
SUPPRESSED = "suppressed"
MISSING = "missing"


@dataclass(frozen=True)
class Pooled:
    """n, mean and SD of the responses behind a set of shown cells, and the standard error
    of that mean from the cells' released standard errors (design effect included)."""

    n: int
    mean: float
    sd: float
    standard_error: float = math.nan

    @property
    def se(self) -> float:
        if math.isfinite(self.standard_error):
            return self.standard_error
        return self.sd / math.sqrt(self.n) if self.n > 0 else math.nan

    @property
    def df(self) -> float:
        """Degrees of freedom from the effective n (sd / se)²."""
        if self.se > 0 and math.isfinite(self.sd):
            return max((self.sd / self.se) ** 2 - 1, 1.0)
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
class UnitChange:
    """One unit's change (mean after − mean before) and its sampling standard error."""

    code: str
    change: float
    se: float


@dataclass(frozen=True)
class Group:
    units: tuple[str, ...]
    left_out: tuple[LeftOut, ...]
    before: Pooled | None
    after: Pooled | None
    change: Estimate | None
    unit_changes: tuple[UnitChange, ...] = ()


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
    before_periods: tuple[str, ...] = ()
    after_periods: tuple[str, ...] = ()

    @property
    def effect(self) -> Estimate | None:
        """The estimate the verdict rests on: the unit-level effect, or the change without
        comparison."""
        if self.did is not None:
            return self.did
        return self.treated.change if self.treated is not None else None

    @property
    def has_comparison(self) -> bool:
        return self.did is not None

    def cells_used(self) -> set[tuple[str, str]]:
        """(unit code, quarter) of every released cell this evaluation rests on."""
        out: set[tuple[str, str]] = set()
        periods = self.before_periods + self.after_periods
        for group in (self.treated, self.comparison):
            if group is None:
                continue
            for code in group.units:
                out.update((code, p) for p in periods)
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


def _cell_se(row: pd.Series, kind: str) -> float:
    """The released standard error of a cell (older releases: from its variance and n)."""
    se = float(row["se"]) if "se" in row and row["se"] is not None else math.nan
    if math.isfinite(se):
        return se
    n = float(row["n"])
    return math.sqrt(cell_variance(row, kind) / n) if n > 0 else math.nan


def pool(cells: pd.DataFrame, kind: str) -> Pooled:
    """Pool shown cells (of disjoint units; a unit may contribute several quarters) into the
    statistics of all their responses. The standard error treats units as independent and a
    unit's quarters as possibly the same people (their errors added, not squared)."""
    n = cells["n"].to_numpy(dtype=np.float64)
    means = cells["mean"].to_numpy(dtype=np.float64)
    rows = [row for _, row in cells.iterrows()]
    var = np.array([cell_variance(row, kind) for row in rows], dtype=np.float64)
    se = np.array([_cell_se(row, kind) for row in rows], dtype=np.float64)
    total = float(n.sum())
    mean = float((n * means).sum() / total)
    squares = float(((n - 1) * var + n * (means - mean) ** 2).sum())
    sd = math.sqrt(squares / (total - 1)) if total > 1 else math.nan
    units = cells["department_id"].to_numpy() if "department_id" in cells else np.arange(len(n))
    per_unit = pd.DataFrame({"u": units, "w": n * se}).groupby("u")["w"].sum().to_numpy()
    standard_error = float(np.sqrt(np.sum(per_unit**2)) / total) if total > 0 else math.nan
    return Pooled(round(total), mean, sd, standard_error)


def welch(value: float, parts: Sequence[Pooled]) -> Estimate:
    """``value`` (a signed sum of the parts' means) with the Welch–Satterthwaite interval."""
    var = sum(p.se**2 for p in parts)
    if not math.isfinite(var) or var <= 0 or any(p.df < 1 for p in parts):
        return Estimate(value, math.nan, math.nan, math.nan)
    df = var**2 / sum(p.se**4 / p.df for p in parts)
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, df)) * math.sqrt(var)
    return Estimate(value, value - half, value + half, df)


def unit_level_effect(
    treated: Sequence[UnitChange], comparison: Sequence[UnitChange]
) -> Estimate | None:
    """Difference of the plan units' and the comparison units' changes, with units as the
    observations: weighted regression d = a + δ·plan with Var = τ² + s², τ² by
    DerSimonian–Laird, Knapp–Hartung variance (never below the model's), t(units − 2).
    None when there are fewer than three units or no sampling errors."""
    units = [*treated, *comparison]
    if len(units) < 3 or not treated or not comparison:
        return None
    d = np.array([u.change for u in units])
    s2 = np.array([u.se**2 for u in units])
    if not np.all(np.isfinite(s2)) or np.any(s2 <= 0):
        return None
    plan = np.r_[np.ones(len(treated)), np.zeros(len(comparison))]
    x = np.column_stack([np.ones(len(units)), plan])
    w = 1 / s2
    fixed = sm.WLS(d, x, weights=w).fit()
    q = float(np.sum(w * fixed.resid**2))
    df = len(units) - 2
    c = float(np.sum(w) - sum(np.sum(w[plan == g] ** 2) / np.sum(w[plan == g]) for g in (0.0, 1.0)))
    tau2 = max(0.0, (q - df) / c) if c > 0 else 0.0
    fit = sm.WLS(d, x, weights=1 / (s2 + tau2)).fit()
    scale = max(1.0, float(fit.scale))
    fit = sm.WLS(d, x, weights=1 / (s2 + tau2)).fit(
        cov_type="fixed scale", cov_kwds={"scale": scale}, use_t=True
    )
    low, high = fit.conf_int(alpha=1 - CONFIDENCE)[1]
    return Estimate(float(fit.params[1]), float(low), float(high), float(df))


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


def choose_quarters(
    published: Iterable[str], start: date, end: date, count: int = QUARTERS
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Up to ``count`` "before" quarters (the latest ending before ``start``) and "after"
    quarters (the earliest starting after ``end``), oldest first."""
    quarters = sorted(set(published))
    before = [q for q in quarters if quarter_end(q) < start]
    after = [q for q in quarters if period_start(q) > end]
    return tuple(before[-count:]), tuple(after[:count])


def _ran_during(plan: PlanView, first: date, last: date) -> bool:
    if plan.status == "planned":
        return False
    return plan.starts_on <= last and _end(plan) >= first


# ----------------------------------------------------------------------------- evaluation


def _group(
    cells: pd.DataFrame,
    units: Sequence[int],
    chart: _Chart,
    before: Sequence[str],
    after: Sequence[str],
    kind: str,
) -> Group:
    used: list[int] = []
    left: list[LeftOut] = []
    index = cells.set_index(["department_id", "period"])
    for unit in units:
        statuses = {}
        for period in (*before, *after):
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
    mine = cells[cells["department_id"].isin(used)]
    pre = pool(mine[mine["period"].isin(before)], kind)
    post = pool(mine[mine["period"].isin(after)], kind)
    change = welch(post.mean - pre.mean, [pre, post])
    changes = []
    for unit in used:
        own = mine[mine["department_id"] == unit]
        parts = []
        for periods in (before, after):
            rows = own[own["period"].isin(periods)]
            se = np.array([_cell_se(row, kind) for _, row in rows.iterrows()])
            # a unit's quarters: same people, so their errors are added (upper bound)
            parts.append((float(rows["mean"].mean()), float(se.sum() / len(se))))
        changes.append(
            UnitChange(
                chart.code[unit], parts[1][0] - parts[0][0], math.hypot(parts[0][1], parts[1][1])
            )
        )
    return Group(tuple(chart.code[u] for u in used), tuple(left), pre, post, change, tuple(changes))


def evaluate(
    figures: pd.DataFrame,
    plan: PlanView,
    plans: Sequence[PlanView],
    bank: ItemBank,
) -> Evaluation:
    """Evaluate ``plan`` on released quarterly ``figures`` (the gate's frame for the viewer);
    ``plans`` are all plans (those aimed at the same indicator shape the comparison group)."""
    scale = bank.scale(plan.target_indicator)
    threshold = max(abs(float(plan.target_change)), float(scale.meaningful_change))
    frame = figures[(figures["indicator"] == plan.target_indicator) & (figures["kind"] == "unit")]
    if "granularity" in frame:
        frame = frame[frame["granularity"] == "quarter"]
    before_q, after_q = choose_quarters(frame["period"].unique(), plan.starts_on, _end(plan))

    def result(
        verdict: str,
        reason: str,
        treated: Group | None = None,
        comparison: Group | None = None,
        did: Estimate | None = None,
    ) -> Evaluation:
        return Evaluation(
            plan.id,
            plan.target_indicator,
            float(plan.target_change),
            threshold,
            before_q[-1] if before_q else None,
            after_q[0] if after_q else None,
            treated,
            comparison,
            did,
            verdict,
            reason,
            before_q,
            after_q,
        )

    if not before_q:
        return result(TOO_LITTLE, NO_BEFORE)
    if not after_q:
        return result(TOO_LITTLE, AFTER_PENDING)
    chart = _chart(frame)
    cells = frame[frame["period"].isin([*before_q, *after_q])]
    members = [u for u in dict.fromkeys(plan.unit_ids)]
    treated_units = [u for u in members if not (chart.ancestors(u) & set(members))]
    treated = _group(cells, treated_units, chart, before_q, after_q, scale.kind)
    if treated.change is None:
        return result(TOO_LITTLE, TREATED_HIDDEN, treated)
    first, last = period_start(before_q[0]), quarter_end(after_q[-1])
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
    comparison = (
        _group(cells, candidates, chart, before_q, after_q, scale.kind) if candidates else None
    )
    if comparison is not None and comparison.change is None:
        comparison = comparison if comparison.left_out else None
    sign = 1.0 if scale.direction == "higher_better" else -1.0
    did = None
    if comparison is not None and comparison.change is not None:
        did = unit_level_effect(treated.unit_changes, comparison.unit_changes)
    if did is None:
        # before/after of the plan units alone: never "wirksam"
        change = treated.change
        if not math.isfinite(change.low):
            return result(TOO_LITTLE, NO_SPREAD, treated, comparison)
        better_end = max(sign * change.low, sign * change.high)
        if better_end < threshold:
            return result(NO_EFFECT, NO_COMPARISON_BELOW, treated, comparison)
        return result(UNCLEAR, NO_COMPARISON, treated, comparison)
    if not math.isfinite(did.low):
        return result(TOO_LITTLE, NO_SPREAD, treated, comparison, did)
    low = min(sign * did.low, sign * did.high)
    high = max(sign * did.low, sign * did.high)
    if low > 0 and sign * did.value >= threshold:
        verdict, reason = EFFECTIVE, REACHED
    elif high < threshold:
        verdict, reason = NO_EFFECT, BELOW_THRESHOLD
    else:
        verdict, reason = UNCLEAR, INCLUDES_ZERO
    return result(verdict, reason, treated, comparison, did)


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
        and a.before_periods == b.before_periods
        and a.after_periods == b.after_periods
        and a.cells_used() == b.cells_used()
        and a.has_comparison == b.has_comparison
    )
