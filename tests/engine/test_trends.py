# SPDX-License-Identifier: EUPL-1.2
"""Mann–Kendall and Sen's slope against pymannkendall and scipy (tolerance 1e-12);
labels, the fewer-than-4-points rule and year-on-year signals."""

from __future__ import annotations

import math

import numpy as np
import pymannkendall
import pytest
from scipy.stats import theilslopes

from veiligstad.engine.dispersion import POISSON, Dispersion
from veiligstad.engine.significance import Signal, compare_counts
from veiligstad.engine.trends import (
    MIN_POINTS,
    Point,
    changes,
    compare_with_parent,
    mann_kendall,
    sen_slope,
    series_dispersion,
    trend,
)

TOL = 1e-12
RNG = np.random.default_rng(20260128)

SERIES = {
    "rising-5": [1.0, 2.0, 3.0, 4.0, 5.0],
    "falling-5": [9.0, 7.0, 6.0, 3.0, 1.0],
    "constant": [5.0] * 8,
    "ties": [1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 1.0, 4.0, 4.0],
    "zigzag": [3.0, 1.0, 3.0, 1.0, 3.0, 1.0],
    "rates-gm0935": [124.2, 130.4, 119.2, 108.3, 109.1, 93.7, 78.6, 73.2, 66.0, 73.1, 56.3],
    **{f"random-{n}": list(RNG.normal(10, 3, n).round(1)) for n in (5, 7, 12, 20, 30)},
    **{f"trend-{n}": list((np.arange(n) * 0.3 + RNG.normal(0, 1, n)).round(2)) for n in (6, 15, 30)},
    "integer-counts": list(RNG.poisson(4, 25).astype(float)),
}


@pytest.mark.parametrize("name", sorted(SERIES))
def test_mann_kendall_equals_pymannkendall(name: str) -> None:
    x = SERIES[name]
    times = list(range(2000, 2000 + len(x)))
    ours = mann_kendall(times, x)
    ref = pymannkendall.original_test(x)
    assert ours.n == len(x)
    assert ours.tau == pytest.approx(float(ref.Tau), abs=TOL)
    assert ours.s == pytest.approx(float(ref.s), abs=TOL)
    assert ours.z == pytest.approx(float(ref.z), abs=TOL)
    assert ours.p_value == pytest.approx(float(ref.p), abs=TOL)
    assert ours.slope == pytest.approx(float(ref.slope), abs=TOL)  # evenly spaced: same slope
    expected = {"increasing": Signal.ROSE, "decreasing": Signal.FELL, "no trend": Signal.NO_CHANGE}
    assert ours.signal is expected[ref.trend]


def test_sen_slope_uses_real_years_with_gaps() -> None:
    years = [2014, 2015, 2016, 2017, 2018, 2019, 2020, 2022, 2023, 2024]
    x = [10.0, 9.5, 9.0, 8.7, 8.0, 7.2, 7.1, 6.0, 5.9, 5.1]
    expected = theilslopes(x, years).slope
    assert sen_slope(years, x) == pytest.approx(expected, abs=TOL)
    # pymannkendall counts steps, not years: with a gap the slopes differ.
    assert not math.isclose(float(pymannkendall.original_test(x).slope), expected)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4])
def test_fewer_than_five_points_is_too_little(n: int) -> None:
    result = mann_kendall(list(range(n)), [float(i) for i in range(n)])
    assert MIN_POINTS == 5
    assert result.signal is Signal.TOO_LITTLE
    assert result.p_value is None and result.slope is None
    assert f"minstens {MIN_POINTS}" in result.reason
    if n == 4:
        assert "nooit p < 0,05" in result.reason


def test_five_points_can_be_significant() -> None:
    assert mann_kendall(range(5), [1.0, 2.0, 3.0, 4.0, 5.0]).signal is Signal.ROSE  # p = 0,027


def test_unknown_values_do_not_count_as_points() -> None:
    result = mann_kendall([1, 2, 3, 4, 5], [1.0, None, 3.0, float("nan"), 5.0])
    assert result.signal is Signal.TOO_LITTLE and result.n == 3


def test_constant_series_has_no_trend() -> None:
    result = mann_kendall(range(10), [2.0] * 10)
    assert result.signal is Signal.NO_CHANGE and result.p_value == 1.0 and result.slope == 0.0


