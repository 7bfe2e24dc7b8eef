"""Survey waves: opening, closing (with the shuffle that erases storage order) and the
single-use participation tokens of the postal-ballot model."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from bgm_dashboard.db.models import ParticipationToken, Publication, Response, Wave
from bgm_dashboard.errors import ValidationError
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
    access: str = ACCESS_LINK,
    closes_on: date | None = None,
) -> Wave:
    """Open the pulse wave of a month (one wave per month)."""
    try:
        parse_month(period)
    except PeriodError:
        raise ValidationError("wave.bad_period", period=period) from None
    if access not in (ACCESS_LINK, ACCESS_TOKENS):
        raise ValidationError("wave.bad_access", access=access)
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
    """Close a wave for good and rewrite its rows in random order, so that neither storage
    order nor (on PostgreSQL) transaction ids tell who answered when. The wave's row is
    locked first, so that answers being submitted either finish before or are refused."""
    lock_wave(session, wave.id)
    if wave.status == CLOSED:
        raise ValidationError("wave.already_closed", period=wave.period)
    wave.status = CLOSED
    session.flush()
    shuffle_wave_rows(session, wave.id)


def shuffle_wave_rows(session: Session, wave_id: int) -> None:
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        return  # rows live in tables WITHOUT ROWID, stored in random-id order already
    params = {"w": wave_id}
    statements = [
        "CREATE TEMP TABLE shuffle_r ON COMMIT DROP AS SELECT * FROM responses WHERE wave_id = :w",
        "CREATE TEMP TABLE shuffle_a ON COMMIT DROP AS SELECT a.* FROM answers a "
        "JOIN responses r ON r.id = a.response_id WHERE r.wave_id = :w",
        "CREATE TEMP TABLE shuffle_c ON COMMIT DROP AS SELECT * FROM comments WHERE wave_id = :w",
        "DELETE FROM answers WHERE response_id IN (SELECT id FROM shuffle_r)",
        "DELETE FROM responses WHERE wave_id = :w",
        "DELETE FROM comments WHERE wave_id = :w",
        "INSERT INTO responses SELECT * FROM shuffle_r ORDER BY random()",
        "INSERT INTO answers SELECT * FROM shuffle_a ORDER BY random()",
        "INSERT INTO comments SELECT * FROM shuffle_c ORDER BY random()",
    ]
    for statement in statements:
        session.execute(text(statement), params if ":w" in statement else {})


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
