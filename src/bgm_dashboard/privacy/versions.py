"""Versions of a quarter checked together: a new version (published again after a
reorganisation) is checked with every earlier version of the quarter at once, so that no
combination of versions isolates fewer than k responses.

Model: atoms are (department, month) pairs holding the responses of one instance (an
indicator, or a scale's alpha complete-case set) placed directly in that department in that
month. Every shown cell of every version covers a set of atoms (the unit's subtree in that
version's org chart x its months); "übrige Bereiche" rows are differences of shown cells of
the same version and add nothing. The attacker knows the count and the sums of every shown
set and which atoms are empty. A group of atoms is isolated when some combination of the
shown sets is a non-negative weighting that is zero outside the group: the attacker then
knows a weighted total of those few people's answers.

Atoms in the same class (member of exactly the same shown sets) cannot be told apart, so the
search runs over classes: classes with at least k responses cannot lie in a small group;
the combinations that vanish on them form a small space, and only classes in its support
are candidates. Each candidate group is then checked by a small linear programme."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from scipy.linalg import null_space
from scipy.optimize import linprog
from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.db.models import Publication, PublishedFigure
from bgm_dashboard.indicators.moments import TOTAL
from bgm_dashboard.org.tree import OrgTree
from bgm_dashboard.privacy.difference import membership

TOL = 1e-9


def _column_basis(matrix: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the column space."""
    if matrix.size == 0:
        return np.zeros((matrix.shape[0], 0))
    u, s, _ = np.linalg.svd(matrix, full_matrices=False)
    rank = int((s > TOL * max(1.0, float(s.max(initial=0.0)))).sum())
    return u[:, :rank]


def _has_one_signed_vector(basis: np.ndarray, inside: np.ndarray) -> bool:
    """Whether some vector of the column space of ``basis`` is zero outside ``inside``,
    non-negative inside and not zero."""
    outside = basis[~inside]
    inner = basis[inside]
    dims = basis.shape[1]
    # z: coefficients; constraints: outside @ z == 0, inner @ z >= 0, sum(inner @ z) == 1
    a_eq = np.vstack([outside, inner.sum(axis=0, keepdims=True)])
    b_eq = np.concatenate([np.zeros(len(outside)), [1.0]])
    result = linprog(
        np.zeros(dims),
        A_ub=-inner,
        b_ub=np.zeros(len(inner)),
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=[(None, None)] * dims,
        method="highs",
    )
    return bool(result.status == 0)


def derivable_small_groups(sets: np.ndarray, counts: np.ndarray, k: int) -> list[np.ndarray]:
    """Groups of atoms (index arrays) with 1..k-1 responses of which the shown ``sets``
    (rows of 0/1 over atoms) give a weighted total, empty atoms being known. Minimal groups
    only; empty when nothing can be isolated."""
    filled = np.nonzero(counts > 0)[0]
    if filled.size == 0 or sets.shape[0] == 0:
        return []
    columns = sets[:, filled].T
    patterns, klass = np.unique(columns, axis=0, return_inverse=True)
    klass = klass.reshape(-1)
    class_counts = np.bincount(klass, weights=counts[filled])
    small = np.nonzero(class_counts < k)[0]
    if small.size == 0:
        return []
    rows = np.unique(patterns.T, axis=0)  # (distinct sets, classes)
    big = class_counts >= k
    vanish = null_space(rows[:, big].T) if big.any() else np.eye(rows.shape[0])
    if vanish.shape[1] == 0:
        return []
    basis = _column_basis(rows[:, small].T @ vanish)  # (small classes, dims)
    if basis.shape[1] == 0:
        return []
    support = np.nonzero(np.abs(basis).max(axis=1) > 1e-7)[0]
    sizes = class_counts[small]
    found: list[tuple[int, ...]] = []
    for size in range(1, k):
        for group in combinations(support.tolist(), size):
            if sizes[list(group)].sum() >= k:
                continue
            if any(set(f) <= set(group) for f in found):
                continue
            inside = np.zeros(len(small), dtype=bool)
            inside[list(group)] = True
            if _has_one_signed_vector(basis, inside):
                found.append(group)
    return [filled[np.isin(klass, small[list(group)])] for group in found]


