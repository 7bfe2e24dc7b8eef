"""Good examples: only with a measured positive effect; the HTML escapes everything; the PDF
is a PDF with the same text; and no plan view or export shows a figure that disclosure control
hides (a plan unit whose cell is suppressed appears by name only, never with a number)."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from bgm_dashboard.errors import ValidationError
from bgm_dashboard.formatting import number
from bgm_dashboard.instrument.bank import load_bank
from bgm_dashboard.interventions.catalogue import find, shipped
from bgm_dashboard.interventions.effect import EFFECTIVE, evaluate
from bgm_dashboard.interventions.good_example import build_summary, to_html, to_pdf
from bgm_dashboard.interventions.report import evaluation_rows, left_out_text
from tests.interventions_helpers import group_scores, pdf_text, plan, raw_scores, released, shown_in

BANK = load_bank()
K = 5


@pytest.fixture(scope="module")
def quarterly(demo_db: str) -> pd.DataFrame:
    return released(demo_db)


@pytest.fixture(scope="module")
def names(quarterly: pd.DataFrame) -> dict[str, str]:
    return dict(zip(quarterly["code"], quarterly["name"], strict=False))


def test_publishing_needs_a_positive_effect(quarterly: pd.DataFrame, names: dict[str, str]) -> None:
    training = plan(
        2,
        quarterly,
        ["A32", "A37", "A61", "A66"],
        date(2025, 10, 1),
        date(2026, 3, 31),
        "leadership",
    )
    result = evaluate(quarterly, training, [training], BANK)
    assert result.verdict != EFFECTIVE
    with pytest.raises(ValidationError) as caught:
        build_summary(training, result, None, BANK, "de", names, k=K)
    assert caught.value.key == "plans.error.good_example_needs_effect"


def test_html_escapes_and_pdf_carries_the_same_text(
    quarterly: pd.DataFrame, names: dict[str, str]
) -> None:
    title = '<script>alert("x")</script> Platzwechsel & Co'
    platz = plan(
        1,
        quarterly,
        ["A50", "A53"],
        date(2025, 1, 1),
        date(2025, 6, 30),
        "collaboration",
        title=title,
    )
    result = evaluate(quarterly, platz, [platz], BANK)
    assert result.verdict == EFFECTIVE and result.did is not None
    summary = build_summary(platz, result, find(shipped(), "platzwechsel"), BANK, "de", names, k=K)
    page = to_html(summary)
    assert "<script>" not in page and "&lt;script&gt;" in page and "&amp; Co" in page
    assert page.startswith("<!DOCTYPE html>") and 'lang="de"' in page
    effect = number(result.did.value, "de", 1)
    assert effect in page  # German number format: comma decimal
    pdf = to_pdf(summary)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert title in text and effect in text and "Sozialamt" in text
    english = to_html(
        build_summary(platz, result, find(shipped(), "platzwechsel"), BANK, "en", names, k=K)
    )
    assert number(result.did.value, "en", 1) in english and "Good example" in english


def numbers_in(text: str) -> set[str]:
    """Every number written in a text, as a whole token ("55,8", "178", "+11,7" -> "11,7")."""
    return {m.rstrip(".,") for m in re.findall(r"(?<![\d.,])\d[\d.,]*", text)}


def counts_in(text: str) -> set[str]:
    """Every "n = …" written in a text."""
    return set(re.findall(r"n = (\d[\d.,]*\d|\d)", text))


def test_no_view_or_export_shows_a_hidden_cell(
    quarterly: pd.DataFrame, names: dict[str, str]
) -> None:
    """The Grünflächenamt joins the Platzwechsel; its cell before the start is suppressed. It is
    left out by name; neither its hidden figures nor the pooled figures that would include it
    appear in the tables, the HTML or the PDF."""
    start, end = date(2025, 1, 1), date(2025, 6, 30)
    platz = plan(1, quarterly, ["A50", "A53", "A67"], start, end, "collaboration")
    result = evaluate(quarterly, platz, [platz], BANK)
    before, after = str(result.before_period), str(result.after_period)
    assert not shown_in(quarterly, "A67", before, "collaboration")
    assert result.verdict == EFFECTIVE
    assert result.treated is not None and result.treated.units == ("A50", "A53")

    scores = raw_scores("collaboration")
    hidden = group_scores(scores, ["A67"], before)
    assert len(hidden) > 0  # answers exist, but disclosure control hides their figure
    with_hidden_before = group_scores(scores, ["A50", "A53", "A67"], before)
    with_hidden_after = group_scores(scores, ["A50", "A53", "A67"], after)
    hidden_counts = {len(hidden), len(with_hidden_before), len(with_hidden_after)}
    hidden_means = [hidden.mean(), with_hidden_before.mean(), with_hidden_after.mean()]
    shown_before = group_scores(scores, ["A50", "A53"], before)

    for lang in ("de", "en"):
        rows = evaluation_rows(result, BANK, lang, names)
        table = "\n".join(f"{a}\t{b}" for a, b in rows)
        note = left_out_text(result, lang, names)
        assert note is not None and names["A67"] in note
        summary = build_summary(
            platz, result, find(shipped(), "platzwechsel"), BANK, lang, names, k=K
        )
        page = to_html(summary)
        pdf = pdf_text(to_pdf(summary))
        forbidden_counts = {number(c, lang, 0) for c in hidden_counts}
        forbidden_means = {number(m, lang, d) for m in hidden_means for d in (0, 1)}
        for text in (table + "\n" + note, page, pdf):
            assert number(len(shown_before), lang, 0) in counts_in(text)
            assert number(shown_before.mean(), lang, 1) in numbers_in(text)
            assert not counts_in(text) & forbidden_counts, lang
            assert not numbers_in(text) & forbidden_means, lang
            assert names["A67"] in text  # named as left out
