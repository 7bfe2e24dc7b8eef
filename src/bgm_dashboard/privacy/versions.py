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

import numpy as np
import pandas as pd
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


def _lightest_support(basis: np.ndarray, sizes: np.ndarray) -> np.ndarray | None:
    """Classes (rows of ``basis``) of the lightest non-negative, non-zero vector v of the
    column space of ``basis``: a mixed-integer programme over v (0 <= v <= y, sum 1, v
    orthogonal to the complement of the space) and y (1 when a class is used). HiGHS's
    presolve is off: it crashed on such dense rows (SciPy 1.17)."""
    # scipy loads only when a republication is checked (fast command line)
    from scipy.linalg import null_space
    from scipy.optimize import Bounds, LinearConstraint, milp

    rows = basis.shape[0]
    complement = null_space(basis.T).T  # v lies in the space iff complement @ v == 0
    constraints = [
        LinearConstraint(np.hstack([np.eye(rows), -np.eye(rows)]), -np.inf, 0.0),
        LinearConstraint(np.concatenate([np.ones(rows), np.zeros(rows)])[None, :], 1, 1),
    ]
    if complement.shape[0]:
        zeros = np.zeros_like(complement)
        constraints.append(LinearConstraint(np.hstack([complement, zeros]), -TOL, TOL))
    result = milp(
        np.concatenate([np.zeros(rows), sizes]),
        integrality=np.concatenate([np.zeros(rows), np.ones(rows)]),
        bounds=Bounds(np.zeros(2 * rows), np.ones(2 * rows)),
        constraints=constraints,
        options={"presolve": False},
    )
    if result.status != 0:
        return None
    return np.nonzero(result.x[rows:] > 0.5)[0]


def lightest_small_group(sets: np.ndarray, counts: np.ndarray, k: int) -> np.ndarray | None:
    """The atoms (indices) of the group with the fewest responses, 1..k-1, of which the
    shown ``sets`` (rows of 0/1 over atoms) give a non-negative weighted total, empty atoms
    being known; None when there is no such group."""
    from scipy.linalg import null_space  # when needed (fast command line)

    filled = np.nonzero(counts > 0)[0]
    if filled.size == 0 or sets.shape[0] == 0:
        return None
    columns = sets[:, filled].T
    patterns, klass = np.unique(columns, axis=0, return_inverse=True)
    klass = klass.reshape(-1)
    class_counts = np.bincount(klass, weights=counts[filled])
    small = np.nonzero(class_counts < k)[0]
    if small.size == 0:
        return None
    rows = np.unique(patterns.T, axis=0)  # (distinct sets, classes)
    big = class_counts >= k
    vanish = null_space(rows[:, big].T) if big.any() else np.eye(rows.shape[0])
    if vanish.shape[1] == 0:
        return None
    basis = _column_basis(rows[:, small].T @ vanish)  # (small classes, dims)
    if basis.shape[1] == 0:
        return None
    support = np.nonzero(np.abs(basis).max(axis=1) > 1e-7)[0]
    chosen = _lightest_support(basis[support], class_counts[small][support])
    if chosen is None or class_counts[small][support][chosen].sum() >= k:
        return None
    return filled[np.isin(klass, small[support][chosen])]


def version_rows(
    tree: OrgTree,
    departments: Sequence[int],
    quarter_shown: np.ndarray,
    months_shown: np.ndarray,
    asked: np.ndarray,
) -> tuple[np.ndarray, list[tuple[str, int]]]:
    """Atom sets (rows over departments x months) of one version's shown cells of one
    instance: the quarter of every unit in ``quarter_shown`` and each asked month of every
    unit in ``months_shown``; with each row's (granularity, unit position)."""
    members = membership(tree, departments)
    months = len(asked)
    rows = [np.repeat(members[u], months) for u in np.nonzero(quarter_shown)[0]]
    labels = [("quarter", int(u)) for u in np.nonzero(quarter_shown)[0]]
    for u in np.nonzero(months_shown)[0]:
        for t in np.nonzero(asked)[0]:
            row = np.zeros((len(departments), months))
            row[:, t] = members[u]
            rows.append(row.ravel())
            labels.append(("month", int(u)))
    if not rows:
        return np.zeros((0, len(departments) * months)), labels
    return np.array(rows), labels


def _participants(
    old: np.ndarray, new: np.ndarray, counts: np.ndarray, group: np.ndarray
) -> np.ndarray | None:
    """Rows of ``new`` that take part in deriving the group's total (least squares over the
    filled atoms); None when the plain total is not derivable (a weighted one is)."""
    filled = counts > 0
    rows = np.vstack([old, new])[:, filled]
    target = np.zeros(counts.size)
    target[group] = 1.0
    coefficients, *_ = np.linalg.lstsq(rows.T, target[filled], rcond=None)
    if np.abs(rows.T @ coefficients - target[filled]).max() > 1e-6:
        return None
    return np.nonzero(np.abs(coefficients[len(old) :]) > 1e-6)[0]


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


