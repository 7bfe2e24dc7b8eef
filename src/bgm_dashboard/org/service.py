"""Imports and reads the org chart. An import is all or nothing."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.csvfiles import read_csv_rows
from bgm_dashboard.db.models import Department
from bgm_dashboard.errors import RowError, ValidationError
from bgm_dashboard.org.tree import OrgTree, Unit

COLUMNS = ("code", "name", "parent_code", "headcount")
MAX_HEADCOUNT = 1_000_000
_HEADCOUNT = re.compile(r"^[0-9]{1,7}$")
"""A headcount: ASCII digits only (no signs, no underscores, no other scripts' digits)."""
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


def load_tree(session: Session, *, include_inactive: bool = True) -> OrgTree:
    """The current org chart from the database."""
    rows = session.scalars(select(Department).order_by(Department.position, Department.id)).all()
    tree = OrgTree.build(
        Unit(d.id, d.code, d.name, d.parent_id, d.headcount, d.active) for d in rows
    )
    if include_inactive:
        return tree
    return OrgTree.build(u for u in tree.units if u.active)


def import_departments(session: Session, path: Path | str) -> int:
    """Create or update the org chart from ``code,name,parent_code,headcount``.

    Units missing from the file are kept (their answers stay counted) but marked inactive,
    so staff can no longer choose them. Returns the number of rows read."""
    header, rows = read_csv_rows(path)
    for column in COLUMNS:
        if column not in header:
            raise ValidationError("import.missing_column", column=column)
    for column in header:
        if column not in COLUMNS:
            raise RowError(1, column, "import.unknown_org_column", expected=", ".join(COLUMNS))
    seen: dict[str, int] = {}
    seen_folded: dict[str, tuple[str, int]] = {}
    parsed: list[tuple[int, str, str, str, int]] = []
    for line, row in rows:
        code = row["code"]
        if not _CODE.match(code):
            raise RowError(line, "code", "import.bad_code", value=code)
        if code in seen:
            raise RowError(line, "code", "import.duplicate_code", value=code, first=seen[code])
        other, first = seen_folded.get(code.casefold(), ("", 0))
        if other:
            # "a10" and "A10" would be two units that staff cannot tell apart
            raise RowError(line, "code", "import.code_case", value=code, other=other, first=first)
        seen[code] = line
        seen_folded[code.casefold()] = (code, line)
        name = row["name"]
        if not name or len(name) > 200:
            raise RowError(line, "name", "import.bad_name")
        raw_count = row["headcount"] or "0"
        if not _HEADCOUNT.match(raw_count) or int(raw_count) > MAX_HEADCOUNT:
            raise RowError(
                line, "headcount", "import.bad_headcount", value=raw_count[:40], most=MAX_HEADCOUNT
            )
        headcount = int(raw_count)
        parsed.append((line, code, name, row["parent_code"], headcount))
    if not parsed:
        raise ValidationError("import.no_rows")
    roots = [p for p in parsed if not p[3]]
    if len(roots) != 1:
        raise ValidationError("import.one_root", count=len(roots))
    for line, code, _name, parent, _hc in parsed:
        if parent and parent not in seen:
            raise RowError(line, "parent_code", "import.unknown_parent", value=parent)
        if parent == code:
            raise RowError(line, "parent_code", "import.cycle", value=code)
    parent_of = {p[1]: p[3] for p in parsed}
    for line, code, *_ in parsed:
        steps, current = 0, parent_of[code]
        while current:
            steps += 1
            if current == code or steps > len(parsed):
                raise RowError(line, "parent_code", "import.cycle", value=code)
            current = parent_of[current]

    existing = {d.code: d for d in session.scalars(select(Department))}
    for d in existing.values():
        if d.code not in seen:
            d.active = False
    by_code: dict[str, Department] = {}
    for position, (_line, code, name, _parent, headcount) in enumerate(parsed):
        dept = existing.get(code) or Department(code=code)
        dept.name, dept.headcount, dept.active, dept.position = name, headcount, True, position
        session.add(dept)
        by_code[code] = dept
    session.flush()
    root = by_code[roots[0][1]]
    for _line, code, _name, parent, _hc in parsed:
        by_code[code].parent_id = by_code[parent].id if parent else None
    for dept in existing.values():
        if dept.code not in seen and dept.parent_id is None:
            dept.parent_id = root.id  # a former top unit: its answers count under the new top
    session.flush()
    return len(parsed)
