"""Who is asking: a name and a set of roles, passed to every service that returns figures."""

from __future__ import annotations

from dataclasses import dataclass

from bgm_dashboard.errors import AccessDenied

ROLES = ("staff", "hr", "leadership", "council", "admin")
FIGURE_ROLES = frozenset({"hr", "leadership", "council"})
"""Roles that see every released figure (the council checks what leaves the system)."""


@dataclass(frozen=True)
class Viewer:
    name: str
    roles: frozenset[str]
    scope: str = ""
    """A unit code: the viewer sees figures of that subtree only ("" = everything its roles
    allow). Set for leadership accounts of a Dezernent or an Amtsleitung."""

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def is_staff_only(self) -> bool:
        return not (self.roles - {"staff"})


STAFF = Viewer("staff", frozenset({"staff"}))
SYSTEM = Viewer("system", frozenset({"system"}))
"""The command line, run by the operator of the installation."""


def require(viewer: Viewer, *roles: str) -> None:
    """Refuse unless the viewer holds one of ``roles`` (the system account holds them all)."""
    if "system" in viewer.roles or viewer.has(*roles):
        return
    raise AccessDenied("auth.denied", roles=", ".join(roles))
