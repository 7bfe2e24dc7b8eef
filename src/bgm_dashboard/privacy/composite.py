"""Composites held to their components: a composite (the ORI) is shown in a cell only where
every component is shown in the same cell over the same respondents.

A composite is scored only for responses with every component (``instrument/scoring``), so
its respondents are a subset of each component's. Where the counts agree, the sets agree,
and the composite's n·mean is exactly the mean of the components' released n·means: it
cannot be separated from them. Where one person skipped a component, the difference
``composite n·mean × parts − Σ component n·means`` would be that person's answers; such
cells are hidden before complementary suppression, so the composite's own family of shown
cells stays safe (its squares are a statistic of their own over that family)."""

from __future__ import annotations

import numpy as np

from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.privacy.block import BlockInput
from bgm_dashboard.privacy.suppression import BlockDecision, Levels, subtree_totals


def composite_parts(block: BlockInput, bank: ItemBank) -> dict[int, list[int]]:
    """Column of each published composite -> columns of its components (all must be
    published beside it, else the composite is never shown)."""
    out: dict[int, list[int]] = {}
    for i, code in enumerate(block.indicators):
        if code not in bank.indicator_codes or bank.scale(code).kind != "composite":
            continue
        parts = bank.scale(code).of
        out[i] = [block.indicators.index(p) if p in block.indicators else -1 for p in parts]
    return out


def composite_mismatch(
    block: BlockInput, levels: Levels, parts: dict[int, list[int]]
) -> tuple[np.ndarray, np.ndarray]:
    """Composite cells (quarter, months) whose respondents differ from a component's."""
    shape = (len(block.tree), len(block.indicators))
    hide_q = np.zeros(shape, dtype=bool)
    hide_m = np.zeros(shape, dtype=bool)
    counts = subtree_totals(levels, block.own[..., 0])  # (units, indicators, months)
    for column, members in parts.items():
        if min(members, default=-1) < 0:
            hide_q[:, column] = hide_m[:, column] = True
            continue
        differs = (counts[:, members, :] != counts[:, [column], :]).any(axis=1)
        hide_m[:, column] = differs.any(axis=1)
        quarter = counts.sum(axis=2)
        hide_q[:, column] = (quarter[:, members] != quarter[:, [column]]).any(axis=1)
    return hide_q, hide_m


def composites_unsupported(
    decision: BlockDecision, parts: dict[int, list[int]]
) -> tuple[np.ndarray, np.ndarray]:
    """Composite cells shown although some component of the same cell is hidden."""
    shape = decision.quarter_shown.shape
    hide_q = np.zeros(shape, dtype=bool)
    hide_m = np.zeros(shape, dtype=bool)
    for column, members in parts.items():
        hide_q[:, column] = decision.quarter_shown[:, column] & ~decision.quarter_shown[
            :, members
        ].all(axis=1)
        hide_m[:, column] = decision.months_shown[:, column] & ~decision.months_shown[
            :, members
        ].all(axis=1)
    return hide_q, hide_m
