"""What a snapshot freezes: the released figures of a quarter (read through the gate) and the
verdicts of that day, as one canonical JSON text with its SHA-256 checksum."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from bgm_dashboard.analytics.change import changes
from bgm_dashboard.analytics.common import SHOWN, latest_units, shown_series, subtree_codes
from bgm_dashboard.analytics.decline import sustained_declines, trends
from bgm_dashboard.analytics.participation import quarter_rates
from bgm_dashboard.auth.viewer import Viewer
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.governance.settings import current
from bgm_dashboard.indicators.moments import RESPONSES
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.interventions.effect import evaluate_all
from bgm_dashboard.interventions.plans import PlanView, all_plans
from bgm_dashboard.periods import is_quarter, months_of_quarter, quarter_end, shift_quarter
from bgm_dashboard.privacy.gate import FIGURE_COLUMNS, latest_publications, released_figures

FORMAT = 1
WINDOW = 8
"""Quarters a snapshot carries: its own and the seven before (trend, year-earlier change)."""
READER = Viewer("snapshot", frozenset({"leadership"}))
"""Snapshots are read through the gate as leadership reads figures, nothing more."""
FIGURE_FIELDS = (
    *("period", "code", "name", "parent_code", "depth", "order", "indicator"),
    *FIGURE_COLUMNS[FIGURE_COLUMNS.index("status") : FIGURE_COLUMNS.index("share_b") + 1],
    "headcount",
)
"""What a snapshot keeps of each released cell: where it sits, its status and its figures."""
TOP = 3


def _clean(value: Any) -> Any:
    """Plain JSON values: numpy scalars unwrapped, NaN as null, floats to 6 decimals."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def canonical(data: Mapping[str, Any]) -> str:
    """The one text of a payload: sorted keys, no spaces, UTF-8 characters kept."""
    return json.dumps(_clean(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def bank_version(bank: ItemBank) -> str:
    """The item bank in force, as a short fingerprint of its scales, items and thresholds."""
    return hashlib.sha256(repr(bank).encode("utf-8")).hexdigest()[:16]


def window_quarters(quarter: str, published: Iterable[str]) -> list[str]:
    wanted = {shift_quarter(quarter, -i) for i in range(WINDOW)}
    return sorted(q for q in set(published) if q in wanted)


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    return [_clean(r) for r in frame[list(columns)].to_dict("records")]


def figure_frame(payload: Mapping[str, Any]) -> pd.DataFrame:
    """The snapshot's quarterly cells as a frame the analytics and charts accept."""
    frame = pd.DataFrame(payload["figures"], columns=list(FIGURE_FIELDS))
    for column in ("n", "mean", "sd", "ci_low", "ci_high", "share_a", "share_b", "headcount"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame.assign(kind="unit", granularity="quarter", quarter=frame["period"])


def _scope_codes(frame: pd.DataFrame, quarter: str, scope: str) -> list[str]:
    units = latest_units(frame[frame["period"] == quarter])
    if units.empty:
        return []
    if not scope:
        return [str(c) for c in units["code"]]
    if scope not in set(units["code"]):
        raise ValidationError("snapshot.error.unknown_scope", scope=scope)
    return subtree_codes(units, scope)


def _root(frame: pd.DataFrame, quarter: str, scope: str) -> str:
    if scope:
        return scope
    units = latest_units(frame[frame["period"] == quarter])
    return str(units[units["depth"] == units["depth"].min()]["code"].iloc[0])


def _glance(
    quarterly: pd.DataFrame, monthly: pd.DataFrame, bank: ItemBank, code: str, quarter: str
) -> list[dict[str, Any]]:
    """Per indicator of the scope's top unit: the value, the change against the quarter
    before and the same quarter a year earlier (with the verdicts of analytics.change), the
    trend status (analytics.decline) and the shown history."""
    own_q = quarterly[quarterly["code"] == code]
    own_m = monthly[monthly["code"] == code] if len(monthly) else monthly
    compared = {
        kind: {
            str(r["indicator"]): r
            for r in changes(own_q, bank, kind, period=quarter).to_dict("records")
        }
        for kind in ("previous", "year")
    }
    trend = {
        str(r["indicator"]): str(r["status"]) for r in trends(own_m, own_q, bank).to_dict("records")
    }
    cells = {str(r["indicator"]): r for r in own_q[own_q["period"] == quarter].to_dict("records")}
    out = []
    for indicator in bank.indicator_codes:
        cell = cells.get(indicator)
        if cell is None:
            continue
        shown = cell["status"] == SHOWN
        row: dict[str, Any] = {
            "indicator": indicator,
            "status": cell["status"],
            "value": cell["mean"] if shown else None,
            "n": cell["n"] if shown else None,
            "ci_low": cell["ci_low"] if shown else None,
            "ci_high": cell["ci_high"] if shown else None,
            "trend": trend.get(indicator, "too_few"),
            "history": [
                [p, v]
                for p, v in zip(
                    *(shown_series(own_q, code, indicator)[c] for c in ("period", "mean")),
                    strict=True,
                )
            ],
        }
        for kind, table in compared.items():
            change = table.get(indicator)
            row[kind] = None
            if change is not None:
                row[kind] = {
                    key: change[key]
                    for key in ("base_period", "base_value", "diff", "ci_low", "ci_high", "verdict")
                }
        out.append(row)
    return out


def _moves(
    quarterly: pd.DataFrame, bank: ItemBank, quarter: str
) -> dict[str, list[dict[str, Any]]]:
    """The largest meaningful improvements and declines against the quarter before."""
    table = changes(quarterly, bank, "previous", period=quarter)
    table = table[table["indicator"] != RESPONSES]
    table = table.assign(size=(table["diff"].abs() / table["threshold"]).astype(float))
    fields = ["code", "name", "indicator", "base_period", "value", "base_value", "diff", "verdict"]
    out = {}
    for verdict in ("better", "worse"):
        chosen = table[table["verdict"] == verdict].sort_values("size", ascending=False)
        out[verdict] = _records(chosen.head(TOP), fields)
    return out


def _declines(
    quarterly: pd.DataFrame, monthly: pd.DataFrame, bank: ItemBank
) -> list[dict[str, Any]]:
    """Units in sustained decline (analytics.decline), longest-lasting first."""
    table = sustained_declines(trends(monthly, quarterly, bank))
    fields = ["code", "name", "indicator", "since", "months", "change"]
    return _records(table.head(2 * TOP), fields)


def _participation(
    quarterly: pd.DataFrame, monthly: pd.DataFrame, code: str
) -> list[dict[str, Any]]:
    rates = quarter_rates(quarterly, monthly if len(monthly) else None)
    rates = rates[rates["code"] == code]
    return _records(rates, ["period", "status", "responses", "headcount", "rate"])


def _measures(
    quarterly: pd.DataFrame,
    plans: Sequence[PlanView],
    bank: ItemBank,
    codes: set[str],
    quarter: str,
) -> list[dict[str, Any]]:
    """Action plans that had started by the quarter's end in the scope, with the effect
    verdict of interventions.effect on the snapshot's figures."""
    end = quarter_end(quarter)
    chosen = [p for p in plans if p.starts_on <= end and set(p.unit_codes) & codes]
    verdicts = evaluate_all(quarterly, plans, bank) if chosen else {}
    out = []
    for plan in sorted(chosen, key=lambda p: (p.starts_on, p.id)):
        ev = verdicts[plan.id]
        effect = ev.effect
        out.append(
            {
                "id": plan.id,
                "title": plan.title,
                "intervention": plan.intervention_code,
                "owner": plan.owner,
                "units": list(plan.unit_codes),
                "status": plan.status,
                "starts_on": plan.starts_on,
                "planned_end": plan.planned_end,
                "ended_on": plan.ended_on,
                "indicator": plan.target_indicator,
                "standing_practice": plan.standing_practice,
                "verdict": ev.verdict,
                "reason": ev.reason,
                "before": ev.before_period,
                "after": ev.after_period,
                "effect": None
                if effect is None
                else {"value": effect.value, "low": effect.low, "high": effect.high},
                "comparison": ev.has_comparison,
            }
        )
    return out


def quarter_summary(
    quarterly: pd.DataFrame,
    monthly: pd.DataFrame,
    bank: ItemBank,
    quarter: str,
    *,
    scope: str = "",
    plans: Sequence[PlanView] = (),
) -> dict[str, Any]:
    """The quarter at a glance from the gate's frames (leadership's page and the snapshot
    compute it the same way): the window of quarters, the scope's indicators with their
    changes and trends, the largest moves, sustained declines, participation and measures."""
    published = set(quarterly["period"]) if len(quarterly) else set()
    if quarter not in published:
        raise ValidationError("snapshot.error.not_published", quarter=quarter)
    window = window_quarters(quarter, published)
    months = {m for q in window for m in months_of_quarter(q)}
    quarterly = quarterly[(quarterly["period"].isin(window)) & (quarterly["kind"] == "unit")]
    monthly = monthly[monthly["period"].isin(months)] if len(monthly) else monthly
    codes = _scope_codes(quarterly, quarter, scope)
    quarterly = quarterly[quarterly["code"].isin(codes)].reset_index(drop=True)
    if len(monthly):
        monthly = monthly[(monthly["code"].isin(codes)) & (monthly["kind"] == "unit")]
        monthly = monthly.reset_index(drop=True)
    code = _root(quarterly, quarter, scope)
    return {
        "quarter": quarter,
        "scope": scope,
        "root": code,
        "quarters": window,
        "figures": _records(quarterly, FIGURE_FIELDS),
        "glance": _glance(quarterly, monthly, bank, code, quarter),
        "moves": _moves(quarterly, bank, quarter),
        "declines": _declines(quarterly, monthly, bank),
        "participation": _participation(quarterly, monthly, code),
        "measures": _measures(quarterly, plans, bank, set(codes), quarter),
    }


def build_payload(
    session: Session,
    quarter: str,
    bank: ItemBank,
    *,
    scope: str = "",
    followups: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The content of a snapshot of ``quarter``: released figures only (the gate's frame for
    leadership), the publication versions, settings and item-bank version in force, and the
    verdicts computed from those figures by the analytics of the day."""
    if not is_quarter(quarter):
        raise ValidationError("snapshot.error.bad_quarter", quarter=quarter)
    publications = {p.quarter: p for p in latest_publications(session)}
    if quarter not in publications:
        raise ValidationError("snapshot.error.not_published", quarter=quarter)
    summary = quarter_summary(
        released_figures(session, READER, granularity="quarter"),
        released_figures(session, READER, granularity="month"),
        bank,
        quarter,
        scope=scope,
        plans=all_plans(session),
    )
    own = publications[quarter]
    return {
        **summary,
        "format": FORMAT,
        "publications": [
            {
                "quarter": q,
                "version": publications[q].version,
                "published_at": publications[q].published_at.isoformat(),
            }
            for q in summary["quarters"]
        ],
        "min_group_size": own.min_group_size,
        "settings": current(session).as_dict(),
        "publication_rules": own.rules,
        "item_bank": bank_version(bank),
        "followups": [dict(f) for f in followups],
    }


def _cells(payload: Mapping[str, Any]) -> dict[tuple[str, str, str], tuple[Any, ...]]:
    return {
        (r["period"], r["code"], r["indicator"]): (r["status"], r["n"], r["mean"])
        for r in payload["figures"]
    }


def differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What a new snapshot version changes against the one before: publication versions,
    settings, item bank, figures and measure verdicts."""
    out: list[dict[str, Any]] = []
    old_pub = {p["quarter"]: p["version"] for p in old["publications"]}
    for pub in new["publications"]:
        if old_pub.get(pub["quarter"]) != pub["version"]:
            before = old_pub.get(pub["quarter"])
            out.append(
                {
                    "what": "publication",
                    "key": pub["quarter"],
                    "before": before,
                    "after": pub["version"],
                }
            )
    for key in sorted(set(old["settings"]) | set(new["settings"])):
        if old["settings"].get(key) != new["settings"].get(key):
            out.append(
                {
                    "what": "setting",
                    "key": key,
                    "before": old["settings"].get(key),
                    "after": new["settings"].get(key),
                }
            )
    if old["item_bank"] != new["item_bank"]:
        out.append(
            {"what": "item_bank", "key": "", "before": old["item_bank"], "after": new["item_bank"]}
        )
    before, after = _cells(old), _cells(new)
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            out.append(
                {
                    "what": "figure",
                    "key": "/".join(key),
                    "before": None
                    if key not in before
                    else before[key][2]
                    if before[key][0] == SHOWN
                    else before[key][0],
                    "after": None
                    if key not in after
                    else after[key][2]
                    if after[key][0] == SHOWN
                    else after[key][0],
                }
            )
    old_measures = {m["id"]: (m["status"], m["verdict"]) for m in old["measures"]}
    for measure in new["measures"]:
        if old_measures.get(measure["id"]) != (measure["status"], measure["verdict"]):
            out.append(
                {
                    "what": "measure",
                    "key": str(measure["id"]),
                    "before": "/".join(old_measures.get(measure["id"], ("", ""))) or None,
                    "after": f"{measure['status']}/{measure['verdict']}",
                }
            )
    return [_clean(o) for o in out]
