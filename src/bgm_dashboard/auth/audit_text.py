"""The audit log in plain words: one sentence per entry and readable details, in German or
English, for the staff council (no action codes, unit codes, ``*`` or JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.auth.accounts import ANONYMOUS
from bgm_dashboard.db.models import Account, AccountRole, Department
from bgm_dashboard.formatting import moment, number, period
from bgm_dashboard.i18n import has, t
from bgm_dashboard.periods import is_month, is_quarter

ALL_UNITS = "*"
MACHINE_ACTORS = {"cli": "audit.actor_cli", "system": "audit.actor_system"}


def action_label(action: str, lang: str) -> str:
    """What an action is called in a filter: the sentence's verb phrase, objects left out."""
    key = f"audit.what.{action}"
    if not has(key):
        return action.replace("_", " ")
    return t(key, lang, target="…", unit="…", period="", page="…").replace(" (…)", "")


def actor_text(actor: str, lang: str, roles: Mapping[str, str]) -> str:
    """``cli``/``system``/anonymous in words; a person with the roles the account holds."""
    if actor in MACHINE_ACTORS:
        return t(MACHINE_ACTORS[actor], lang)
    if actor == ANONYMOUS:
        return t("audit.actor_anonymous", lang)
    if roles.get(actor):
        return t("audit.actor_with_roles", lang, name=actor, roles=roles[actor])
    return actor


def target_text(target: str, lang: str, units: Mapping[str, str]) -> str:
    """A unit code as the unit's name, a period label in words, anything else as it is."""
    if target in units:
        return units[target]
    if is_month(target) or is_quarter(target):
        return period(target, lang)
    return target


def sentence(
    *,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    details: Mapping[str, Any] | None,
    lang: str,
    units: Mapping[str, str],
    roles: Mapping[str, str],
    pages: Mapping[str, str],
) -> str:
    """``3. November 2026, 09:12: meier (HR) hat die Zahlen von Jugendamt für Q3/2026
    angesehen (Seite „Übersicht“).``"""
    details = details or {}
    key = f"audit.what.{action}"
    if action == "view_figures":
        unit = (
            t("audit.all_units", lang)
            if target in ("", ALL_UNITS)
            else t("audit.of_unit", lang, unit=target_text(target, lang, units))
        )
        shown = details.get("period")
        what = t(
            key,
            lang,
            unit=unit,
            period=t("audit.for_period", lang, period=period(str(shown), lang)) if shown else "",
            page=pages.get(str(details.get("page")), str(details.get("page", ""))),
        )
    elif action.startswith("setting_") and has(f"setting.{target}"):
        what = t(key, lang, target=t(f"setting.{target}", lang))  # the setting's name
    elif has(key):
        what = t(key, lang, target=target_text(target, lang, units))
    else:
        what = t("audit.what.other", lang, action=action, target=target_text(target, lang, units))
    return t(
        "audit.sentence",
        lang,
        when=moment(at, lang),
        actor=actor_text(actor, lang, roles),
        what=what,
    )


def details_text(
    details: Mapping[str, Any] | None,
    lang: str,
    units: Mapping[str, str],
    pages: Mapping[str, str] | None = None,
) -> str:
    """The details as ``Label: value`` pairs in words (yes/no, names, periods, numbers)."""
    parts = []
    for name, value in sorted((details or {}).items()):
        label_key = f"audit.detail.{name}"
        label = t(label_key, lang) if has(label_key) else name.replace("_", " ")
        if name == "page" and pages and str(value) in pages:
            shown = pages[str(value)]
        else:
            shown = _value(value, lang, units)
        parts.append(f"{label}: {shown}")
    return "; ".join(parts)


def _value(value: Any, lang: str, units: Mapping[str, str]) -> str:
    if isinstance(value, bool):
        return t("audit.detail_yes" if value else "audit.detail_no", lang)
    if isinstance(value, int | float):
        return number(value, lang, 0 if isinstance(value, int) else 2)
    if value is None:
        return "–"
    if isinstance(value, str) and has(f"audit.value.{value}"):
        return t(f"audit.value.{value}", lang)
    if isinstance(value, list | tuple):
        return ", ".join(_value(v, lang, units) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(v, lang, units)}" for k, v in value.items())
    return target_text(str(value), lang, units)


def names_for_log(session: Session, lang: str) -> tuple[dict[str, str], dict[str, str]]:
    """Unit names by code, and each account's roles in words (as the account holds them now)."""
    units = {code: name for code, name in session.execute(select(Department.code, Department.name))}
    held: dict[str, list[str]] = {}
    rows = session.execute(
        select(Account.username, AccountRole.role).join(
            AccountRole, AccountRole.account_id == Account.id
        )
    )
    for username, role in rows:
        held.setdefault(username, []).append(role)
    roles = {
        name: ", ".join(t(f"role.{r}", lang) for r in sorted(rs) if has(f"role.{r}"))
        for name, rs in held.items()
    }
    return units, roles


def readable(
    frame: pd.DataFrame,
    lang: str,
    *,
    units: Mapping[str, str],
    roles: Mapping[str, str],
    pages: Mapping[str, str],
) -> pd.DataFrame:
    """The log as the council reads it: number, sentence, details in words."""
    rows = [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]
    return pd.DataFrame(
        {
            "#": [r["seq"] for r in rows],
            t("audit.col_sentence", lang): [
                sentence(
                    at=r["at"],
                    actor=str(r["actor"]),
                    action=str(r["action"]),
                    target=str(r["target"] or ""),
                    details=r["details"],
                    lang=lang,
                    units=units,
                    roles=roles,
                    pages=pages,
                )
                for r in rows
            ],
            t("audit.col_details", lang): [
                details_text(r["details"], lang, units, pages) for r in rows
            ],
        }
    )
