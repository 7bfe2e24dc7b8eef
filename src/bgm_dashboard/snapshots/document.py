"""The quarter report as a sequence of blocks (headings, text, tables, charts), built only
from a snapshot's frozen payload and reflection; the PDF and HTML renderers draw the same
blocks, so both formats say the same."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bgm_dashboard.formatting import day, moment, number, percent, period, period_short, signed
from bgm_dashboard.i18n import has, t
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.snapshots.chart import Series
from bgm_dashboard.snapshots.payload import figure_frame


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    text: str
    small: bool = False


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # relative
    small: bool = False


@dataclass(frozen=True)
class Charts:
    series: tuple[Series, ...]


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Para | Table | Charts | PageBreak


@dataclass(frozen=True)
class Meta:
    title: str
    subtitle: str
    stamp: datetime
    footer: str
    lang: str


@dataclass
class Document:
    meta: Meta
    blocks: list[Block] = field(default_factory=list)


def digits(bank: ItemBank, indicator: str) -> int:
    """Decimals shown for an indicator's values (BRS on 1–5: two; scores to 100: none)."""
    return 2 if bank.scale(indicator).range[1] <= 5 else 0


def short(bank: ItemBank, indicator: str, lang: str) -> str:
    key = f"snapshot.short.{indicator}"
    return t(key, lang) if has(key) else bank.scale(indicator).title[lang]


def root_name(payload: Mapping[str, Any]) -> str:
    """The name of the snapshot's top unit (the whole administration or the scope)."""
    for cell in payload["figures"]:
        if cell["code"] == payload["root"] and cell["period"] == payload["quarter"]:
            return str(cell["name"])
    return str(payload["root"])


def _axis(quarter: str) -> str:
    """A compact axis label: ``Q3/26``."""
    return f"{quarter[5:]}/{quarter[2:4]}"


def _change(change: Mapping[str, Any] | None, lang: str, places: int) -> str:
    if not change:
        return "–"
    text = signed(change["diff"], lang, places)
    mark = {"better": " ▲", "worse": " ▼"}.get(change["verdict"], "")
    return text + mark


def _cover(doc: Document, payload: Mapping[str, Any], snap: Mapping[str, Any], lang: str) -> None:
    k = payload["min_group_size"]
    pubs = ", ".join(
        t(
            "snapshot.report.pub_version",
            lang,
            quarter=period(p["quarter"], lang),
            version=p["version"],
        )
        for p in payload["publications"]
    )
    status = (
        t(
            "snapshot.report.released_by",
            lang,
            who=snap["released_by"],
            at=moment(snap["released_at"], lang),
        )
        if snap["released_at"]
        else t("snapshot.report.draft", lang)
    )
    doc.blocks += [
        Para(t("snapshot.report.cover_intro", lang, period=period(payload["quarter"], lang))),
        Table(
            (t("snapshot.report.fact", lang), ""),
            (
                (t("snapshot.report.scope", lang), snap["scope_name"]),
                (t("snapshot.report.version", lang), str(snap["version"])),
                (t("snapshot.report.status", lang), status),
                (
                    t("snapshot.report.created", lang),
                    t(
                        "snapshot.report.by_at",
                        lang,
                        who=snap["created_by"],
                        at=moment(snap["created_at"], lang),
                    ),
                ),
                (t("snapshot.report.publications", lang), pubs),
                (t("snapshot.report.k", lang), str(k)),
                (t("snapshot.report.item_bank", lang), payload["item_bank"]),
                (t("snapshot.report.checksum", lang), snap["checksum"]),
            ),
            (0.3, 0.7),
        ),
        Para(t("snapshot.report.cover_note", lang, k=k), small=True),
    ]
    if snap["changes"]:
        doc.blocks.append(Heading(t("snapshot.report.changes", lang), 2))
        rows = tuple(
            (
                t(f"snapshot.change.{c['what']}", lang),
                str(c["key"]),
                str(c["before"]),
                str(c["after"]),
            )
            for c in snap["changes"][:40]
        )
        doc.blocks.append(
            Table(
                (
                    t("snapshot.report.what", lang),
                    t("snapshot.report.key", lang),
                    t("snapshot.report.before", lang),
                    t("snapshot.report.after", lang),
                ),
                rows,
                (0.2, 0.4, 0.2, 0.2),
                small=True,
            )
        )
    doc.blocks.append(PageBreak())


