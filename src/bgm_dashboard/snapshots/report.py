"""The quarter report of a snapshot (PDF or self-contained HTML, German or English): made
only from the snapshot's frozen payload and reflection, so a released snapshot always gives
the same report. Every download is audited."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from bgm_dashboard.auth.audit import record
from bgm_dashboard.auth.viewer import Viewer, require
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.snapshots.document import report_document, root_name
from bgm_dashboard.snapshots.html import render_html
from bgm_dashboard.snapshots.payload import canonical
from bgm_dashboard.snapshots.pdf import render_pdf
from bgm_dashboard.snapshots.reflection import freeze_reflection
from bgm_dashboard.snapshots.store import READERS, SnapshotView, check_scope

FORMATS = ("pdf", "html")
MEDIA = {"pdf": "application/pdf", "html": "text/html"}


def render_report(
    snapshot: SnapshotView,
    reflection: dict[str, Any] | None,
    bank: ItemBank,
    fmt: str,
    lang: str,
    *,
    depth: int | None = None,
) -> bytes:
    """The report's bytes; no database access, no clock: the same input, the same bytes."""
    if fmt not in FORMATS:
        raise ValidationError("snapshot.error.format", format=fmt)
    payload = snapshot.payload
    facts = {
        "version": snapshot.version,
        "checksum": snapshot.checksum,
        "created_by": snapshot.created_by,
        "created_at": snapshot.created_at,
        "released_by": snapshot.released_by,
        "released_at": snapshot.released_at,
        "changes": list(snapshot.changes),
        "scope_name": root_name(payload),
    }
    doc = report_document(
        payload,
        facts,
        reflection,
        bank,
        lang,
        depth=depth,
        stamp=snapshot.released_at or snapshot.created_at,
    )
    return render_pdf(doc) if fmt == "pdf" else render_html(doc)


def snapshot_report(
    session: Session,
    viewer: Viewer,
    snapshot: SnapshotView,
    *,
    bank: ItemBank,
    fmt: str,
    lang: str,
    depth: int | None = None,
) -> bytes:
    """A report download (leadership, HR, staff council): the frozen reflection of a released
    snapshot, the current draft of an unreleased one; audited as an export."""
    require(viewer, *READERS)
    check_scope(viewer, snapshot.scope)
    if snapshot.released:
        reflection = snapshot.frozen_reflection
    else:
        reflection = json.loads(canonical(freeze_reflection(session, snapshot.id)))
    data = render_report(snapshot, reflection, bank, fmt, lang, depth=depth)
    record(
        session,
        viewer.name,
        "snapshot_export",
        f"snapshot:{snapshot.quarter}/{snapshot.version}",
        {"format": fmt, "lang": lang, "depth": depth, "bytes": len(data)},
    )
    return data
