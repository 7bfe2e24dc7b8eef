"""Streamlit pieces for measures: the verdict box, an evaluation's table, the continuity
section of the HR overview and the markers of trend charts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from bgm_dashboard.formatting import number, percent
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.interventions.continuity import by_unit
from bgm_dashboard.interventions.effect import EFFECTIVE, NO_EFFECT, UNCLEAR, Evaluation
from bgm_dashboard.interventions.report import (
    comparison_note,
    evaluation_rows,
    left_out_text,
    reason_text,
    verdict_text,
)
from bgm_dashboard.interventions.timeline import Marker, plan_markers
from bgm_dashboard.periods import period_start, shift_period
from bgm_dashboard.ui.context import app_context
from bgm_dashboard.ui.lang import lang, tr
from bgm_dashboard.ui.plain import plain


def verdict_box(evaluation: Evaluation, bank: ItemBank) -> None:
    """The verdict in words, coloured, with its reason."""
    text = (
        f"**{verdict_text(evaluation.verdict, lang())}** – {reason_text(evaluation, bank, lang())}"
    )
    if evaluation.verdict == EFFECTIVE:
        st.success(text)
    elif evaluation.verdict in (NO_EFFECT, UNCLEAR):
        st.info(text)
    else:
        st.warning(text)


def evaluation_table(evaluation: Evaluation, bank: ItemBank, names: Mapping[str, str]) -> None:
    """The evaluation's figures (shown cells only) and the notes on what was left out."""
    rows = evaluation_rows(evaluation, bank, lang(), names)
    st.dataframe(
        pd.DataFrame(rows, columns=[tr("measures.col_what"), tr("measures.col_value")]),
        hide_index=True,
        width="stretch",
    )
    for note in (
        comparison_note(evaluation, lang(), names),
        left_out_text(evaluation, lang(), names),
    ):
        if note:
            st.caption(plain(note))  # it names units


def continuity_section(today: date | None = None) -> None:
    """Structures, not Projektitis: the continuity of measures for the administration and per
    unit (for the HR overview)."""
    today = today or date.today()
    with app_context().read() as session:
        admin, rows = by_unit(session, today)
    st.subheader(tr("continuity.title"))
    st.caption(tr("continuity.caption"))
    c1, c2, c3 = st.columns(3)
    c1.metric(
        tr("continuity.structural"),
        percent(admin.share_structural, lang()),
        help=tr("continuity.structural_help", count=admin.structural, total=admin.started),
    )
    c2.metric(
        tr("continuity.evaluated"),
        percent(admin.share_evaluated, lang()),
        help=tr("continuity.evaluated_help", count=admin.evaluated, total=admin.ended),
    )
    c3.metric(
        tr("continuity.short_unevaluated"),
        number(admin.short_unevaluated, lang(), 0),
        help=tr("continuity.short_help"),
    )
    if rows:
        with st.expander(tr("continuity.by_unit")):
            st.dataframe(
                [
                    {
                        tr("continuity.col_unit"): "\u2003" * r.depth + r.name,
                        tr("continuity.col_started"): r.figures.started,
                        tr("continuity.structural"): percent(r.figures.share_structural, lang()),
                        tr("continuity.evaluated"): percent(r.figures.share_evaluated, lang()),
                        tr("continuity.short_unevaluated"): r.figures.short_unevaluated,
                    }
                    for r in rows
                ],
                hide_index=True,
                width="stretch",
            )


def plan_markers_for(unit: str | None, series: pd.DataFrame) -> list[Marker]:
    """Plan markers of ``unit`` within the periods of ``series`` (quarters or months), as
    ``(date, label, "plan")`` for ``ui.charts.trend_figure(markers=...)``."""
    labels = sorted(series["period"].unique()) if len(series) else []
    if not labels:
        return []
    end = period_start(shift_period(labels[-1], 1)) - timedelta(days=1)
    with app_context().read() as session:
        return plan_markers(session, unit, lang(), start=period_start(labels[0]), end=end)
