"""Charts on a page: ``st.plotly_chart`` with the app's settings."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import streamlit as st

CHART_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["toImage"]}
"""No "Download plot as png" (an unaudited way out) and no Plotly logo; zoom stays."""


def plotly_chart(figure: go.Figure, **options: Any) -> None:
    """Draw ``figure`` with the app's chart settings."""
    st.plotly_chart(figure, config=CHART_CONFIG, **options)
