"""Property: for any org chart and any counts, no combination of released figures (quarters,
months and "übrige Bereiche" rows together) isolates fewer than k responses."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bgm_dashboard.indicators.moments import RESPONSES
from bgm_dashboard.instrument.bank import load_bank
from bgm_dashboard.periods import months_of_quarter
from bgm_dashboard.privacy.block import BlockInput
from bgm_dashboard.privacy.publication import decide, figure_rows
from tests.instance_helpers import governance, org
from tests.privacy_auditor import isolatable_groups, published_sets

QUARTER = "2026-Q1"
MONTHS = months_of_quarter(QUARTER)


@st.composite
def organisations(draw: st.DrawFn) -> tuple[list[int | None], np.ndarray, int]:
    size = draw(st.integers(min_value=1, max_value=7))
    parents: list[int | None] = [None] + [
        draw(st.integers(min_value=0, max_value=i - 1)) for i in range(1, size)
    ]
    small = st.one_of(st.integers(0, 3), st.integers(0, 8), st.integers(0, 20))
    counts = np.array([[draw(small) for _ in MONTHS] for _ in range(size)], dtype=float)
    k = draw(st.sampled_from([3, 5]))
    return parents, counts, k


def release(parents: list[int | None], counts: np.ndarray, k: int) -> list[dict[str, object]]:
    tree = org(parents)
    own = np.zeros((len(tree), 1, 3, 5))
    for i in range(len(parents)):
        own[tree.position(i + 1), 0, :, 0] = counts[i]
    block = BlockInput(QUARTER, tree, (RESPONSES,), tuple(MONTHS), np.ones((1, 3), bool), own)
    decision = decide(block, governance(k))
    rows = figure_rows(block, decision, load_bank(), k)
    return rows.to_dict("records") if not rows.empty else []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations())
def test_no_released_combination_isolates_fewer_than_k(
    case: tuple[list[int | None], np.ndarray, int],
) -> None:
    parents, counts, k = case
    rows = release(parents, counts, k)
    parent_of = {i + 1: (None if p is None else p + 1) for i, p in enumerate(parents)}
    atoms = {
        (i + 1, m): int(counts[i, j]) for i in range(len(parents)) for j, m in enumerate(MONTHS)
    }
    leaks = isolatable_groups(atoms, published_sets(rows, parent_of), k)
    assert leaks == [], f"isolatable groups: {leaks}"


def test_auditor_finds_the_naive_sibling_leak() -> None:
    """The auditor itself must catch the classic leak: parent and all but one child shown."""
    parents = {1: None, 2: 1, 3: 1, 4: 1}
    atoms = {(1, "2026-01"): 0, (2, "2026-01"): 20, (3, "2026-01"): 20, (4, "2026-01"): 2}
    naive = [
        frozenset({(1, "2026-01"), (2, "2026-01"), (3, "2026-01"), (4, "2026-01")}),
        frozenset({(2, "2026-01")}),
        frozenset({(3, "2026-01")}),
    ]
    assert isolatable_groups(atoms, naive, 5) == [(frozenset({(4, "2026-01")}), 2)]
    del parents


def test_auditor_finds_the_quarter_minus_months_leak() -> None:
    atoms = {(1, m): c for m, c in zip(MONTHS, (10, 10, 2), strict=True)}
    naive = [frozenset(atoms), frozenset({(1, MONTHS[0])}), frozenset({(1, MONTHS[1])})]
    assert isolatable_groups(atoms, naive, 5) == [(frozenset({(1, MONTHS[2])}), 2)]