def test_strong_monotone_series_is_significant_both_ways() -> None:
    assert mann_kendall(range(8), list(range(8))).signal is Signal.ROSE
    assert mann_kendall(range(8), list(range(8, 0, -1))).signal is Signal.FELL
    assert mann_kendall(range(4), [1.0, 2.0, 3.0, 4.0]).signal is Signal.TOO_LITTLE  # n=4: p ≥ 0.089


def test_trend_leaves_out_provisional_points() -> None:
    points = [Point(2000 + i, str(2000 + i), float(10 - i)) for i in range(5)]
    points.append(Point(2005, "2005", 100.0, provisional=True))
    result = trend(points)
    assert result.n == 5 and result.last == 6.0


def test_trend_uses_only_the_points_after_the_latest_break() -> None:
    values = [10.0, 9.0, 8.0, 7.0, 20.0, 21.0, 22.0, 23.0, 24.0]
    points = [
        Point(2010 + i, str(2010 + i), v, break_before="herindeling per 1 januari 2014" if i == 4 else "")
        for i, v in enumerate(values)
    ]
    result = trend(points)
    assert result.n == 5 and result.first == 20.0 and result.signal is Signal.ROSE
    assert "vanaf 2014" in result.reason and "herindeling per 1 januari 2014" in result.reason
    short = trend(points[:7])  # 2014-2016: three points after the break
    assert short.signal is Signal.TOO_LITTLE
    assert "minstens 5" in short.reason and "herindeling" in short.reason


def test_a_change_into_a_break_is_not_tested() -> None:
    points = [
        Point(2012, "2012", 10.0, numerator=100, denominator=10_000),
        Point(
            2013,
            "2013",
            30.0,
            numerator=900,
            denominator=30_000,
            break_before="herindeling per 1 januari 2013",
        ),
        Point(2014, "2014", 31.0, numerator=930, denominator=30_000),
    ]
    into, after = changes(points, survey=False)
    assert into.comparison.signal is Signal.TOO_LITTLE
    assert "herindeling per 1 januari 2013" in into.comparison.reason
    assert after.comparison.signal is not Signal.TOO_LITTLE
    # a missing year between: the break in the gap still counts
    gap = [points[0], Point(2013, "2013", None, break_before="herindeling"), points[2]]
    (across,) = changes(gap, survey=False)
    assert across.comparison.signal is Signal.TOO_LITTLE and "herindeling" in across.comparison.reason


def test_year_on_year_short_series_without_pool_is_poisson_said_so() -> None:
    points = [
        Point(2022, "2022", 10.0, numerator=1000, denominator=100000),
        Point(2023, "2023", 12.0, numerator=1200, denominator=100000),
        Point(2024, "2024", None),
        Point(2025, "2025", 12.1, numerator=1210, denominator=100000, provisional=True),
    ]
    found = changes(points, survey=False)
    assert [(c.before.label, c.after.label) for c in found] == [("2022", "2023"), ("2023", "2025")]
    first = found[0]
    assert first.comparison == compare_counts(1000, 100000, 1200, 100000, POISSON)
    assert first.comparison.signal is Signal.ROSE and "niet te schatten" in first.comparison.phi_source
    pooled = Dispersion(30.0, "gepoold", "gepoold: mediaan van 3 gemeenten met een eigen reeks")
    with_pool = changes(points, survey=False, pooled=pooled)[0]
    assert with_pool.comparison == compare_counts(1000, 100000, 1200, 100000, pooled)
    assert with_pool.comparison.signal is Signal.NO_CHANGE
    assert first.relative == pytest.approx(0.2, abs=TOL)
    assert found[1].comparison.signal is Signal.TOO_LITTLE
    assert "voorlopig" in found[1].comparison.reason


def test_year_on_year_small_counts_are_not_significant() -> None:
    # 2 -> 4 is +100%, but well within chance.
    points = [Point(1, "2023", 2.0, numerator=2), Point(2, "2024", 4.0, numerator=4)]
    (change,) = changes(points, survey=False)
    assert change.relative == pytest.approx(1.0) and change.comparison.signal is Signal.NO_CHANGE


