# SPDX-License-Identifier: EUPL-1.2
"""Trends in a series: Mann–Kendall with Sen's slope, and year-on-year change signals.

* **Mann–Kendall** (the "original" test, with the tie correction of the variance) is taken
  from ``pymannkendall.original_test``; a series with fewer than ``MIN_POINTS`` (5) known
  values gets "te weinig gegevens" instead of a test: with 4 values the smallest possible
  two-sided p is 0,089, so the test could never say "significant".
* **Sen's slope** is the median of the pairwise slopes (x_j - x_i) / (t_j - t_i) over the
  real times (years), so a missing year does not stretch or shrink the slope. For an
  evenly spaced series it equals ``pymannkendall``'s slope.
* **Year on year**: every pair of consecutive known values, with the same significance test
  as elsewhere (``engine.significance``): for counts with exposure the quasi-Poisson test
  with the series' dispersion φ (``engine.dispersion``: own history where long enough, else
  pooled, never below 1), margins for survey figures.
* **Area against parent**: funnel limits with overdispersion (``engine.funnel``) over the
  sibling areas, else the quasi-Poisson test against the rest of the parent.
* **Boundary breaks**: a point with ``break_before`` (e.g. "herindeling per 1 januari 2013")
  is the first value on a new territory. A change into it, and a baseline comparison across
  it, gets "te weinig gegevens" with that reason; Mann–Kendall/Sen and the estimate of φ use
  only the points from the latest break on.

Provisional values (incomplete recent months, police lag) are shown but never tested.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from veiligstad.engine import dispersion as disp
from veiligstad.engine import funnel as funnels
from veiligstad.engine.significance import (
    ALPHA,
    Comparison,
    Signal,
    compare_counts,
    compare_estimates,
)

#: Mann–Kendall needs at least this many points: with 4 it can never reach p < 0,05.
MIN_POINTS = 5

MK_METHOD = "Mann-Kendall-toets (tweezijdig, correctie voor gelijke waarden) met Sen-helling"


@dataclass(frozen=True)
class Trend:
    """The result of a Mann–Kendall test with Sen's slope (per unit of time)."""

    signal: Signal
    n: int
    tau: float | None
    s: float | None
    z: float | None
    p_value: float | None
    slope: float | None
    intercept: float | None
    first: float | None
    last: float | None
    reason: str = ""
    method: str = MK_METHOD


@dataclass(frozen=True)
class Point:
    """One value of a series, with what the significance tests need."""

    time: float
    label: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    low: float | None = None
    high: float | None = None
    provisional: bool = False
    break_before: str = ""  # non-empty: first value after a boundary change, with the reason


@dataclass(frozen=True)
class Change:
    """A change between two points of a series, with its significance label."""

    before: Point
    after: Point
    difference: float
    relative: float | None
    comparison: Comparison


