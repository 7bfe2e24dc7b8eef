"""Validation and exports from the command line: ``bgm validate`` prints every rule's
false-alarm rate and power (a small run here; the doc's figures come from the full run), the
effect rule stays under 5 % false "wirksam" without an effect and finds a real one, and
``bgm export declines|effects|crises|drivers`` gives the tables the pages compute from the
released figures."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bgm_dashboard.analytics.decline import trends
from bgm_dashboard.instrument.bank import load_bank
from bgm_dashboard.interventions.effect import EFFECTIVE
from bgm_dashboard.validation.methods import EFFECT_UNITS, NULL, measure
from tests.analytics_helpers import released
from tests.cli_helpers import cli

BANK = load_bank()


def test_validate_prints_each_rule_with_its_rate(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    done = cli(monkeypatch, capsys, f"sqlite:///{tmp_path / 'v.sqlite3'}", "validate",
               "--runs", "1", lang="de")  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    assert lines[0].startswith("| Regel | Simulierte Lage | Läufe")
    body = lines[1:]
    assert len(body) == 7
    assert sum("Anhaltende Verschlechterung" in line for line in body) == 4
    assert sum("wirksam" in line for line in body) == 2
    assert all(" 1 | " in line and "%" in line for line in body)
    assert sum("Einbruch" in line for line in body) == 1
    bad = cli(monkeypatch, capsys, f"sqlite:///{tmp_path / 'v.sqlite3'}", "validate", "--runs",
              "0", lang="de")  # fmt: skip
    assert bad.returncode == 1 and "--runs" in bad.stderr


def test_no_effect_is_rarely_called_effective_and_a_real_one_is_found() -> None:
    """A Platzwechsel-like measure in two offices: without an effect at most 1 of 20
    simulated administrations gets "wirksam" (≤ 5 %); with +15 points at least 8 of 10."""
    null = replace(NULL, effect_units=EFFECT_UNITS, effect_size=0.0)
    real = replace(NULL, effect_units=EFFECT_UNITS, effect_size=15.0)
    false_alarms = sum(measure(BANK, null, 700 + i) == EFFECTIVE for i in range(20))
    found = sum(measure(BANK, real, 800 + i) == EFFECTIVE for i in range(10))
    assert false_alarms <= 1
    assert found >= 8


def test_exports_give_the_tables_the_pages_compute(
    demo_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    done = cli(monkeypatch, capsys, demo_db, "export", "declines", "--format", "csv", lang="de")
    assert done.returncode == 0, done.stderr
    exported = pd.read_csv(io.StringIO(done.stdout))
    monthly, quarterly = released(demo_db)
    page = trends(monthly, quarterly, BANK)
    assert list(exported["code"]) == list(page["code"])
    assert list(exported["status"]) == list(page["status"])
    assert np.allclose(exported["q_value"], page["q_value"], equal_nan=True, atol=1e-6)
    a51 = exported[(exported["code"] == "A51") & (exported["indicator"] == "who5")].iloc[0]
    assert a51["status"] == "decline"
    assert a51["sentence"].startswith("Jugendamt: Wohlbefinden (WHO-5) sinkt seit ")

    effects = cli(monkeypatch, capsys, demo_db, "export", "effects", lang="de")
    table = pd.read_csv(io.StringIO(effects.stdout))
    verdicts = dict(zip(table["title"], table["verdict"], strict=True))
    assert verdicts["Platzwechsel Sozialamt ↔ Gesundheitsamt"] == "effective"
    review = table[table["title"] == "Auswertung nach dem Cyberangriff"].iloc[0]
    assert review["method"] == "before_after_only" and review["verdict"] != "effective"

    for what in ("crises", "drivers"):
        out = cli(monkeypatch, capsys, demo_db, "export", what, lang="de")
        assert out.returncode == 0, out.stderr
        assert len(pd.read_csv(io.StringIO(out.stdout))) > 0


def test_xlsx_export_to_a_file(
    demo_db: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    target = tmp_path / "effects.xlsx"
    done = cli(monkeypatch, capsys, demo_db, "export", "effects", "--format", "xlsx",
               "--output", str(target))  # fmt: skip
    assert done.returncode == 0, done.stderr
    sheet = pd.read_excel(target, sheet_name="effects")
    assert "verdict" in sheet.columns and len(sheet) >= 4
