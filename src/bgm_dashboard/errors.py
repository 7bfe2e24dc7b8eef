"""Errors a user can act on: each carries a catalogue key so it reads in the user's language."""

from __future__ import annotations

from typing import Any

from bgm_dashboard.i18n import t


class UserError(Exception):
    """Bad input or a refused action, explained through the text catalogue."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def message(self, lang: str = "de") -> str:
        return t(self.key, lang, **self.params)

    def __str__(self) -> str:
        return self.message("de")


class ValidationError(UserError):
    """Input that breaks a rule; nothing of it was stored."""


class AccessDenied(UserError):
    """The caller's role does not allow this."""


class RowError(ValidationError):
    """A bad cell of an imported file, named by its line and column."""

    def __init__(self, row: int, column: str, problem: str, **params: Any) -> None:
        super().__init__("import.row_error", row=row, column=column)
        self.row = row
        self.column = column
        self.problem = problem
        self.problem_params = params

    def message(self, lang: str = "de") -> str:
        return t(
            "import.row_error",
            lang,
            row=self.row,
            column=self.column,
            problem=t(self.problem, lang, **self.problem_params),
        )
