"""Versions of a quarter: `bgm publish --republish` works, and every new version is checked
together with all earlier versions of that quarter (figures, "übrige Bereiche" rows and
comment groups), so that no combination of versions isolates fewer than k responses."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bgm_dashboard.db.models import Publication
from tests.cli_helpers import cli
from tests.scenario import load, write_org

Q1 = ["2026-01", "2026-02", "2026-03"]


def test_cli_republish_publishes_a_new_version(
    ctx: object,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`bgm publish --republish 2026-Q1` crashed with an AttributeError; now it adds version 2
    on today's org chart and says so."""
    from bgm_dashboard.context import Context

    assert isinstance(ctx, Context)
    units = {"ROOT": None, "P1": "ROOT", "A": "P1", "P2": "ROOT", "B": "P2"}
    load(ctx, tmp_path, units, {"A": [9, 9, 9], "B": [9, 9, 9]}, Q1)
    write_org(tmp_path / "reorg.csv", dict(units, A="P2"))
    moved = cli(monkeypatch, capsys, db_url, "import", "departments", str(tmp_path / "reorg.csv"))
    assert moved.returncode == 0, moved.stderr
    result = cli(monkeypatch, capsys, db_url, "publish", "--republish", "2026-Q1")
    assert result.returncode == 0, result.stderr
    assert "2026-Q1" in result.stdout
    with ctx.read() as session:
        versions = session.scalars(select(Publication.version).order_by(Publication.version)).all()
    assert list(versions) == [1, 2]
    refused = cli(monkeypatch, capsys, db_url, "publish", "--republish", "2026-Q3")
    assert refused.returncode != 0
    assert "2026-Q3" in refused.stderr
