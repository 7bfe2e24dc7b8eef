"""An independent auditor for released figures: which groups of responses can an attacker
isolate by adding and subtracting any published counts and sums?

Model: atoms are (unit, month) pairs holding the responses placed directly in that unit in
that month. Every published figure covers a set of atoms (a unit's subtree x its months).
The attacker knows every published set's count and sum, and also knows which atoms are
empty (the worst case). A group X of atoms is isolated when its indicator vector lies in the
linear span of the published sets (then n and the sum of X follow exactly). The auditor
checks every group of non-empty atoms with fewer than k responses: since each such atom
holds at least one response, such a group has at most k - 1 atoms, so the search is exact."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import combinations

import numpy as np
from scipy.linalg import null_space

Atom = tuple[int, str]


def isolatable_groups(
    counts: Mapping[Atom, int], published: Iterable[frozenset[Atom]], k: int
) -> list[tuple[frozenset[Atom], int]]:
    """Every group of fewer than ``k`` (and more than 0) responses that the published sets
    let an attacker isolate."""
    atoms = sorted(counts)
    index = {a: i for i, a in enumerate(atoms)}
    rows = []
    for group in published:
        row = np.zeros(len(atoms))
        for atom in group:
            if atom in index:
                row[index[atom]] = 1.0
        rows.append(row)
    for atom in atoms:  # empty atoms are known to the attacker
        if counts[atom] == 0:
            row = np.zeros(len(atoms))
            row[index[atom]] = 1.0
            rows.append(row)
    if not rows:
        return []
    matrix = np.array(rows)
    basis = null_space(matrix)  # x is derivable iff basis.T @ x == 0
    filled = [a for a in atoms if counts[a] > 0]
    found = []
    for size in range(1, k):
        for group in combinations(filled, size):
            total = sum(counts[a] for a in group)
            if total >= k:
                continue
            vector = np.zeros(len(atoms))
            for atom in group:
                vector[index[atom]] = 1.0
            if basis.size == 0 or np.abs(basis.T @ vector).max() < 1e-8:
                found.append((frozenset(group), total))
    return found


def subtree(parents: Mapping[int, int | None], unit: int) -> set[int]:
    """The unit and every unit below it, from a child -> parent map."""
    out = {unit}
    changed = True
    while changed:
        changed = False
        for child, parent in parents.items():
            if parent in out and child not in out:
                out.add(child)
                changed = True
    return out


def quarter_months(quarter: str) -> list[str]:
    year, q = int(quarter[:4]), int(quarter[-1])
    return [f"{year:04d}-{3 * (q - 1) + i:02d}" for i in (1, 2, 3)]


def published_sets(
    rows: Iterable[Mapping[str, object]],
    parents: Mapping[int, int | None],
) -> list[frozenset[Atom]]:
    """Atom sets of released rows (``department_id``, ``period``, ``kind``, ``status``);
    "rest" rows cover the unit minus its shown sub-units of the same period."""
    rows = list(rows)
    shown = [r for r in rows if r["status"] == "shown"]
    shown_units: dict[str, set[int]] = {}
    for r in shown:
        if r["kind"] == "unit":
            shown_units.setdefault(str(r["period"]), set()).add(int(r["department_id"]))  # type: ignore[call-overload]
    sets = []
    for r in shown:
        period = str(r["period"])
        months = quarter_months(period) if "Q" in period else [period]
        unit = int(r["department_id"])  # type: ignore[call-overload]
        members = subtree(parents, unit)
        if r["kind"] == "rest":
            for other in shown_units.get(period, set()):
                if other != unit and other in members:
                    members -= subtree(parents, other)
        sets.append(frozenset((u, m) for u in members for m in months))
    return sets
