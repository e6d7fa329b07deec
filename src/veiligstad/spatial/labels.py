# SPDX-License-Identifier: EUPL-1.2
"""The labels and the minimum number of areas of the hotspot analyses, importable without PySAL
(which takes seconds).

``spatial.hotspots`` and ``spatial.emerging`` use them; pages and the API that only show them
import them from here.
"""

from __future__ import annotations

from veiligstad.errors import DataError

NOT_SIGNIFICANT = "geen significant patroon"
#: Gi* is undefined for an area whose neighbourhood is every area (e.g. a central stadsdeel that
#: borders all others): its z has no variance. It gets this label and stays out of the FDR.
UNDEFINED = "niet te bepalen"

#: Gi*, local Moran's I and emerging hotspots are refused on fewer areas than this. Below about
#: 30 areas the permutation distribution of a neighbourhood is made of a handful of values, one
#: area is a large share of every other area's comparison, and a central area borders nearly
#: all others (Maastricht's 7 wijken and 7 stadsdelen); Esri's Hot Spot Analysis warns below 30
#: features as well.
MIN_AREAS = 30

#: Areas with fewer inhabitants than this are *non-residential* (industrial estates, the port,
#: parks, a hill): a rate per inhabitant says nothing about the people who live there, one
#: registration moves it by 10 per 1,000 or more, and such an area dominates every test (in
#: Maastricht Beatrixhaven: 15 inhabitants, 4,600 per 1,000). They are left out of hotspot
#: analyses of rates; an analysis of counts keeps them.
MIN_RESIDENTS = 100


class TooFewAreas(DataError):
    """Fewer areas than :data:`MIN_AREAS`: no Gi*, LISA or emerging hotspots."""

    def __init__(self, message: str, hint: str = "", n_areas: int = 0) -> None:
        super().__init__(message, hint)
        self.n_areas = n_areas


def check_areas(n_areas: int, what: str = "Gi* en LISA") -> None:
    """Raise :class:`TooFewAreas` (plain Dutch) when ``n_areas`` is below :data:`MIN_AREAS`.

    >>> check_areas(7)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    veiligstad.spatial.labels.TooFewAreas: Te weinig gebieden: 7 gebieden, ... minstens 30 nodig.
    """
    if n_areas < MIN_AREAS:
        raise TooFewAreas(
            f"Te weinig gebieden: {n_areas} gebieden, voor {what} zijn er minstens {MIN_AREAS} nodig.",
            hint="Kies een lager gebiedsniveau (bijvoorbeeld buurten) of alle gemeenten. "
            "Bij zo weinig gebieden zegt een hotspotlabel niets betrouwbaars.",
            n_areas=n_areas,
        )
