"""Shared check of the data-path tests (issue 14): the figures kept at write time equal a
rebuild from the raw answers."""

from __future__ import annotations

import pandas as pd

from bgm_dashboard.context import Context
from bgm_dashboard.indicators.moments import rebuild_moments
from tests.test_storage import _moments


def assert_moments_equal_rebuild(ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rebuild the moments from the raw answers and compare; returns the kept ones."""
    kept = _moments(ctx)
    with ctx.write() as session:
        rebuild_moments(session, ctx.bank)
    for a, b in zip(kept, _moments(ctx), strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)
    return kept
