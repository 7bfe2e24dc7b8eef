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

from collections.abc import Iterable, Mapping, Sequence
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


# ---------------------------------------------------------------- linear statistics
#
# The attacker's full view: every version at once, every indicator of a cell as a linear
# statistic of its own respondent set. Atoms are classes of respondents: (department, month,
# pattern), the pattern being the set of released respondent sets a person belongs to (an
# indicator's scored respondents, a scale's alpha complete cases). Coordinates are (atom,
# variable): "n:<set>" counts the atom's people in a set, "x:<dimension>" sums their scores.
# A released count is a sum of count coordinates; a released n·mean a sum of value
# coordinates; a composite's n·mean weighs each person's dimension scores by 1 / (number
# of dimensions the person has), so it is tied to its components. A group of atoms with
# 1..k-1 people is isolated when some combination of released statistics is zero outside
# the group's coordinates, non-negative on them and not zero: a weighted total of those few
# people's answers (their count, their sum, one person's ORI ...).

Coord = tuple[object, str]
Statistic = dict[Coord, float]


def _lightest_one_signed(
    known: np.ndarray, owner: list[object], counts: Mapping[object, int]
) -> tuple[frozenset[object], int] | None:
    """The group with the fewest people on which some vector v of the column space of
    ``known`` (rows: coordinates, owned by atoms) is non-negative, not zero and zero
    elsewhere: a mixed-integer programme over v (0 <= v, sum 1, in the space) and y (y[a] =
    1 when atom a is used, v <= y on its coordinates). HiGHS presolve off (it crashed on
    such dense rows in SciPy 1.17)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    atoms = sorted(set(owner), key=repr)
    where = {a: j for j, a in enumerate(atoms)}
    coords = known.shape[0]
    use = np.zeros((coords, len(atoms)))
    for c, a in enumerate(owner):
        use[c, where[a]] = 1.0
    outside = null_space(known.T).T
    constraints = [
        LinearConstraint(np.hstack([np.eye(coords), -use]), -np.inf, 0.0),
        LinearConstraint(
            np.concatenate([np.ones(coords), np.zeros(len(atoms))])[None, :], 1.0, 1.0
        ),
    ]
    if outside.shape[0]:
        constraints.append(
            LinearConstraint(
                np.hstack([outside, np.zeros((len(outside), len(atoms)))]), -1e-9, 1e-9
            )
        )
    result = milp(
        np.concatenate([np.zeros(coords), [float(counts[a]) for a in atoms]]),
        integrality=np.concatenate([np.zeros(coords), np.ones(len(atoms))]),
        bounds=Bounds(np.zeros(coords + len(atoms)), np.ones(coords + len(atoms))),
        constraints=constraints,
        options={"presolve": False},
    )
    if result.status != 0:
        return None
    chosen = [a for a, y in zip(atoms, result.x[coords:], strict=True) if y > 0.5]
    return frozenset(chosen), sum(counts[a] for a in chosen)


_ANSWERS: dict[str, list[tuple[frozenset[object], int]]] = {}


def _merge_alike(
    counts: Mapping[object, int], statistics: list[Statistic]
) -> tuple[dict[object, int], list[Statistic], dict[object, list[object]]]:
    """Atoms that every statistic treats alike (same variables, same weights) cannot be
    told apart: merge them into one (their people added up)."""
    signature: dict[object, list[tuple[int, str, float]]] = {}
    for i, stat in enumerate(statistics):
        for (atom, variable), weight in stat.items():
            signature.setdefault(atom, []).append((i, variable, weight))
    merged: dict[tuple[tuple[int, str, float], ...], list[object]] = {}
    for atom, sig in signature.items():
        if counts.get(atom, 0) > 0:
            merged.setdefault(tuple(sorted(sig)), []).append(atom)
    name = {a: tuple(sorted(map(repr, group))) for group in merged.values() for a in group}
    new_counts = {name[g[0]]: sum(counts[a] for a in g) for g in merged.values()}
    new_stats = [
        {(name[a], v): w for (a, v), w in stat.items() if a in name} for stat in statistics
    ]
    members = {name[g[0]]: g for g in merged.values()}
    return new_counts, new_stats, members


def _component_leaks(
    counts: Mapping[object, int], statistics: list[Statistic], k: int
) -> list[tuple[frozenset[object], int]]:
    counts, statistics, members = _merge_alike(counts, statistics)
    # parts that differ only in the variable's name give the same answer: ask once
    shape = repr(
        (
            sorted(counts.items(), key=repr),
            sorted(sorted((repr(a), w) for (a, _), w in s.items()) for s in statistics),
        )
    )
    if shape not in _ANSWERS:
        _ANSWERS[shape] = _merged_leaks(counts, statistics, k)
    found = _ANSWERS[shape]
    return [(frozenset(a for m in group for a in members[m]), n) for group, n in found]


def _merged_leaks(
    counts: Mapping[object, int], statistics: list[Statistic], k: int
) -> list[tuple[frozenset[object], int]]:
    coords = sorted({c for s in statistics for c in s if counts.get(c[0], 0) > 0}, key=repr)
    if not coords:
        return []
    col = {c: j for j, c in enumerate(coords)}
    matrix = np.zeros((len(statistics), len(coords)))
    for i, stat in enumerate(statistics):
        for coord, weight in stat.items():
            if coord in col:
                matrix[i, col[coord]] = weight
    hidden = null_space(matrix)  # v is known iff hidden.T @ v == 0
    small = [a for a in sorted({c[0] for c in coords}, key=repr) if counts[a] < k]
    if not small:
        return []
    rows = [col[c] for c in coords if counts[c[0]] < k]
    owner = [c[0] for c in coords if counts[c[0]] < k]
    known = np.eye(len(rows)) if hidden.shape[1] == 0 else null_space(hidden[rows].T)
    if known.shape[1] == 0:
        return []
    keep = np.abs(known).max(axis=1) > 1e-7
    lightest = _lightest_one_signed(
        known[keep], [o for o, kept in zip(owner, keep, strict=True) if kept], counts
    )
    if lightest is None or lightest[1] >= k:
        return []
    return [lightest]


def leaking_groups(
    counts: Mapping[object, int], statistics: Iterable[Statistic], k: int
) -> list[tuple[frozenset[object], int]]:
    """The lightest group of atoms with 1..k-1 people of which the released linear
    statistics give a one-signed weighted total (empty atoms known to the attacker), per
    independent part; empty when there is none.
    Statistics that share no variable are audited apart (their spans are independent)."""
    stats = [s for s in statistics if s]
    variable_of: dict[str, int] = {}
    parent: list[int] = []

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for stat in stats:
        ids = []
        for _, variable in stat:
            if variable not in variable_of:
                variable_of[variable] = len(parent)
                parent.append(len(parent))
            ids.append(variable_of[variable])
        for other in ids[1:]:
            parent[find(other)] = find(ids[0])
    components: dict[int, list[Statistic]] = {}
    for stat in stats:
        first = next(iter(stat))[1]
        components.setdefault(find(variable_of[first]), []).append(stat)
    found = []
    for part in components.values():
        found += _component_leaks(counts, part, k)
    return found


Person = tuple[int, str, frozenset[str]]  # department, month, released sets the person is in


def statistics_of(
    versions: Iterable[tuple[Iterable[Mapping[str, object]], Mapping[int, int | None]]],
    people: Mapping[Person, int],
    composites: Mapping[str, Sequence[str]],
) -> list[Statistic]:
    """Linear statistics of every shown row of every version (rows of ``released_figures``
    or ``figure_rows`` with their version's child -> parent map). ``people``: how many
    people fall in each atom. Counts per set; values for composites and their parts (the
    only variables two indicators share); alpha counts as a set of its own."""
    stats: list[Statistic] = []
    by_cell: dict[tuple[int, str], list[Person]] = {}
    for atom in people:
        by_cell.setdefault((atom[0], atom[1]), []).append(atom)
    linked = set(composites) | {p for parts in composites.values() for p in parts}
    for rows, parents in versions:
        rows = list(rows)
        for indicator in sorted({str(r["indicator"]) for r in rows}):
            mine = [r for r in rows if r["indicator"] == indicator]
            alpha_rows = [r for r in mine if r["kind"] == "unit" and not _missing(r.get("alpha_n"))]
            for name, chosen in ((indicator, mine), (f"{indicator}#alpha", alpha_rows)):
                for cells in published_sets(chosen, parents):
                    atoms = [a for cell in cells for a in by_cell.get(cell, []) if name in a[2]]
                    stats.append({(a, f"n:{name}"): 1.0 for a in atoms})
                    if name in composites:
                        value: Statistic = {}
                        for a in atoms:
                            parts = [p for p in composites[name] if p in a[2]]
                            for p in parts:
                                value[(a, f"x:{p}")] = 1.0 / len(parts)
                        stats.append(value)
                    elif name in linked:
                        stats.append({(a, f"x:{name}"): 1.0 for a in atoms})
    return stats


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))
