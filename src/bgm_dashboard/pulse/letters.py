"""Code letters for staff without a PC: printable participation codes with a QR code to the
survey (code filled in), German first, to hand out in sealed envelopes like a postal ballot.
Nobody records who receives which letter; the codes exist only in this PDF."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources

import segno
from fpdf import FPDF
from sqlalchemy.orm import Session

from bgm_dashboard.auth.audit import record
from bgm_dashboard.auth.viewer import Viewer, require
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.formatting import day, period
from bgm_dashboard.i18n import t
from bgm_dashboard.pulse.templates import survey_link
from bgm_dashboard.survey.waves import issue_tokens, wave_for_period

FONT_FAMILY = "DejaVu"
FONT_FILE = "DejaVuSans.ttf"
LAYOUTS = ("pages", "slips")
"""One letter per A4 page, or eight cut-out slips per page."""
SLIP_COLUMNS, SLIP_ROWS = 2, 4
MAX_LETTERS = 2000


@dataclass(frozen=True)
class LetterBatch:
    period: str
    codes: tuple[str, ...]
    pdf: bytes


def qr_png(url: str, scale: int = 8) -> bytes:
    """The QR code of ``url`` as PNG (error correction M: survives a crease or a stain)."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def _pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(False)
    font = resources.files("bgm_dashboard").joinpath("assets", FONT_FILE)
    with resources.as_file(font) as path:
        pdf.add_font(FONT_FAMILY, "", str(path))
    pdf.set_creator("BGM Resilienz-Dashboard")
    return pdf


def _text(pdf: FPDF, size: float, height: float, text: str, width: float | None = None) -> None:
    pdf.set_font(FONT_FAMILY, size=size)
    pdf.multi_cell(width or pdf.epw, height, text, align="L", new_x="LMARGIN", new_y="NEXT")


def _letter_page(pdf: FPDF, url: str, code: str, month: str, closes: date | None, k: int) -> None:
    pdf.add_page()
    values = {
        "month": period(month, "de"),
        "closes": day(closes, "de") if closes else "–",
    }
    en_values = {
        "month": period(month, "en"),
        "closes": day(closes, "en") if closes else "–",
    }
    pdf.set_text_color(31, 95, 139)
    _text(pdf, 18, 9, t("pulse.letter_title", "de"))
    pdf.set_text_color(27, 27, 27)
    pdf.ln(3)
    _text(pdf, 11.5, 6, t("pulse.letter_body", "de", **values))
    pdf.ln(4)
    size = 62
    top = pdf.get_y()
    pdf.image(io.BytesIO(qr_png(url)), x=pdf.l_margin, y=top, w=size, h=size)
    pdf.set_xy(pdf.l_margin + size + 8, top + 6)
    pdf.set_font(FONT_FAMILY, size=10)
    pdf.cell(0, 6, t("pulse.letter_code_label", "de"), align="L", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, size=22)
    pdf.cell(0, 12, code, align="L", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, size=9)
    pdf.multi_cell(
        pdf.epw - size - 8,
        4.5,
        t("pulse.letter_url", "de", url=url),
        align="L",
        new_x="LEFT",
        new_y="NEXT",
    )
    pdf.set_xy(pdf.l_margin, top + size + 6)
    pdf.set_text_color(68, 68, 68)
    _text(pdf, 10, 5, t("pulse.letter_anonymity", "de", k=k))
    pdf.ln(8)
    pdf.set_draw_color(180, 180, 180)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
    pdf.ln(5)
    pdf.set_text_color(27, 27, 27)
    _text(pdf, 12, 6, t("pulse.letter_title", "en"))
    _text(pdf, 9.5, 4.8, t("pulse.letter_body", "en", **en_values))
    pdf.ln(1)
    pdf.set_text_color(68, 68, 68)
    _text(pdf, 9, 4.5, t("pulse.letter_anonymity", "en", k=k))


