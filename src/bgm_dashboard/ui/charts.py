"""Plotly figures (no Streamlit here, so tests can build and inspect them). Print-friendly:
white background, colour-blind-safe diverging scale, values written into the cells."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from bgm_dashboard.formatting import number, period_short
from bgm_dashboard.i18n import has, t
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.periods import period_start

MarkerLike = tuple[date, str] | tuple[date, str, str]
"""A marker: ``(date, label)`` or ``(date, label, kind)``; see ``analytics.timeline``."""

DIVERGING = "RdBu"
BAND = "rgba(31, 95, 139, 0.18)"
LINE = "#1f5f8b"
FONT = {"family": "Source Sans Pro, Arial, sans-serif", "size": 13}


SEPARATORS = {"de": ",.", "en": ".,"}
"""Plotly's decimal and thousands separators per language (German: ``1.234,5``)."""


def _layout(fig: go.Figure, title: str = "", height: int = 420, lang: str = "de") -> go.Figure:
    fig.update_layout(
        title=title,
        separators=SEPARATORS.get(lang, ",."),
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
    for dep, ind, status, distance, mean in zip(
        table["department_id"],
        table["indicator"],
        table["status"],
        table["distance"].to_numpy(dtype=float),
        table["mean"].to_numpy(dtype=float),
        strict=True,
    ):
        i, j = row_of[dep], col_of[ind]
        if status == "shown":
            z[i, j] = float(np.clip(distance, -2, 2)) if np.isfinite(distance) else 0.0
            text[i, j] = number(float(mean), lang, digits_for(str(ind), bank))
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
    return _layout(fig, height=max(320, 34 * len(units) + 140), lang=lang)


def trend_figure(
    series: pd.DataFrame,
    title: str,
    lang: str,
    *,
    value_range: tuple[float, float],
    k: int,
    digits: int = 1,
    markers: Sequence[MarkerLike] = (),
) -> go.Figure:
    """A released series with its 95 % band; suppressed periods are gaps marked "< k";
    ``markers`` — ``(date, label)`` or ``(date, label, kind)`` — draws events (crises,
    action plans …) as vertical lines, styled by kind and named in the legend."""
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
    add_markers(fig, markers, x, lang)
    fig.update_yaxes(range=list(value_range))
    return _layout(fig, title, lang=lang)


MARKER_STYLE = {
    "event": {"color": "#b5452b", "dash": "dot"},
    "plan": {"color": "#2e7d32", "dash": "dash"},
}
OTHER_MARKER = {"color": "#555555", "dash": "dashdot"}
LABEL_MAX = 40


def _marker_kind_label(kind: str, lang: str) -> str:
    key = f"charts.marker_{kind}"
    return t(key, lang) if has(key) else kind


def add_markers(
    fig: go.Figure, markers: Sequence[MarkerLike], axis: Sequence[str], lang: str
) -> None:
    """Vertical lines for markers whose period is on the (category) ``axis``: one line per
    period and kind (styled by kind and named in the legend, so black-and-white print still
    tells them apart) and one label per period (several markers joined, shortened; the full
    text on hover)."""
    if not axis:
        return
    monthly = "Q" not in axis[0]
    at: dict[str, list[tuple[str, str]]] = {}
    for marker in markers:
        when, label = marker[0], marker[1]
        kind = str(marker[2]) if len(marker) > 2 else "event"
        x = (
            f"{when.month:02d}/{when.year}"
            if monthly
            else f"Q{(when.month - 1) // 3 + 1}/{when.year}"
        )
        if x in axis:
            at.setdefault(x, []).append((kind, str(label)))
    seen: set[str] = set()
    for x, entries in at.items():
        kinds = list(dict.fromkeys(kind for kind, _ in entries))
        for kind in kinds:
            style = MARKER_STYLE.get(kind, OTHER_MARKER)
            fig.add_vline(x=x, line_dash=style["dash"], line_color=style["color"], line_width=1.5)
            if kind not in seen:
                seen.add(kind)
                fig.add_trace(
                    go.Scatter(
                        x=[None],
                        y=[None],
                        mode="lines",
                        line={"color": style["color"], "dash": style["dash"]},
                        name=_marker_kind_label(kind, lang),
                    )
                )
        text = " / ".join(label for _, label in entries)
        short = text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"
        colour = MARKER_STYLE.get(kinds[0], OTHER_MARKER)["color"]
        fig.add_annotation(
            x=x,
            y=1,
            yref="paper",
            text=short,
            hovertext=text,
            showarrow=False,
            textangle=-90,
            xanchor="right",
            yanchor="top",
            font={"size": 11, "color": colour},
        )


def resilience_curve_figure(
    series: pd.DataFrame,
    metrics: Mapping[Any, Any],
    title: str,
    lang: str,
    *,
    value_range: tuple[float, float],
    digits: int = 1,
    event_label: str = "",
) -> go.Figure:
    """A unit's shown series around an event: the baseline (dashed), the resilience triangle
    between baseline and curve up to recovery (hatched), the event and the recovery marked."""
    x = [period_short(p, lang) for p in series["period"]]
    fig = go.Figure()
    if "ci_low" in series and len(series):
        fig.add_trace(
            go.Scatter(x=x, y=series["ci_high"], mode="lines", line={"width": 0},
                       hoverinfo="skip", showlegend=False)
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(x=x, y=series["ci_low"], mode="lines", line={"width": 0}, fill="tonexty",
                       fillcolor=BAND, hoverinfo="skip", name=t("ui.ci95", lang))
        )  # fmt: skip
    baseline = metrics.get("baseline")
    event = str(metrics.get("event_period", ""))
    recovery = str(metrics.get("recovery_period") or "")
    if isinstance(baseline, float) and np.isfinite(baseline) and len(series):
        periods = list(series["period"])
        stop = recovery if recovery else periods[-1]
        inside = [i for i, p in enumerate(periods) if event <= p <= stop]
        if inside:
            xs = [x[i] for i in inside]
            ys = [min(float(series["mean"].iloc[i]), baseline) for i in inside]
            fig.add_trace(
                go.Scatter(x=xs, y=[baseline] * len(xs), mode="lines", line={"width": 0},
                           hoverinfo="skip", showlegend=False)
            )  # fmt: skip
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    line={"width": 0},
                    fill="tonexty",
                    fillcolor="rgba(181, 69, 43, 0.15)",
                    fillpattern={"shape": "/", "fgcolor": "#b5452b", "size": 8},
                    hoverinfo="skip",
                    name=t("charts.triangle", lang),
                )
            )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=[baseline] * len(x),
                mode="lines",
                line={"color": "#444444", "dash": "dash", "width": 1.5},
                name=t("charts.baseline", lang, value=number(baseline, lang, digits)),
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=series["mean"],
            mode="lines+markers",
            line={"color": LINE, "width": 2.5},
            marker={"size": 7},
            name=title,
            text=[number(v, lang, digits) for v in series["mean"]],
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    markers: list[MarkerLike] = []
    if event:
        markers.append((period_start(event), event_label or t("charts.marker_event", lang)))
    if recovery:
        markers.append((period_start(recovery), t("charts.recovered", lang), "recovery"))
    add_markers(fig, markers, x, lang)
    fig.update_yaxes(range=list(value_range))
    return _layout(fig, title, lang=lang)


