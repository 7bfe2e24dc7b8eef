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
    anonymous_only: bool = False
    """Offered only to sessions nobody has logged in to (the login page)."""
    scoped: bool = False
    """Built for accounts scoped to a subtree (shows that subtree only)."""

    @property
    def url_path(self) -> str:
        """The page's address: a German word, never the file's name — Streamlit would run a
        ``pages/`` file named like the address on its own, past ``app.py`` (its old
        multipage mode), with a raw file list for a menu."""
        return URL_PATHS[self.path.removeprefix("pages/").removesuffix(".py")]

    def offered_to(self, viewer: Viewer) -> bool:
        if self.anonymous_only and not viewer.is_staff_only:
            return False
        if viewer.scope and not self.scoped and "staff" not in self.roles:
            return False
        return viewer.has(*self.roles)


URL_PATHS = {
    "survey": "befragung",
    "anonymity": "anonymitaet",
    "login": "anmelden",
    "results": "ergebnisse",
    "overview": "uebersicht",
    "comments": "kommentare",
    "unit": "bereich",
    "indicators": "indikatoren",
    "participation": "beteiligung",
    "crises": "krisen",
    "drivers": "zusammenhaenge",
    "leadership": "verwaltungsleitung",
    "measures": "massnahmen",
    "pulse": "rhythmus",
    "waves": "befragungswellen",
    "governance": "einstellungen",
    "disclosure": "offenlegung",
    "audit": "protokoll",
    "accounts": "konten",
}

START_PATH = "startseite"
"""The internal name of the default page, which Streamlit serves at "/" (never shown)."""

LEADERSHIP_START = "pages/leadership.py"
ANY = frozenset({"staff", "hr", "leadership", "council", "admin"})
FIGURES = frozenset({"hr", "leadership", "council"})

STAFF_PAGES = [
    PageSpec(
        "pages/survey.py",
        "nav.survey",
        ":material/edit_note:",
        ANY,
        "nav.section_staff",
        default=True,
    ),
    PageSpec("pages/anonymity.py", "nav.anonymity", ":material/shield:", ANY, "nav.section_staff"),
    PageSpec(
        "pages/login.py",
        "nav.login",
        ":material/login:",
        ANY,
        "nav.section_staff",
        anonymous_only=True,
    ),
]
HR_PAGES = [
    PageSpec(
        "pages/overview.py", "nav.overview", ":material/grid_view:", FIGURES, "nav.section_results"
    ),
    PageSpec(
        "pages/comments.py", "nav.comments", ":material/forum:", FIGURES, "nav.section_results"
    ),
    PageSpec(
        "pages/waves.py",
        "nav.waves",
        ":material/event:",
        frozenset({"hr", "council"}),
        "nav.section_results",
    ),
    PageSpec(
        "pages/pulse.py",
        "nav.pulse",
        ":material/event_repeat:",
        frozenset({"hr", "council"}),
        "nav.section_results",
    ),
]
ANALYTICS_PAGES: list[PageSpec] = [
    PageSpec(
        "pages/unit.py",
        "nav.analytics_unit",
        ":material/apartment:",
        FIGURES,
        "nav.section_results",
    ),
    PageSpec(
        "pages/crises.py", "nav.analytics_crises", ":material/bolt:", FIGURES, "nav.section_results"
    ),
    PageSpec(
        "pages/drivers.py",
        "nav.analytics_drivers",
        ":material/explore:",
        FIGURES,
        "nav.section_results",
    ),
    PageSpec(
        "pages/participation.py",
        "nav.analytics_participation",
        ":material/how_to_reg:",
        FIGURES,
        "nav.section_results",
    ),
    PageSpec(
        "pages/indicators.py",
        "nav.analytics_indicators",
        ":material/straighten:",
        FIGURES,
        "nav.section_results",
    ),
]
MEASURE_PAGES: list[PageSpec] = [
    PageSpec(
        "pages/measures.py",
        "nav.measures",
        ":material/task_alt:",
        frozenset({"hr"}),
        "nav.section_measures",
    ),
    PageSpec("pages/results.py", "nav.results", ":material/campaign:", ANY, "nav.section_staff"),
]
GOVERNANCE_PAGES: list[PageSpec] = [
    PageSpec(
        "pages/leadership.py",
        "nav.leadership",
        ":material/account_balance:",
        frozenset({"leadership", "hr", "council"}),
        "nav.section_results",
        scoped=True,
    ),
    PageSpec(
        "pages/governance.py",
        "nav.governance",
        ":material/gavel:",
        frozenset({"hr", "admin", "council"}),
        "nav.section_governance",
    ),
    PageSpec(
        "pages/disclosure.py",
        "nav.disclosure",
        ":material/outbox:",
        frozenset({"council"}),
        "nav.section_governance",
    ),
    PageSpec(
        "pages/audit.py",
        "nav.audit",
        ":material/history:",
        frozenset({"council", "admin"}),
        "nav.section_governance",
    ),
]
ACCOUNT_PAGES: list[PageSpec] = [
    PageSpec(
        "pages/accounts.py",
        "nav.accounts",
        ":material/group:",
        frozenset({"admin", "council"}),
        "nav.section_governance",
    ),
]

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
    return [p for p in ALL_PAGES if p.offered_to(viewer)]


def menu(viewer: Viewer) -> list[tuple[PageSpec, bool]]:
    """Every page with whether the menu shows it to this viewer. All are registered, so a
    bookmark or a typed address reaches the page, which then checks the role itself."""
    offered = pages_for(viewer)
    return [(p, p in offered) for p in ALL_PAGES]


def landing_page(viewer: Viewer, pages: list[PageSpec]) -> PageSpec | None:
    """Where a session starts: the survey for staff, leadership's quarter for leadership
    (unless it also works in HR), else the first restricted page after login."""
    if viewer.has("leadership") and not viewer.has("hr"):
        for page in pages:
            if page.path == LEADERSHIP_START:
                return page
    if not viewer.is_staff_only:
        for page in pages:
            if "staff" not in page.roles:
                return page
    return next((p for p in pages if p.default), pages[0] if pages else None)
