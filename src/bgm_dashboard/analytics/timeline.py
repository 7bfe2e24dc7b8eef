"""Markers on trend charts: crisis events here, action plans from the interventions area.

A marker is a plain ``(date, label, kind)`` tuple so every area can supply its own without
importing the charts; ``kind`` picks the line style ("event", "plan", anything else)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

import pandas as pd

from bgm_dashboard.analytics.events import EventInfo, events_for_unit

EVENT = "event"
PLAN = "plan"


class Marker(NamedTuple):
    """One vertical line on a trend chart."""

    when: date
    label: str
    kind: str = EVENT


def event_markers(events: Sequence[EventInfo], code: str, units: pd.DataFrame) -> list[Marker]:
    """Markers for the events that hit the unit ``code`` (or the whole administration)."""
    return [Marker(e.starts_on, e.title, EVENT) for e in events_for_unit(events, code, units)]
