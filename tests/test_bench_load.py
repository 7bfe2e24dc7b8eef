"""The short version of `make bench`'s load test, on SQLite and PostgreSQL: submitters press
"Absenden" together for a few seconds, alone and while `bgm import` runs in another
process: nobody is refused, nothing is lost or duplicated, the import completes, and the
figures are printed."""

from __future__ import annotations

import pytest

from bgm_dashboard.bench.load import figures, run_load
from tests.conftest import REFERENCE


@pytest.mark.parametrize("during_import", [False, True], ids=["alone", "during-import"])
def test_short_load_turns_nobody_away(db_url: str, during_import: bool) -> None:
    result = run_load(
        db_url,
        REFERENCE / "departments.csv",
        submitters=12,
        seconds=2.0,
        import_file=REFERENCE / "responses.csv" if during_import else None,
        import_rows=384,
    )
    shown = figures(result)
    print({k: round(v, 3) for k, v in shown.items()})
    assert result.submitted > 12, "every submitter got answers through"
    assert (result.refused, result.lost, result.duplicated) == (0, 0, 0)
    assert result.stored == result.submitted
    assert not result.import_failed
    assert shown["load_p99_s"] >= shown["load_p50_s"] > 0