def _summary(doc: Document, payload: Mapping[str, Any], bank: ItemBank, lang: str) -> None:
    quarter = payload["quarter"]
    doc.blocks.append(Heading(t("snapshot.report.summary", lang, period=period(quarter, lang))))
    doc.blocks.append(Heading(t("snapshot.report.five", lang), 2))
    lines = []
    for verdict in ("better", "worse"):
        moves = payload["moves"][verdict]
        items = "; ".join(
            f"{m['name']}: {short(bank, m['indicator'], lang)} "
            + signed(m["diff"], lang, digits(bank, m["indicator"]))
            for m in moves
        ) or t("snapshot.report.none", lang)
        lines.append(t(f"snapshot.report.moves_{verdict}", lang) + " " + items)
    declines = "; ".join(
        t(
            "snapshot.report.decline_item",
            lang,
            unit=d["name"],
            indicator=short(bank, d["indicator"], lang),
            since=period(d["since"], lang),
        )
        for d in payload["declines"]
    ) or t("snapshot.report.none", lang)
    lines.append(t("snapshot.report.declines", lang) + " " + declines)
    worked = [m["title"] for m in payload["measures"] if m["verdict"] == "effective"]
    failed = [m["title"] for m in payload["measures"] if m["verdict"] == "no_effect"]
    lines.append(
        t(
            "snapshot.report.measures_line",
            lang,
            worked="; ".join(worked) or t("snapshot.report.none", lang),
            failed="; ".join(failed) or t("snapshot.report.none", lang),
        )
    )
    rates = {r["period"]: r for r in payload["participation"]}
    now, before = (
        rates.get(quarter),
        rates.get(payload["quarters"][-2]) if len(payload["quarters"]) > 1 else None,
    )
    lines.append(
        t(
            "snapshot.report.participation_line",
            lang,
            unit=root_name(payload),
            rate=percent(now["rate"] / 100, lang) if now and now["rate"] is not None else "–",
            responses=number(now["responses"], lang, 0)
            if now and now["responses"] is not None
            else "–",
            before=percent(before["rate"] / 100, lang)
            if before and before["rate"] is not None
            else "–",
        )
    )
    for i, line in enumerate(lines, start=1):
        doc.blocks.append(Para(f"{i}. {line}"))
    doc.blocks.append(Heading(t("snapshot.report.indicators", lang), 2))
    rows = []
    for g in payload["glance"]:
        places = digits(bank, g["indicator"])
        rows.append(
            (
                bank.scale(g["indicator"]).title[lang],
                number(g["value"], lang, places)
                if g["value"] is not None
                else t("ui.suppressed_short", lang, k=payload["min_group_size"]),
                _change(g["previous"], lang, places),
                _change(g["year"], lang, places),
                t(f"snapshot.trend.{g['trend']}", lang),
            )
        )
    doc.blocks.append(
        Table(
            (
                t("snapshot.report.indicator", lang),
                period_short(quarter, lang),
                t("snapshot.report.vs_previous", lang),
                t("snapshot.report.vs_year", lang),
                t("snapshot.report.trend", lang),
            ),
            tuple(rows),
            (0.36, 0.12, 0.16, 0.16, 0.2),
        )
    )
    doc.blocks.append(Para(t("snapshot.report.summary_note", lang), small=True))
    doc.blocks.append(PageBreak())


def _charts(doc: Document, payload: Mapping[str, Any], bank: ItemBank, lang: str) -> None:
    frame = figure_frame(payload)
    frame = frame[frame["code"] == payload["root"]]
    quarters = tuple(payload["quarters"])
    series = []
    for g in payload["glance"]:
        cells = {
            r["period"]: r for r in frame[frame["indicator"] == g["indicator"]].to_dict("records")
        }

        def pick(q: str, key: str, cells: dict[str, Any] = cells) -> float | None:
            cell = cells.get(q)
            if cell is None or cell["status"] != "shown":
                return None
            value = cell[key]
            return None if value != value else float(value)

        series.append(
            Series(
                title=bank.scale(g["indicator"]).title[lang],
                periods=quarters,
                labels=tuple(_axis(q) for q in quarters),
                values=tuple(pick(q, "mean") for q in quarters),
                low=tuple(pick(q, "ci_low") for q in quarters),
                high=tuple(pick(q, "ci_high") for q in quarters),
                value_range=bank.scale(g["indicator"]).range,
                digits=digits(bank, g["indicator"]),
            )
        )
    doc.blocks.append(Heading(t("snapshot.report.charts", lang)))
    doc.blocks.append(
        Para(t("snapshot.report.charts_note", lang, k=payload["min_group_size"]), small=True)
    )
    for start in range(0, len(series), 6):
        doc.blocks.append(Charts(tuple(series[start : start + 6])))
    doc.blocks.append(PageBreak())


