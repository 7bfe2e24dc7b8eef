"""The page registry: which pages exist, under which heading, for which roles.

``app.py`` builds the navigation from the roles of the session; every restricted page checks
the role again itself (``ui.guard``)."""

from __future__ import annotations

from dataclasses import dataclass

from bgm_dashboard.auth.viewer import Viewer


@dataclass(frozen=True)
class PageSpec:
    path: str
    title_key: str
    icon: str
    roles: frozenset[str]
    section_key: str
    default: bool = False


ANY = frozenset({"staff", "hr", "leadership", "council", "admin"})
FIGURES = frozenset({"hr", "leadership", "council"})

STAFF_PAGES = [
    PageSpec("pages/survey.py", "nav.survey", "📝", ANY, "nav.section_staff", default=True),
]
HR_PAGES = [
    PageSpec("pages/overview.py", "nav.overview", "🗺️", FIGURES, "nav.section_results"),
]
ANALYTICS_PAGES: list[PageSpec] = []
MEASURE_PAGES: list[PageSpec] = []
GOVERNANCE_PAGES: list[PageSpec] = []
ACCOUNT_PAGES: list[PageSpec] = []

ALL_PAGES = [
    *STAFF_PAGES,
    *HR_PAGES,
    *ANALYTICS_PAGES,
    *MEASURE_PAGES,
    *GOVERNANCE_PAGES,
    *ACCOUNT_PAGES,
]


def pages_for(viewer: Viewer) -> list[PageSpec]:
    """The pages this viewer may open, in menu order."""
    return [p for p in ALL_PAGES if viewer.has(*p.roles)]
