"""The measure catalogue: the shipped data file merged with the organisation's own entries."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.auth.audit import record
from bgm_dashboard.auth.viewer import Viewer, require
from bgm_dashboard.db.models import CustomIntervention
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bgm_dashboard.indicators.moments import RESPONSES
from bgm_dashboard.instrument.bank import ItemBank

EFFORTS = ("low", "medium", "high")
RULE_KINDS = ("below", "decline", "behind")
TEXT_FIELDS = ("title", "description", "workshop_idea", "duration", "effort_detail", "evaluation")
REQUIRED_TEXTS = ("title", "description")
CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
MAX_TITLE = 200
MAX_TEXT = 4000
MAX_MONTHS = 60
DEFAULT_QUARTERS = 2

SHIPPED = "shipped"
OWN = "own"
EDITED = "edited"


@dataclass(frozen=True)
class Rule:
    """One recommendation rule: ``kind`` below | decline | behind, on one dimension."""

    dimension: str
    kind: str
    threshold: float
    quarters: int = DEFAULT_QUARTERS

    def as_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"dimension": self.dimension, self.kind: self.threshold}
        if self.kind == "decline":
            data["quarters"] = self.quarters
        return data


@dataclass(frozen=True)
class Intervention:
    """A catalogue entry: what the measure is, what it targets, how to evaluate it."""

    code: str
    texts: Mapping[str, Mapping[str, str]]
    dimensions: tuple[str, ...]
    target_indicator: str
    target_change: float
    typical_months: int
    effort: str
    rules: tuple[Rule, ...] = ()
    source: str = SHIPPED
    updated_by: str = ""

    def text(self, name: str, lang: str) -> str:
        """A text in ``lang``; an entry without English falls back to German."""
        values = self.texts.get(name, {})
        return values.get(lang) or values.get(DEFAULT_LANGUAGE, "")

    def title(self, lang: str) -> str:
        return self.text("title", lang)

    def as_data(self) -> dict[str, Any]:
        """The entry as stored in ``custom_interventions.data`` (JSON)."""
        return {
            **{name: dict(self.texts.get(name, {})) for name in TEXT_FIELDS},
            "dimensions": list(self.dimensions),
            "target_indicator": self.target_indicator,
            "target_change": self.target_change,
            "typical_months": self.typical_months,
            "effort": self.effort,
            "when": [r.as_data() for r in self.rules],
        }


def _texts(raw: Any, name: str) -> dict[str, str]:
    if raw is None:
        raw = {}
    if isinstance(raw, str):
        raw = {DEFAULT_LANGUAGE: raw}
    if not isinstance(raw, Mapping):
        raise ValidationError("interventions.error.text_format")
    out = {lang: str(raw.get(lang) or "").strip() for lang in LANGUAGES}
    limit = MAX_TITLE if name == "title" else MAX_TEXT
    for value in out.values():
        if len(value) > limit:
            key = "title_too_long" if name == "title" else "text_too_long"
            raise ValidationError(f"interventions.error.{key}", limit=limit)
    if name in REQUIRED_TEXTS and not out[DEFAULT_LANGUAGE]:
        raise ValidationError(f"interventions.error.{name}_missing")
    return out


def _number(raw: Any, key: str, **params: Any) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValidationError(key, **params) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValidationError(key, **params)
    return value


def _rules(raw: Any, dimensions: Sequence[str]) -> tuple[Rule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise ValidationError("interventions.error.rule_format")
    rules = []
    for item in raw:
        if not isinstance(item, Mapping):
            raise ValidationError("interventions.error.rule_format")
        dimension = str(item.get("dimension", ""))
        if dimension not in dimensions:
            raise ValidationError("interventions.error.rule_dimension", dimension=dimension)
        kinds = [k for k in RULE_KINDS if k in item]
        if len(kinds) != 1:
            raise ValidationError("interventions.error.rule_format")
        kind = kinds[0]
        threshold = _number(item[kind], "interventions.error.rule_threshold", dimension=dimension)
        if kind != "below" and threshold <= 0:
            raise ValidationError("interventions.error.rule_threshold", dimension=dimension)
        quarters = int(
            _number(item.get("quarters", DEFAULT_QUARTERS), "interventions.error.rule_format")
        )
        if not 1 <= quarters <= 8:
            raise ValidationError("interventions.error.rule_format")
        rules.append(Rule(dimension, kind, threshold, quarters))
    return tuple(rules)


def parse_entry(
    code: str,
    data: Mapping[str, Any],
    *,
    bank: ItemBank | None = None,
    source: str = SHIPPED,
    updated_by: str = "",
) -> Intervention:
    """Check one entry and build it; bad input raises :class:`ValidationError`."""
    code = str(code or "").strip()
    if not CODE.match(code):
        raise ValidationError("interventions.error.code_format", code=code)
    texts = {name: _texts(data.get(name), name) for name in TEXT_FIELDS}
    raw_dims = data.get("dimensions") or []
    if isinstance(raw_dims, str) or not isinstance(raw_dims, Sequence):
        raise ValidationError("interventions.error.no_dimensions")
    dimensions = tuple(dict.fromkeys(str(d) for d in raw_dims))
    if not dimensions:
        raise ValidationError("interventions.error.no_dimensions")
    known = _indicators(bank) if bank is not None else None
    if known is not None:
        for dim in dimensions:
            if dim not in known:
                raise ValidationError("interventions.error.unknown_dimension", dimension=dim)
    target = str(data.get("target_indicator") or dimensions[0])
    if target not in dimensions:
        raise ValidationError("interventions.error.target_not_targeted", indicator=target)
    change = _number(data.get("target_change", 10), "interventions.error.target_change")
    if not 0 < change <= 100:
        raise ValidationError("interventions.error.target_change")
    months = _number(data.get("typical_months", 6), "interventions.error.months", max=MAX_MONTHS)
    if months != int(months) or not 1 <= months <= MAX_MONTHS:
        raise ValidationError("interventions.error.months", max=MAX_MONTHS)
    effort = str(data.get("effort", "medium"))
    if effort not in EFFORTS:
        raise ValidationError("interventions.error.effort")
    return Intervention(
        code=code,
        texts=texts,
        dimensions=dimensions,
        target_indicator=target,
        target_change=change,
        typical_months=int(months),
        effort=effort,
        rules=_rules(data.get("when"), dimensions),
        source=source,
        updated_by=updated_by,
    )


def _indicators(bank: ItemBank) -> set[str]:
    return {c for c in bank.indicator_codes if c != RESPONSES}


@cache
def shipped() -> tuple[Intervention, ...]:
    """The entries of the shipped ``catalogue.toml``, in file order."""
    text = resources.files(__package__).joinpath("catalogue.toml").read_text("utf-8")
    data = tomllib.loads(text)
    entries = tuple(parse_entry(raw["code"], raw) for raw in data["intervention"])
    codes = [e.code for e in entries]
    if len(set(codes)) != len(codes):
        raise ValueError("catalogue.toml: a code appears twice")
    return entries


def load_catalogue(session: Session) -> list[Intervention]:
    """Shipped entries (replaced by the organisation's edit where there is one), then the
    organisation's own entries in the order of their codes."""
    custom = {
        row.code: row
        for row in session.scalars(select(CustomIntervention).order_by(CustomIntervention.code))
    }
    out: list[Intervention] = []
    for entry in shipped():
        row = custom.pop(entry.code, None)
        out.append(entry if row is None else _from_row(row, EDITED))
    out.extend(_from_row(row, OWN) for row in custom.values())
    return out


def _from_row(row: CustomIntervention, source: str) -> Intervention:
    return parse_entry(row.code, row.data, source=source, updated_by=row.updated_by)


def find(entries: Sequence[Intervention], code: str) -> Intervention | None:
    return next((e for e in entries if e.code == code), None)


def get_entry(session: Session, code: str) -> Intervention:
    entry = find(load_catalogue(session), code)
    if entry is None:
        raise ValidationError("plans.error.unknown_intervention", code=code)
    return entry


def save_entry(
    session: Session,
    viewer: Viewer,
    code: str,
    data: Mapping[str, Any],
    *,
    bank: ItemBank,
    new: bool,
    now: datetime | None = None,
) -> Intervention:
    """Add (``new``) or edit an entry of the organisation's catalogue. HR only; audited.
    Editing a shipped entry stores the organisation's version beside the shipped file."""
    require(viewer, "hr")
    entry = parse_entry(code, data, bank=bank, source=OWN, updated_by=viewer.name)
    exists = find(load_catalogue(session), entry.code) is not None
    if new and exists:
        raise ValidationError("interventions.error.code_taken", code=entry.code)
    if not new and not exists:
        raise ValidationError("plans.error.unknown_intervention", code=entry.code)
    row = session.get(CustomIntervention, entry.code)
    stamp = now or datetime.now(UTC)
    if row is None:
        session.add(
            CustomIntervention(
                code=entry.code, data=entry.as_data(), updated_by=viewer.name, updated_at=stamp
            )
        )
    else:
        row.data = entry.as_data()
        row.updated_by = viewer.name
        row.updated_at = stamp
    session.flush()
    record(
        session,
        viewer.name,
        "intervention_add" if new else "intervention_edit",
        f"intervention:{entry.code}",
        {"title": entry.title(DEFAULT_LANGUAGE), "dimensions": list(entry.dimensions)},
    )
    return get_entry(session, entry.code)