def _units(
    doc: Document, payload: Mapping[str, Any], bank: ItemBank, lang: str, depth: int | None
) -> None:
    frame = figure_frame(payload)
    frame = frame[frame["period"] == payload["quarter"]]
    if depth is not None:
        frame = frame[frame["depth"] <= depth]
    indicators = [g["indicator"] for g in payload["glance"]]
    k = payload["min_group_size"]
    rows = []
    for _, unit in frame.sort_values("order").groupby("code", sort=False):
        cells = {r["indicator"]: r for r in unit.to_dict("records")}
        name = "  " * int(unit["depth"].iloc[0]) + str(unit["name"].iloc[0])
        values = []
        for ind in indicators:
            cell = cells.get(ind)
            shown = cell is not None and cell["status"] == "shown"
            values.append(
                number(cell["mean"], lang, digits(bank, ind))
                if shown and cell
                else f"<{k}"
                if cell
                else ""
            )
        rows.append((name, *values))
    doc.blocks.append(
        Heading(t("snapshot.report.units", lang, period=period(payload["quarter"], lang)))
    )
    doc.blocks.append(Para(t("snapshot.report.units_note", lang, k=k), small=True))
    rest = (1 - 0.28) / max(len(indicators), 1)
    doc.blocks.append(
        Table(
            (t("snapshot.report.unit", lang), *[short(bank, i, lang) for i in indicators]),
            tuple(rows),
            (0.28, *[rest] * len(indicators)),
            small=True,
        )
    )
    legend = "; ".join(f"{short(bank, i, lang)} = {bank.scale(i).title[lang]}" for i in indicators)
    doc.blocks.append(Para(t("snapshot.report.legend", lang, legend=legend), small=True))
    doc.blocks.append(PageBreak())


def _measures(doc: Document, payload: Mapping[str, Any], bank: ItemBank, lang: str) -> None:
    doc.blocks.append(Heading(t("snapshot.report.measures", lang)))
    rows = []
    for m in payload["measures"]:
        effect = m["effect"]
        places = digits(bank, m["indicator"])
        estimate = (
            f"{signed(effect['value'], lang, places)} "
            f"[{number(effect['low'], lang, places)}; {number(effect['high'], lang, places)}]"
            if effect
            else "–"
        )
        rows.append(
            (
                m["title"],
                ", ".join(m["units"]),
                t(f"plans.status.{m['status']}", lang),
                short(bank, m["indicator"], lang),
                t(f"plan_effect.verdict.{m['verdict']}", lang),
                estimate,
            )
        )
    if rows:
        doc.blocks.append(
            Table(
                (
                    t("snapshot.report.measure", lang),
                    t("snapshot.report.units_col", lang),
                    t("snapshot.report.status", lang),
                    t("snapshot.report.indicator", lang),
                    t("snapshot.report.verdict", lang),
                    t("snapshot.report.effect", lang),
                ),
                tuple(rows),
                (0.28, 0.14, 0.12, 0.14, 0.14, 0.18),
                small=True,
            )
        )
        doc.blocks.append(Para(t("snapshot.report.measures_note", lang), small=True))
    else:
        doc.blocks.append(Para(t("snapshot.report.no_measures", lang)))
    if payload["followups"]:
        doc.blocks.append(Heading(t("snapshot.report.followups", lang), 2))
        followups = [
            (
                f["text"],
                f["owner"],
                day(date.fromisoformat(f["due_on"]), lang),
                f"{f['plan_title']} ({t('plans.status.' + f['plan_status'], lang)})"
                if f["plan_status"]
                else t("snapshot.report.no_plan", lang),
            )
            for f in payload["followups"]
        ]
        doc.blocks.append(
            Table(
                (
                    t("snapshot.report.decision", lang),
                    t("snapshot.report.owner", lang),
                    t("snapshot.report.due", lang),
                    t("snapshot.report.became", lang),
                ),
                tuple(followups),
                (0.4, 0.18, 0.14, 0.28),
                small=True,
            )
        )


