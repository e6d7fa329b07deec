# SPDX-License-Identifier: EUPL-1.2
"""Rates on the right territory across municipal mergers (see ``domain.mergers``).

Two things follow from a merger for the figures of the gemeente that results from it:

* **Denominator.** The population on 1 January of a merger year is counted in the old
  boundaries (CBS publishes it as the end of the year before). For the new territory it is
  the sum of the predecessors' populations on that day: ``population_fixes`` gives the rows
  that ``engine.compute`` puts in place of the stored figure. A new code gets the same sum
  for earlier years too, for sources that recast their counts to later boundaries (the
  police tables use the boundaries of their last year). Where the register reduced a
  split-up to one successor, the value is marked approximate.
* **Break.** A count after the merger and one before it describe different territories: no
  year-on-year test or trend may span them. ``annotate`` adds the column ``territory_break``
  (the Dutch description of the merger, empty elsewhere) to the first year after each
  change, and marks the transition year of a merger during the year approximate.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from veiligstad.domain.areas import AreaLevel
from veiligstad.domain.mergers import Merger

#: How many years before its merger a new code's territory is rebuilt from its predecessors.
RECAST_YEARS = 30

EVENT_COLUMNS = ["successor", "e_year", "predecessor", "n_predecessors", "e_approximate"]


def population_fixes(mergers: Sequence[Merger]) -> pd.DataFrame:
    """One row per (successor, year, predecessor) whose populations are summed.

    >>> import datetime as dt
    >>> m = Merger(dt.date(2013, 1, 1), "GM0441", "Schagen", ("GM0395", "GM0476"), ("H", "Z"), True)
    >>> population_fixes([m])[["e_year", "predecessor", "n_predecessors"]].values.tolist()
    [[2013, 'GM0441', 3], [2013, 'GM0395', 3], [2013, 'GM0476', 3]]

    A new code that also received part of a split-up sums its whole predecessors (approximate):

    >>> new = Merger(dt.date(2018, 1, 1), "GM1949", "Waadhoeke", ("GM0063", "GM0070"), ("B", "F"), False)
    >>> part = Merger(dt.date(2018, 1, 1), "GM1949", "Waadhoeke", (), (), True, parts_of=("L",))
    >>> fixes = population_fixes([new, part])
    >>> fixes[fixes.e_year == 2018][["predecessor", "n_predecessors", "e_approximate"]].values.tolist()
    [['GM0063', 2, True], ['GM0070', 2, True]]
    """
    rows: list[tuple[str, int, str, int, bool]] = []
    for merger in mergers:
        if not merger.on_new_year:
            continue  # 1 January of the next year already counts the new territory
        year = merger.date.year
        years = [year] if merger.successor_existed else list(range(year - RECAST_YEARS, year + 1))
        predecessors = merger.predecessors
        for y in years:
            rows.extend(
                (merger.successor, y, code, len(predecessors), merger.approximate) for code in predecessors
            )
    frame = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    # A new code that also received part of a split-up (Waadhoeke 2018: part of Littenseradiel;
    # Westerkwartier 2019: part of Winsum) has two events that day. The split-up's event lists
    # the receiving code itself as a predecessor, but a new code had no population of its own:
    # requiring it left the merger year without a denominator. It is left out; the sum of the
    # whole predecessors misses the received part, so it stays approximate (split-up).
    created = {(m.successor, m.date.year) for m in mergers if m.on_new_year and not m.successor_existed}
    own = frame["predecessor"] == frame["successor"]
    new_code = pd.Series(
        [(s, int(y)) in created for s, y in zip(frame["successor"], frame["e_year"], strict=True)],
        index=frame.index,
        dtype=bool,
    )
    frame["e_approximate"] = frame.groupby(["successor", "e_year"])["e_approximate"].transform("any")
    frame = frame[~(own & new_code)].copy()
    # Two changes to one code in one year (a merger and a part of a split-up): one sum over
    # all predecessors, approximate when either is.
    frame = frame.drop_duplicates(["successor", "e_year", "predecessor"])
    frame["n_predecessors"] = frame.groupby(["successor", "e_year"])["predecessor"].transform("size")
    frame["e_approximate"] = frame.groupby(["successor", "e_year"])["e_approximate"].transform("any")
    return frame.astype({"e_year": "int32", "n_predecessors": "int64", "e_approximate": bool})


def annotate(values: pd.DataFrame, mergers: Sequence[Merger]) -> pd.DataFrame:
    """Add ``territory_break`` and mark transition years approximate (gemeenten only).

    >>> import datetime as dt
    >>> m = Merger(dt.date(2013, 1, 1), "GM0441", "Schagen", ("GM0395",), ("Harenkarspel",), True)
    >>> frame = pd.DataFrame({"area_code": ["GM0441"] * 2, "level": ["gemeente"] * 2,
    ...     "year": [2012, 2013], "value": [1.0, 2.0], "approximate": [False, False]})
    >>> annotate(frame, [m])["territory_break"].tolist()
    ['', 'herindeling per 1 januari 2013: Harenkarspel opgegaan in Schagen']
    """
    out = values.copy()
    breaks: dict[tuple[str, int], list[str]] = {}
    transition: set[tuple[str, int]] = set()
    for merger in mergers:
        for year in merger.break_years:
            breaks.setdefault((merger.successor, year), []).append(merger.description())
        if not merger.on_new_year:
            transition.add((merger.successor, merger.date.year))
    gemeente = out["level"] == AreaLevel.GEMEENTE.value
    keys = list(zip(out["area_code"], out["year"].astype(int), strict=True))
    out["territory_break"] = [
        "; ".join(breaks.get(key, ())) if is_gm else "" for key, is_gm in zip(keys, gemeente, strict=True)
    ]
    mixed = pd.Series([key in transition for key in keys], index=out.index) & gemeente & out["value"].notna()
    out["approximate"] = out["approximate"].fillna(False).astype(bool) | mixed
    return out
