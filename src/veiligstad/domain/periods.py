# SPDX-License-Identifier: EUPL-1.2
"""Periods: one canonical text form for years, half years, quarters and months.

Canonical forms: ``2023`` (year), ``2020H1`` (half year), ``2023Q1`` (quarter) and
``2023-03`` (month). CBS codes (``2023JJ00``, ``2023KW01``, ``2023MM03``) are accepted
on input. Year, quarter and month periods are different kinds: a year total is never
added to its own months.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from veiligstad.errors import DataError


class PeriodType(StrEnum):
    """The length of a period."""

    YEAR = "jaar"
    HALF_YEAR = "halfjaar"
    QUARTER = "kwartaal"
    MONTH = "maand"


_PATTERNS: tuple[tuple[re.Pattern[str], PeriodType], ...] = (
    (re.compile(r"^(\d{4})$"), PeriodType.YEAR),
    (re.compile(r"^(\d{4})JJ00$"), PeriodType.YEAR),
    (re.compile(r"^(\d{4})H([12])$"), PeriodType.HALF_YEAR),
    (re.compile(r"^(\d{4})(?:Q|KW0?)([1-4])$"), PeriodType.QUARTER),
    (re.compile(r"^(\d{4})-(\d{2})$"), PeriodType.MONTH),
    (re.compile(r"^(\d{4})MM(\d{2})$"), PeriodType.MONTH),
)

_MAX_NUMBER = {
    PeriodType.YEAR: 0,
    PeriodType.HALF_YEAR: 2,
    PeriodType.QUARTER: 4,
    PeriodType.MONTH: 12,
}


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period: year plus the number of the half year, quarter or month."""

    year: int
    type: PeriodType
    number: int = 0

    @property
    def code(self) -> str:
        """The canonical text form."""
        if self.type is PeriodType.YEAR:
            return f"{self.year}"
        if self.type is PeriodType.HALF_YEAR:
            return f"{self.year}H{self.number}"
        if self.type is PeriodType.QUARTER:
            return f"{self.year}Q{self.number}"
        return f"{self.year}-{self.number:02d}"

    def __str__(self) -> str:
        return self.code


def parse_period(text: str) -> Period:
    """Parse a period in canonical or CBS form; raise DataError naming the accepted forms."""
    cleaned = str(text).strip()
    for pattern, kind in _PATTERNS:
        match = pattern.match(cleaned)
        if match is None:
            continue
        year = int(match.group(1))
        number = int(match.group(2)) if kind is not PeriodType.YEAR else 0
        if kind is not PeriodType.YEAR and not 1 <= number <= _MAX_NUMBER[kind]:
            break
        return Period(year=year, type=kind, number=number)
    raise DataError(
        f"Onbekende periode '{text}'.",
        hint="Gebruik 2025, 2025H1, 2025Q1, 2025-03 of een CBS-code zoals 2025JJ00.",
    )
