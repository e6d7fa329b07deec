# SPDX-License-Identifier: EUPL-1.2
"""CompStat periods from monthly counts, each with a significance label.

The warehouse holds months, not days, so the classic 28-day window becomes the **last
complete month against the month before**. The other two windows are the usual ones:

* ``maand``: the last complete month against the month before it;
* ``jaar-tot-nu``: January up to the last complete month against the same months a year
  earlier;
* ``12-maanden``: the 12 months up to the last complete month against the 12 before.

"Complete" means not provisional: the police publish the last months before all reports
are in (4-6 weeks' lag). Provisional months after the last complete month are listed and
kept out of every test. Each pair of windows is tested with ``engine.significance.
compare_counts`` with the dispersion φ the caller passes (the services use φ of the area's
yearly series, or the pooled φ of comparable areas): quasi-Poisson where φ > 1, mid-p
Poisson test where φ = 1. Using the yearly φ for a month window is on the safe side: where
the extra variation grows with the size of the count (variance μ + c·μ²), a month's φ is
smaller than a year's. The exposure is the number of days, times the population where it is
known for every month of both windows, so months of different length and a growing
population do not pass for a change.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from veiligstad.engine.dispersion import Dispersion
from veiligstad.engine.significance import Comparison, Signal, compare_counts

METHOD = "quasi-Poisson-toets met φ van de jaarreeks (blootstelling = dagen x inwoners)"

#: The three windows, in the order shown, with their Dutch titles.
TITLES = {
    "maand": "Laatste volledige maand t.o.v. de maand ervoor",
    "jaar-tot-nu": "Jaar tot nu t.o.v. dezelfde maanden vorig jaar",
    "12-maanden": "Laatste 12 maanden t.o.v. de 12 maanden ervoor",
}


@dataclass(frozen=True)
class Month:
    """One month's count for one area (a withheld count is None, never zero)."""

    year: int
    month: int
    count: float | None
    population: float | None = None
    provisional: bool = False

    @property
    def key(self) -> tuple[int, int]:
        """(year, month) for ordering."""
        return (self.year, self.month)


@dataclass(frozen=True)
class Window:
    """A run of months summed: its count, days and exposure (None where not computable)."""

    first: tuple[int, int]
    last: tuple[int, int]
    months: int
    count: float | None
    days: int
    exposure: float | None
    missing: tuple[tuple[int, int], ...] = ()

    @property
    def label(self) -> str:
        """``2024-03`` or ``2024-01 t/m 2024-03``."""
        first, last = _code(self.first), _code(self.last)
        return first if first == last else f"{first} t/m {last}"


@dataclass(frozen=True)
class Block:
    """One CompStat comparison: current window against the previous one."""

    kind: str
    title: str
    current: Window
    previous: Window
    comparison: Comparison

    @property
    def relative(self) -> float | None:
        """Relative change of the count (only shown next to the label)."""
        now, then = self.current.count, self.previous.count
        if now is None or then is None or then == 0:
            return None
        return (now - then) / then


@dataclass(frozen=True)
class CompStat:
    """The CompStat view of a monthly series."""

    last_complete: tuple[int, int] | None
    provisional: tuple[tuple[int, int], ...]
    blocks: list[Block] = field(default_factory=list)
    reason: str = ""


def _code(key: tuple[int, int]) -> str:
    return f"{key[0]}-{key[1]:02d}"


def shift(key: tuple[int, int], months: int) -> tuple[int, int]:
    """Move a (year, month) by a number of months.

    >>> shift((2024, 1), -1), shift((2024, 12), 1), shift((2024, 3), -14)
    ((2023, 12), (2025, 1), (2023, 1))
    """
    index = key[0] * 12 + key[1] - 1 + months
    return (index // 12, index % 12 + 1)


def _span(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    keys = [first]
    while keys[-1] < last:
        keys.append(shift(keys[-1], 1))
    return keys


def window(months: dict[tuple[int, int], Month], first: tuple[int, int], last: tuple[int, int]) -> Window:
    """Sum the months from ``first`` to ``last``; a missing, withheld or provisional month
    leaves the count unknown."""
    keys = _span(first, last)
    days = sum(calendar.monthrange(y, m)[1] for y, m in keys)
    missing = tuple(k for k in keys if k not in months or months[k].count is None or months[k].provisional)
    if missing:
        return Window(first, last, len(keys), None, days, None, missing)
    found = [months[k] for k in keys]
    count = float(sum(m.count for m in found if m.count is not None))
    exposure: float | None = None
    if all(m.population is not None and math.isfinite(m.population) and m.population > 0 for m in found):
        exposure = float(sum(calendar.monthrange(m.year, m.month)[1] * (m.population or 0.0) for m in found))
    return Window(first, last, len(keys), count, days, exposure)


def _compare(current: Window, previous: Window, dispersion: Dispersion) -> Comparison:
    for w in (current, previous):
        if w.count is None:
            listed = ", ".join(_code(k) for k in w.missing[:4]) + (" …" if len(w.missing) > 4 else "")
            return Comparison(
                Signal.TOO_LITTLE, None, METHOD, f"maanden ontbreken of zijn voorlopig: {listed}"
            )
    assert current.count is not None and previous.count is not None
    if current.exposure is not None and previous.exposure is not None:
        return compare_counts(previous.count, previous.exposure, current.count, current.exposure, dispersion)
    return compare_counts(previous.count, previous.days, current.count, current.days, dispersion)


def compstat(series: Sequence[Month], dispersion: Dispersion) -> CompStat:
    """The three CompStat windows ending at the last complete (non-provisional) month, tested
    with ``dispersion`` (``engine.dispersion.POISSON`` for φ = 1)."""
    months = {m.key: m for m in series}
    final = [m.key for m in series if not m.provisional]
    if not final:
        return CompStat(None, tuple(sorted(months)), reason="geen volledige maanden")
    last = max(final)
    provisional = tuple(sorted(k for k, m in months.items() if m.provisional and k > last))
    year, month = last
    pairs = {
        "maand": ((last, last), (shift(last, -1), shift(last, -1))),
        "jaar-tot-nu": (((year, 1), last), ((year - 1, 1), (year - 1, month))),
        "12-maanden": ((shift(last, -11), last), (shift(last, -23), shift(last, -12))),
    }
    blocks = []
    for kind, (now, then) in pairs.items():
        current = window(months, *now)
        previous = window(months, *then)
        blocks.append(Block(kind, TITLES[kind], current, previous, _compare(current, previous, dispersion)))
    return CompStat(last, provisional, blocks)
