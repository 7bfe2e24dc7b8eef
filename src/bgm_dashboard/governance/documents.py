"""Documents for the staff council and the data protection officer, written from what the
installation really does: the annex to a Dienstvereinbarung, the record of processing
activities (DSGVO Art. 30) and a DPIA draft (Art. 35). Every figure and setting comes from
the governed settings in force and the item bank, with the date and the settings' version;
German first, English on request; Markdown, PDF (fpdf2) and DOCX (python-docx)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources

from docx import Document as DocxDocument
from fpdf import FPDF
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bgm_dashboard.auth.audit import READER_ROLES
from bgm_dashboard.db.models import SettingChange
from bgm_dashboard.formatting import day
from bgm_dashboard.governance.changes import APPROVED, APPROVER_ROLES, PROPOSER_ROLES
from bgm_dashboard.governance.labels import format_setting, role_name
from bgm_dashboard.governance.settings import Governance, current
from bgm_dashboard.i18n import t
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.settings import Settings

KINDS = ("dienstvereinbarung", "vvt", "dsfa")
FORMATS = ("pdf", "docx", "md")
MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "md": "text/markdown",
}
SECTIONS = {
    "dienstvereinbarung": (
        "purpose",
        "asked",
        "stored",
        "roles",
        "thresholds",
        "four_eyes",
        "audit",
        "retention",
        "no_monitoring",
        "rights",
    ),
    "vvt": ("controller", "purpose", "subjects", "stored", "roles", "retention", "measures"),
    "dsfa": ("processing", "necessity", "risks", "measures", "thresholds", "retention", "rest"),
}
"""The sections of each document, in order (texts: ``doc.<section>.title|body``)."""
FONT_FILE = "DejaVuSans.ttf"


@dataclass(frozen=True)
class Version:
    """The settings' version: how many approved changes, and the day of the last one."""

    number: int
    since: date | None


@dataclass(frozen=True)
class Section:
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Document:
    kind: str
    title: str
    stamp: str
    sections: tuple[Section, ...]


def settings_version(session: Session) -> Version:
    number, last = session.execute(
        select(func.count(), func.max(SettingChange.decided_at)).where(
            SettingChange.status == APPROVED
        )
    ).one()
    if last is None:
        return Version(int(number or 0), None)
    moment = last.replace(tzinfo=UTC) if last.tzinfo is None else last.astimezone(UTC)
    return Version(int(number), moment.date())


def _roles(roles: tuple[str, ...], lang: str) -> str:
    return ", ".join(role_name(r, lang) for r in roles)


def _values(governance: Governance, bank: ItemBank, lang: str) -> dict[str, str]:
    """Every placeholder the texts use, filled from the settings in force."""
    shown = {k: format_setting(k, v, bank, lang) for k, v in governance.as_dict().items()}
    return {
        **shown,
        "k": str(governance.min_group_size),
        "comment_k": str(governance.comment_min_group_size),
        "difference": str(governance.difference_min),
        "raw_months": str(governance.raw_retention_months),
        "audit_months": str(governance.audit_retention_months),
        "audit_readers": _roles(READER_ROLES, lang),
        "proposers": _roles(PROPOSER_ROLES, lang),
        "approvers": _roles(APPROVER_ROLES, lang),
        "open_link": t(
            "doc.open_link_yes" if governance.open_link_allowed else "doc.open_link_no", lang
        ),
        "mail": t("doc.mail_keep" if governance.keep_mail_addresses else "doc.mail_delete", lang),
    }


def _asked(governance: Governance, bank: ItemBank, lang: str) -> tuple[str, ...]:
    """One line per reported scale: its title and the wording of its items."""
    wanted = governance.reported_indicators
    lines = []
    for scale in bank.scales:
        if not scale.items or (wanted is not None and scale.code not in wanted):
            continue
        items = "; ".join(f"„{item.text[lang]}“" for item in scale.items)
        lines.append(f"{scale.title[lang]} ({len(scale.items)}): {items}")
    return tuple(lines)


def build(
    session: Session,
    kind: str,
    bank: ItemBank,
    *,
    lang: str = "de",
    config: Settings | None = None,
    today: date | None = None,
) -> Document:
    """The document ``kind`` as it stands today."""
    governance = current(session, config)
    version = settings_version(session)
    values = _values(governance, bank, lang)
    sections = []
    for name in SECTIONS[kind]:
        paragraphs = [p for p in t(f"doc.{name}.body", lang, **values).split("\n\n") if p]
        if name == "asked":
            paragraphs.extend(_asked(governance, bank, lang))
        if name == "roles":
            paragraphs.extend(
                t(f"doc.role.{role}", lang, role=role_name(role, lang), **values)
                for role in ("hr", "leadership", "council", "admin")
            )
        sections.append(Section(t(f"doc.{name}.title", lang), tuple(paragraphs)))
    since = day(version.since, lang) if version.since else t("doc.defaults", lang)
    stamp = t(
        "doc.stamp",
        lang,
        day=day(today or date.today(), lang),
        version=version.number,
        since=since,
    )
    return Document(kind, t(f"doc.{kind}.title", lang), stamp, tuple(sections))


def markdown(doc: Document) -> bytes:
    lines = [f"# {doc.title}", "", f"*{doc.stamp}*", ""]
    for section in doc.sections:
        lines += [f"## {section.title}", ""]
        for paragraph in section.paragraphs:
            lines += [paragraph, ""]
    return "\n".join(lines).encode("utf-8")


def pdf(doc: Document) -> bytes:
    out = FPDF(format="A4")
    out.set_creation_date(datetime(2000, 1, 1, tzinfo=UTC))  # same input, same bytes
    out.set_margins(20, 20, 20)
    font = resources.files("bgm_dashboard").joinpath("assets", FONT_FILE)
    with resources.as_file(font) as path:
        out.add_font("DejaVu", "", str(path))
    out.add_page()
    out.set_font("DejaVu", size=16)
    out.multi_cell(0, 8, doc.title, new_x="LMARGIN", new_y="NEXT")
    out.set_font("DejaVu", size=9)
    out.multi_cell(0, 5, doc.stamp, new_x="LMARGIN", new_y="NEXT")
    for section in doc.sections:
        out.ln(3)
        out.set_font("DejaVu", size=12)
        out.multi_cell(0, 6, section.title, new_x="LMARGIN", new_y="NEXT")
        out.set_font("DejaVu", size=10)
        for paragraph in section.paragraphs:
            out.multi_cell(0, 5, paragraph, new_x="LMARGIN", new_y="NEXT")
            out.ln(1)
    return bytes(out.output())


def docx(doc: Document) -> bytes:
    out = DocxDocument()
    out.add_heading(doc.title, level=0)
    out.add_paragraph().add_run(doc.stamp).italic = True
    for section in doc.sections:
        out.add_heading(section.title, level=1)
        for paragraph in section.paragraphs:
            out.add_paragraph(paragraph)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def render(doc: Document, fmt: str) -> bytes:
    """The document as PDF, DOCX or Markdown."""
    return {"pdf": pdf, "docx": docx, "md": markdown}[fmt](doc)


def file_name(kind: str, fmt: str, lang: str, today: date) -> str:
    return f"{t(f'doc.{kind}.file', lang)}_{today.isoformat()}.{fmt}"
