"""Analytics tables as users read and export them: headers and labels in the user's language,
numbers kept as numbers (formatting happens in ``ui.downloads``), plus short sentences."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from bgm_dashboard.analytics.curves import LEVEL_PERIODS
from bgm_dashboard.analytics.events import EventInfo
from bgm_dashboard.formatting import number, period, signed
from bgm_dashboard.indicators.stats import ALPHA_STABLE_N
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.periods import shift_period
from bgm_dashboard.ui.downloads import show_table
from bgm_dashboard.ui.lang import lang, tr

__all__ = ["show_table"]


def value_digits(indicator: str, bank: ItemBank) -> int:
    """Decimals of an indicator's figures: two on 1–5 scales (BRS), one elsewhere."""
    try:
        return 2 if bank.scale(indicator).range[1] <= 5 else 1
    except KeyError:
        return 1


def title(indicator: str, bank: ItemBank) -> str:
    try:
        return bank.scale(indicator).title[lang()]
    except KeyError:
        return tr("an_col.responses") if indicator == "responses" else indicator


def period_text(label: object) -> str:
    return period(str(label), lang()) if isinstance(label, str) and label else "–"


def _digits_for_rows(indicators: pd.Series, bank: ItemBank) -> list[int]:
    return [value_digits(str(c), bank) for c in indicators]


def row_digits(frame: pd.DataFrame, bank: ItemBank) -> list[int]:
    """Decimals per row of a table with an ``indicator`` column."""
    return _digits_for_rows(frame["indicator"], bank)


def change_table(change: pd.DataFrame, bank: ItemBank) -> pd.DataFrame:
    """The change table: value, comparison, difference with its interval, verdict."""
    return pd.DataFrame(
        {
            tr("an_col.unit"): change["name"],
            tr("an_col.indicator"): [title(c, bank) for c in change["indicator"]],
            tr("an_col.comparison"): [tr(f"change.{c}") for c in change["comparison"]],
            tr("an_col.period"): [period_text(p) for p in change["period"]],
            tr("an_col.value"): change["value"],
            tr("an_col.base_period"): [period_text(p) for p in change["base_period"]],
            tr("an_col.base_value"): change["base_value"],
            tr("an_col.diff"): change["diff"],
            tr("an_col.ci_low"): change["ci_low"],
            tr("an_col.ci_high"): change["ci_high"],
            tr("an_col.threshold"): change["threshold"],
            tr("an_col.verdict"): [tr(f"change.verdict_{v}") for v in change["verdict"]],
        }
    )


def change_digits(change: pd.DataFrame, bank: ItemBank) -> dict[str, list[int]]:
    rows = _digits_for_rows(change["indicator"], bank)
    cols = ("value", "base_value", "diff", "ci_low", "ci_high", "threshold")
    return {tr(f"an_col.{c}"): rows for c in cols}


def curve_table(curves: pd.DataFrame, bank: ItemBank, names: Mapping[str, str]) -> pd.DataFrame:
    """Resilience-curve figures per unit and indicator."""
    return pd.DataFrame(
        {
            tr("an_col.unit"): [names.get(c, c) for c in curves["code"]],
            tr("an_col.indicator"): [title(c, bank) for c in curves["indicator"]],
            tr("an_col.granularity"): [tr(f"unit.granularity_{g}") for g in curves["granularity"]],
            tr("an_col.baseline"): curves["baseline"],
            tr("an_col.low_value"): curves["low_value"],
            tr("an_col.low_period"): [period_text(p) for p in curves["low_period"]],
            tr("an_col.depth"): curves["depth"],
            tr("an_col.months_to_recover"): curves["months_to_recover"],
            tr("an_col.recovery_period"): [
                period_text(p) if p else tr("curves.not_yet") for p in curves["recovery_period"]
            ],
            tr("an_col.after_level"): curves["after_level"],
            tr("an_col.after_diff"): curves["after_diff"],
            tr("an_col.loss"): curves["loss"],
            tr("an_col.outcome"): [tr(f"curves.outcome_{o}") for o in curves["outcome"]],
        }
    )


def curve_digits(curves: pd.DataFrame, bank: ItemBank) -> dict[str, int | list[int]]:
    rows = _digits_for_rows(curves["indicator"], bank)
    out: dict[str, int | list[int]] = {
        tr(f"an_col.{c}"): rows for c in ("baseline", "low_value", "depth", "after_level")
    }
    out[tr("an_col.after_diff")] = rows
    out[tr("an_col.loss")] = rows
    out[tr("an_col.months_to_recover")] = 0
    return out


