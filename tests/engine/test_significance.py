# SPDX-License-Identifier: EUPL-1.2
"""Significance labels: mid-p / quasi-Poisson count tests and z-test on survey margins.

p-values are compared with scipy.stats (binom, binomtest, t, norm) at rel 1e-12.
"""

from __future__ import annotations

import math

import pytest
from scipy.stats import binom, binomtest, norm, t

from veiligstad.engine.dispersion import POISSON, Dispersion
from veiligstad.engine.significance import (
    ALPHA,
    METHOD_POISSON,
    METHOD_QUASI,
    Signal,
    compare_counts,
    compare_estimates,
    exact_binomial_p,
    mid_p,
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
def test_compare_counts_with_phi_one_is_the_mid_p_test(k1: int, n1: int, k2: int, n2: int) -> None:
    result = compare_counts(k1, n1, k2, n2, POISSON)
    share = n2 / (n1 + n2)
    total = k1 + k2
    half = binom.pmf(k2, total, share) / 2
    expected = min(1.0, 2 * min(binom.cdf(k2, total, share) - half, binom.sf(k2, total, share) + half))
    assert result.p_value == pytest.approx(expected, rel=1e-9)
    assert result.method == METHOD_POISSON and result.phi == 1.0
    # never more conservative than the exact test it replaces
    exact = binomtest(k2, total, share).pvalue
    assert exact_binomial_p(k2, total, share) == pytest.approx(exact, rel=REL)
    assert result.p_value <= exact + 1e-12
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
    result = compare_counts(*args, POISSON)
    assert result.signal is signal
    if signal is Signal.TOO_LITTLE:
        assert result.p_value is None
        assert result.reason  # says why
    else:
        assert result.p_value is not None and 0 <= result.p_value <= 1


def test_equal_rates_have_p_value_one() -> None:
    assert compare_counts(100, 1000, 100, 1000, POISSON).p_value == pytest.approx(1.0, rel=REL)
    assert compare_counts(100, 1000, 100, 1000, Dispersion(7.5, "gepoold", "x")).p_value == 1.0


def test_mid_p_for_small_counts_is_less_conservative() -> None:
    # 0 then 4 with equal exposure: exact p = 0,125, mid-p = 0,0625
    assert exact_binomial_p(4, 4, 0.5) == pytest.approx(0.125)
    assert mid_p(4, 4, 0.5) == pytest.approx(0.0625)


@pytest.mark.parametrize("df", [None, 3, 8])
def test_quasi_poisson_score_test(df: int | None) -> None:
    k1, n1, k2, n2, phi = 7840.0, 122_734.0, 8318.0, 125_285.0, 7.5
    result = compare_counts(k1, n1, k2, n2, Dispersion(phi, "eigen reeks", "eigen reeks 2014–2022", df))
    share = n2 / (n1 + n2)
    total = k1 + k2
    z = (k2 - total * share) / math.sqrt(phi * total * share * (1 - share))
    expected = 2 * (norm.sf(abs(z)) if df is None else t.sf(abs(z), df))
    assert result.p_value == pytest.approx(expected, rel=1e-9)
    assert result.method == METHOD_QUASI
    assert result.phi == phi and result.phi_source == "eigen reeks 2014–2022"
    assert result.phi_text.startswith("φ = 7,5 (eigen reeks")


def test_maastricht_2023_2024_is_no_longer_significant() -> None:
    """+3,9% (7,840 → 8,318 crimes): p = 0,014 without φ; with φ = 7,5 p = 0,37, no alert."""
    poisson = compare_counts(7840, 122_734, 8318, 125_285, POISSON)
    assert poisson.signal is Signal.ROSE and poisson.p_value is not None and poisson.p_value < 0.02
    quasi = compare_counts(7840, 122_734, 8318, 125_285, Dispersion(7.5, "gepoold", "mediaan"))
    assert quasi.signal is Signal.NO_CHANGE and quasi.p_value is not None and quasi.p_value > 0.3


def test_phi_below_one_is_treated_as_poisson() -> None:
    low = compare_counts(100, 1000, 130, 1000, Dispersion(0.4, "eigen reeks", "x", 5, 0.4))
    assert low.phi == 1.0 and low.method == METHOD_POISSON


def test_too_little_keeps_the_phi_it_would_have_used() -> None:
    result = compare_counts(0, 1000, 0, 1000, Dispersion(3.0, "gepoold", "mediaan"))
    assert result.signal is Signal.TOO_LITTLE and result.phi == 3.0


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
