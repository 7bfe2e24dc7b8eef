"""Random organisations with partial answers, released through the product's own path in
memory (moments, decision, rows; a second version after a reorganisation), and the
attacker's view of them for the auditor (tests/privacy_auditor.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from bgm_dashboard.governance.settings import Governance
from bgm_dashboard.indicators.moments import RESPONSES, moments_for_batch
from bgm_dashboard.instrument.bank import ItemBank, load_bank
from bgm_dashboard.instrument.scoring import score_frame
from bgm_dashboard.org.tree import OrgTree, Unit
from bgm_dashboard.periods import months_of_quarter
from bgm_dashboard.privacy.block import block_input
from bgm_dashboard.privacy.publication import (
    _alpha_arrays,
    decide_release,
    figure_rows,
    release_against_versions,
)
from bgm_dashboard.privacy.suppression import BlockDecision, Levels
from bgm_dashboard.privacy.versions import Withheld, shown_sets
from tests.privacy_auditor import Person, leaking_groups, statistics_of

BANK = load_bank()
QUARTER = "2026-Q1"
MONTHS = months_of_quarter(QUARTER)
COMPOSITES = {s.code: list(s.of) for s in BANK.scales if s.kind == "composite"}


def small_bank() -> ItemBank:
    """BRS, two dimensions and the ORI over those two: every kind of released set (a plain
    indicator, composite and components, alpha sets) at a fraction of the cost."""
    keep = ("brs", "participation", "leadership", "ori")
    scales = tuple(
        replace(s, of=("participation", "leadership")) if s.kind == "composite" else s
        for s in BANK.scales
        if s.code in keep
    )
    return replace(BANK, scales=scales)


def composites(bank: ItemBank) -> dict[str, list[str]]:
    return {s.code: list(s.of) for s in bank.scales if s.kind == "composite"}


def governance(k: int) -> Governance:
    return Governance(
        min_group_size=k,
        comment_min_group_size=max(10, k),
        difference_min=3,
        reported_indicators=None,
        reported_depth=None,
        comment_roles=("hr",),
        public_depth=1,
    )


def org(parents: Sequence[int | None]) -> OrgTree:
    """Units 1..n; ``parents[i]`` is the index of unit i+1's parent."""
    return OrgTree.build(
        Unit(
            id=i + 1,
            code=f"U{i}",
            name=f"U{i}",
            parent_id=None if p is None else p + 1,
            headcount=12,
        )
        for i, p in enumerate(parents)
    )


