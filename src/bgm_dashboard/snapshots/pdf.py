"""The quarter report as PDF (fpdf2, the bundled DejaVu font): A4, page header and footer,
tables that continue on the next page, charts drawn as vectors. Deterministic: the same
snapshot gives the same bytes."""

from __future__ import annotations

import math
from importlib import resources

from fpdf import FPDF
from fpdf.fonts import FontFace

from bgm_dashboard.formatting import number
from bgm_dashboard.snapshots.chart import Series, geometry
from bgm_dashboard.snapshots.document import Charts, Document, Heading, PageBreak, Para, Table

FONT = "DejaVu"
INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (31, 92, 153)
BAND = (205, 222, 240)
RULE = (206, 212, 218)
HEAD = (236, 241, 247)


class _Report(FPDF):
    def __init__(self, doc: Document) -> None:
        super().__init__(format="A4")
        self.doc = doc
        self.set_margins(18, 20, 18)
        self.set_auto_page_break(True, margin=18)
        font = resources.files("bgm_dashboard").joinpath("assets", "DejaVuSans.ttf")
        with resources.as_file(font) as path:
            self.add_font(FONT, "", str(path))
        self.set_creator("BGM Resilienz-Dashboard")
        self.set_title(doc.meta.title)
        self.set_lang(doc.meta.lang)
        self.set_creation_date(doc.meta.stamp)
        self.alias_nb_pages()

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT, size=8)
        self.set_text_color(*MUTED)
        self.cell(
            0, 5, f"{self.doc.meta.title} · {self.doc.meta.subtitle}", new_x="LMARGIN", new_y="NEXT"
        )
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(4)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, size=7.5)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.doc.meta.footer, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"{self.page_no()}/{{nb}}", align="R")
        self.set_text_color(*INK)


def _cover(pdf: _Report) -> None:
    pdf.add_page()
    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 0, pdf.w, 70, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(18, 24)
    pdf.set_font(FONT, size=11)
    pdf.cell(0, 6, "BGM Resilienz-Dashboard", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=24)
    pdf.multi_cell(0, 11, pdf.doc.meta.title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=13)
    pdf.cell(0, 8, pdf.doc.meta.subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.set_y(85)


def _heading(pdf: _Report, block: Heading) -> None:
    size = 16 if block.level == 1 else 12
    if pdf.get_y() > pdf.h - 50:
        pdf.add_page()
    pdf.ln(2 if block.level == 1 else 3)
    pdf.set_font(FONT, size=size)
    pdf.set_text_color(*(ACCENT if block.level == 1 else INK))
    pdf.multi_cell(0, size * 0.5, block.text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(1.5)


def _para(pdf: _Report, block: Para) -> None:
    pdf.set_font(FONT, size=8 if block.small else 10)
    pdf.set_text_color(*(MUTED if block.small else INK))
    pdf.multi_cell(0, 4 if block.small else 5, block.text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(1.5)


def _table(pdf: _Report, block: Table) -> None:
    size = 7 if block.small else 8.5
    pdf.set_font(FONT, size=size)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(*RULE)
    total = sum(block.widths)
    widths = [pdf.epw * w / total for w in block.widths]
    with pdf.table(
        col_widths=widths,
        line_height=size * 0.5 + 0.8,
        text_align="LEFT",
        borders_layout="HORIZONTAL_LINES",
        headings_style=FontFace(emphasis="", color=ACCENT, fill_color=HEAD),
        first_row_as_headings=any(block.header),
        repeat_headings=1,
        padding=1,
    ) as table:
        if any(block.header):
            row = table.row()
            for cell in block.header:
                row.cell(cell)
        for values in block.rows:
            row = table.row()
            for cell in values:
                row.cell(cell)
    pdf.ln(2)


def _chart(pdf: _Report, series: Series, x: float, y: float, w: float, h: float) -> None:
    pdf.set_font(FONT, size=8.5)
    pdf.set_xy(x, y)
    pdf.cell(w, 5, series.title)
    left, top, width, height = x + 11, y + 7, w - 13, h - 15
    geo = geometry(series)

    def at(point: tuple[float, float]) -> tuple[float, float]:
        return left + point[0] * width, top + (1 - point[1]) * height

    pdf.set_font(FONT, size=6.5)
    pdf.set_text_color(*MUTED)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.15)
    for value, ty in geo.ticks:
        py = top + (1 - ty) * height
        pdf.line(left, py, left + width, py)
        pdf.set_xy(x, py - 2)
        pdf.cell(
            10,
            4,
            number(value, pdf.doc.meta.lang, series.digits if series.digits else 0),
            align="R",
        )
    for gx, label in zip(geo.xs, series.labels, strict=True):
        pdf.set_xy(left + gx * width - 8, top + height + 0.5)
        pdf.cell(16, 4, label, align="C")
    pdf.set_text_color(*INK)
    if geo.band:
        pdf.set_fill_color(*BAND)
        pdf.polygon([at(p) for p in geo.band], style="F")
    pdf.set_draw_color(*ACCENT)
    pdf.set_fill_color(*ACCENT)
    pdf.set_line_width(0.6)
    previous = None
    for point in geo.points:
        if point is not None and previous is not None:
            pdf.line(*at(previous), *at(point))
        previous = point
    for i, point in enumerate(geo.points):
        if point is None:
            continue
        cx, cy = at(point)
        radius = 1.3 if i == len(geo.points) - 1 else 0.8
        # a small octagon: the same across fpdf2 versions (circle() changed its arguments)
        pdf.polygon(
            [
                (cx + radius * math.cos(a * math.pi / 4), cy + radius * math.sin(a * math.pi / 4))
                for a in range(8)
            ],
            style="F",
        )
    pdf.set_line_width(0.2)


def _charts(pdf: _Report, block: Charts) -> None:
    w, h = pdf.epw / 2 - 3, 62.0
    for i, series in enumerate(block.series):
        column = i % 2
        if column == 0 and pdf.get_y() + h > pdf.h - 20:
            pdf.add_page()
        y = pdf.get_y()
        _chart(pdf, series, pdf.l_margin + column * (w + 6), y, w, h)
        pdf.set_y(y if column == 0 and i < len(block.series) - 1 else y + h)
    pdf.set_x(pdf.l_margin)


def render_pdf(doc: Document) -> bytes:
    pdf = _Report(doc)
    _cover(pdf)
    for block in doc.blocks:
        if isinstance(block, Heading):
            _heading(pdf, block)
        elif isinstance(block, Para):
            _para(pdf, block)
        elif isinstance(block, Table):
            _table(pdf, block)
        elif isinstance(block, Charts):
            _charts(pdf, block)
        elif isinstance(block, PageBreak):
            pdf.add_page()
    return bytes(pdf.output())
