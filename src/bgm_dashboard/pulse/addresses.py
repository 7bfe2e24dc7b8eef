"""Addresses for the invitations: imported (e-mail, unit, language), used for a wave's
mailing and deleted when that wave closes, unless the staff council approved keeping them.
No address is ever stored next to a code or a response."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from bgm_dashboard.auth.audit import record
from bgm_dashboard.auth.viewer import Viewer, require
from bgm_dashboard.csvfiles import read_csv_bytes
from bgm_dashboard.db.models import Department, MailAddress
from bgm_dashboard.errors import RowError, ValidationError
from bgm_dashboard.i18n import LANGUAGES
from bgm_dashboard.org.service import load_tree
from bgm_dashboard.org.tree import descendants_of

ADDRESS = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")
COLUMNS = ("email", "unit")
"""Required columns; ``language`` (de or en) is optional."""


@dataclass(frozen=True)
class Recipient:
    address: str
    language: str


def parse_addresses(session: Session, raw: bytes) -> list[tuple[str, int, str]]:
    """``(address, department id, language)`` per row, all checked; nothing stored."""
    header, rows = read_csv_bytes(raw, "")
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ValidationError("pulse.addresses_columns", columns=", ".join(missing))
    units = dict(
        session.execute(
            select(Department.code, Department.id).where(Department.active.is_(True))
        ).all()
    )
    seen: set[str] = set()
    out = []
    for number, row in rows:
        address = row["email"].strip().lower()
        if not ADDRESS.match(address):
            raise RowError(number, "email", "pulse.bad_address")
        if address in seen:
            raise RowError(number, "email", "pulse.duplicate_address")
        seen.add(address)
        unit = units.get(row["unit"].strip())
        if unit is None:
            raise RowError(number, "unit", "pulse.unknown_unit", code=row["unit"])
        language = (row.get("language") or "de").strip().lower() or "de"
        if language not in LANGUAGES:
            raise RowError(number, "language", "pulse.bad_language")
        out.append((address, unit, language))
    if not out:
        raise ValidationError("import.empty_file", path="")
    return out


def import_addresses(
    session: Session, viewer: Viewer, raw: bytes, *, now: datetime | None = None
) -> int:
    """Replace the address list by the uploaded one (all or nothing)."""
    require(viewer, "hr")
    rows = parse_addresses(session, raw)
    erase_addresses(session)
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    session.add_all(
        MailAddress(id=uuid.uuid4(), address=a, department_id=d, language=lang, imported_at=moment)
        for a, d, lang in rows
    )
    session.flush()
    record(session, viewer.name, "addresses_imported", "", {"count": len(rows)})
    return len(rows)


def address_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(MailAddress)) or 0)


def recipients(session: Session, unit_codes: Sequence[str]) -> list[Recipient]:
    """Everyone in the chosen units and their sub-units (everyone when none is chosen).
    Never narrowed by whether someone answered: nothing could tell."""
    query = select(MailAddress.address, MailAddress.language)
    if unit_codes:
        tree = load_tree(session)
        known = {u.code: u.id for u in tree.units}
        ids = descendants_of(tree, [known[c] for c in unit_codes if c in known])
        query = query.where(MailAddress.department_id.in_(ids))
    return [Recipient(a, lang) for a, lang in session.execute(query.order_by(MailAddress.id))]


def erase_addresses(session: Session) -> int:
    """Delete every address so that it does not linger in the database files: SQLite
    overwrites the freed space (``secure_delete``); PostgreSQL gets a new, empty table file
    (``TRUNCATE``) instead of dead rows in the old one."""
    count = address_count(session)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("TRUNCATE TABLE mail_addresses"))
    else:
        session.execute(text("PRAGMA secure_delete = ON"))
        session.execute(delete(MailAddress))
    session.flush()
    return count


def erase_addresses_as(session: Session, viewer: Viewer) -> int:
    require(viewer, "hr")
    count = erase_addresses(session)
    record(session, viewer.name, "addresses_erased", "", {"count": count})
    return count
