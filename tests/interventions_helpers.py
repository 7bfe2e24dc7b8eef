"""Independent helpers for the interventions tests: raw scores straight from the sample CSV
(pandas), released figures of a database, plans built by hand, and a small PDF text reader."""

from __future__ import annotations

import re
import zlib
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd

from bgm_dashboard.auth.viewer import SYSTEM, Viewer
from bgm_dashboard.context import make_context
from bgm_dashboard.interventions.plans import PlanView
from bgm_dashboard.privacy.gate import released_figures
from bgm_dashboard.settings import load_settings
from tests.conftest import SAMPLE

HR = Viewer("hr1", frozenset({"hr"}))
LEADER = Viewer("lead1", frozenset({"leadership"}))

# percent scales of the sample: items and reverse-coded items (answers 1..5 -> 0..100)
PERCENT_ITEMS = {
    "collaboration": (["col_1", "col_2", "col_3"], set()),
    "leadership": (["lea_1", "lea_2"], set()),
    "learning": (["lrn_1", "lrn_2"], set()),
    "solidarity": (["sol_1", "sol_2", "sol_3"], {"sol_3"}),
    "workload": (["wl_1", "wl_2"], {"wl_2"}),
}


def released(db_url: str, viewer: Viewer = SYSTEM) -> pd.DataFrame:
    """The quarterly released unit figures of a database (through the gate)."""
    ctx = make_context(replace(load_settings({}), database_url=db_url))
    try:
        with ctx.read() as session:
            return released_figures(session, viewer, granularity="quarter")
    finally:
        ctx.engine.dispose()


def raw_scores(indicator: str) -> pd.DataFrame:
    """period, quarter, department, score of every sample response that scores ``indicator``."""
    items, reverse = PERCENT_ITEMS[indicator]
    raw = pd.read_csv(SAMPLE / "responses.csv", dtype={"period": str, "department": str})
    values = raw[items].astype(float)
    for item in reverse:
        values[item] = 6 - values[item]
    rescaled = (values - 1) / 4 * 100
    enough = values.notna().sum(axis=1) >= -(-len(items) // 2)
    score = rescaled.mean(axis=1).where(enough)
    month = raw["period"].str.slice(5, 7).astype(int)
    quarter = raw["period"].str.slice(0, 4) + "-Q" + ((month - 1) // 3 + 1).astype(str)
    out = pd.DataFrame(
        {
            "period": raw["period"],
            "quarter": quarter,
            "department": raw["department"],
            "score": score,
        }
    )
    return out.dropna(subset=["score"])


def departments() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "departments.csv", dtype=str, keep_default_na=False)


def subtree(code: str) -> set[str]:
    """``code`` and every unit below it, from the sample org chart."""
    units = departments()
    children: dict[str, list[str]] = {}
    for child, parent in zip(units["code"], units["parent_code"], strict=True):
        if parent:
            children.setdefault(parent, []).append(child)
    out, stack = set(), [code]
    while stack:
        node = stack.pop()
        out.add(node)
        stack.extend(children.get(node, []))
    return out


def depth_of(code: str) -> int:
    units = departments()
    parent = dict(zip(units["code"], units["parent_code"], strict=True))
    depth, node = 0, parent[code]
    while node:
        depth += 1
        node = parent[node]
    return depth


def group_scores(scores: pd.DataFrame, units: list[str], quarter: str) -> np.ndarray:
    """All raw scores of the units' subtrees in a quarter."""
    inside: set[str] = set()
    for unit in units:
        inside |= subtree(unit)
    chosen = scores[(scores["quarter"] == quarter) & scores["department"].isin(inside)]
    return chosen["score"].to_numpy(dtype=float)


def plan(
    plan_id: int,
    figures: pd.DataFrame,
    codes: list[str],
    start: date,
    end: date,
    indicator: str,
    *,
    change: float = 10.0,
    status: str = "done",
    title: str = "Testmaßnahme",
    intervention: str = "platzwechsel",
    evaluated: date | None = None,
) -> PlanView:
    """A plan built by hand, its units resolved through the released figures' org chart."""
    ids = dict(zip(figures["code"], figures["department_id"], strict=False))
    return PlanView(
        id=plan_id,
        intervention_code=intervention,
        title=title,
        owner="BGM-Team",
        starts_on=start,
        planned_end=end,
        ended_on=end if status in ("done", "stopped") else None,
        evaluated_on=evaluated,
        status=status,
        target_indicator=indicator,
        target_change=change,
        standing_practice=False,
        good_example=False,
        notes="",
        created_by="test",
        unit_ids=tuple(int(ids[c]) for c in codes),
        unit_codes=tuple(codes),
    )


def shown_in(figures: pd.DataFrame, code: str, quarter: str, indicator: str) -> bool:
    cell = figures[
        (figures["code"] == code)
        & (figures["period"] == quarter)
        & (figures["indicator"] == indicator)
        & (figures["kind"] == "unit")
    ]
    return bool(len(cell)) and cell["status"].iloc[0] == "shown"


# ----------------------------------------------------------------------------- PDF text


def _literal(data: bytes) -> bytes:
    """Undo the escapes of a PDF literal string."""
    out = bytearray()
    i = 0
    simple = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
    while i < len(data):
        c = data[i]
        if c != 0x5C:
            out.append(c)
            i += 1
            continue
        nxt = data[i + 1]
        if nxt in simple:
            out.append(simple[nxt])
            i += 2
        elif 0x30 <= nxt <= 0x37:
            j = i + 1
            while j < len(data) and j < i + 4 and 0x30 <= data[j] <= 0x37:
                j += 1
            out.append(int(data[i + 1 : j], 8) & 0xFF)
            i = j
        else:
            out.append(nxt)
            i += 2
    return bytes(out)


def pdf_text(pdf: bytes) -> str:
    """The text drawn in a PDF written by fpdf2 with an embedded TrueType font: glyph codes
    of every ``Tj`` string mapped back through the font's ToUnicode table."""
    streams = []
    for body in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            streams.append(zlib.decompress(body))
        except zlib.error:
            streams.append(body)
    cmap: dict[int, str] = {}
    for s in streams:
        if b"beginbfchar" not in s:
            continue
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", s, re.S):
            for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                cmap[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", s, re.S):
            for lo, hi, dst in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
            ):
                start = int(dst, 16)
                for k, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                    cmap[code] = chr(start + k)
    literal = rb"\((?:[^\\)]|\\.)*\)"
    shows = re.compile(
        rb"(" + literal + rb")\s*Tj|\[((?:\s*(?:" + literal + rb"|-?[\d.]+))*)\s*\]\s*TJ", re.S
    )
    lines = []
    for s in streams:
        if b"Tj" not in s and b"TJ" not in s:
            continue
        for match in shows.finditer(s):
            parts = (
                [match.group(1)] if match.group(1) else re.findall(literal, match.group(2), re.S)
            )
            text = ""
            for part in parts:
                raw = _literal(part[1:-1])
                codes = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2)]
                text += "".join(cmap.get(c, "?") for c in codes)
            lines.append(text)
    return "\n".join(lines)