def version_rows(
    tree: OrgTree,
    departments: Sequence[int],
    quarter_shown: np.ndarray,
    months_shown: np.ndarray,
    asked: np.ndarray,
) -> np.ndarray:
    """Atom sets (rows over departments x months) of one version's shown cells of one
    instance: the quarter of every unit in ``quarter_shown`` and each asked month of every
    unit in ``months_shown``."""
    members = membership(tree, departments)
    months = len(asked)
    rows = [np.repeat(members[u], months) for u in np.nonzero(quarter_shown)[0]]
    for u in np.nonzero(months_shown)[0]:
        for t in np.nonzero(asked)[0]:
            row = np.zeros((len(departments), months))
            row[:, t] = members[u]
            rows.append(row.ravel())
    if not rows:
        return np.zeros((0, len(departments) * months))
    return np.array(rows)


@dataclass(frozen=True)
class Instance:
    """One released respondent set of a version: an indicator or a scale's alpha set."""

    name: str
    column: int  # indicator column in the block
    alpha: bool
    counts: np.ndarray  # (departments, months) responses placed directly in each department
    asked: np.ndarray  # (months,)


@dataclass(frozen=True)
class Withheld:
    """A cell hidden in the new version because of an earlier version, with the reason."""

    indicator: str
    alpha: bool
    granularity: str
    department_id: int
    reason: str


def _smallest_cutting_cell(
    members: np.ndarray, shown: np.ndarray, group: np.ndarray, counts: np.ndarray, months: int
) -> int | None:
    """The smallest shown unit of the new version whose set holds part of the group."""
    in_group = np.zeros(counts.size, dtype=bool)
    in_group[group] = True
    touched = (np.repeat(members, months, axis=1)[:, in_group] > 0).any(axis=1)
    candidates = np.nonzero(shown & touched)[0]
    if candidates.size == 0:
        return None
    sizes = members[candidates] @ counts.reshape(-1, months).sum(axis=1)
    return int(candidates[int(np.argmin(sizes))])


def hide_against_versions(
    tree: OrgTree,
    departments: Sequence[int],
    instances: Sequence[Instance],
    earlier: dict[str, np.ndarray],
    shown_of: Callable[
        [np.ndarray, np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]]],
        dict[str, tuple[np.ndarray, np.ndarray]],
    ],
    k: int,
    indicators: int,
) -> tuple[np.ndarray, np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]], list[Withheld]]:
    """Hide cells of the new version until no combination with the ``earlier`` versions'
    sets (per instance name) isolates fewer than k responses.

    ``shown_of(hidden_quarter, hidden_months, alpha_hidden)`` decides the new version with
    those cells forced hidden (complementary suppression runs again each time) and returns,
    per instance name, the units whose quarter and months are shown. Each round hides the
    smallest shown cell that cuts an isolated group; hiding only ever grows, so this ends.
    Returns the forced hidden cells and the list of withheld cells with their reasons."""
    units = len(tree)
    hide_q = np.zeros((units, indicators), dtype=bool)
    hide_m = np.zeros_like(hide_q)
    alpha_hide = {
        i.name: (np.zeros(units, dtype=bool), np.zeros(units, dtype=bool))
        for i in instances
        if i.alpha
    }
    members = membership(tree, departments)
    unit_ids = [u.id for u in tree.units]
    withheld: list[Withheld] = []
    while True:
        shown = shown_of(hide_q, hide_m, alpha_hide)
        changed = False
        for inst in instances:
            old = earlier.get(inst.name)
            if old is None or old.shape[0] == 0:
                continue
            quarter, months = shown[inst.name]
            new = version_rows(tree, departments, quarter, months, inst.asked)
            groups = derivable_small_groups(np.vstack([old, new]), inst.counts.ravel(), k)
            for group in groups:
                for granularity, family in (("month", months), ("quarter", quarter)):
                    unit = _smallest_cutting_cell(
                        members, family, group, inst.counts, len(inst.asked)
                    )
                    if unit is None:
                        continue
                    if inst.alpha:
                        target = alpha_hide[inst.name][0 if granularity == "quarter" else 1]
                        target[unit] = True
                    elif granularity == "quarter":
                        hide_q[unit, inst.column] = True
                    else:
                        hide_m[unit, inst.column] = True
                    withheld.append(
                        Withheld(
                            inst.name.split("#")[0],
                            inst.alpha,
                            granularity,
                            unit_ids[unit],
                            "versions.combination",
                        )
                    )
                    changed = True
                    break
                if changed:
                    break
            if changed:
                break
        if not changed:
            return hide_q, hide_m, alpha_hide, withheld


