"""Names and readable values of the governed settings, in German and English."""

from __future__ import annotations

from typing import Any

from bgm_dashboard.formatting import number
from bgm_dashboard.i18n import t
from bgm_dashboard.instrument.bank import ItemBank


def setting_name(key: str, lang: str) -> str:
    return t(f"setting.{key}", lang)


def setting_help(key: str, lang: str) -> str:
    return t(f"setting.{key}.help", lang)


def role_name(role: str, lang: str) -> str:
    return t(f"role.{role}", lang)


def format_setting(key: str, value: Any, bank: ItemBank, lang: str) -> str:
    """A setting's value as people read it: "alle Indikatoren", "HR, Personalrat", "5"."""
    if key == "reported_indicators":
        if value is None:
            return t("setting.all_indicators", lang)
        titles = []
        for code in value:
            try:
                titles.append(bank.scale(code).title[lang])
            except KeyError:
                titles.append(str(code))
        return ", ".join(titles)
    if key == "reported_depth":
        return (
            t("setting.all_levels", lang)
            if value is None
            else t("setting.levels_down_to", lang, level=value)
        )
    if key == "comment_roles":
        return ", ".join(role_name(r, lang) for r in value) if value else t("setting.nobody", lang)
    if key.endswith("_retention_months"):
        return t("setting.months", lang, count=value)
    if key == "public_depth":
        return t("setting.levels_down_to", lang, level=value)
    if isinstance(value, bool):
        return t("setting.yes" if value else "setting.no", lang)
    if isinstance(value, int | float):
        return number(value, lang, 0)
    return str(value)