def drivers_figure(table: pd.DataFrame, labels: Mapping[str, str], lang: str) -> go.Figure:
    """Correlations with their 95 % intervals per dimension (ranked top down): across units
    (circles) and over time (diamonds)."""
    order = list(table["dimension"])
    names = [f"{i + 1}. {labels.get(d, d)}" for i, d in enumerate(order)]
    fig = go.Figure()
    for prefix, symbol, colour, key in (
        ("time", "diamond", LINE, "charts.r_time"),
        ("units", "circle-open", "#b5452b", "charts.r_units"),
    ):
        r = table[f"r_{prefix}"].to_numpy(dtype=float)
        fig.add_trace(
            go.Scatter(
                x=r,
                y=names,
                mode="markers",
                marker={"symbol": symbol, "size": 11, "color": colour},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": table[f"high_{prefix}"].to_numpy(dtype=float) - r,
                    "arrayminus": r - table[f"low_{prefix}"].to_numpy(dtype=float),
                    "thickness": 1.5,
                },
                name=t(key, lang),
                text=[number(v, lang, 2) for v in r],
                hovertemplate="%{y}: r = %{text}<extra></extra>",
            )
        )
    fig.add_vline(x=0, line_color="#444444", line_width=1)
    fig.update_xaxes(range=[-1, 1], title=t("charts.r_axis", lang))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, height=max(320, 48 * len(order) + 120), lang=lang)


def rate_figure(
    rates: pd.DataFrame, title: str, lang: str, *, k: int, markers: Sequence[MarkerLike] = ()
) -> go.Figure:
    """A unit's response rate per wave (%); hidden waves are marked "< k"."""
    x = [period_short(p, lang) for p in rates["period"]]
    shown = rates["status"] == "shown"
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=rates["rate"].where(shown),
            mode="lines+markers",
            line={"color": LINE, "width": 2.5},
            name=t("charts.rate", lang),
            text=[
                f"{number(r, lang, 1)} % ({number(n, lang, 0)} / {number(h, lang, 0)})"
                if s
                else t("ui.suppressed_short", lang, k=k)
                for r, n, h, s in zip(
                    rates["rate"], rates["responses"], rates["headcount"], shown, strict=True
                )
            ],
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    hidden = rates[~shown]
    if len(hidden):
        fig.add_trace(
            go.Scatter(
                x=[period_short(p, lang) for p in hidden["period"]],
                y=[0] * len(hidden),
                mode="markers+text",
                marker={"symbol": "x", "color": "#888"},
                text=[t("ui.suppressed_short", lang, k=k)] * len(hidden),
                textposition="top center",
                name=t("ui.suppressed_legend", lang, k=k),
            )
        )
    add_markers(fig, markers, x, lang)
    fig.update_yaxes(range=[0, 100], title="%")
    return _layout(fig, title, lang=lang)
