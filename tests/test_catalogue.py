"""The text catalogue: every key in German and English with the same placeholders, and
every key the code asks for exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

from bgm_dashboard.i18n import catalogue
from tests.conftest import ROOT

KEY_CALL = re.compile(
    r"""(?:\btr|\bt|Error|UserError|Denied|RowError\([^"']*)\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']"""
)
ROW_PROBLEM = re.compile(r"""RowError\([^)]*?["']([a-z_]+\.[a-z0-9_.]+)["']""", re.S)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_text_has_both_languages_with_the_same_placeholders() -> None:
    for key, entry in catalogue().items():
        assert set(entry) >= {"de", "en"}, key
        assert entry["de"].strip() and entry["en"].strip(), key
        assert placeholders(entry["de"]) == placeholders(entry["en"]), key


def test_every_key_used_in_the_code_exists() -> None:
    sources = list((ROOT / "src").rglob("*.py")) + list((ROOT / "pages").glob("*.py"))
    sources.append(ROOT / "app.py")
    missing = []
    known = catalogue()
    for path in sources:
        code = Path(path).read_text(encoding="utf-8")
        for pattern in (KEY_CALL, ROW_PROBLEM):
            for key in pattern.findall(code):
                if key not in known and not key.endswith("."):
                    missing.append(f"{path.relative_to(ROOT)}: {key}")
    assert not missing, "\n".join(sorted(set(missing)))
