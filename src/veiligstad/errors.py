# SPDX-License-Identifier: EUPL-1.2
"""The one exception tree of veiligstad; edges (CLI, web) render these once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in a definitions or data file: where it is, what is wrong, how to fix it."""

    code: str
    location: str
    message: str
    fix: str = ""
    severity: str = "fout"  # "fout" blocks use; "waarschuwing" is shown but allowed

    def render(self) -> str:
        """Render as one Dutch line: ``file: field: message (fix)``."""
        text = f"{self.location}: {self.message}"
        return f"{text} — oplossing: {self.fix}" if self.fix else text


class VeiligstadError(Exception):
    """Base class: a condition the user can act on, with a Dutch message."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ConfigError(VeiligstadError):
    """A setting is missing or malformed."""


class DefinitionError(VeiligstadError):
    """A programme or indicator file is invalid; carries every problem found."""

    def __init__(self, message: str, problems: Sequence[Problem]) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


class DataError(VeiligstadError):
    """Data that cannot be loaded as it is (embedded or imported)."""


class WarehouseError(VeiligstadError):
    """The warehouse cannot be opened, read or written."""


class NotFound(VeiligstadError):
    """An indicator, area or period that the warehouse does not know."""


class LoginRequired(VeiligstadError):
    """A page or action needs a logged-in account."""


class AccessDenied(VeiligstadError):
    """The account's role does not allow this page or action."""


class TooManyAttempts(VeiligstadError):
    """Too many failed logins; try again after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BadRequest(VeiligstadError):
    """A request the server will not act on: a missing or wrong form token, a bad parameter."""
