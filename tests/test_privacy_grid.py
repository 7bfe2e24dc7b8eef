"""The exact table check of months and quarter-only units agrees with the independent
auditor on every small table (row and column totals known, empty cells known)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bgm_dashboard.privacy.suppression import grid_is_safe
from tests.privacy_auditor import isolatable_groups


def auditor_says_safe(cells: np.ndarray, k: int) -> bool:
    rows, cols = cells.shape
    atoms = {(r, str(c)): int(cells[r, c]) for r in range(rows) for c in range(cols)}
    published = [frozenset((r, str(c)) for c in range(cols)) for r in range(rows)]
    published += [frozenset((r, str(c)) for r in range(rows)) for c in range(cols)]
    return not isolatable_groups(atoms, published, k)


@settings(max_examples=400, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda rows: st.lists(
            st.lists(st.integers(0, 6), min_size=3, max_size=3), min_size=rows, max_size=rows
        )
    ),
    st.sampled_from([3, 5]),
)
def test_grid_check_matches_the_auditor(rows: list[list[int]], k: int) -> None:
    cells = np.array(rows)
    assert grid_is_safe(cells, k) == auditor_says_safe(cells, k), cells


def test_known_cases() -> None:
    # a column held by one row alone makes that row's other months derivable (1 + 0 = 1)
    assert not grid_is_safe(np.array([[0, 3, 0], [0, 1, 3]]), 3)
    # every row fills every month: only whole rows and whole columns are derivable
    assert grid_is_safe(np.array([[2, 2, 2], [6, 6, 6]]), 5)
