"""Runs the real ``bgm`` entry point in-process (same code path as the console script,
without the cost of a new interpreter per call)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bgm_dashboard.cli import main


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


def cli(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    db_url: str,
    *args: str,
    lang: str = "en",
) -> Result:
    monkeypatch.setenv("BGM_DATABASE_URL", db_url)
    monkeypatch.setenv("BGM_LANGUAGE", lang)
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)
