"""Which cells of a quarter may be shown: primary suppression (n < k) and complementary
suppression along the org tree and along time, so that no combination of shown figures
isolates fewer than k responses.

The rules, for one quarter and one indicator (docs/anonymity.md gives the proof):

* Months: a unit shows either all three months of the quarter or none ("M" family). For every
  shown unit and every month, its count minus the counts of its nearest shown sub-units (the
  people placed directly in it plus its hidden sub-units) is 0 or at least k.
* Quarter: the same rule on quarter counts for the family of units whose quarter is shown
  ("S", which contains M, because a unit's quarter is the sum of its shown months).
* Fixing a violation hides the smallest nearest shown sub-unit that adds responses (Glint's
  "next-smallest sibling"), or, when there is none, the unit itself. Repeat until no rule is
  broken; hiding never un-hides, so this ends.
* Months and quarters together: inside the month residual of a unit with monthly figures,
  units shown only by quarter form rows and the months form columns of a small table whose
  row totals (quarters) and column totals (months) are known. When some cells are empty (an
  attacker may know that nobody answered), sums of single cells can become derivable; the
  table is then checked exactly (``grid_is_safe``) and the smallest quarter-only unit in it is
  hidden until no derivable group is smaller than k.

Arrays: axis 0 = units in pre-order, axis 1 = instances (indicators), axis 2 = time slots.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Levels:
    """Units grouped by depth, deepest first, with their parents' positions."""

    bottom_up: tuple[tuple[np.ndarray, np.ndarray], ...]

    @classmethod
    def of(cls, parents: np.ndarray, depths: np.ndarray) -> Levels:
        levels = []
        for depth in range(int(depths.max(initial=0)), 0, -1):
            positions = np.nonzero(depths == depth)[0]
            levels.append((positions, parents[positions]))
        return cls(tuple(levels))

    @property
    def top_down(self) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        return tuple(reversed(self.bottom_up))


def subtree_totals(levels: Levels, own: np.ndarray) -> np.ndarray:
    """Sum values of the people placed directly in each unit over its whole subtree."""
    total = np.array(own, dtype=np.float64, copy=True)
    for positions, parents in levels.bottom_up:
        np.add.at(total, parents, total[positions])
    return total


def covered_by_shown(levels: Levels, shown: np.ndarray, sub: np.ndarray) -> np.ndarray:
    """For each unit, the sum over its nearest shown descendants (what subtraction removes)."""
    covered = np.zeros_like(sub)
    for positions, parents in levels.bottom_up:
        contribution = np.where(shown[positions][..., None], sub[positions], covered[positions])
        np.add.at(covered, parents, contribution)
    return covered


def residuals(levels: Levels, shown: np.ndarray, sub: np.ndarray) -> np.ndarray:
    """What a unit holds beyond its nearest shown descendants: the smallest group that
    subtracting shown figures from the unit's figure isolates."""
    out: np.ndarray = sub - covered_by_shown(levels, shown, sub)
    return out


def nearest_shown_ancestor(levels: Levels, shown: np.ndarray) -> np.ndarray:
    """Position of the nearest shown strict ancestor of each unit, -1 where there is none."""
    ancestor = np.full(shown.shape, -1, dtype=np.int64)
    for positions, parents in levels.top_down:
        parent_shown = shown[parents]
        ancestor[positions] = np.where(parent_shown, parents[:, None], ancestor[parents])
    return ancestor


