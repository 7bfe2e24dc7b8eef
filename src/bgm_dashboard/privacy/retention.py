"""Retention and deletion (storage limitation, DSGVO Art. 5 (1) e): a set time after a
quarter's first publication its raw answers and the comments never released are deleted,
and audit entries older than their own period go behind a signed cut. What stays is what
was released (figures, released comments) and the moments the figures are computed from, so
every published figure, export and snapshot stays as it was and a quarter can still be
published again after a reorganisation (only comments never released cannot come back).

Deletion is audited with counts only, never content, and followed by a compaction so that
the database files keep nothing of what went."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from bgm_dashboard.auth.audit import count_before, cut_before, record
from bgm_dashboard.db.compaction import SURVEY_TABLES, request_compaction
from bgm_dashboard.db.models import Answer, Comment, Publication, PublishedComment, Response
from bgm_dashboard.formatting import day, number, period
from bgm_dashboard.governance.settings import Governance
from bgm_dashboard.i18n import t
from bgm_dashboard.indicators.moments import mark_raw_deleted
from bgm_dashboard.periods import months_of_quarter

ACTION = "retention_run"
TABLES = (*SURVEY_TABLES, "audit_log")
"""Rebuilt after a deletion (PostgreSQL): the survey's tables and the audit log."""


@dataclass
class RetentionResult:
    """What one run deleted (or, in a dry run, would delete): counts only."""

    today: date
    dry_run: bool
    quarters: list[str] = field(default_factory=list)
    responses: int = 0
    answers: int = 0
    comments: int = 0
    """Comments never released, deleted."""
    withheld: int = 0
    """Released comments that HR withheld later: their text is erased (the row stays)."""
    audit_entries: int = 0

    @property
    def anything(self) -> bool:
        return any((self.responses, self.answers, self.comments, self.withheld, self.audit_entries))


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (the month's last day where it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has 28 days


def _day(moment: datetime) -> date:
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)).date()


def expired_quarters(session: Session, today: date, months: int) -> list[str]:
    """Quarters first published at least ``months`` months before ``today``."""
    cutoff = months_before(today, months)
    rows = session.execute(
        select(Publication.quarter, func.min(Publication.published_at)).group_by(
            Publication.quarter
        )
    ).all()
    return sorted(q for q, first in rows if _day(first) <= cutoff)


def _count(session: Session, query: Select[int]) -> int:
    return int(session.scalar(query) or 0)


def _plan_quarter(session: Session, quarter: str, result: RetentionResult) -> None:
    """Count what the quarter still holds that retention lets go."""
    months = months_of_quarter(quarter)
    released = select(PublishedComment.comment_id)
    responses = _count(
        session, select(func.count()).select_from(Response).where(Response.period.in_(months))
    )
    answers = _count(
        session,
        select(func.count())
        .select_from(Answer)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.period.in_(months)),
    )
    comments = _count(
        session,
        select(func.count())
        .select_from(Comment)
        .where(Comment.period.in_(months), Comment.id.not_in(released)),
    )
    withheld = _count(
        session,
        select(func.count())
        .select_from(Comment)
        .where(
            Comment.period.in_(months),
            Comment.id.in_(released),
            Comment.withheld.is_(True),
            Comment.text != "",
        ),
    )
    if responses or answers or comments or withheld:
        result.quarters.append(quarter)
    result.responses += responses
    result.answers += answers
    result.comments += comments
    result.withheld += withheld


def _delete_quarter(session: Session, quarter: str) -> None:
    months = months_of_quarter(quarter)
    released = select(PublishedComment.comment_id)
    in_quarter = select(Response.id).where(Response.period.in_(months))
    session.execute(delete(Answer).where(Answer.response_id.in_(in_quarter)))
    session.execute(delete(Response).where(Response.period.in_(months)))
    session.execute(delete(Comment).where(Comment.period.in_(months), Comment.id.not_in(released)))
    session.execute(
        update(Comment)
        .where(Comment.period.in_(months), Comment.withheld.is_(True), Comment.text != "")
        .values(text="")
    )
    mark_raw_deleted(session, months)


def apply_retention(
    session: Session,
    governance: Governance,
    *,
    today: date,
    actor: str,
    dry_run: bool = False,
) -> RetentionResult:
    """Delete (or, with ``dry_run``, only count) what the retention periods in force let go.
    The deletion is recorded in the audit log (counts, never content) and the files are
    compacted after the commit."""
    result = RetentionResult(today=today, dry_run=dry_run)
    for quarter in expired_quarters(session, today, governance.raw_retention_months):
        _plan_quarter(session, quarter, result)
    cutoff = months_before(today, governance.audit_retention_months)
    before = datetime(cutoff.year, cutoff.month, cutoff.day, tzinfo=UTC)
    if dry_run:
        result.audit_entries = count_before(session, before)
        return result
    for quarter in result.quarters:
        _delete_quarter(session, quarter)
    result.audit_entries = cut_before(session, actor, before)
    if result.anything:
        record(
            session,
            actor,
            ACTION,
            "retention",
            {
                "quarters": result.quarters,
                "responses": result.responses,
                "answers": result.answers,
                "comments": result.comments,
                "withheld_erased": result.withheld,
                "audit_entries": result.audit_entries,
                "raw_retention_months": governance.raw_retention_months,
                "audit_retention_months": governance.audit_retention_months,
            },
        )
        request_compaction(session, TABLES)
    return result


def retention_lines(result: RetentionResult, lang: str) -> list[str]:
    """What a run deleted (or would delete), for the command line and the scheduler."""
    head = "retention.dry_run" if result.dry_run else "retention.done"
    lines = [t(head, lang, day=day(result.today, lang))]
    if not result.anything:
        return [*lines, t("retention.nothing", lang)]
    if result.quarters:
        lines.append(
            t(
                "retention.raw",
                lang,
                quarters=", ".join(period(q, lang) for q in result.quarters),
                responses=number(result.responses, lang, 0),
                answers=number(result.answers, lang, 0),
                comments=number(result.comments, lang, 0),
                withheld=number(result.withheld, lang, 0),
            )
        )
    if result.audit_entries:
        lines.append(t("retention.audit", lang, count=number(result.audit_entries, lang, 0)))
    return lines
