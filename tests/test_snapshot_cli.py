"""``bgm snapshot create|release|list|show|report`` on the reference municipality: the CLI
freezes, releases and reports like the app; every report is audited; bad input is refused
with a message and exit code 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bgm_dashboard.context import Context
from bgm_dashboard.db.models import AuditEntry
from tests.cli_helpers import cli


def test_snapshot_commands(
    reference_ctx: Context,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    created = cli(monkeypatch, capsys, db_url, "snapshot", "create", "2026-Q2")
    assert created.returncode == 0, created.stderr
    assert "version 1 created" in created.stdout
    again = cli(monkeypatch, capsys, db_url, "snapshot", "create", "2026-Q2")
    assert again.returncode == 1 and "Nothing has changed" in again.stderr
    released = cli(monkeypatch, capsys, db_url, "snapshot", "release", "2026-Q2")
    assert released.returncode == 0 and "released" in released.stdout
    listed = cli(monkeypatch, capsys, db_url, "snapshot", "list")
    assert "2026-Q2 v1  released" in listed.stdout
    shown = cli(monkeypatch, capsys, db_url, "snapshot", "show", "2026-Q2", lang="de")
    assert "Wohlbefinden (WHO-5)" in shown.stdout and "Prüfsumme" in shown.stdout
    paths = {}
    for fmt, lang in (("pdf", "de"), ("html", "en")):
        path = tmp_path / f"report.{fmt}"
        args = ["snapshot", "report", "2026-Q2", "--format", fmt, "--lang", lang]
        result = cli(monkeypatch, capsys, db_url, *args, "--output", str(path))
        assert result.returncode == 0, result.stderr
        paths[fmt] = path.read_bytes()
    assert paths["pdf"].startswith(b"%PDF-")
    html = paths["html"].decode()
    assert "<svg" in html and "Resilience report" in html and "<script" not in html
    with reference_ctx.read() as session:
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.actor == "cli")))
    assert actions.count("snapshot_export") == 2
    assert {"snapshot_create", "snapshot_release"} <= set(actions)
    bad = cli(monkeypatch, capsys, db_url, "snapshot", "create", "2026-13")
    assert bad.returncode == 1 and "2026-Q3" in bad.stderr


def test_the_command_line_offers_the_report_formats_there_are() -> None:
    from bgm_dashboard.commands import snapshot
    from bgm_dashboard.snapshots import report

    assert snapshot.FORMATS == report.FORMATS
