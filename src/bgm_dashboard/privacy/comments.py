"""Withholding a released comment that names a person; the reason goes to the audit log."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from bgm_dashboard.auth.audit import record
from bgm_dashboard.auth.viewer import Viewer, require
from bgm_dashboard.db.models import Comment
from bgm_dashboard.errors import ValidationError

MIN_REASON = 5


def withhold_comment(session: Session, viewer: Viewer, comment_id: uuid.UUID, reason: str) -> None:
    """Hide a comment from every view. The comment's text never enters the audit log."""
    require(viewer, "hr")
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise ValidationError("comments.reason_required", minimum=MIN_REASON)
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise ValidationError("comments.unknown")
    if comment.withheld:
        return
    comment.withheld = True
    record(session, viewer.name, "withhold_comment", str(comment_id), {"reason": reason})