def _known(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def sen_slope(times: Sequence[float], values: Sequence[float]) -> float:
    """Median of the pairwise slopes over the real times.

    >>> sen_slope([2014, 2015, 2017], [10.0, 8.0, 4.0])
    -2.0
    """
    t = np.asarray(times, dtype=float)
    x = np.asarray(values, dtype=float)
    i, j = np.triu_indices(len(t), k=1)
    dt = t[j] - t[i]
    slopes = (x[j] - x[i])[dt != 0] / dt[dt != 0]
    return float(np.median(slopes))


def mann_kendall(times: Sequence[float], values: Sequence[float | None], alpha: float = ALPHA) -> Trend:
    """Mann–Kendall test and Sen's slope; unknown values are left out, order is by time."""
    pairs = sorted((float(t), float(v)) for t, v in zip(times, values, strict=True) if _known(v))  # type: ignore[arg-type]
    n = len(pairs)
    if n < MIN_POINTS:
        reason = f"{n} {'meetpunt' if n == 1 else 'meetpunten'}; minstens {MIN_POINTS} nodig"
        if n == MIN_POINTS - 1:
            reason += " (met 4 kan de toets nooit p < 0,05 halen)"
        return Trend(Signal.TOO_LITTLE, n, None, None, None, None, None, None, None, None, reason)
    import pymannkendall  # imported here: it loads scipy.stats, which costs seconds at start-up

    t = [p[0] for p in pairs]
    x = [p[1] for p in pairs]
    result = pymannkendall.original_test(x, alpha=alpha)
    p = float(result.p)
    s = float(result.s)
    slope = sen_slope(t, x)
    intercept = float(np.median(np.asarray(x) - slope * np.asarray(t)))
    signal = Signal.NO_CHANGE if p >= alpha or s == 0 else (Signal.ROSE if s > 0 else Signal.FELL)
    return Trend(
        signal=signal,
        n=n,
        tau=float(result.Tau),
        s=s,
        z=float(result.z),
        p_value=p,
        slope=slope,
        intercept=intercept,
        first=x[0],
        last=x[-1],
    )


def latest_break(points: Sequence[Point]) -> Point | None:
    """The latest point with a boundary break (``break_before``), if any."""
    breaks = [p for p in points if p.break_before]
    return max(breaks, key=lambda p: p.time) if breaks else None


def after_break(points: Sequence[Point]) -> list[Point]:
    """The points from the latest boundary break on (all points when there is none)."""
    last = latest_break(points)
    return list(points) if last is None else [p for p in points if p.time >= last.time]


def break_between(points: Sequence[Point], before: Point, after: Point) -> str:
    """The reason of a boundary break after ``before`` up to and including ``after``, or ``""``."""
    for p in sorted(points, key=lambda p: p.time):
        if before.time < p.time <= after.time and p.break_before:
            return p.break_before
    return after.break_before if after.time > before.time else ""


def trend(points: Sequence[Point], alpha: float = ALPHA) -> Trend:
    """Mann–Kendall over the points from the latest boundary break on, leaving out
    provisional ones."""
    last = latest_break(points)
    final = [p for p in after_break(points) if not p.provisional]
    result = mann_kendall([p.time for p in final], [p.value for p in final], alpha)
    if last is not None:
        note = f"alleen de jaren vanaf {last.label} (grenswijziging: {last.break_before})"
        reason = f"{result.reason}; {note}" if result.reason else note
        result = Trend(**{**result.__dict__, "reason": reason})
    return result


def segment(points: Sequence[Point], at: float | None = None) -> list[Point]:
    """The points on the same territory as time ``at``: from the latest break at or before it up
    to the next break (``at`` None: the segment after the latest break)."""
    if at is None:
        return after_break(points)
    breaks = sorted(p.time for p in points if p.break_before)
    start = max((t for t in breaks if t <= at), default=-math.inf)
    end = min((t for t in breaks if t > at), default=math.inf)
    return [p for p in points if start <= p.time < end]


def series_dispersion(
    points: Sequence[Point], leave_out: Sequence[Point] = (), at: float | None = None
) -> disp.Dispersion | None:
    """φ from the series' own history: the final points with a known count on one territory
    (the segment after the latest boundary break, or the segment containing time ``at``),
    without the points in ``leave_out`` (``engine.dispersion.estimate``); ``None`` when fewer
    than ``engine.dispersion.MIN_YEARS`` remain.

    A change is tested with φ from the *other* years (leave out the two compared points): a
    large change would otherwise inflate its own yardstick, and the test would call far less
    than 5% of the no-change pairs significant (0,8% instead of 5% in the simulation).
    """
    skip = {p.time for p in leave_out}
    usable = [
        p for p in segment(points, at) if not p.provisional and _known(p.numerator) and p.time not in skip
    ]
    found = disp.estimate(
        [p.time for p in usable],
        [p.numerator for p in usable],
        [p.denominator if p.denominator is not None else 1.0 for p in usable],
    )
    if found is None or not leave_out:
        return found
    left = " en ".join(p.label for p in sorted(leave_out, key=lambda p: p.time))
    first, last = usable[0].label, usable[-1].label
    source = f"{disp.OWN} {first}–{last} zonder {left}, {len(usable)} jaar"
    return replace(found, source=source)


def change_dispersion(
    points: Sequence[Point], before: Point, after: Point, pooled: disp.Dispersion | None = None
) -> disp.Dispersion:
    """The φ for the change from ``before`` to ``after``: from the series' other years where
    there are at least ``MIN_YEARS``; else from the whole series with the two compared years
    (on the safe side: 0,8% instead of 5% false alarms in the simulation); else ``pooled``
    (comparable areas); else φ = 1 (said so). The years come from the territory of ``after``:
    a change before a boundary break uses the years before it."""
    own = series_dispersion(points, (before, after), at=after.time)
    if own is None:
        whole = series_dispersion(points, at=after.time)
        if whole is not None:
            own = replace(whole, source=f"{whole.source}, inclusief de vergeleken jaren")
    return disp.choose(own, pooled)


def compare_points(
    before: Point, after: Point, survey: bool, dispersion: disp.Dispersion = disp.POISSON
) -> Comparison:
    """The significance of the change from ``before`` to ``after`` (counts: with the
    dispersion φ of the series, see ``engine.significance.compare_counts``)."""
    if not (_known(before.value) and _known(after.value)):
        return Comparison(Signal.TOO_LITTLE, None, "", "waarde ontbreekt")
    assert before.value is not None and after.value is not None
    if after.provisional or before.provisional:
        return Comparison(Signal.TOO_LITTLE, None, "", "voorlopige cijfers worden niet getoetst")
    if survey:
        return compare_estimates(before.value, before.low, before.high, after.value, after.low, after.high)
    if not (_known(before.numerator) and _known(after.numerator)):
        return Comparison(Signal.TOO_LITTLE, None, "", "telling onbekend")
    assert before.numerator is not None and after.numerator is not None
    n1 = before.denominator if before.denominator is not None else 1.0
    n2 = after.denominator if after.denominator is not None else 1.0
    return compare_counts(before.numerator, n1, after.numerator, n2, dispersion)


def compare_across(
    points: Sequence[Point], before: Point, after: Point, survey: bool, dispersion: disp.Dispersion
) -> Comparison:
    """:func:`compare_points`, but "te weinig gegevens" when a boundary break lies between."""
    reason = break_between(points, before, after)
    if reason:
        return Comparison(Signal.TOO_LITTLE, None, "", f"grenswijziging: {reason}; niet te vergelijken")
    return compare_points(before, after, survey, dispersion)


def changes(points: Sequence[Point], survey: bool, pooled: disp.Dispersion | None = None) -> list[Change]:
    """Each known value against the previous known value (year on year where yearly).

    Counts are tested with φ from the series' other years (:func:`change_dispersion`); where
    the series is too short with ``pooled`` (the median φ of comparable areas, which callers
    that know them pass), else with φ = 1, said so in the comparison. A change into a
    boundary break gets "te weinig gegevens".
    """
    known = sorted((p for p in points if _known(p.value)), key=lambda p: p.time)
    out = []
    for before, after in itertools.pairwise(known):
        assert before.value is not None and after.value is not None
        relative = (after.value - before.value) / before.value if before.value else None
        dispersion = disp.POISSON if survey else change_dispersion(points, before, after, pooled)
        cmp = compare_across(points, before, after, survey, dispersion)
        out.append(Change(before, after, after.value - before.value, relative, cmp))
    return out


@dataclass(frozen=True)
class AreaComparison:
    """An area against the rest of its parent (counts) or the parent (survey), same period."""

    area: Point
    parent: Point
    rest_value: float | None
    comparison: Comparison


def compare_with_parent(
    area: Point,
    parent: Point,
    survey: bool,
    per: float = 1.0,
    siblings: Sequence[Point] = (),
    dispersion: disp.Dispersion = disp.POISSON,
    what: str = "gebieden",
) -> AreaComparison:
    """Is the area's figure different from the rest of the parent area?

    Counts: with ``siblings`` (all areas of the same level in the parent, the area among
    them, same period) the funnel limits with overdispersion (``engine.funnel``) against the
    parent's rate; ``what`` names the siblings in the method text. With fewer than
    ``engine.funnel.MIN_AREAS`` siblings with a known count: the area's count and population
    against those of the parent minus the area (the two are then independent), quasi-Poisson
    test with ``dispersion``. Survey figures: against the parent's estimate with both margins
    (approximate, since the area is part of the parent).
    """
    if survey:
        cmp = compare_points(parent, area, survey=True)
        return AreaComparison(area, parent, None, cmp)
    values = (area.numerator, parent.numerator)
    if not all(_known(v) for v in values) or area.provisional or parent.provisional:
        return AreaComparison(area, parent, None, Comparison(Signal.TOO_LITTLE, None, "", "telling onbekend"))
    assert area.numerator is not None and parent.numerator is not None
    n_area = area.denominator if area.denominator is not None else 1.0
    n_parent = parent.denominator if parent.denominator is not None else 1.0
    rest_k = parent.numerator - area.numerator
    rest_n = n_parent - n_area if area.denominator is not None else 1.0
    if rest_k < 0 or rest_n <= 0:
        reason = "gebied en bovenliggend gebied passen niet bij elkaar"
        return AreaComparison(area, parent, None, Comparison(Signal.TOO_LITTLE, None, "", reason))
    rest_value = rest_k * per / rest_n if area.denominator is not None else rest_k
    in_funnel = _funnel_comparison(area, parent, siblings, what)
    if in_funnel is not None:
        return AreaComparison(area, parent, rest_value, in_funnel)
    return AreaComparison(
        area, parent, rest_value, compare_counts(rest_k, rest_n, area.numerator, n_area, dispersion)
    )


def _funnel_comparison(area: Point, parent: Point, siblings: Sequence[Point], what: str) -> Comparison | None:
    usable = [
        s
        for s in siblings
        if _known(s.numerator) and not s.provisional and (s.denominator is None or s.denominator > 0)
    ]
    if not any(s == area for s in usable):
        usable.append(area)
    index = next(i for i, s in enumerate(usable) if s == area)
    if len(usable) < funnels.MIN_AREAS:
        return None
    exposures = [s.denominator if s.denominator is not None else 1.0 for s in usable]
    target = None  # counts without exposure: the siblings' mean
    if _known(parent.numerator) and parent.denominator is not None and parent.denominator > 0:
        assert parent.numerator is not None
        target = parent.numerator / parent.denominator
    result = funnels.funnel([s.numerator or 0.0 for s in usable], exposures, target)
    return None if result is None else funnels.comparison(result, index, what)
