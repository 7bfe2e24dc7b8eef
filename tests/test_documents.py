"""Issue 15: the documents for the staff council and the data protection officer are written
from the live settings. Every number in their threshold and retention sections is a setting in
force; after the council approves a new k (four eyes), the document shows the new k and a new
settings version with the approval's date — in Markdown, DOCX and PDF alike."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from docx import Document as read_docx

from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.context import Context
from bgm_dashboard.governance.changes import approve, propose
from bgm_dashboard.governance.documents import KINDS, build, render
from bgm_dashboard.governance.settings import current
from tests.cli_helpers import cli
from tests.test_pulse_letters import pdf_text

HR = Viewer("hr-anna", frozenset({"hr"}))
COUNCIL = Viewer("pr-clara", frozenset({"council"}))
WANTED = {
    "min_group_size": 7,
    "comment_min_group_size": 13,
    "difference_min": 4,
    "raw_retention_months": 18,
    "audit_retention_months": 37,
}
"""Values no default has, so that a number in the text can only come from the settings."""
SETTING_SECTIONS = ("Schwellen der Anonymität", "Aufbewahrung und Löschung")


def _change(ctx: Context, key: str, value: int, when: datetime) -> None:
    with ctx.write() as session:
        change = propose(session, HR, key, value, bank=ctx.bank, config=ctx.settings, now=when)
        approve(session, COUNCIL, change.id, bank=ctx.bank, config=ctx.settings, now=when)


def _sections(markdown: str) -> dict[str, str]:
    parts = re.split(r"^## ", markdown, flags=re.MULTILINE)[1:]
    return {p.split("\n", 1)[0]: p.split("\n", 1)[1] for p in parts}


def test_documents_state_the_settings_in_force_and_follow_a_four_eyes_change(
    ctx: Context,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for i, (key, value) in enumerate(WANTED.items()):
        _change(ctx, key, value, datetime(2026, 3, 1 + i, 9, tzinfo=UTC))
    with ctx.read() as session:
        governance = current(session, ctx.settings)
    settings = {str(getattr(governance, k)) for k in WANTED}

    path = tmp_path / "dv.md"
    done = cli(
        monkeypatch,
        capsys,
        ctx.settings.database_url,
        "docs",
        "dienstvereinbarung",
        "--format",
        "md",
        "--output",
        str(path),
    )
    assert done.returncode == 0, done.stderr
    text = path.read_text(encoding="utf-8")
    assert "Version 5 (05.03.2026)" in text
    sections = _sections(text)
    for title in SETTING_SECTIONS:
        numbers = set(re.findall(r"\d+", sections[title]))
        assert numbers and numbers <= settings, (title, numbers - settings)
    assert "k = 7" in text and "ab 13 Personen" in text and "mindestens 4 Personen" in text
    assert "18 Monate nach" in text and "nach 37 Monaten" in text

    _change(ctx, "min_group_size", 8, datetime(2026, 9, 14, 9, tzinfo=UTC))
    with ctx.read() as session:
        for kind in KINDS:
            document = build(session, kind, ctx.bank, lang="de", today=date(2026, 9, 15))
            assert "Version 6 (14.09.2026)" in document.stamp
            markdown = render(document, "md").decode("utf-8")
            assert "k = 8" in markdown and "k = 7" not in markdown, kind
            words = "\n".join(
                p.text for p in read_docx(io.BytesIO(render(document, "docx"))).paragraphs
            )
            assert "k = 8" in words and "Version 6 (14.09.2026)" in words, kind
            printed = " ".join(" ".join(pdf_text(render(document, "pdf"), tmp_path)).split())
            assert "k = 8" in printed and "Version 6 (14.09.2026)" in printed, kind
        english = render(build(session, "vvt", ctx.bank, lang="en"), "md").decode("utf-8")
    assert "Minimum group size k = 8" in english and "deletion after 18 and 37 months" in english


def test_the_command_line_offers_the_documents_there_are() -> None:
    from bgm_dashboard.commands import council
    from bgm_dashboard.governance import documents

    assert council.KINDS == documents.KINDS and council.FORMATS == documents.FORMATS