def _per_department(
    frame: pd.DataFrame, departments: Sequence[int], months: Sequence[str]
) -> np.ndarray:
    out = np.zeros((len(departments), len(months)))
    row = {d: i for i, d in enumerate(departments)}
    col = {m: j for j, m in enumerate(months)}
    known = frame["department_id"].isin(row) & frame["period"].isin(col)
    part = frame[known]
    np.add.at(
        out,
        (
            part["department_id"].map(row).to_numpy(dtype=np.int64),
            part["period"].map(col).to_numpy(dtype=np.int64),
        ),
        part["n"].to_numpy(dtype=np.float64),
    )
    return out


def instances_of(
    indicators: Sequence[str],
    asked: np.ndarray,
    alpha_scales: Sequence[str],
    moments: pd.DataFrame,
    items: pd.DataFrame,
    departments: Sequence[int],
    months: Sequence[str],
) -> list[Instance]:
    """Every released respondent set of a quarter with its counts per department and month
    (departments of every version, also those no longer in today's org chart)."""
    out = []
    for i, code in enumerate(indicators):
        if not asked[i].any():
            continue
        counts = _per_department(moments[moments["indicator"] == code], departments, months)
        out.append(Instance(code, i, False, counts, asked[i]))
        if code in alpha_scales:
            part = items[(items["scale"] == code) & (items["item"] == TOTAL)]
            counts = _per_department(part, departments, months)
            out.append(Instance(f"{code}#alpha", i, True, counts, asked[i]))
    return out


def earlier_sets(
    session: Session,
    previous: Sequence[Publication],
    departments: Sequence[int],
    months: Sequence[str],
    quarter: str,
) -> dict[str, np.ndarray]:
    """Atom sets of every shown cell of the earlier versions, per instance name."""
    sets: dict[str, list[np.ndarray]] = {}
    for publication in previous:
        tree = OrgTree.from_dicts(publication.tree)
        members = membership(tree, departments)
        shown = session.execute(
            select(
                PublishedFigure.department_id,
                PublishedFigure.period,
                PublishedFigure.indicator,
                PublishedFigure.alpha_n,
            ).where(
                PublishedFigure.publication_id == publication.id,
                PublishedFigure.status == "shown",
                PublishedFigure.kind == "unit",
            )
        ).all()
        for department_id, period, indicator, alpha_n in shown:
            row = np.zeros((len(departments), len(months)))
            unit = members[tree.position(department_id)]
            if period == quarter:
                row[:, :] = unit[:, None]
            elif period in months:
                row[:, list(months).index(period)] = unit
            else:
                continue
            sets.setdefault(indicator, []).append(row.ravel())
            if alpha_n is not None:
                sets.setdefault(f"{indicator}#alpha", []).append(row.ravel())
    return {name: np.unique(np.array(rows), axis=0) for name, rows in sets.items()}