def curve_window(series: pd.DataFrame, metrics: pd.Series) -> pd.DataFrame:
    """The part of a series a curve chart shows: from two periods before the baseline to
    two periods after the level-after-recovery window (or to the latest period)."""
    if series.empty:
        return series
    start = shift_period(str(metrics["baseline_from"]), -2)
    granularity = str(metrics["granularity"])
    recovery = str(metrics["recovery_period"] or "")
    if recovery:
        end = shift_period(recovery, LEVEL_PERIODS[granularity] + 1)
        part = series[(series["period"] >= start) & (series["period"] <= end)]
    else:
        part = series[series["period"] >= start]
    return part.reset_index(drop=True)


def curve_sentence(row: pd.Series, bank: ItemBank) -> str:
    """One sentence with the curve's figures, in the user's language."""
    language = lang()
    digits = value_digits(str(row["indicator"]), bank)
    if row["outcome"] == "no_baseline":
        return tr("curves.sentence_no_baseline")
    params = {
        "baseline": number(row["baseline"], language, digits),
        "depth": number(row["depth"], language, digits),
        "low": period_text(row["low_period"]),
        "loss": number(row["loss"], language, digits),
    }
    if row["outcome"] == "no_dip":
        return tr("curves.sentence_no_dip", baseline=params["baseline"])
    if not row["recovered"]:
        return tr("curves.sentence_open", **params)
    return tr(
        "curves.sentence",
        **params,
        months=number(row["months_to_recover"], language, 0),
        recovery=period_text(row["recovery_period"]),
        after=number(row["after_level"], language, digits),
        diff=signed(row["after_diff"], language, digits),
        outcome=tr(f"curves.outcome_{row['outcome']}"),
    )


def trend_table(trends: pd.DataFrame, bank: ItemBank, names: Mapping[str, str]) -> pd.DataFrame:
    """Trend tests: window, τ, p, slope per month with its interval, status, since when."""
    return pd.DataFrame(
        {
            tr("an_col.unit"): [names.get(c, c) for c in trends["code"]],
            tr("an_col.indicator"): [title(c, bank) for c in trends["indicator"]],
            tr("an_col.window"): [
                f"{period_text(a)} – {period_text(b)}"
                for a, b in zip(trends["first_period"], trends["last_period"], strict=True)
            ],
            tr("an_col.points"): trends["points"].astype(int),
            tr("an_col.tau"): trends["tau"],
            tr("an_col.p"): trends["p_value"],
            tr("an_col.q"): trends["q_value"],
            tr("an_col.slope"): trends["slope"],
            tr("an_col.slope_low"): trends["slope_low"],
            tr("an_col.slope_high"): trends["slope_high"],
            tr("an_col.window_change"): trends["change"],
            tr("an_col.status"): [tr(f"decline.status_{s}") for s in trends["status"]],
            tr("an_col.since"): [period_text(s) if s else "" for s in trends["since"]],
            tr("an_col.months"): [int(m) if m else None for m in trends["months"]],
        }
    )


TREND_DIGITS = {
    "an_col.tau": 2,
    "an_col.p": 3,
    "an_col.q": 3,
    "an_col.slope": 2,
    "an_col.slope_low": 2,
    "an_col.slope_high": 2,
}


def trend_digits() -> dict[str, int]:
    return {tr(k): v for k, v in TREND_DIGITS.items()} | {tr("an_col.months"): 0}


def decline_table(declines: pd.DataFrame, bank: ItemBank, names: Mapping[str, str]) -> pd.DataFrame:
    """The list "Bereiche mit anhaltender Verschlechterung"."""
    return pd.DataFrame(
        {
            tr("an_col.unit"): [names.get(c, c) for c in declines["code"]],
            tr("an_col.indicator"): [title(c, bank) for c in declines["indicator"]],
            tr("an_col.since"): [period_text(s) for s in declines["since"]],
            tr("an_col.months"): declines["months"].astype(int),
            tr("an_col.window_change"): declines["change"],
            tr("an_col.slope"): declines["slope"],
            tr("an_col.slope_low"): declines["slope_low"],
            tr("an_col.slope_high"): declines["slope_high"],
            tr("an_col.tau"): declines["tau"],
            tr("an_col.p"): declines["p_value"],
            tr("an_col.q"): declines["q_value"],
        }
    )


def alpha_display(alphas: pd.DataFrame, bank: ItemBank, names: Mapping[str, str]) -> pd.DataFrame:
    """α per unit and indicator with the "below .70" flag."""
    return pd.DataFrame(
        {
            tr("an_col.unit"): [names.get(c, c) for c in alphas["code"]],
            tr("an_col.indicator"): [title(c, bank) for c in alphas["indicator"]],
            tr("an_col.alpha"): alphas["alpha"],
            tr("an_col.alpha_low"): alphas["alpha_low"],
            tr("an_col.alpha_high"): alphas["alpha_high"],
            tr("an_col.alpha_n"): alphas["alpha_n"].astype(int),
            tr("an_col.alpha_flag"): [
                tr("reliability.unstable", n=ALPHA_STABLE_N)
                if unstable
                else (tr("reliability.low") if low else tr("reliability.ok"))
                for low, unstable in zip(alphas["low"], alphas["unstable"], strict=True)
            ],
        }
    )