def _first_per_group(order: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    if order.size == 0:
        return order
    sorted_keys = [key[order] for key in keys]
    new_group = np.ones(order.size, dtype=bool)
    new_group[1:] = np.any([k[1:] != k[:-1] for k in sorted_keys], axis=0)
    return order[new_group]


def enforce_residual_rule(levels: Levels, shown: np.ndarray, sub: np.ndarray, k: int) -> np.ndarray:
    """Hide further cells until every shown unit's residual is 0 or at least k in every slot."""
    shown = shown.copy()
    instances = np.arange(shown.shape[1])
    while True:
        resid = residuals(levels, shown, sub)
        bad_slot = (resid > 0) & (resid < k)
        violating = shown & bad_slot.any(axis=-1)
        if not violating.any():
            return shown
        ancestor = nearest_shown_ancestor(levels, shown)
        safe_ancestor = np.where(ancestor >= 0, ancestor, 0)
        candidate = shown & (ancestor >= 0) & violating[safe_ancestor, instances[None, :]]
        unit_idx, inst_idx = np.nonzero(candidate)
        owner = ancestor[unit_idx, inst_idx]
        adds = (resid[unit_idx, inst_idx] > 0).any(axis=-1)
        size = sub[unit_idx, inst_idx].sum(axis=-1)
        order = np.lexsort((size, ~adds, owner, inst_idx))
        chosen = _first_per_group(order, inst_idx, owner)
        shown[unit_idx[chosen], inst_idx[chosen]] = False
        helped = np.zeros_like(shown)
        helped[owner[chosen], inst_idx[chosen]] = True
        shown[violating & ~helped] = False


def grid_is_safe(cells: np.ndarray, k: int) -> bool:
    """Whether row totals and column totals of a table of counts (rows x months) let anyone
    isolate 1..k-1 responses, when empty cells are known.

    A derivable 0/1 selection of the non-empty cells has the form x[p, m] = a[p] - b[m]. For
    fixed column potentials b, row p may take any whole a[p] between the largest b of its
    non-empty cells and the smallest b plus one, and then selects a[p] * n_p - sum b * n
    responses. The achievable totals follow by a dynamic programme over the rows (sums capped
    at k), for all potentials at once. Potentials range over -3..3 relative to the first
    column; wider gaps behave like columns that share no row."""
    filled = cells > 0
    active = filled.any(axis=1)
    counts = np.asarray(cells[active], dtype=np.int64)
    filled = filled[active]
    if counts.shape[0] == 0:
        return True
    columns = counts.shape[1]
    offsets = np.array(list(np.ndindex(*([7] * (columns - 1)))), dtype=np.int64).reshape(
        -1, columns - 1
    )
    beta = np.concatenate([np.zeros((len(offsets), 1), dtype=np.int64), offsets - 3], axis=1)
    big = np.iinfo(np.int64).max // 4
    reachable = np.zeros((len(beta), k), dtype=bool)
    reachable[:, 0] = True
    for row, mask in zip(counts, filled, strict=True):
        b = beta[:, mask]  # (potentials, filled cells of this row)
        low = b.max(axis=1)
        high = b.min(axis=1) + 1
        base = -(b * row[mask]).sum(axis=1)
        total = int(row[mask].sum())
        nxt = np.zeros_like(reachable)
        for a in (low, low + 1):
            valid = a <= high
            size = np.where(valid, a * total + base, big)
            for shift in np.unique(size[valid & (size < k)]):
                rows = valid & (size == shift)
                nxt[rows, shift:] |= reachable[rows, : k - shift]
        reachable = nxt
    return not reachable[:, 1:].any()


def _grid_violations(
    levels: Levels, quarter_ok: np.ndarray, months_ok: np.ndarray, sub: np.ndarray, k: int
) -> np.ndarray:
    """Quarter-only units to hide so that every monthly region's table is safe (one per
    unsafe region: the smallest quarter-only unit in it)."""
    hide = np.zeros_like(quarter_ok)
    resid = residuals(levels, quarter_ok, sub)  # quarter-family residual, per month
    ancestor = nearest_shown_ancestor(levels, months_ok)
    units = np.arange(sub.shape[0])
    owner = np.where(months_ok, units[:, None], ancestor)
    for inst in range(quarter_ok.shape[1]):
        rows_in = quarter_ok[:, inst] & (owner[:, inst] >= 0)
        if not rows_in.any():
            continue
        for region in np.unique(owner[rows_in, inst]):
            members = np.nonzero(rows_in & (owner[:, inst] == region))[0]
            only_quarter = members[~months_ok[members, inst]]
            if only_quarter.size == 0:
                continue
            cells = resid[members, inst, :]
            filled = cells > 0
            columns = filled.any(axis=0)
            used = filled[:, columns]
            if (used.all(axis=1) | ~used.any(axis=1)).all():
                continue  # every row fills every non-empty month: only whole rows/columns
            if grid_is_safe(cells[:, columns], k):
                continue
            sizes = sub[only_quarter, inst, :].sum(axis=-1)
            hide[int(only_quarter[int(np.argmin(sizes))]), inst] = True
    return hide


@dataclass(frozen=True)
class BlockDecision:
    quarter_shown: np.ndarray
    months_shown: np.ndarray
    sub_months: np.ndarray

    @property
    def sub_quarter(self) -> np.ndarray:
        total: np.ndarray = self.sub_months.sum(axis=-1)
        return total


def decide_block(
    levels: Levels,
    own_counts: np.ndarray,
    k: int,
    hidden_quarter: np.ndarray | None = None,
    hidden_months: np.ndarray | None = None,
) -> BlockDecision:
    """Decide the shown quarter and month cells of one quarter.

    ``own_counts``: responses placed directly in each unit, shape (units, instances, 3).
    ``hidden_*``: cells that must stay hidden whatever their size (not reported, or refused
    by the difference rule)."""
    sub = subtree_totals(levels, own_counts)
    quarter = sub.sum(axis=-1, keepdims=True)
    months_ok = ((sub >= k) | (sub == 0)).all(axis=-1) & (quarter[..., 0] > 0)
    quarter_ok = quarter[..., 0] >= k
    if hidden_quarter is not None:
        quarter_ok &= ~hidden_quarter
    if hidden_months is not None:
        months_ok &= ~hidden_months
    months_ok &= quarter_ok
    while True:
        months_new = enforce_residual_rule(levels, months_ok, sub, k)
        quarter_new = enforce_residual_rule(levels, quarter_ok, quarter, k)
        months_new &= quarter_new
        if np.array_equal(months_new, months_ok) and np.array_equal(quarter_new, quarter_ok):
            unsafe = _grid_violations(levels, quarter_new, months_new, sub, k)
            if not unsafe.any():
                return BlockDecision(quarter_new, months_new, sub)
            quarter_new = quarter_new & ~unsafe
        months_ok, quarter_ok = months_new, quarter_new


def comment_groups(levels: Levels, response_counts: np.ndarray, k_comments: int) -> np.ndarray:
    """Units under which comments are shown: each comment goes to its nearest such unit
    (itself or an ancestor); each group holds 0 or at least ``k_comments`` responses, and the
    groups are disjoint, so no subtraction narrows them. ``response_counts``: (units,)."""
    own = np.asarray(response_counts, dtype=np.float64).reshape(-1, 1, 1)
    sub = subtree_totals(levels, own)
    shown = sub[..., 0] >= k_comments
    return enforce_residual_rule(levels, shown, sub, k_comments)[:, 0]
