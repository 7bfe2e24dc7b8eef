"""Every way a figure leaves the app is audited or closed: no Streamlit table CSV button or
menu (config), no chart "download as png" (one chart helper), and file downloads only through
the audited helpers — except files that carry no figures (participation codes, code letters)
and the audit log's own download, which records itself."""

from __future__ import annotations

import ast
import tomllib

from tests.conftest import ROOT

# files that may call st.download_button directly, and why
DIRECT_DOWNLOADS = {
    "src/bgm_dashboard/ui/downloads.py": "the audited helpers themselves",
    "pages/audit.py": "the audit log's download records itself (record_export)",
    "pages/waves.py": "participation codes: no figures",
    "pages/pulse.py": "code letters: no figures",
    "pages/leadership.py": "the quarter report records itself (snapshot_export in the report)",
}


def calls(name: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for path in [*(ROOT / "src").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            attribute = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            if attribute and node.func.attr == name:  # type: ignore[attr-defined]
                rel = str(path.relative_to(ROOT))
                found[rel] = found.get(rel, 0) + 1
    return found


def test_streamlits_own_exports_and_menu_are_off() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True
    assert config["client"]["toolbarMode"] == "minimal"


def test_charts_go_through_the_helper_without_png_download() -> None:
    from bgm_dashboard.ui.chartview import CHART_CONFIG

    assert set(calls("plotly_chart")) == {"src/bgm_dashboard/ui/chartview.py"}
    direct = [p for p in calls("plotly_chart") if p.startswith("pages/")]
    # pages call the helper (a plain name), never st.plotly_chart (an attribute)
    assert not direct, direct
    assert "toImage" in CHART_CONFIG["modeBarButtonsToRemove"]


def test_file_downloads_go_through_audited_helpers() -> None:
    assert set(calls("download_button")) <= set(DIRECT_DOWNLOADS), calls("download_button")
