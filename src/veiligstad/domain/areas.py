# SPDX-License-Identifier: EUPL-1.2
"""Areas: land → gemeente → stadsdeel / CBS wijk → CBS buurt."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AreaLevel(StrEnum):
    """Area levels, coarsest first. A stadsdeel is a municipality's own grouping of buurten."""

    LAND = "land"
    GEMEENTE = "gemeente"
    STADSDEEL = "stadsdeel"
    WIJK = "wijk"
    BUURT = "buurt"

    @property
    def label(self) -> str:
        """Dutch display label."""
        return _LABELS[self]


_LABELS = {
    AreaLevel.LAND: "Nederland",
    AreaLevel.GEMEENTE: "gemeente",
    AreaLevel.STADSDEEL: "stadsdeel",
    AreaLevel.WIJK: "wijk",
    AreaLevel.BUURT: "buurt",
}

#: Levels that buurt figures are summed into (by the buurt's own parent codes).
BUURT_PARENT_LEVELS = (AreaLevel.WIJK, AreaLevel.STADSDEEL, AreaLevel.GEMEENTE)

#: The code of the whole country, as CBS uses it.
NETHERLANDS = "NL01"


@dataclass(frozen=True)
class Area:
    """One area with its parents; codes are text (``GM0935``, ``WK093500``, ``BU09350000``)."""

    code: str
    name: str
    level: AreaLevel
    gemeente_code: str | None = None
    wijk_code: str | None = None
    stadsdeel_code: str | None = None
    boundary_year: int | None = None

    @property
    def display_name(self) -> str:
        """Name for people; the code where CBS publishes no name."""
        return self.name or self.code