def _cell_to_hide(
    members: np.ndarray,
    quarter: np.ndarray,
    months: np.ndarray,
    group: np.ndarray,
    counts: np.ndarray,
) -> tuple[str, int] | None:
    """The cell of the new version to hide against an isolated group: the smallest shown
    unit whose months (else quarter) hold part of the group; when none does, the smallest
    shown unit at all (the combination then runs through cells beside the group)."""
    months_of = counts.shape[1]
    in_group = np.zeros(counts.size, dtype=bool)
    in_group[group] = True
    touched = (np.repeat(members, months_of, axis=1)[:, in_group] > 0).any(axis=1)
    sizes = members @ counts.sum(axis=1)
    for choice in (touched, np.ones_like(touched)):
        for granularity, family in (("month", months), ("quarter", quarter)):
            candidates = np.nonzero(family & choice)[0]
            if candidates.size:
                return granularity, int(candidates[int(np.argmin(sizes[candidates]))])
    return None


def _unleaked(old: np.ndarray | None, counts: np.ndarray, k: int) -> np.ndarray:
    """``counts`` with every atom that the earlier versions alone already isolate raised to
    k (known to everyone since): a leak of old is not a new one and cannot be undone."""
    out = counts.astype(np.float64, copy=True)
    if old is None or old.shape[0] == 0:
        return out
    flat = out.reshape(-1)
    while (group := lightest_small_group(old, flat, k)) is not None:
        flat[group] = np.maximum(flat[group], k)
    return out


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
    # what earlier versions (published before this check existed) already give away is
    # public: those atoms count as known, so only new isolations are searched and mended
    counts = {inst.name: _unleaked(earlier.get(inst.name), inst.counts, k) for inst in instances}
    checked: dict[tuple[bytes, ...], np.ndarray | None] = {}  # same sets, same answer
    while True:
        shown = shown_of(hide_q, hide_m, alpha_hide)
        fix: tuple[Instance, str, int] | None = None
        for inst in instances:
            old = earlier.get(inst.name)
            if old is None or old.shape[0] == 0:
                continue
            quarter, months = shown[inst.name]
            known = counts[inst.name]
            key = (
                old.tobytes(),
                known.tobytes(),
                inst.asked.tobytes(),
                quarter.tobytes(),
                months.tobytes(),
            )
            new, labels = version_rows(tree, departments, quarter, months, inst.asked)
            if key not in checked:
                checked[key] = lightest_small_group(np.vstack([old, new]), known.ravel(), k)
            group = checked[key]
            if group is None:
                continue
            taking_part = _participants(old, new, known.ravel(), group)
            cell: tuple[str, int] | None = None
            if taking_part is not None and taking_part.size:
                sizes = members @ inst.counts.sum(axis=1)
                cell = min(
                    (labels[i] for i in taking_part),
                    key=lambda label: (label[0] == "quarter", sizes[label[1]]),
                )
            else:
                cell = _cell_to_hide(members, quarter, months, group, inst.counts)
            if cell is not None:
                fix = (inst, *cell)
                break
        if fix is None:
            return hide_q, hide_m, alpha_hide, withheld
        inst, granularity, unit = fix
        if inst.alpha:
            alpha_hide[inst.name][0 if granularity == "quarter" else 1][unit] = True
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


def shown_sets(
    tree: OrgTree,
    shown: Sequence[tuple[int, str, str, float | None]],
    departments: Sequence[int],
    months: Sequence[str],
    quarter: str,
) -> dict[str, list[np.ndarray]]:
    """Atom sets of one version's shown unit cells ``(department_id, period, indicator,
    alpha_n)``, per instance name (an indicator, or ``code#alpha`` where alpha is shown)."""
    members = membership(tree, departments)
    sets: dict[str, list[np.ndarray]] = {}
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
        if alpha_n is not None and not np.isnan(alpha_n):
            sets.setdefault(f"{indicator}#alpha", []).append(row.ravel())
    return sets


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
        tree = OrgTree.from_dicts(publication.tree)
        rows = [(int(d), str(p), str(i), a) for d, p, i, a in shown]
        for name, found in shown_sets(tree, rows, departments, months, quarter).items():
            sets.setdefault(name, []).extend(found)
    return {name: np.unique(np.array(rows), axis=0) for name, rows in sets.items()}
