"""Survey waves: opening, closing (with the rewrite that erases storage order) and the
single-use participation tokens of the postal-ballot model."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import date
from typing import cast

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from bgm_dashboard.db.bulk import insert_rows
from bgm_dashboard.db.compaction import request_compaction
from bgm_dashboard.db.models import (
    Answer,
    Comment,
    ParticipationToken,
    Publication,
    Response,
    Wave,
)
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.governance.settings import current
from bgm_dashboard.periods import PeriodError, parse_month, quarter_of

OPEN = "open"
CLOSED = "closed"
IMPORTING = "importing"
"""A wave an import is filling batch by batch: takes no answers, blocks publication."""
ACCESS_LINK = "link"
ACCESS_TOKENS = "tokens"
TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TOKEN_LENGTH = 12


def token_hash(token: str) -> str:
    """Tokens are stored hashed; a printed token cannot be read back from the database."""
    normalised = token.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(normalised.encode("ascii", "ignore")).hexdigest()


def wave_for_period(session: Session, period: str) -> Wave | None:
    return session.scalar(select(Wave).where(Wave.period == period))


def open_wave(
    session: Session,
    period: str,
    *,
    indicators: Sequence[str],
    title: str = "",
    access: str = ACCESS_TOKENS,
    closes_on: date | None = None,
) -> Wave:
    """Open the pulse wave of a month (one wave per month). Participation codes by default;
    an open link only while the staff council has approved it (``open_link_allowed``)."""
    try:
        parse_month(period)
    except PeriodError:
        raise ValidationError("wave.bad_period", period=period) from None
    if access not in (ACCESS_LINK, ACCESS_TOKENS):
        raise ValidationError("wave.bad_access", access=access)
    require_link_approval(session, access)
    if wave_for_period(session, period) is not None:
        raise ValidationError("wave.exists", period=period)
    if quarter_published(session, quarter_of(period)):
        raise ValidationError("wave.quarter_published", quarter=quarter_of(period))
    wave = Wave(
        period=period,
        title=title,
        status=OPEN,
        access=access,
        indicators=list(indicators),
        closes_on=closes_on,
        tokens_issued=0,
    )
    session.add(wave)
    session.flush()
    return wave


def require_link_approval(session: Session, access: str) -> None:
    """An open link lets one person answer more than once (padding a small unit over the
    minimum group size): allowed only by the staff council's four-eyes approval."""
    if access == ACCESS_LINK and not current(session).open_link_allowed:
        raise ValidationError("wave.link_needs_approval")


def quarter_published(session: Session, quarter: str) -> bool:
    """Published figures are final: no new wave and no new answers for that quarter."""
    found = session.scalar(select(Publication.id).where(Publication.quarter == quarter).limit(1))
    return found is not None


def open_waves(session: Session, today: date) -> list[Wave]:
    """Waves that accept answers today."""
    waves = session.scalars(select(Wave).where(Wave.status == OPEN).order_by(Wave.period)).all()
    return [w for w in waves if w.closes_on is None or w.closes_on >= today]


def lock_wave(session: Session, wave_id: int, *, shared: bool = False) -> Wave | None:
    """Read a wave afresh and lock its row until the transaction ends: FOR SHARE (submitting
    answers; many at once) or FOR UPDATE (closing; waits for those submitting, and they wait
    for it). On SQLite the caller already holds the database's write lock."""
    query = select(Wave).where(Wave.id == wave_id).with_for_update(read=shared)
    return session.scalars(query.execution_options(populate_existing=True)).first()


def close_wave(session: Session, wave: Wave) -> None:
    """Close a wave for good, rewrite its rows with new ids in random order and, once the
    transaction has committed, rebuild the database files (``db/compaction.py``): nothing on
    disk then orders the wave's submissions or pairs a comment with its answers. The wave's
    row is locked first, so that answers being submitted either finish before or are refused."""
    lock_wave(session, wave.id)
    if wave.status == CLOSED:
        raise ValidationError("wave.already_closed", period=wave.period)
    wave.status = CLOSED
    session.flush()
    rewrite_wave_rows(session, wave.id)
    request_compaction(session)


