"""Plotly figures (no Streamlit here, so tests can build and inspect them). Print-friendly:
white background, colour-blind-safe diverging scale, values written into the cells."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from bgm_dashboard.formatting import number, period_short
from bgm_dashboard.i18n import t
from bgm_dashboard.instrument.bank import ItemBank

DIVERGING = "RdBu"
BAND = "rgba(31, 95, 139, 0.18)"
LINE = "#1f5f8b"
FONT = {"family": "Source Sans Pro, Arial, sans-serif", "size": 13}


def _layout(fig: go.Figure, title: str = "", height: int = 420) -> go.Figure:
    fig.update_layout(
        title=title,
        template="plotly_white",
        height=height,
        font=FONT,
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
    )
    return fig


def digits_for(indicator: str, bank: ItemBank) -> int:
    try:
        return 2 if bank.scale(indicator).range[1] <= 5 else 0
    except KeyError:
        return 0


def heatmap_figure(table: pd.DataFrame, bank: ItemBank, lang: str, *, k: int) -> go.Figure:
    """Units x indicators; colour = distance from the whole administration (in meaningful
    changes, capped at two), text = the figure, or "< k" where suppressed."""
    units = table.drop_duplicates("department_id")[["department_id", "name", "depth"]]
    indicators = list(dict.fromkeys(table["indicator"]))
    labels = [
        "\u2003" * int(d) + str(n) for n, d in zip(units["name"], units["depth"], strict=True)
    ]
    cols = [bank.scale(c).title[lang] for c in indicators]
    z = np.full((len(units), len(indicators)), np.nan)
    text = np.full((len(units), len(indicators)), "", dtype=object)
    row_of = {d: i for i, d in enumerate(units["department_id"])}
    col_of = {c: j for j, c in enumerate(indicators)}
    for rec in table.itertuples(index=False):
        i, j = row_of[rec.department_id], col_of[rec.indicator]
        if rec.status == "shown":
            z[i, j] = float(np.clip(rec.distance, -2, 2)) if pd.notna(rec.distance) else 0.0
            text[i, j] = number(rec.mean, lang, digits_for(rec.indicator, bank))
        else:
            text[i, j] = t("ui.suppressed_short", lang, k=k)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=cols,
            y=labels,
            text=text,
            texttemplate="%{text}",
            zmin=-2,
            zmax=2,
            colorscale=DIVERGING,
            hoverongaps=False,
            xgap=2,
            ygap=2,
            hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
            colorbar={
                "title": t("ui.heatmap_legend", lang),
                "tickvals": [-2, -1, 0, 1, 2],
                "ticktext": ["−2", "−1", "0", "+1", "+2"],
            },
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top", tickangle=-30)
    return _layout(fig, height=max(320, 34 * len(units) + 140))


def trend_figure(
    series: pd.DataFrame,
    title: str,
    lang: str,
    *,
    value_range: tuple[float, float],
    k: int,
    digits: int = 1,
    markers: Sequence[tuple[date, str]] = (),
) -> go.Figure:
    """A released series with its 95 % band; suppressed periods are gaps marked "< k";
    ``markers`` draws events (crises, measures) as vertical lines."""
    shown = series[series["status"] == "shown"]
    x = [period_short(p, lang) for p in series["period"]]
    mean = series["mean"].where(series["status"] == "shown")
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=series["ci_high"].where(series["status"] == "shown"),
            mode="lines",
            line={"width": 0},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=series["ci_low"].where(series["status"] == "shown"),
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor=BAND,
            hoverinfo="skip",
            name=t("ui.ci95", lang),
        )
    )
    hover = [
        f"{number(m, lang, digits)} (n = {number(n, lang, 0)})"
        if s == "shown"
        else t("ui.suppressed_short", lang, k=k)
        for m, n, s in zip(series["mean"], series["n"], series["status"], strict=True)
    ]
    fig.add_trace(
        go.Scatter(
            x=x,
            y=mean,
            mode="lines+markers",
            line={"color": LINE, "width": 2.5},
            connectgaps=False,
            name=title,
            text=hover,
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    hidden = series[series["status"] != "shown"]
    if not hidden.empty:
        fig.add_trace(
            go.Scatter(
                x=[period_short(p, lang) for p in hidden["period"]],
                y=[value_range[0]] * len(hidden),
                mode="markers+text",
                marker={"symbol": "x", "color": "#888"},
                text=[t("ui.suppressed_short", lang, k=k)] * len(hidden),
                textposition="top center",
                name=t("ui.suppressed_legend", lang, k=k),
            )
        )
    for when, label in markers:
        fig.add_vline(x=_period_for(when, series), line_dash="dot", line_color="#b5452b")
        fig.add_annotation(
            x=_period_for(when, series),
            y=1,
            yref="paper",
            text=label,
            showarrow=False,
            textangle=-90,
            xanchor="right",
            font={"size": 11},
        )
    fig.update_yaxes(range=list(value_range))
    del shown
    return _layout(fig, title)


def _period_for(when: date, series: pd.DataFrame) -> str:
    """The axis label of the period containing ``when`` (months or quarters)."""
    label = series["period"].iloc[0] if len(series) else ""
    if len(label) == 7 and label[4] == "-" and label[5] == "Q":
        return f"Q{(when.month - 1) // 3 + 1}/{when.year}"
    return f"{when.month:02d}/{when.year}"
