"""The difference rule: two published views whose responses overlap must differ by at least
``difference_min`` responses, and by at least the minimum group size when one contains the
other; otherwise the newer view is hidden.

Overlapping views arise when a quarter is published again after a reorganisation moved units
(and so people) between parents: "Dezernat I before" and "Dezernat I after" cover almost the
same answers, and subtracting them would isolate the few who moved."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.db.models import Publication, PublishedFigure
from bgm_dashboard.governance.settings import Governance
from bgm_dashboard.org.tree import OrgTree
from bgm_dashboard.privacy.block import BlockInput


def membership(tree: OrgTree, departments: Sequence[int]) -> np.ndarray:
    """``M[u, d] = 1`` when department ``departments[d]`` lies in unit u's subtree."""
    column = {dept: j for j, dept in enumerate(departments)}
    matrix = np.zeros((len(tree), len(departments)))
    for i, unit in enumerate(tree.units):
        for member in tree.subtree_ids(unit.id):
            if member in column:
                matrix[i, column[member]] = 1.0
    return matrix


def violations(
    old: np.ndarray, new: np.ndarray, counts: np.ndarray, k: int, difference_min: int
) -> np.ndarray:
    """For each new view (row of ``new``), whether some old view (row of ``old``) overlaps it
    and differs by too few responses. ``counts``: responses per department."""
    c = counts[None, :]
    overlap = (old * c) @ new.T  # responses in both
    size_old = (old * c).sum(axis=1)[:, None]
    size_new = (new * c).sum(axis=1)[None, :]
    differ = size_old + size_new - 2 * overlap  # responses in exactly one of the two
    old_in_new = size_old == overlap
    new_in_old = size_new == overlap
    nested = old_in_new | new_in_old
    needed = np.where(nested, k, difference_min)
    bad = (overlap > 0) & (differ > 0) & (differ < needed)
    hidden: np.ndarray = bad.any(axis=0)
    return hidden


def difference_rule_hides(
    session: Session, block: BlockInput, previous: Sequence[Publication], governance: Governance
) -> tuple[np.ndarray, np.ndarray]:
    """Cells of the new version to hide because an earlier version showed an overlapping view."""
    tree = block.tree
    departments = sorted(
        {u.id for u in tree.units} | {int(u["id"]) for p in previous for u in p.tree}
    )
    dept_col = {d: j for j, d in enumerate(departments)}
    new_members = membership(tree, departments)
    hide_q = np.zeros((len(tree), len(block.indicators)), dtype=bool)
    hide_m = np.zeros_like(hide_q)
    own_pos = {u.id: i for i, u in enumerate(tree.units)}
    for publication in previous:
        old_tree = OrgTree.from_dicts(publication.tree)
        old_members = membership(old_tree, departments)
        shown = session.execute(
            select(
                PublishedFigure.department_id,
                PublishedFigure.period,
                PublishedFigure.indicator,
                PublishedFigure.granularity,
            ).where(
                PublishedFigure.publication_id == publication.id,
                PublishedFigure.status == "shown",
                PublishedFigure.kind == "unit",
            )
        ).all()
        by_cell: dict[tuple[str, str, str], list[int]] = {}
        for dept_id, period, indicator, granularity in shown:
            by_cell.setdefault((granularity, period, indicator), []).append(
                old_tree.position(dept_id)
            )
        for i, code in enumerate(block.indicators):
            for granularity, periods in (
                ("quarter", [block.quarter]),
                ("month", list(block.months)),
            ):
                for t, period in enumerate(periods):
                    rows = by_cell.get((granularity, period, code))
                    if not rows:
                        continue
                    counts = np.zeros(len(departments))
                    own = block.own[:, i, :, 0]
                    per_unit = own.sum(axis=1) if granularity == "quarter" else own[:, t]
                    for unit_id, pos in own_pos.items():
                        counts[dept_col[unit_id]] = per_unit[pos]
                    bad = violations(
                        old_members[rows],
                        new_members,
                        counts,
                        governance.min_group_size,
                        governance.difference_min,
                    )
                    if granularity == "quarter":
                        hide_q[:, i] |= bad
                    else:
                        hide_m[:, i] |= bad
    return hide_q, hide_m
