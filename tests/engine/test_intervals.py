# SPDX-License-Identifier: EUPL-1.2
"""Exact Poisson intervals and how ``add_intervals`` scales and chooses them.

Reference: the Garwood interval written with ``scipy.stats.chi2.ppf``,
``[χ²(α/2; 2k)/2, χ²(1-α/2; 2k+2)/2]`` (lower bound 0 for k = 0). Tolerance rtol 1e-10.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from veiligstad.domain.indicators import IndicatorKind
from veiligstad.engine.compute import add_intervals
from veiligstad.engine.intervals import poisson_interval

RTOL = 1e-10


def garwood(k: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    alpha = 1 - level
    low = np.where(k > 0, chi2.ppf(alpha / 2, 2 * np.maximum(k, 1)) / 2, 0.0)
    high = chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    return low, high


@pytest.mark.parametrize(
    "counts",
    [
        np.arange(0, 201, dtype=float),  # every small count
        np.array([1e3, 12345.0, 1e5, 1e6, 1e7, 1e8]),  # large counts (national totals)
    ],
)
def test_poisson_interval_matches_garwood_chi2(counts: np.ndarray) -> None:
    low, high = poisson_interval(counts)
    ref_low, ref_high = garwood(counts)
    np.testing.assert_allclose(low, ref_low, rtol=RTOL, atol=0)
    np.testing.assert_allclose(high, ref_high, rtol=RTOL, atol=0)
    assert (low <= counts).all() and (counts <= high).all()


@pytest.mark.parametrize("level", [0.90, 0.99])
def test_poisson_interval_other_levels(level: float) -> None:
    counts = np.array([0.0, 1.0, 7.0, 50.0, 1000.0])
    low, high = poisson_interval(counts, level=level)
    ref_low, ref_high = garwood(counts, level)
    np.testing.assert_allclose(low, ref_low, rtol=RTOL, atol=0)
    np.testing.assert_allclose(high, ref_high, rtol=RTOL, atol=0)


def test_poisson_interval_zero_count() -> None:
    # k = 0: lower bound exactly 0, upper bound -ln(0.025) = 3.6888794...
    low, high = poisson_interval([0])
    assert low[0] == 0.0
    assert high[0] == pytest.approx(-math.log(0.025), rel=RTOL)


@pytest.mark.parametrize(
    "bad",
    [
        np.nan,  # missing count
        -1.0,  # negative count
        -0.5,  # negative fraction
        np.inf,  # not a count
    ],
)
def test_poisson_interval_nan_for_missing_or_negative(bad: float) -> None:
    low, high = poisson_interval([5.0, bad, 5.0])
    assert math.isnan(low[1]) and math.isnan(high[1])
    # Neighbours are unaffected.
    ref_low, ref_high = garwood(np.array([5.0]))
    np.testing.assert_allclose(low[[0, 2]], ref_low[0], rtol=RTOL)
    np.testing.assert_allclose(high[[0, 2]], ref_high[0], rtol=RTOL)


def test_poisson_interval_accepts_none_in_object_input() -> None:
    low, high = poisson_interval(np.array([3, None], dtype=object).astype(float))
    assert math.isnan(low[1]) and not math.isnan(low[0])
    assert high.dtype == np.float64


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    columns = ["indicator_id", "value", "numerator", "denominator", "per", "survey_low", "survey_high"]
    return pd.DataFrame(rows, columns=columns).astype({c: "float64" for c in columns if c != "indicator_id"})


KINDS = {"r": IndicatorKind.RATE, "c": IndicatorKind.COUNT, "s": IndicatorKind.SURVEY}


@pytest.mark.parametrize(
    ("k", "per", "denominator"),
    [
        (10, 1000, 2000),  # a buurt
        (0, 1000, 500),  # zero count, upper bound only
        (7840, 1000, 120000),  # a gemeente
        (18, 10000, 5400),  # Halt per 10.000 jongeren
    ],
)
def test_rate_interval_scales_with_per_over_denominator(k: int, per: int, denominator: int) -> None:
    values = _frame(
        [
            {
                "indicator_id": "r",
                "value": k * per / denominator,
                "numerator": k,
                "denominator": denominator,
                "per": per,
            }
        ]
    )
    out = add_intervals(values, KINDS)
    ref_low, ref_high = garwood(np.array([float(k)]))
    scale = per / denominator
    assert out.ci_low.iloc[0] == pytest.approx(ref_low[0] * scale, rel=RTOL, abs=0)
    assert out.ci_high.iloc[0] == pytest.approx(ref_high[0] * scale, rel=RTOL)
    assert out.ci_low.iloc[0] <= out.value.iloc[0] <= out.ci_high.iloc[0]


def test_count_interval_is_unscaled_and_survey_takes_margins() -> None:
    values = _frame(
        [
            {"indicator_id": "c", "value": 25, "numerator": 25},
            {"indicator_id": "s", "value": 24.2, "numerator": 24.2, "survey_low": 22.0, "survey_high": 26.4},
            {"indicator_id": "s", "value": 7.1, "numerator": 7.1},  # margins unknown
        ]
    )
    out = add_intervals(values, KINDS)
    ref_low, ref_high = garwood(np.array([25.0]))
    assert out.ci_low.iloc[0] == pytest.approx(ref_low[0], rel=RTOL)
    assert out.ci_high.iloc[0] == pytest.approx(ref_high[0], rel=RTOL)
    # A survey estimate is not a count: its interval is the published margin, not Poisson.
    assert out.ci_low.iloc[1] == 22.0 and out.ci_high.iloc[1] == 26.4
    assert math.isnan(out.ci_low.iloc[2]) and math.isnan(out.ci_high.iloc[2])
    assert out.numerator.iloc[1:].isna().all()
    assert out.numerator.iloc[0] == 25
    assert "survey_low" not in out.columns and "survey_high" not in out.columns


def test_no_value_no_interval() -> None:
    # A rate without denominator (value null) gets no interval, not a count interval.
    values = _frame([{"indicator_id": "r", "value": None, "numerator": 12, "denominator": None, "per": 1000}])
    out = add_intervals(values, KINDS)
    assert math.isnan(out.ci_low.iloc[0]) and math.isnan(out.ci_high.iloc[0])