def _slips_page(pdf: FPDF, items: Sequence[tuple[str, str]], month: str, k: int) -> None:
    pdf.add_page()
    left, top = 10.0, 10.0
    width = (pdf.w - 2 * left) / SLIP_COLUMNS
    height = (pdf.h - 2 * top) / SLIP_ROWS
    pdf.set_draw_color(150, 150, 150)
    pdf.set_dash_pattern(dash=2, gap=2)
    for column in range(1, SLIP_COLUMNS):
        pdf.line(left + column * width, top, left + column * width, top + SLIP_ROWS * height)
    for row in range(1, SLIP_ROWS):
        pdf.line(left, top + row * height, left + SLIP_COLUMNS * width, top + row * height)
    pdf.set_dash_pattern()
    size = 38.0
    for index, (url, code) in enumerate(items):
        x = left + (index % SLIP_COLUMNS) * width + 5
        y = top + (index // SLIP_COLUMNS) * height + 5
        text_width = width - size - 14
        pdf.image(io.BytesIO(qr_png(url, scale=6)), x=x, y=y, w=size, h=size)
        pdf.set_text_color(31, 95, 139)
        pdf.set_xy(x + size + 3, y + 1)
        pdf.set_font(FONT_FAMILY, size=10)
        pdf.multi_cell(
            text_width,
            4.6,
            t("pulse.slip_title", "de", month=period(month, "de")),
            new_x="LEFT",
            new_y="NEXT",
        )
        pdf.set_text_color(27, 27, 27)
        pdf.set_font(FONT_FAMILY, size=12.5)
        pdf.cell(text_width, 7, code, align="L", new_x="LEFT", new_y="NEXT")
        pdf.set_font(FONT_FAMILY, size=7.5)
        pdf.multi_cell(
            text_width, 3.4, t("pulse.slip_body", "de"), align="L", new_x="LEFT", new_y="NEXT"
        )
        pdf.set_xy(x, y + size + 2)
        pdf.set_text_color(68, 68, 68)
        pdf.set_font(FONT_FAMILY, size=7)
        pdf.multi_cell(
            width - 10,
            3.2,
            t("pulse.slip_anonymity", "de", k=k),
            align="L",
            new_x="LEFT",
            new_y="NEXT",
        )
        pdf.multi_cell(
            width - 10, 3.2, t("pulse.slip_en", "en", k=k), align="L", new_x="LEFT", new_y="NEXT"
        )


def letters_pdf(
    codes: Sequence[str],
    *,
    public_url: str,
    month: str,
    closes_on: date | None,
    min_group_size: int,
    layout: str = "pages",
) -> bytes:
    """The printable letters: one code per page, or eight slips per page."""
    if layout not in LAYOUTS:
        raise ValidationError("pulse.bad_layout")
    pdf = _pdf()
    pdf.set_title(t("pulse.letter_title", "de"))
    pdf.set_lang("de")
    items = [(survey_link(public_url, code), code) for code in codes]
    if layout == "pages":
        for url, code in items:
            _letter_page(pdf, url, code, month, closes_on, min_group_size)
    else:
        per_page = SLIP_COLUMNS * SLIP_ROWS
        for start in range(0, len(items), per_page):
            _slips_page(pdf, items[start : start + per_page], month, min_group_size)
    return bytes(pdf.output())


def code_letters(
    session: Session,
    viewer: Viewer,
    month: str,
    count: int,
    *,
    public_url: str,
    min_group_size: int,
    layout: str = "pages",
    actor: str | None = None,
) -> LetterBatch:
    """Draw ``count`` fresh codes for an open wave and print them. The wave takes codes
    from now on (an open-link wave switches to codes: the caller confirmed that)."""
    require(viewer, "hr")
    if not public_url:
        raise ValidationError("pulse.no_public_url")
    if not 1 <= count <= MAX_LETTERS:
        raise ValidationError("pulse.bad_letter_count", most=MAX_LETTERS)
    if layout not in LAYOUTS:
        raise ValidationError("pulse.bad_layout")
    wave = wave_for_period(session, month)
    if wave is None:
        raise ValidationError("wave.unknown", period=month)
    switched = wave.access != "tokens"
    codes = tuple(issue_tokens(session, wave, count))
    record(
        session,
        actor or viewer.name,
        "code_letters",
        month,
        {"count": count, "layout": layout, "switched_to_codes": switched},
    )
    pdf = letters_pdf(
        codes,
        public_url=public_url,
        month=month,
        closes_on=wave.closes_on,
        min_group_size=min_group_size,
        layout=layout,
    )
    return LetterBatch(month, codes, pdf)
