"""The disclosure gate: the one way figures leave the system. Dashboards, exports, the public
staff pages and snapshots read released figures here and nowhere else.

It returns only what a publication released (see ``publication``): for each quarter the
latest version, with the org chart that version was computed on."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.auth.viewer import FIGURE_ROLES, Viewer, require
from bgm_dashboard.db.models import Comment, Publication, PublishedComment, PublishedFigure
from bgm_dashboard.governance.settings import current

FIGURE_COLUMNS = [
    "publication_id",
    "granularity",
    "period",
    "indicator",
    "department_id",
    "kind",
    "status",
    "n",
    "mean",
    "sd",
    "ci_low",
    "ci_high",
    "share_a",
    "share_b",
    "alpha",
    "alpha_n",
    "headcount",
    "se",
    "alpha_low",
    "alpha_high",
]
UNIT_COLUMNS = [
    "publication_id",
    "department_id",
    "code",
    "name",
    "parent_id",
    "parent_code",
    "depth",
    "order",
    "quarter",
]


def latest_publications(session: Session) -> list[Publication]:
    """The newest version of every published quarter, oldest quarter first."""
    latest: dict[str, Publication] = {}
    for pub in session.scalars(
        select(Publication).order_by(Publication.quarter, Publication.version)
    ):
        latest[pub.quarter] = pub
    return list(latest.values())


def quarter_versions(session: Session, quarter: str) -> list[Publication]:
    """Every version of one quarter, oldest first (a new version may keep the comment groups
    of an earlier one, whose units its org chart names)."""
    return list(
        session.scalars(
            select(Publication).where(Publication.quarter == quarter).order_by(Publication.version)
        )
    )


def publication_version(session: Session) -> tuple[int, ...]:
    """A cheap key that changes whenever anything new is published (for caches)."""
    return tuple(session.scalars(select(Publication.id).order_by(Publication.id)))


def unit_table(publications: Sequence[Publication]) -> pd.DataFrame:
    rows = []
    for pub in publications:
        codes = {int(u["id"]): u["code"] for u in pub.tree}
        for order, unit in enumerate(pub.tree):
            parent = unit.get("parent_id")
            rows.append(
                {
                    "publication_id": pub.id,
                    "department_id": int(unit["id"]),
                    "code": unit["code"],
                    "name": unit["name"],
                    "parent_id": parent,
                    "parent_code": codes.get(parent) if parent is not None else None,
                    "depth": int(unit["depth"]),
                    "order": order,
                    "quarter": pub.quarter,
                }
            )
    return pd.DataFrame(rows, columns=UNIT_COLUMNS)


def released_figures(
    session: Session,
    viewer: Viewer,
    *,
    granularity: str = "quarter",
    include_rest: bool = False,
    indicators: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every released cell the viewer may see, with its unit's code, name and place in the
    tree. Suppressed cells are included (status ``suppressed``) with no n and no figure."""
    if granularity not in ("quarter", "month"):
        raise ValueError(granularity)
    public = not viewer.has(*FIGURE_ROLES) and "system" not in viewer.roles
    if public:
        require(viewer, "staff")
    publications = latest_publications(session)
    if not publications:
        return pd.DataFrame(columns=FIGURE_COLUMNS + UNIT_COLUMNS[2:])
    table = PublishedFigure.__table__
    query = select(*[table.c[c] for c in FIGURE_COLUMNS]).where(
        table.c.publication_id.in_([p.id for p in publications]),
        table.c.granularity == granularity,
    )
    if not include_rest:
        query = query.where(table.c.kind == "unit")
    if indicators is not None:
        query = query.where(table.c.indicator.in_(list(indicators)))
    # plain tuples: pandas builds a frame from them many times faster than from result rows
    figures = pd.DataFrame([tuple(row) for row in session.execute(query)], columns=FIGURE_COLUMNS)
    units = unit_table(publications)
    out = figures.merge(units, on=["publication_id", "department_id"], how="left")
    if public:
        depth = current(session).public_depth
        out = out[(out["depth"] <= depth) & (out["kind"] == "unit")]
    out = out.sort_values(["period", "order", "indicator", "kind"], kind="stable")
    return out.reset_index(drop=True)


def released_comments(session: Session, viewer: Viewer, quarter: str) -> pd.DataFrame:
    """Comments released with a quarter, grouped under units that reached the comment
    threshold; shuffled (ordered by random id), undated, withheld ones left out."""
    governance = current(session)
    require(viewer, *governance.comment_roles)
    pubs = [p for p in latest_publications(session) if p.quarter == quarter]
    if not pubs:
        return pd.DataFrame(columns=["comment_id", "department_id", "text"])
    rows = session.execute(
        select(PublishedComment.comment_id, PublishedComment.department_id, Comment.text)
        .join(Comment, Comment.id == PublishedComment.comment_id)
        .where(PublishedComment.publication_id == pubs[0].id, Comment.withheld.is_(False))
        .order_by(PublishedComment.comment_id)
    ).all()
    return pd.DataFrame(rows, columns=["comment_id", "department_id", "text"])
