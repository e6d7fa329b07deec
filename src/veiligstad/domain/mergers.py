# SPDX-License-Identifier: EUPL-1.2
"""Municipal mergers (gemeentelijke herindelingen): which gemeenten a code covers, and since when.

A gemeente code can keep its number while others merge into it (Schagen 2013, Groningen
2019): the same code then stands for a larger territory from the merger on. Figures per
year follow the boundaries of that year, so a count after the merger belongs to the new
territory and must be divided by the population of the new territory.

Population figures are counted on 1 January. A merger on 1 January of year Y changes the
territory from year Y on; the population of the new territory on that day is the sum of its
predecessors' populations (each counted in its old boundaries on 31 December of Y - 1). A
merger during the year (Rozenburg into Rotterdam on 18 March 2010, Weesp into Amsterdam on
24 March 2022) makes year Y a transition year: its figures mix old and new boundaries, and the
population on 1 January of Y + 1 already covers the new territory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from veiligstad import formatting


@dataclass(frozen=True)
class Merger:
    """One merger: the gemeenten that went into ``successor`` on ``date``.

    ``absorbed`` are the codes that ended; ``successor_existed`` says whether the successor's
    code existed before (it is then one of the predecessors too). ``split`` names absorbed
    codes that were in fact split over several successors (the register names one): the new
    territory is then only approximately the sum of the predecessors. ``parts_of`` names
    gemeenten of which the successor received a part while the register sends them
    elsewhere; the successor then changed territory without a merger of its own. ``check``
    is set where the predecessors' populations do not add up to the successor's a year later
    (more than 3% apart: an unlisted boundary change or unusual growth).
    """

    date: dt.date
    successor: str
    successor_name: str
    absorbed: tuple[str, ...]
    absorbed_names: tuple[str, ...]
    successor_existed: bool
    split: tuple[str, ...] = ()
    parts_of: tuple[str, ...] = ()
    check: str = ""

    @property
    def approximate(self) -> bool:
        """Whether the predecessors' sum is only close to the new territory."""
        return bool(self.split or self.parts_of or self.check)

    @property
    def predecessors(self) -> tuple[str, ...]:
        """Every code whose old territory makes up the new one (the successor's own first)."""
        own = (self.successor,) if self.successor_existed else ()
        return own + self.absorbed

    @property
    def on_new_year(self) -> bool:
        """Whether the merger took effect on 1 January (the usual date)."""
        return (self.date.month, self.date.day) == (1, 1)

    @property
    def first_year(self) -> int:
        """The first year whose 1 January population covers the new territory.

        >>> Merger(dt.date(2013, 1, 1), "GM0441", "Schagen", ("GM0395",), ("Harenkarspel",), True).first_year
        2013
        >>> Merger(dt.date(2010, 3, 18), "GM0599", "Rotterdam", ("GM0600",), ("Rozenburg",), True).first_year
        2011
        """
        return self.date.year if self.on_new_year else self.date.year + 1

    @property
    def break_years(self) -> tuple[int, ...]:
        """Years whose figures are not comparable with the year before: the merger year, and
        for a merger during the year also the year after (the transition year is mixed)."""
        return (self.date.year,) if self.on_new_year else (self.date.year, self.date.year + 1)

    def description(self) -> str:
        """Dutch, for the reasons shown beside a series.

        >>> Merger(dt.date(2013, 1, 1), "GM0441", "Schagen", ("GM0395", "GM0476"),
        ...        ("Harenkarspel", "Zijpe"), True).description()
        'herindeling per 1 januari 2013: Harenkarspel en Zijpe opgegaan in Schagen'
        """
        if not self.absorbed:
            parts = _joined(list(self.parts_of))
            when = formatting.date(self.date)
            return f"herindeling per {when}: een deel van {parts} kwam bij {self.successor_name}"
        joined = _joined(list(self.absorbed_names))
        verb = "opgegaan in" if self.successor_existed else "samengevoegd tot"
        text = f"herindeling per {formatting.date(self.date)}: {joined} {verb} {self.successor_name}"
        return text + (" (een deel ging naar andere gemeenten)" if self.split else "")


def _joined(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]
