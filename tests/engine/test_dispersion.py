# SPDX-License-Identifier: EUPL-1.2
"""Overdispersion: the φ estimate against statsmodels, and calibration by simulation.

The simulations are seeded and small (a few seconds): negative-binomial series with
variance φ·mean (φ = 7,5, mean 1,000, 10 years), as the reviewer measured for registered
crime in gemeenten 2010–2020. ``benchmarks/overdispersion.py`` runs the same with more series
and prints the figures.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm  # type: ignore[import-untyped]

from veiligstad.engine import funnel as funnels
from veiligstad.engine.dispersion import (
    MIN_YEARS,
    OWN,
    POISSON,
    Dispersion,
    estimate,
    floor,
    pearson_phi,
    pooled,
)
from veiligstad.engine.funnel import winsorised_second_moment
from veiligstad.engine.significance import ALPHA, Signal, exact_binomial_p
from veiligstad.engine.trends import Point, changes

EMBEDDED = Path(__file__).resolve().parents[2] / "src/veiligstad/data/embedded/observations"


@pytest.mark.parametrize("seed", range(6))
def test_pearson_phi_equals_statsmodels_glm(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 15))
    years = np.arange(2010, 2010 + n, dtype=float)
    exposure = rng.uniform(1e4, 2e5, n)
    counts = rng.negative_binomial(exposure * 0.05 / 4.0, 1 / 5.0).astype(float)
    design = np.column_stack([np.ones(n), years - years.mean()])
    fit = sm.GLM(counts, design, family=sm.families.Poisson(), offset=np.log(exposure)).fit()
    assert pearson_phi(years, counts, exposure) == pytest.approx(fit.pearson_chi2 / fit.df_resid, rel=1e-8)


def test_estimate_needs_five_years_and_is_never_below_one() -> None:
    years = [2019, 2020, 2021, 2022]
    assert estimate(years, [100, 120, 90, 110]) is None
    assert MIN_YEARS == 5
    calm = estimate([*years, 2023], [100.0, 101.0, 99.0, 100.0, 100.0])
    assert calm is not None and calm.phi == 1.0 and calm.estimate is not None and calm.estimate < 1
    assert calm.kind == OWN and calm.df == 3 and "2019–2023, 5 jaar" in calm.source
    # unknown values and zero exposures do not count
    assert estimate([*years, 2023], [100.0, None, 99.0, 100.0, 100.0]) is None
    assert estimate([1, 2, 3, 4, 5], [0, 0, 0, 0, 1]) is None  # the trend runs off to infinity
    assert floor(0.3) == 1.0


def test_pooled_is_the_median_of_own_estimates() -> None:
    own = [Dispersion(p, OWN, "", 8, p) for p in (0.5, 6.0, 9.0, 14.0)]
    result = pooled(own, "gemeenten")
    assert result is not None and result.phi == pytest.approx(7.5) and result.df is None
    assert "4 gemeenten" in result.source
    assert pooled(own[:2], "gemeenten") is None  # fewer than three areas
    assert POISSON.phi == 1.0 and "niet te schatten" in POISSON.source


def _negative_binomial(rng: np.random.Generator, means: np.ndarray, phi: float) -> np.ndarray:
    """Counts with variance φ·mean (numpy: mean n(1-p)/p, variance n(1-p)/p²; p = 1/φ)."""
    return rng.negative_binomial(means / (phi - 1.0), 1.0 / phi)


def _share_significant(counts: np.ndarray, only_last: bool = False) -> tuple[float, float]:
    """(new, old): share of year-on-year changes labelled significant by ``engine.trends.changes``
    and by the old exact test (φ ignored)."""
    new = old = tests = 0
    for row in counts:
        points = [Point(float(t), str(t), float(c), float(c), 1.0) for t, c in enumerate(row)]
        found = changes(points, survey=False)
        for change in found[-1:] if only_last else found:
            k1, k2 = round(change.before.numerator or 0), round(change.after.numerator or 0)
            new += change.comparison.signal in (Signal.ROSE, Signal.FELL)
            old += exact_binomial_p(k2, k1 + k2, 0.5) < ALPHA
            tests += 1
    return new / tests, old / tests


def test_no_real_change_gives_five_percent_significant() -> None:
    """φ = 7,5, mean 1,000, 10 years, no change: 5% ± 1,5% significant (old test: ~48%)."""
    rng = np.random.default_rng(20261202)
    counts = _negative_binomial(rng, np.full((300, 10), 1000.0), 7.5)
    new, old = _share_significant(counts)
    assert 0.035 <= new <= 0.065, new
    assert old > 0.40, old


def _maastricht_ratio() -> float:
    """Maastricht's crimes per inhabitant 2022 / 2020, both from CBS 83648NED (the police
    47013NED figure for 2022 is a different source); population on 1 January."""

    def read(name: str, measure: str, year: int) -> float:
        with (EMBEDDED / name).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["area_code"] == "GM0935" and row["measure"] == measure and row["period"] == str(year):
                    return float(row["value"])
        raise AssertionError(f"{name} {measure} {year}")

    population = "cbs_37230ned_inwoners_gemeenten_2003_2025.csv"
    k20 = read("cbs_83648ned_gemeenten_2010_2020.csv", "misdrijven-scm:T001161", 2020)
    k22 = read("cbs_83648ned_gemeenten_2022.csv", "misdrijven-scm:T001161", 2022)
    return (k22 / read(population, "inwoners", 2022)) / (k20 / read(population, "inwoners", 2020))


def test_power_for_a_rise_like_maastricht_2020_2022() -> None:
    """A real step of +17,1% in the last year (Maastricht 2020 → 2022): power at mean 1,000 and
    at Maastricht's size (≈ 6,840 crimes) with φ = 7,5. Figures in benchmarks/overdispersion.py."""
    ratio = _maastricht_ratio()
    assert ratio == pytest.approx(1.171, abs=0.001)
    rng = np.random.default_rng(7)
    powers = {}
    for mean in (1000.0, 6840.0):
        means = np.full((300, 10), mean)
        means[:, -1] *= ratio
        powers[mean], old = _share_significant(_negative_binomial(rng, means, 7.5), only_last=True)
        assert old > powers[mean]
    assert 0.10 <= powers[1000.0] <= 0.35, powers
    assert powers[6840.0] >= 0.70, powers


