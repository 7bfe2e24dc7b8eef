"""The invitation and reminder texts: HR's wording per language over the shipped one, the
placeholders they may use, and the mail body with the product's fixed anonymity note."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bgm_dashboard.auth.audit import record
from bgm_dashboard.auth.viewer import Viewer, require
from bgm_dashboard.db.models import MailTemplate
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.formatting import day, period
from bgm_dashboard.i18n import LANGUAGES, t
from bgm_dashboard.i18n import template as template_text

KINDS = ("invitation", "reminder")
PLACEHOLDERS = ("link", "month", "closes_on")
"""What a template may contain in braces; ``{link}`` is required."""


@dataclass(frozen=True)
class Template:
    kind: str
    language: str
    subject: str
    body: str
    edited: bool


def shipped(kind: str, language: str) -> Template:
    return Template(
        kind,
        language,
        template_text(f"pulse.mail_{kind}_subject", language),
        template_text(f"pulse.mail_{kind}_body", language),
        edited=False,
    )


def template(session: Session, kind: str, language: str) -> Template:
    row = session.get(MailTemplate, (kind, language))
    if row is None:
        return shipped(kind, language)
    return Template(kind, language, row.subject, row.body, edited=True)


def all_templates(session: Session) -> dict[tuple[str, str], Template]:
    found = {(k, lang): shipped(k, lang) for k in KINDS for lang in LANGUAGES}
    for row in session.scalars(select(MailTemplate)):
        found[(row.kind, row.language)] = Template(
            row.kind, row.language, row.subject, row.body, edited=True
        )
    return found


def fields_of(text: str) -> list[str]:
    """The placeholder names used in ``text``; raises ValidationError on broken braces."""
    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        raise ValidationError("pulse.template_braces") from None


def check_template(subject: str, body: str) -> None:
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise ValidationError("pulse.template_empty")
    if "\n" in subject or len(subject) > 200:
        raise ValidationError("pulse.template_subject")
    used = fields_of(subject) + fields_of(body)
    unknown = sorted({n for n in used if n not in PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            "pulse.template_unknown",
            names=", ".join("{" + n + "}" for n in unknown),
            allowed=", ".join("{" + n + "}" for n in PLACEHOLDERS),
        )
    if "link" not in fields_of(body):
        raise ValidationError("pulse.template_needs_link")


def save_template(
    session: Session, viewer: Viewer, kind: str, language: str, subject: str, body: str
) -> None:
    require(viewer, "hr")
    if kind not in KINDS or language not in LANGUAGES:
        raise ValidationError("pulse.template_unknown_kind")
    check_template(subject, body)
    row = session.get(MailTemplate, (kind, language))
    if row is None:
        row = MailTemplate(kind=kind, language=language)
        session.add(row)
    row.subject = subject.strip()
    row.body = body.strip()
    row.updated_by = viewer.name
    row.updated_at = datetime.now(UTC).replace(microsecond=0)
    session.flush()
    record(session, viewer.name, "mail_template_saved", f"{kind}/{language}")


def reset_template(session: Session, viewer: Viewer, kind: str, language: str) -> None:
    """Back to the shipped wording."""
    require(viewer, "hr")
    row = session.get(MailTemplate, (kind, language))
    if row is not None:
        session.delete(row)
        session.flush()
        record(session, viewer.name, "mail_template_reset", f"{kind}/{language}")


def survey_link(public_url: str, code: str | None) -> str:
    """The survey's address, with the participation code filled in when there is one."""
    base = public_url.rstrip("/") + "/"
    return f"{base}?code={code}" if code else base


def render(
    tpl: Template,
    *,
    link: str,
    month: str,
    closes_on: date,
    code: str | None,
    min_group_size: int,
) -> tuple[str, str]:
    """Subject and plain-text body of one mail. The code paragraph and the anonymity note
    are the product's own and cannot be edited away."""
    values = {
        "link": link,
        "month": period(month, tpl.language),
        "closes_on": day(closes_on, tpl.language),
    }
    subject = tpl.subject.format(**values)
    parts = [tpl.body.format(**values).strip()]
    if code:
        parts.append(t("pulse.mail_code_line", tpl.language, code=code))
    parts.append(t("pulse.mail_anonymity", tpl.language, k=min_group_size))
    return subject, "\n\n".join(parts) + "\n"
