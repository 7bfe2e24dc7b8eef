"""The shape the project promises: one-way data flow, Streamlit only in ui/ and pages/,
a docstring on every module."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "bgm_dashboard"


def modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_only_ui_and_pages_import_streamlit() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in modules()
        if "ui" not in p.relative_to(PACKAGE).parts[:1]
        and any(n == "streamlit" or n.startswith("streamlit.") for n in imported(p))
    ]
    assert offenders == []


def test_figures_are_read_only_through_the_privacy_package() -> None:
    """Moments and published figures are read by privacy/ alone (the indicator engine writes
    moments; survey intake adds them; nothing else touches them)."""
    guarded = {
        "bgm_dashboard.indicators.moments.load_indicator_moments",
        "bgm_dashboard.indicators.moments.load_item_moments",
        "bgm_dashboard.db.models.PublishedFigure",
        "bgm_dashboard.db.models.IndicatorMoment",
        "bgm_dashboard.db.models.ItemMoment",
        "bgm_dashboard.db.models.PublishedComment",
    }
    allowed = {"privacy", "indicators"}
    offenders = []
    for path in [*modules(), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"]:
        parts = path.relative_to(ROOT).parts
        area = parts[2] if parts[:2] == ("src", "bgm_dashboard") and len(parts) > 3 else ""
        if area in allowed or path.name == "models.py":
            continue
        hits = imported(path) & guarded
        if hits:
            offenders.append(f"{path.relative_to(ROOT)}: {sorted(hits)}")
    assert offenders == []


def test_pages_do_not_query_the_database_for_answers() -> None:
    raw = {
        "bgm_dashboard.db.models.Response",
        "bgm_dashboard.db.models.Answer",
        "bgm_dashboard.indicators.moments.stored_answers",
    }
    for path in (ROOT / "pages").glob("*.py"):
        assert not imported(path) & raw, path.name


def test_every_module_says_its_job() -> None:
    for path in [*modules(), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{path.relative_to(ROOT)} has no module docstring"


def test_each_interval_formula_lives_in_one_place() -> None:
    """The eNPS standard error (shares p and d: p + d − (p − d)²) and the t/Feldt intervals
    are written once, in indicators/stats.py; every other module calls those functions."""
    import re

    formulas = {
        "eNPS variance": re.compile(r"\+\s*\w+\s*-\s*\(\s*\w+\s*-\s*\w+\s*\)\s*\*\*\s*2"),
        "eNPS share product": re.compile(r"share_a\W+.*\*\*\s*2|\(\s*100(\.0)?\s*\*\s*\(\s*p\s*-"),
        "Feldt interval": re.compile(r"stats\.f\.(ppf|isf)\("),
    }
    home = PACKAGE / "indicators" / "stats.py"
    offenders = []
    for path in [*modules(), *(ROOT / "pages").glob("*.py")]:
        if path == home:
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(ROOT)}: {name}" for name, rx in formulas.items()
                      if rx.search(text)]  # fmt: skip
    assert offenders == []
    assert all(rx.search(home.read_text(encoding="utf-8")) for rx in
               (formulas["eNPS variance"], formulas["Feldt interval"]))  # fmt: skip