def test_funnel_matches_spiegelhalter_formulas() -> None:
    observed = np.array([100.0, 120.0, 80.0, 110.0, 90.0, 300.0, 105.0, 95.0])
    exposure = np.full(8, 1000.0)
    result = funnels.funnel(observed, exposure, target=0.1)
    assert result is not None
    expected = 0.1 * exposure
    z = (observed - expected) / np.sqrt(expected)
    low, high = np.quantile(z, [0.1, 0.9])
    phi = float(np.mean(np.clip(z, low, high) ** 2)) / winsorised_second_moment(0.10)
    tau2 = (8 * phi - 7) / (expected.sum() - (expected**2).sum() / expected.sum())
    assert winsorised_second_moment(0.10) == pytest.approx(0.678655, abs=1e-6)
    assert result.phi == pytest.approx(phi, rel=1e-9) and result.tau2 == pytest.approx(tau2)
    assert result.z_adjusted[5] == pytest.approx((3.0 - 1.0) / np.sqrt(1 / 100 + tau2), rel=1e-5)
    assert funnels.funnel(observed[:4], exposure[:4]) is None  # too few areas


def test_funnel_without_real_outliers_flags_about_five_percent() -> None:
    """Between-area variation (τ = 0,15) and no real outliers: the Poisson funnel flags most
    large areas, the overdispersed funnel about 5%."""
    rng = np.random.default_rng(11)
    flagged = poisson_flagged = total = 0
    for _ in range(20):
        exposure = rng.uniform(2e4, 3e5, 200)
        means = 0.05 * exposure * np.exp(rng.normal(0, 0.15, 200))
        observed = rng.poisson(means).astype(float)
        result = funnels.funnel(observed, exposure)
        assert result is not None
        flagged += int((result.p < ALPHA).sum())
        poisson_flagged += int((np.abs(result.z) > 1.96).sum())
        total += 200
    assert 0.02 <= flagged / total <= 0.08, flagged / total
    assert poisson_flagged / total > 0.5