def _reflection(doc: Document, reflection: Mapping[str, Any] | None, lang: str) -> None:
    doc.blocks.append(Heading(t("snapshot.report.reflection", lang)))
    if not reflection or not any(
        reflection.get(f) for f in ("reading", "perspective", "crisis", "structure")
    ):
        doc.blocks.append(Para(t("snapshot.report.no_reflection", lang)))
    else:
        for key in ("reading", "perspective", "crisis", "structure"):
            if reflection.get(key):
                doc.blocks.append(Heading(t(f"snapshot.question.{key}", lang), 2))
                doc.blocks.append(Para(str(reflection[key])))
    decisions = (reflection or {}).get("decisions") or []
    doc.blocks.append(Heading(t("snapshot.report.decisions", lang), 2))
    if not decisions:
        doc.blocks.append(Para(t("snapshot.report.none", lang)))
        return
    rows = tuple(
        (
            d["text"],
            d["owner"],
            day(
                date.fromisoformat(d["due_on"]) if isinstance(d["due_on"], str) else d["due_on"],
                lang,
            ),
            t("snapshot.report.plan_no", lang, id=d["plan_id"]) if d.get("plan_id") else "–",
        )
        for d in decisions
    )
    doc.blocks.append(
        Table(
            (
                t("snapshot.report.decision", lang),
                t("snapshot.report.owner", lang),
                t("snapshot.report.due", lang),
                t("snapshot.report.plan", lang),
            ),
            rows,
            (0.46, 0.22, 0.14, 0.18),
        )
    )


def _methods(doc: Document, payload: Mapping[str, Any], bank: ItemBank, lang: str) -> None:
    doc.blocks.append(PageBreak())
    doc.blocks.append(Heading(t("snapshot.report.methods", lang)))
    k = payload["min_group_size"]
    rows = []
    for code in [g["indicator"] for g in payload["glance"]]:
        scale = bank.scale(code)
        low, high = scale.range
        rows.append(
            (
                scale.title[lang],
                str(len(scale.items)) if scale.items else t("snapshot.report.composite", lang),
                number(low, lang, digits(bank, code))
                + " – "
                + number(high, lang, digits(bank, code)),
                number(scale.meaningful_change, lang, digits(bank, code)),
            )
        )
    doc.blocks.append(
        Table(
            (
                t("snapshot.report.indicator", lang),
                t("snapshot.report.items", lang),
                t("snapshot.report.range", lang),
                t("snapshot.report.meaningful", lang),
            ),
            tuple(rows),
            (0.46, 0.18, 0.18, 0.18),
            small=True,
        )
    )
    for key in ("scoring", "suppression", "uncertainty", "verdicts", "trend", "effects"):
        doc.blocks.append(Heading(t(f"snapshot.method.{key}_title", lang), 2))
        doc.blocks.append(Para(t(f"snapshot.method.{key}", lang, k=k), small=True))


def report_document(
    payload: Mapping[str, Any],
    snap: Mapping[str, Any],
    reflection: Mapping[str, Any] | None,
    bank: ItemBank,
    lang: str,
    *,
    depth: int | None = None,
    stamp: datetime,
) -> Document:
    """The whole report. ``snap`` holds the snapshot's own facts (version, checksum, who
    created and released it, the scope's name, the changes against the version before)."""
    meta = Meta(
        title=t("snapshot.report.title", lang, period=period(payload["quarter"], lang)),
        subtitle=snap["scope_name"],
        stamp=stamp,
        footer=t(
            "snapshot.report.footer",
            lang,
            period=period(payload["quarter"], lang),
            version=snap["version"],
            checksum=snap["checksum"][:12],
        ),
        lang=lang,
    )
    doc = Document(meta)
    _cover(doc, payload, snap, lang)
    _summary(doc, payload, bank, lang)
    _charts(doc, payload, bank, lang)
    _units(doc, payload, bank, lang, depth)
    _measures(doc, payload, bank, lang)
    _reflection(doc, reflection, lang)
    _methods(doc, payload, bank, lang)
    return doc


def blocks_text(blocks: Sequence[Block]) -> str:
    """All the words of the blocks (for tests and search)."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Heading | Para):
            parts.append(block.text)
        elif isinstance(block, Table):
            parts += [" ".join(block.header), *(" ".join(r) for r in block.rows)]
        elif isinstance(block, Charts):
            parts += [s.title for s in block.series]
    return "\n".join(parts)