def rewrite_wave_rows(session: Session, wave_id: int) -> None:
    """Replace the wave's responses, answers and comments by copies with fresh random ids,
    written in a fresh random order (comments in an order of their own). Ids seen while
    the wave ran point to nothing afterwards; every value is kept."""
    responses = session.execute(
        select(Response.id, Response.department_id, Response.period).where(
            Response.wave_id == wave_id
        )
    ).all()
    answers = session.execute(
        select(Answer.response_id, Answer.item_code, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.wave_id == wave_id)
    ).all()
    comments = session.execute(
        select(Comment.department_id, Comment.period, Comment.text, Comment.withheld).where(
            Comment.wave_id == wave_id
        )
    ).all()
    by_response: dict[uuid.UUID, list[tuple[str, int]]] = {}
    for response_id, item, value in answers:
        by_response.setdefault(response_id, []).append((item, value))
    session.execute(
        delete(Answer).where(
            Answer.response_id.in_(select(Response.id).where(Response.wave_id == wave_id))
        )
    )
    session.execute(delete(Response).where(Response.wave_id == wave_id))
    session.execute(delete(Comment).where(Comment.wave_id == wave_id))
    shuffle = secrets.SystemRandom().shuffle
    order = list(responses)
    shuffle(order)
    renamed = [(uuid.uuid4(), old) for old in order]
    insert_rows(
        session,
        cast(Table, Response.__table__),
        ("id", "wave_id", "department_id", "period"),
        [(new, wave_id, old.department_id, old.period) for new, old in renamed],
    )
    insert_rows(
        session,
        cast(Table, Answer.__table__),
        ("response_id", "item_code", "value"),
        [
            (new, item, value)
            for new, old in renamed
            for item, value in sorted(by_response.get(old.id, []))
        ],
    )
    kept = list(comments)
    shuffle(kept)
    insert_rows(
        session,
        cast(Table, Comment.__table__),
        ("id", "wave_id", "department_id", "period", "text", "withheld"),
        [(uuid.uuid4(), wave_id, c.department_id, c.period, c.text, c.withheld) for c in kept],
    )
    session.flush()


def issue_tokens(session: Session, wave: Wave, count: int) -> list[str]:
    """Create ``count`` single-use tokens; only their hashes are kept. The plain tokens are
    returned once, for printing; nothing records who receives which."""
    if wave.status != OPEN:
        raise ValidationError("wave.not_open", period=wave.period)
    if not 1 <= count <= 100_000:
        raise ValidationError("wave.bad_token_count")
    tokens = []
    for _ in range(count):
        raw = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))
        tokens.append("-".join(raw[i : i + 4] for i in range(0, TOKEN_LENGTH, 4)))
    # stored in hash order, so that storage order says nothing about the order handed out
    hashes = sorted(token_hash(t) for t in tokens)
    session.add_all(ParticipationToken(token_hash=h, wave_id=wave.id) for h in hashes)
    wave.access = ACCESS_TOKENS
    wave.tokens_issued += count
    session.flush()
    return tokens


def withdraw_tokens(session: Session, wave: Wave) -> int:
    """Withdraw every unspent code of an open wave (lost letters, a mailing gone astray): who
    holds one can no longer answer. Returns how many were withdrawn."""
    if wave.status != OPEN:
        raise ValidationError("wave.not_open", period=wave.period)
    result = session.execute(
        delete(ParticipationToken).where(ParticipationToken.wave_id == wave.id)
    )
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    wave.tokens_issued -= count
    session.flush()
    return count


def spend_token(session: Session, wave: Wave, token: str | None) -> None:
    """Spend a token by deleting it, in the caller's transaction. Of two racing submissions
    with one token exactly one deletes the row; the other is refused."""
    if not token:
        raise ValidationError("survey.token_required")
    result = session.execute(
        delete(ParticipationToken).where(
            ParticipationToken.token_hash == token_hash(token),
            ParticipationToken.wave_id == wave.id,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ValidationError("survey.token_invalid")


def response_count(session: Session, wave: Wave) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(Response).where(Response.wave_id == wave.id)
        )
        or 0
    )