def rate_table(rates: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """Response rates per unit and period (suppressed cells without numbers)."""
    shown = rates["status"] == "shown"
    return pd.DataFrame(
        {
            tr("an_col.unit"): [names.get(c, c) for c in rates["code"]],
            tr("an_col.period"): [period_text(p) for p in rates["period"]],
            tr("an_col.responses"): rates["responses"].astype("Int64"),
            tr("an_col.headcount"): rates["headcount"].astype("Int64"),
            **({tr("an_col.waves"): rates["waves"].astype(int)} if "waves" in rates else {}),
            tr("an_col.rate"): rates["rate"],
            tr("an_col.status"): [
                tr("participation.shown") if s else tr("participation.hidden") for s in shown
            ],
        }
    )


def rate_trend_sentence(row: pd.Series) -> str:
    language = lang()
    if row["status"] == "too_few":
        return tr("participation.trend_too_few")
    return tr(
        "participation.trend_sentence",
        slope=signed(row["slope"], language, 2),
        low=number(row["slope_low"], language, 2),
        high=number(row["slope_high"], language, 2),
        p=number(row["p_value"], language, 3),
        status=tr(f"decline.status_{row['status']}"),
    )


def rate_trend_table(trends: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            tr("an_col.unit"): trends["name"],
            tr("an_col.window"): [
                f"{period_text(a)} – {period_text(b)}"
                for a, b in zip(trends["first_period"], trends["last_period"], strict=True)
            ],
            tr("an_col.rate_slope"): trends["slope"],
            tr("an_col.slope_low"): trends["slope_low"],
            tr("an_col.slope_high"): trends["slope_high"],
            tr("an_col.p"): trends["p_value"],
            tr("an_col.status"): [tr(f"decline.status_{s}") for s in trends["status"]],
        }
    )


def drivers_table(table: pd.DataFrame, bank: ItemBank) -> pd.DataFrame:
    """Ranked drivers with both correlations and their intervals."""
    return pd.DataFrame(
        {
            tr("an_col.rank"): table["rank"].astype(int),
            tr("an_col.dimension"): [title(c, bank) for c in table["dimension"]],
            tr("an_col.r_time"): table["r_time"],
            tr("an_col.r_time_low"): table["low_time"],
            tr("an_col.r_time_high"): table["high_time"],
            tr("an_col.n_time"): table["n_time"].astype(int),
            tr("an_col.r_units"): table["r_units"],
            tr("an_col.r_units_low"): table["low_units"],
            tr("an_col.r_units_high"): table["high_units"],
            tr("an_col.n_units"): table["n_units"].astype(int),
            tr("an_col.clear"): table["clear"].astype(bool),
        }
    )


def drivers_digits() -> dict[str, int]:
    cols = ("r_time", "r_time_low", "r_time_high", "r_units", "r_units_low", "r_units_high")
    return {tr(f"an_col.{c}"): 2 for c in cols}


def events_display(events: list[EventInfo], names: Mapping[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            tr("an_col.start"): [e.starts_on for e in events],
            tr("an_col.end"): [e.ends_on for e in events],
            tr("an_col.title"): [e.title for e in events],
            tr("an_col.kind"): [tr(f"crisis.kind_{e.kind}") for e in events],
            tr("an_col.units"): [
                ", ".join(names.get(c, c) for c in e.unit_codes)
                if e.unit_codes
                else tr("crisis.whole_administration")
                for e in events
            ],
            tr("an_col.description"): [e.description for e in events],
        }
    )


def show_curve(
    series: pd.DataFrame,
    row: pd.Series,
    heading: str,
    indicator: str,
    bank: ItemBank,
    event_label: str,
    key: str,
) -> None:
    """One resilience curve around an event, with its figures in a sentence below."""
    import streamlit as st

    from bgm_dashboard.ui.charts import resilience_curve_figure
    from bgm_dashboard.ui.chartview import plotly_chart

    plotly_chart(
        resilience_curve_figure(
            curve_window(series, row),
            row.to_dict(),
            heading,
            lang(),
            value_range=bank.scale(indicator).range,
            digits=value_digits(indicator, bank),
            event_label=event_label,
        ),
        width="stretch",
        key=key,
    )
    st.markdown(curve_sentence(row, bank))
