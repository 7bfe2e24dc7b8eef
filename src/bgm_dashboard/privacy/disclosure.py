"""What leaves the system, for the staff council: every publication with the rules it was
made under and how many cells it shows or suppresses, and every recorded export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bgm_dashboard.auth.audit import entries
from bgm_dashboard.auth.viewer import Viewer, require
from bgm_dashboard.db.models import Publication, PublishedComment
from bgm_dashboard.i18n import t
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.privacy.gate import latest_publications, released_figures

COUNCIL = ("council",)


@dataclass(frozen=True)
class PublicationSummary:
    """One publication: its rules, and the cells it releases (None for a replaced version)."""

    publication_id: int
    quarter: str
    version: int
    current: bool
    published_at: datetime
    min_group_size: int
    comment_min_group_size: int
    difference_min: int | None
    reported_depth: int | None
    reported_indicators: list[str] | None
    units: int
    indicators: int
    quarter_shown: int | None
    quarter_suppressed: int | None
    month_shown: int | None
    month_suppressed: int | None
    comments: int
    withheld: list[dict[str, object]]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def publications(session: Session, viewer: Viewer) -> list[PublicationSummary]:
    """Every publication (newest quarter first). Cell counts are those the gate releases
    today, so they are given for the current version of each quarter; an older version
    was replaced after a reorganisation and is listed with its rules only."""
    require(viewer, *COUNCIL)
    current_ids = {p.id for p in latest_publications(session)}
    counts: dict[tuple[int, str, str], int] = {}
    for granularity in ("quarter", "month"):
        released = released_figures(session, viewer, granularity=granularity, include_rest=True)
        if released.empty:
            continue
        grouped = released.groupby(["publication_id", "status"]).size().reset_index(name="cells")
        for row in grouped.to_dict("records"):
            counts[(int(row["publication_id"]), granularity, str(row["status"]))] = int(
                row["cells"]
            )
    comments = dict(
        session.execute(
            select(PublishedComment.publication_id, func.count()).group_by(
                PublishedComment.publication_id
            )
        ).all()
    )
    rows = []
    for pub in session.scalars(
        select(Publication).order_by(Publication.quarter.desc(), Publication.version.desc())
    ):
        rules = pub.rules or {}
        current = pub.id in current_ids
        cells = {
            (g, st): (counts.get((pub.id, g, st), 0) if current else None)
            for g in ("quarter", "month")
            for st in ("shown", "suppressed")
        }
        rows.append(
            PublicationSummary(
                publication_id=pub.id,
                quarter=pub.quarter,
                version=pub.version,
                current=current,
                published_at=_utc(pub.published_at),
                min_group_size=pub.min_group_size,
                comment_min_group_size=pub.comment_min_group_size,
                difference_min=rules.get("difference_min"),
                reported_depth=rules.get("reported_depth"),
                reported_indicators=rules.get("reported_indicators"),
                units=len(pub.tree or []),
                indicators=len(pub.indicators or []),
                quarter_shown=cells[("quarter", "shown")],
                quarter_suppressed=cells[("quarter", "suppressed")],
                month_shown=cells[("month", "shown")],
                month_suppressed=cells[("month", "suppressed")],
                comments=int(comments.get(pub.id, 0)),
                withheld=list(rules.get("withheld", [])),
            )
        )
    return rows


def exports(session: Session, viewer: Viewer) -> pd.DataFrame:
    """Audit entries that record an export or download, newest first."""
    require(viewer, *COUNCIL)
    return entries(session, viewer, exports_only=True)


@dataclass(frozen=True)
class WithheldCell:
    """A cell of a new version withheld because of earlier versions, ready to show."""

    indicator: str
    unit: str
    granularity: str
    reason: str


def withheld_cells(
    withheld: list[dict[str, object]], tree: list[dict[str, object]], bank: ItemBank, lang: str
) -> list[WithheldCell]:
    """The withheld list of a publication (``rules["withheld"]``) in the user's language."""
    names = {int(str(u["id"])): str(u["name"]) for u in tree}
    out = []
    for entry in withheld:
        code = str(entry["indicator"])
        title = bank.scale(code).title[lang] if code in bank.indicator_codes else code
        if entry.get("alpha"):
            title = t("versions.alpha", lang, indicator=title)
        out.append(
            WithheldCell(
                indicator=title,
                unit=names.get(int(str(entry["department_id"])), "?"),
                granularity=t(f"versions.granularity_{entry['granularity']}", lang),
                reason=t(str(entry["reason"]), lang),
            )
        )
    return out
