"""A "gutes Beispiel": a one-page summary of a measure with a measured positive effect (what,
where, when, effect with its interval; no quotes, no comments) as HTML and as PDF."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from fpdf import FPDF

from bgm_dashboard.errors import ValidationError
from bgm_dashboard.formatting import day, signed
from bgm_dashboard.i18n import t
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.interventions.catalogue import Intervention
from bgm_dashboard.interventions.effect import EFFECTIVE, Evaluation
from bgm_dashboard.interventions.plans import PlanView
from bgm_dashboard.interventions.report import (
    comparison_note,
    effect_digits,
    evaluation_rows,
    left_out_text,
    points,
    unit_names,
)

FONT_FAMILY = "DejaVu"
FONT_FILE = "DejaVuSans.ttf"


@dataclass(frozen=True)
class Summary:
    """Everything the page shows, in one language; HTML and PDF render exactly this."""

    lang: str
    kicker: str
    title: str
    lead: str
    sections: tuple[tuple[str, str], ...]
    rows: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]
    footer: str

    def texts(self) -> list[str]:
        """Every text of the summary (for checks)."""
        out = [self.kicker, self.title, self.lead, self.footer, *self.notes]
        for a, b in (*self.sections, *self.rows):
            out.extend([a, b])
        return out


def build_summary(
    plan: PlanView,
    evaluation: Evaluation,
    entry: Intervention | None,
    bank: ItemBank,
    lang: str,
    names: Mapping[str, str],
    *,
    k: int,
) -> Summary:
    """The summary of a plan whose evaluation found a positive effect (else refused)."""
    if evaluation.verdict != EFFECTIVE or evaluation.plan_id != plan.id:
        raise ValidationError("plans.error.good_example_needs_effect")
    effect = evaluation.effect
    assert effect is not None
    d = effect_digits(evaluation.indicator, bank)
    indicator = bank.scale(evaluation.indicator).title[lang]
    lead = t(
        "good_example.lead_did" if evaluation.did is not None else "good_example.lead_change",
        lang,
        indicator=indicator,
        value=signed(effect.value, lang, d),
        low=signed(effect.low, lang, d),
        high=signed(effect.high, lang, d),
    )
    what = entry.text("description", lang) if entry is not None else ""
    sections = [
        (
            t("good_example.what", lang),
            (entry.title(lang) + ". " + what).strip() if entry else plan.title,
        ),
        (t("good_example.where", lang), unit_names(plan.unit_codes, names)),
        (
            t("good_example.when", lang),
            t(
                "good_example.period",
                lang,
                start=day(plan.starts_on, lang),
                end=day(plan.end, lang),
            ),
        ),
    ]
    if plan.standing_practice:
        sections.append((t("good_example.structure", lang), t("good_example.standing", lang)))
    notes = [t("good_example.method", lang, threshold=points(evaluation.threshold, lang, d))]
    for note in (comparison_note(evaluation, lang, names), left_out_text(evaluation, lang, names)):
        if note:
            notes.append(note)
    return Summary(
        lang=lang,
        kicker=t("good_example.kicker", lang),
        title=plan.title,
        lead=lead,
        sections=tuple(sections),
        rows=tuple(evaluation_rows(evaluation, bank, lang, names)),
        notes=tuple(notes),
        footer=t("good_example.footer", lang, k=k),
    )


_CSS = """
body { font-family: "Source Sans Pro", Arial, sans-serif; max-width: 46rem; margin: 2rem auto;
       color: #1b1b1b; line-height: 1.45; padding: 0 1rem; }
.kicker { text-transform: uppercase; letter-spacing: .08em; color: #1f5f8b; font-weight: 600; }
h1 { font-size: 1.7rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.05rem; color: #1f5f8b; margin: 1rem 0 .2rem; }
h2 + p { margin-top: 0; }
.lead { font-size: 1.15rem; border-left: 4px solid #1f5f8b; padding-left: .8rem; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #ddd;
         vertical-align: top; }
th { width: 45%; font-weight: 600; }
.notes { font-size: .9rem; color: #444; }
footer { font-size: .85rem; color: #555; margin-top: 1.5rem; }
@media print { body { margin: 0; } }
"""


def to_html(summary: Summary) -> str:
    """A self-contained HTML page; every text is escaped."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{e(summary.lang)}"><head><meta charset="utf-8">',
        f"<title>{e(summary.kicker)}: {e(summary.title)}</title>",
        f"<style>{_CSS}</style></head><body><article>",
        f'<p class="kicker">{e(summary.kicker)}</p>',
        f"<h1>{e(summary.title)}</h1>",
        f'<p class="lead">{e(summary.lead)}</p>',
    ]
    for heading, text in summary.sections:
        parts.append(f"<h2>{e(heading)}</h2><p>{e(text)}</p>")
    parts.append("<table><tbody>")
    for label, value in summary.rows:
        parts.append(f'<tr><th scope="row">{e(label)}</th><td>{e(value)}</td></tr>')
    parts.append("</tbody></table>")
    parts.append('<div class="notes">')
    parts.extend(f"<p>{e(note)}</p>" for note in summary.notes)
    parts.append("</div>")
    parts.append(f"<footer>{e(summary.footer)}</footer>")
    parts.append("</article></body></html>")
    return "\n".join(parts)


def _pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=14)
    font = resources.files("bgm_dashboard").joinpath("assets", FONT_FILE)
    with resources.as_file(font) as path:
        pdf.add_font(FONT_FAMILY, "", str(path))
    return pdf


def to_pdf(summary: Summary) -> bytes:
    """The same page as PDF (A4, DejaVu Sans for every character)."""
    pdf = _pdf()
    pdf.set_title(f"{summary.kicker}: {summary.title}")
    pdf.set_creator("BGM Resilienz-Dashboard")
    pdf.set_lang(summary.lang)
    pdf.add_page()
    width = pdf.epw
    pdf.set_text_color(31, 95, 139)
    pdf.set_font(FONT_FAMILY, size=10)
    pdf.multi_cell(width, 5, summary.kicker.upper(), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(27, 27, 27)
    pdf.set_font(FONT_FAMILY, size=17)
    pdf.multi_cell(width, 8, summary.title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT_FAMILY, size=12)
    pdf.multi_cell(width, 6, summary.lead, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for heading, text in summary.sections:
        pdf.set_font(FONT_FAMILY, size=11.5)
        pdf.set_text_color(31, 95, 139)
        pdf.multi_cell(width, 6, heading, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(27, 27, 27)
        pdf.set_font(FONT_FAMILY, size=10)
        pdf.multi_cell(width, 5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    pdf.set_font(FONT_FAMILY, size=9.5)
    with pdf.table(
        col_widths=(44, 56),
        first_row_as_headings=False,
        borders_layout="HORIZONTAL_LINES",
        line_height=5,
        padding=1.2,
    ) as table:
        for label, value in summary.rows:
            row = table.row()
            row.cell(label)
            row.cell(value)
    pdf.ln(2)
    pdf.set_font(FONT_FAMILY, size=8.5)
    pdf.set_text_color(68, 68, 68)
    for note in (*summary.notes, summary.footer):
        pdf.multi_cell(width, 4.2, note, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.8)
    return bytes(pdf.output())