def test_year_on_year_survey_uses_margins() -> None:
    points = [
        Point(2017, "2017", 30.0, low=28.0, high=32.0),
        Point(2019, "2019", 38.0, low=36.0, high=40.0),
        Point(2021, "2021", 37.0),
    ]
    first, second = changes(points, survey=True)
    assert first.comparison.signal is Signal.ROSE
    assert second.comparison.signal is Signal.TOO_LITTLE and second.comparison.reason == "marges onbekend"


def test_year_on_year_uses_phi_from_the_other_years() -> None:
    counts = [1000, 1100, 900, 1050, 950, 1000, 1120, 980, 1010, 1300]
    points = [
        Point(2010 + i, str(2010 + i), k / 100, numerator=k, denominator=100_000)
        for i, k in enumerate(counts)
    ]
    last = changes(points, survey=False)[-1]
    own = series_dispersion(points, (points[-2], points[-1]))
    assert own is not None and own.df == 6
    assert last.comparison == compare_counts(1010, 100_000, 1300, 100_000, own)
    assert "zonder 2018 en 2019" in last.comparison.phi_source


def test_area_against_the_rest_of_its_parent() -> None:
    area = Point(2024, "2024", 20.0, numerator=200, denominator=10_000)
    parent = Point(2024, "2024", 11.0, numerator=1100, denominator=100_000)
    result = compare_with_parent(area, parent, survey=False, per=1000)
    assert result.rest_value == pytest.approx(900 * 1000 / 90_000, abs=TOL)
    assert result.comparison == compare_counts(900, 90_000, 200, 10_000, POISSON)
    assert result.comparison.signal is Signal.ROSE
    same = compare_with_parent(Point(1, "x", 10.0, numerator=100, denominator=10_000), parent, survey=False)
    assert same.comparison.signal is Signal.NO_CHANGE
    broken = compare_with_parent(Point(1, "x", 1.0, numerator=2000, denominator=10_000), parent, survey=False)
    assert broken.comparison.signal is Signal.TOO_LITTLE
    high, low = Point(1, "x", 30.0, low=28, high=32), Point(1, "x", 20.0, low=19, high=21)
    survey = compare_with_parent(high, low, survey=True)
    assert survey.comparison.signal is Signal.ROSE


def test_area_against_parent_uses_the_overdispersed_funnel_with_siblings() -> None:
    rates = [0.010, 0.012, 0.009, 0.011, 0.013, 0.008, 0.0105, 0.0125]
    siblings = [Point(2024, "2024", r * 1000, numerator=r * 100_000, denominator=100_000) for r in rates]
    high = Point(2024, "2024", 14.0, numerator=1400, denominator=100_000)
    everyone = [*siblings, high]
    total = sum(p.numerator or 0 for p in everyone)
    parent = Point(2024, "2024", 0.0, numerator=total, denominator=100_000 * len(everyone))
    poisson = compare_with_parent(high, parent, survey=False, per=1000)
    assert poisson.comparison.signal is Signal.ROSE  # 1,400 against ~1,130: Poisson says "higher"
    result = compare_with_parent(high, parent, survey=False, per=1000, siblings=everyone, what="wijken")
    assert result.comparison.method.startswith("trechtergrens")
    assert result.comparison.tau2 is not None and result.comparison.tau2 > 0
    assert result.comparison.signal is Signal.NO_CHANGE  # within the spread between areas
    assert "wijken" in result.comparison.phi_source


def test_phi_comes_from_the_territory_of_the_change() -> None:
    before = [1000, 1100, 900, 1050, 950, 1000, 1120, 980]  # 2010-2017, old territory
    after = [3000, 3010, 2990, 3005, 2995, 3000]  # 2018-2023, after a merger: calm
    points = [
        Point(
            2010 + i,
            str(2010 + i),
            k / 100,
            numerator=k,
            denominator=100_000,
            break_before="herindeling" if i == 8 else "",
        )
        for i, k in enumerate([*before, *after])
    ]
    found = {c.after.label: c.comparison for c in changes(points, survey=False)}
    early = found["2013"]
    assert early.phi_source.startswith("eigen reeks 2010–2017 zonder 2012 en 2013") and (early.phi or 0) > 1
    late = found["2022"]
    assert late.phi_source.startswith("eigen reeks 2018–2023") and "inclusief" in late.phi_source
    assert found["2018"].signal is Signal.TOO_LITTLE
