# SPDX-License-Identifier: EUPL-1.2
"""Significance labels: exact conditional binomial test and z-test on survey margins.

p-values are compared with scipy.stats.binomtest / the normal distribution at rel 1e-12.
"""

from __future__ import annotations

import math

import pytest
from scipy.stats import binomtest, norm

from veiligstad.engine.significance import (
    ALPHA,
    Signal,
    compare_counts,
    compare_estimates,
)

REL = 1e-12
Z95 = norm.ppf(0.975)


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2"),
    [
        (100, 1000, 100, 1000),  # identical
        (200, 10000, 100, 10000),  # halved
        (100, 10000, 130, 10000),  # modest rise
        (5, 2000, 9, 2100),  # small counts, different exposures
        (1466, 121000, 1206, 120500),  # Maastricht bicycle theft 2017 → 2018 (order)
        (0, 1000, 4, 1000),  # from zero
        (3, 500, 0, 520),  # to zero
    ],
)
def test_compare_counts_matches_binomtest(k1: int, n1: int, k2: int, n2: int) -> None:
    result = compare_counts(k1, n1, k2, n2)
    expected = binomtest(k2, k1 + k2, n2 / (n1 + n2)).pvalue
    assert result.p_value == pytest.approx(expected, rel=REL)
    if expected >= ALPHA:
        assert result.signal is Signal.NO_CHANGE
    else:
        assert result.signal is (Signal.ROSE if k2 / n2 > k1 / n1 else Signal.FELL)


@pytest.mark.parametrize(
    ("args", "signal"),
    [
        ((100, 1000, 100, 1000), Signal.NO_CHANGE),  # equal rates
        ((50, 1000, 100, 2000), Signal.NO_CHANGE),  # equal rates, double exposure
        ((200, 10000, 100, 10000), Signal.FELL),  # large drop
        ((1000, 100000, 500, 100000), Signal.FELL),  # large drop, big numbers
        ((100, 10000, 200, 10000), Signal.ROSE),  # large rise
        ((10, 1000, 11, 1000), Signal.NO_CHANGE),  # noise
        ((0, 1000, 0, 1000), Signal.TOO_LITTLE),  # both zero
        ((5, 0, 5, 1000), Signal.TOO_LITTLE),  # zero exposure then
        ((5, 1000, 5, 0), Signal.TOO_LITTLE),  # zero exposure now
        ((math.nan, 1000, 5, 1000), Signal.TOO_LITTLE),  # missing count
        ((5, 1000, 5, math.nan), Signal.TOO_LITTLE),  # missing exposure
        ((5, 1000, math.inf, 1000), Signal.TOO_LITTLE),  # not a number
    ],
)
def test_compare_counts_labels(args: tuple[float, float, float, float], signal: Signal) -> None:
    result = compare_counts(*args)
    assert result.signal is signal
    if signal is Signal.TOO_LITTLE:
        assert result.p_value is None
        assert result.reason  # says why
    else:
        assert result.p_value is not None and 0 <= result.p_value <= 1


def test_equal_rates_have_p_value_one() -> None:
    assert compare_counts(100, 1000, 100, 1000).p_value == pytest.approx(1.0, rel=REL)


def _z_p(v1: float, l1: float, h1: float, v2: float, l2: float, h2: float) -> float:
    se = math.sqrt(((h1 - l1) / (2 * Z95)) ** 2 + ((h2 - l2) / (2 * Z95)) ** 2)
    return float(2 * norm.sf(abs(v2 - v1) / se))


@pytest.mark.parametrize(
    ("args", "signal"),
    [
        # Onveilig in de buurt 24.2 → 18.7 % with narrow margins: a real drop.
        ((24.2, 22.0, 26.4, 18.7, 17.0, 20.4), Signal.FELL),
        # Same change with wide margins: noise.
        ((24.2, 18.0, 30.4, 18.7, 12.0, 25.4), Signal.NO_CHANGE),
        # Rapportcijfer 6.9 → 7.3 with margins ±0.1: a rise.
        ((6.9, 6.8, 7.0, 7.3, 7.2, 7.4), Signal.ROSE),
        # Identical estimates.
        ((7.1, 6.9, 7.3, 7.1, 6.9, 7.3), Signal.NO_CHANGE),
    ],
)
def test_compare_estimates_with_margins(
    args: tuple[float, float, float, float, float, float], signal: Signal
) -> None:
    result = compare_estimates(*args)
    assert result.signal is signal
    assert result.p_value == pytest.approx(_z_p(*args), rel=1e-9)


@pytest.mark.parametrize(
    "args",
    [
        (24.2, None, None, 18.7, 17.0, 20.4),  # first margins unknown
        (24.2, 22.0, 26.4, 18.7, None, 20.4),  # one bound unknown
        (24.2, 22.0, 26.4, 18.7, math.nan, math.nan),  # margins NaN (from a table)
    ],
)
def test_compare_estimates_without_margins(args: tuple[float | None, ...]) -> None:
    result = compare_estimates(*args)  # type: ignore[arg-type]
    assert result.signal is Signal.TOO_LITTLE
    assert result.p_value is None
    assert "marges" in result.reason


def test_compare_estimates_zero_margins() -> None:
    result = compare_estimates(24.2, 24.2, 24.2, 18.7, 18.7, 18.7)
    assert result.signal is Signal.TOO_LITTLE
    assert result.p_value is None
