"""The audit log reads as sentences for the staff council: every action the code records has
its sentence in German and English; unit codes become names, periods words, ``*`` "aller
Bereiche", details "Label: Wert" — no action code, no JSON. Found by reading the source (every
``record(…)`` call), so an action added later without a sentence fails here."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

from bgm_dashboard.auth.audit_text import action_label, details_text, sentence
from bgm_dashboard.i18n import has, t
from tests.conftest import ROOT

# actions whose name the code builds at run time (f-strings, conditional expressions)
BUILT_AT_RUN_TIME = {
    "account_activate",
    "account_deactivate",
    "login",
    "login_failed",
    "logout",
    "audit_chain_keyed",
    "audit_key_rotated",
    "audit_anchor",
    "schedule_paused",
    "schedule_resumed",
    "mail_invitation",
    "mail_reminder",
    "good_example_publish",
    "good_example_withdraw",
    "intervention_add",
    "intervention_edit",
    "session_resumed",
}


def recorded_actions() -> set[str]:
    """The literal action of every ``record(session, actor, action, …)`` in src and pages."""
    found: set[str] = set()
    files = [*(ROOT / "src").rglob("*.py"), *(ROOT / "pages").glob("*.py")]
    for path in files:
        for node in ast.walk(ast.parse(Path(path).read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else None
            name = name or (node.func.id if isinstance(node.func, ast.Name) else "")
            if name == "record" and len(node.args) >= 3:
                action = node.args[2]
                if isinstance(action, ast.Constant) and isinstance(action.value, str):
                    found.add(action.value)
    return found


def test_every_recorded_action_has_a_sentence_in_both_languages() -> None:
    actions = recorded_actions() | BUILT_AT_RUN_TIME
    assert {"view_figures", "export", "wave_open", "setting_approved"} <= actions
    missing = [a for a in sorted(actions) if not has(f"audit.what.{a}")]
    assert not missing, missing
    for action in actions:
        assert action not in action_label(action, "de")  # a phrase, not the code


AT = datetime(2026, 11, 3, 8, 12, tzinfo=UTC)
UNITS = {"A51": "Jugendamt"}
ROLES = {lang: {"meier": t("role.hr", lang)} for lang in ("de", "en")}
PAGES = {"overview": "Übersicht"}


def say(action: str, target: str, details: dict[str, object], lang: str = "de") -> str:
    return sentence(
        at=AT,
        actor="meier",
        action=action,
        target=target,
        details=details,
        lang=lang,
        units=UNITS,
        roles=ROLES[lang],
        pages=PAGES,
    )


def test_a_view_reads_as_a_sentence_with_names_and_periods() -> None:
    text = say("view_figures", "A51", {"page": "overview", "period": "2026-Q3"})
    assert text == (
        "03.11.2026 09:12: meier (BGM-Team) hat die Zahlen von Jugendamt für Q3/2026 "
        "angesehen (Seite „Übersicht“)."
    )
    assert "Jugendamt" in text and "A51" not in text and "2026-Q3" not in text
    everything = say("view_figures", "*", {"page": "overview", "period": None})
    assert "aller Bereiche" in everything and "*" not in everything
    english = say("view_figures", "A51", {"page": "overview", "period": "2026-Q3"}, "en")
    assert english == (
        "03/11/2026 09:12: meier (HR / health management) viewed the figures of Jugendamt "
        "for Q3 2026 (page “Übersicht”)."
    )


def test_details_are_words_not_json() -> None:
    text = details_text({"published": True, "rows": 1200, "format": "xlsx"}, "de", UNITS)
    assert "{" not in text and '"' not in text
    assert "ja" in text and "1.200" in text


def test_an_unknown_action_still_reads_as_german() -> None:
    text = say("something_new", "A51", {})
    assert "„something_new“" in text and "Jugendamt" in text and text.endswith(".")


def test_setting_changes_and_login_details_read_in_words() -> None:
    text = say("setting_approved", "min_group_size", {"change": 3, "new": 7, "old": 5})
    assert "min_group_size" not in text and "„" in text
    details = details_text({"method": "password", "page": "overview"}, "de", UNITS, PAGES)
    assert details == "Anmeldung: Passwort; Seite: Übersicht"
