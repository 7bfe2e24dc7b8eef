"""Property: random org charts, reorganised and the quarter published again (twice), with
partial answers: no combination of all versions' released rows isolates fewer than k
responses, for any indicator, composite or alpha set (tests/privacy_auditor.py). Fixed
seeds, so that a failure names its case."""

from __future__ import annotations

import numpy as np

from tests.instance_helpers import (
    MONTHS,
    answers,
    audit,
    moved,
    org,
    people,
    release,
    release_counts,
    small_bank,
)
from tests.privacy_auditor import isolatable_groups, published_sets

COUNT_CASES = 200
ANSWER_CASES = 24


def random_chart(rng: np.random.Generator, largest: int) -> list[int | None]:
    size = int(rng.integers(2, largest + 1))
    return [None] + [int(rng.integers(0, i)) for i in range(1, size)]


def test_random_republications_of_counts_isolate_nobody() -> None:
    leaks = []
    for seed in range(COUNT_CASES):
        rng = np.random.default_rng(seed)
        charts = [random_chart(rng, 7)]
        charts += [moved(charts[-1], rng)]
        charts += [moved(charts[-1], rng)]
        counts = {
            i + 1: [int(c) for c in rng.choice([0, 1, 2, 3, 4, 6, 9], 3)]
            for i in range(len(charts[0]))
        }
        k = int(rng.choice([3, 5]))
        versions = []
        for chart in charts:
            versions.append(release_counts(org(chart), counts, k, versions))
        atoms = {(d, m): n for d, per in counts.items() for m, n in zip(MONTHS, per, strict=True)}
        sets = [s for v in versions for s in published_sets(v.rows.to_dict("records"), v.parents)]
        found = isolatable_groups(atoms, sets, k)
        if found:
            leaks.append((seed, found))
    assert leaks == []


def test_random_reorganisations_with_partial_answers_isolate_nobody() -> None:
    bank = small_bank()
    leaks = []
    for seed in range(ANSWER_CASES):
        rng = np.random.default_rng(1000 + seed)
        first = random_chart(rng, 6)
        counts = rng.choice([0, 1, 2, 3, 4, 6, 9], size=(len(first), 3))
        k = int(rng.choice([3, 5]))
        meta, items = answers(counts, rng, 0.1, bank)
        crowd = people(meta, items, bank)
        versions = [release(org(first), meta, items, k, bank=bank)]
        versions.append(release(org(moved(first, rng)), meta, items, k, versions, bank))
        found = audit(versions, crowd, k, bank)
        if found:
            leaks.append((seed, found))
    assert leaks == []