def answers(
    counts: np.ndarray, rng: np.random.Generator, skip: float, bank: ItemBank = BANK
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Random answers: ``counts[unit, month]`` people; each item skipped with probability
    ``skip``, a whole dimension with the same probability. Returns (meta, items)."""
    unit, month = np.nonzero(counts)
    repeat = counts[unit, month].astype(np.int64)
    meta = pd.DataFrame(
        {
            "period": np.repeat(np.array(MONTHS)[month], repeat),
            "department_id": np.repeat(unit + 1, repeat),
        }
    )
    size = len(meta)
    columns: dict[str, np.ndarray] = {}
    for scale in bank.scales:
        if not scale.items:
            continue
        assert scale.answer_scale is not None
        low, high = scale.answer_scale.min, scale.answer_scale.max
        dropped = (rng.random(size) < skip) & (scale.kind == "percent")
        for item in scale.items:
            values = rng.integers(low, high + 1, size).astype(np.float64)
            values[dropped | (rng.random(size) < skip)] = np.nan
            columns[item.code] = values
    items = pd.DataFrame(columns)
    empty = items.isna().all(axis=1)
    items.loc[empty, "enps"] = 7.0
    return meta, items


def people(meta: pd.DataFrame, items: pd.DataFrame, bank: ItemBank = BANK) -> dict[Person, int]:
    """Atoms of the attacker's model: people by department, month and the released sets
    they belong to (each indicator they have a score for; each scale whose items they all
    answered, for alpha)."""
    scores = score_frame(items, bank)
    names = [RESPONSES, *scores.columns]
    member = [np.ones(len(items), dtype=bool), *(scores[c].notna().to_numpy() for c in scores)]
    for scale in bank.scales:
        if scale.has_reliability:
            names.append(f"{scale.code}#alpha")
            member.append(items[list(scale.item_codes)].notna().all(axis=1).to_numpy())
    table = np.column_stack(member)
    out: dict[Person, int] = {}
    keys = zip(meta["department_id"].tolist(), meta["period"].tolist(), table, strict=True)
    for department, month, row in keys:
        key = (
            int(department),
            str(month),
            frozenset(n for n, m in zip(names, row, strict=True) if m),
        )
        out[key] = out.get(key, 0) + 1
    return out


@dataclass(frozen=True)
class Version:
    tree: OrgTree
    rows: pd.DataFrame
    withheld: list[Withheld]

    @property
    def parents(self) -> dict[int, int | None]:
        return {u.id: u.parent_id for u in self.tree.units}


def release(
    tree: OrgTree,
    meta: pd.DataFrame,
    items: pd.DataFrame,
    k: int,
    earlier: Sequence[Version] = (),
    bank: ItemBank = BANK,
) -> Version:
    """One version of the quarter through the product's decision (and, after earlier
    versions, its check against them)."""
    moments, item_moments = moments_for_batch(meta, items, bank)
    indicators = [*bank.indicator_codes, RESPONSES]
    asked = {c: set(MONTHS) for c in indicators}
    block = block_input(tree, QUARTER, moments, indicators, asked)
    levels = Levels.of(tree.parent_positions(), tree.depths())
    alphas = _alpha_arrays(block, levels, item_moments, bank)
    alpha_own = {code: a[4] for code, a in alphas.items()}
    gov = governance(k)
    withheld: list[Withheld] = []
    if earlier:
        departments = sorted({u.id for v in [*earlier] for u in v.tree.units} | set(tree._index))
        sets: dict[str, list[np.ndarray]] = {}
        for version in earlier:
            shown = version.rows[
                (version.rows["status"] == "shown") & (version.rows["kind"] == "unit")
            ]
            cells = [
                (int(r.department_id), str(r.period), str(r.indicator), r.alpha_n)
                for r in shown.itertuples()
            ]
            for name, found in shown_sets(
                version.tree, cells, departments, MONTHS, QUARTER
            ).items():
                sets.setdefault(name, []).extend(found)
        none = np.zeros((len(tree), len(indicators)), dtype=bool)
        decided, withheld = release_against_versions(
            block,
            gov,
            bank,
            alpha_own,
            moments,
            item_moments,
            {n: np.unique(np.array(r), axis=0) for n, r in sets.items()},
            departments,
            (none, none),
        )
    else:
        decided = decide_release(block, gov, bank, alpha_own)
    rows = figure_rows(block, decided.decision, bank, k, alphas, decided.alpha)
    return Version(tree, rows, withheld)


def audit(
    versions: Sequence[Version], crowd: Mapping[Person, int], k: int, bank: ItemBank = BANK
) -> list[tuple[frozenset[object], int]]:
    stats = statistics_of(
        [(v.rows.to_dict("records"), v.parents) for v in versions], crowd, composites(bank)
    )
    return leaking_groups(dict(crowd), stats, k)


def release_counts(
    tree: OrgTree,
    counts: Mapping[int, Sequence[int]],
    k: int,
    earlier: Sequence[Version] = (),
) -> Version:
    """A version of the participation counts alone (department id -> responses per month):
    the cheap path for many random reorganisations."""
    records = [
        {"period": m, "department_id": d, "indicator": RESPONSES, "n": n}
        | {"s1": 0.0, "s2": 0.0, "b1": 0, "b2": 0}
        for d, per_month in counts.items()
        for m, n in zip(MONTHS, per_month, strict=True)
        if n
    ]
    columns = ["period", "department_id", "indicator", "n", "s1", "s2", "b1", "b2"]
    moments = pd.DataFrame(records, columns=columns)
    items = pd.DataFrame(columns=["period", "department_id", "scale", "item", "n", "s1", "s2"])
    block = block_input(tree, QUARTER, moments, [RESPONSES], {RESPONSES: set(MONTHS)})
    gov = governance(k)
    withheld: list[Withheld] = []
    if earlier:
        departments = sorted({u.id for v in earlier for u in v.tree.units} | set(tree._index))
        sets: list[np.ndarray] = []
        for version in earlier:
            shown = version.rows[
                (version.rows["status"] == "shown") & (version.rows["kind"] == "unit")
            ]
            cells = [
                (int(r.department_id), str(r.period), str(r.indicator), None)
                for r in shown.itertuples()
            ]
            found = shown_sets(version.tree, cells, departments, MONTHS, QUARTER)
            sets += found.get(RESPONSES, [])
        none = np.zeros((len(tree), 1), dtype=bool)
        earlier_sets = {RESPONSES: np.unique(np.array(sets), axis=0)} if sets else {}
        decided, withheld = release_against_versions(
            block, gov, BANK, {}, moments, items, earlier_sets, departments, (none, none)
        )
    else:
        decided = decide_release(block, gov, BANK, {})
    return Version(tree, shown_rows(tree, decided.decision), withheld)


def shown_rows(tree: OrgTree, decision: BlockDecision) -> pd.DataFrame:
    """The shown unit rows of a decision of one instance ("übrige Bereiche" rows are
    differences of shown unit rows and add nothing an attacker could not compute)."""
    ids = [u.id for u in tree.units]
    rows = [(ids[u], QUARTER) for u in np.nonzero(decision.quarter_shown[:, 0])[0]]
    rows += [(ids[u], m) for u in np.nonzero(decision.months_shown[:, 0])[0] for m in MONTHS]
    frame = pd.DataFrame(rows, columns=["department_id", "period"])
    return frame.assign(indicator=RESPONSES, kind="unit", status="shown", alpha_n=None)


def moved(parents: Sequence[int | None], rng: np.random.Generator) -> list[int | None]:
    """The org chart with one unit (not the root) moved under another unit outside its
    own subtree; unchanged when no such move exists."""
    size = len(parents)
    unit = int(rng.integers(1, size)) if size > 1 else 0
    below = {unit}
    grew = True
    while grew:
        grew = False
        for child, parent in enumerate(parents):
            if parent in below and child not in below:
                below.add(child)
                grew = True
    targets = [j for j in range(size) if j not in below and j != parents[unit]]
    out = list(parents)
    if unit and targets:
        out[unit] = int(rng.choice(targets))
    return out
