# SPDX-License-Identifier: EUPL-1.2
"""Trends in a series: Mann–Kendall with Sen's slope, and year-on-year change signals.

* **Mann–Kendall** (the "original" test, with the tie correction of the variance) is taken
  from ``pymannkendall.original_test``; a series with fewer than ``MIN_POINTS`` known values
  gets "te weinig gegevens" instead of a test.
* **Sen's slope** is the median of the pairwise slopes (x_j - x_i) / (t_j - t_i) over the
  real times (years), so a missing year does not stretch or shrink the slope. For an
  evenly spaced series it equals ``pymannkendall``'s slope.
* **Year on year**: every pair of consecutive known values, with the same significance test
  as elsewhere (``engine.significance``): exact test for counts with exposure, margins for
  survey figures.

Provisional values (incomplete recent months, police lag) are shown but never tested.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from veiligstad.engine.significance import (
    ALPHA,
    Comparison,
    Signal,
    compare_counts,
    compare_estimates,
)

#: Mann–Kendall needs at least this many points to say anything.
MIN_POINTS = 4

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


def trend(points: Sequence[Point], alpha: float = ALPHA) -> Trend:
    """Mann–Kendall over the points, leaving out provisional ones."""
    final = [p for p in points if not p.provisional]
    return mann_kendall([p.time for p in final], [p.value for p in final], alpha)


def compare_points(before: Point, after: Point, survey: bool) -> Comparison:
    """The significance of the change from ``before`` to ``after``."""
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
    return compare_counts(before.numerator, n1, after.numerator, n2)


def changes(points: Sequence[Point], survey: bool) -> list[Change]:
    """Each known value against the previous known value (year on year where yearly)."""
    known = sorted((p for p in points if _known(p.value)), key=lambda p: p.time)
    out = []
    for before, after in itertools.pairwise(known):
        assert before.value is not None and after.value is not None
        relative = (after.value - before.value) / before.value if before.value else None
        out.append(
            Change(before, after, after.value - before.value, relative, compare_points(before, after, survey))
        )
    return out


@dataclass(frozen=True)
class AreaComparison:
    """An area against the rest of its parent (counts) or the parent (survey), same period."""

    area: Point
    parent: Point
    rest_value: float | None
    comparison: Comparison


def compare_with_parent(area: Point, parent: Point, survey: bool, per: float = 1.0) -> AreaComparison:
    """Is the area's figure different from the rest of the parent area?

    Counts: the area's count and population against those of the parent minus the area (the
    two are then independent), exact test. Survey figures: against the parent's estimate
    with both margins (approximate, since the area is part of the parent).
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
    return AreaComparison(area, parent, rest_value, compare_counts(rest_k, rest_n, area.numerator, n_area))
