# SPDX-License-Identifier: EUPL-1.2
"""Funnel-plot limits with overdispersion: is an area different from its parent or the country?

Spiegelhalter (2005), "Handling over-dispersion of performance indicators", *Quality and
Safety in Health Care* 14:347–351, and "Funnel plots for comparing institutional
performance", *Statistics in Medicine* 24:1185–1202.

For every area i with count O_i and exposure n_i (population) of the same level in the same
parent (or all gemeenten of the country), the expected count under the target rate θ₀ (the
parent's or the country's rate: summed counts over summed exposure) is E_i = θ₀·n_i, and

* the Poisson z-score is z_i = (O_i − E_i) / √E_i (the ratio O/E against 1 with standard
  error 1/√E_i);
* the z-scores are **winsorised** at their 10th and 90th percentiles (so that the areas
  being judged do not inflate the yardstick) and the overdispersion factor is
  φ̂ = Σ z_i² / (I·c), where c = 0,679 is the mean of a winsorised squared standard-normal
  score: without it φ̂ is about a third too small when the areas really do spread normally,
  and the simulation in ``tests/engine/test_dispersion.py`` flags 12% instead of 5% of the
  areas without a real outlier (with it: about 5%);
* **additive random effects** (the paper's recommendation when large areas are all
  "out of control" under Poisson): τ̂² = (I·φ̂ − (I − 1)) / (Σw_i − Σw_i² / Σw_i) with
  w_i = E_i (= 1/s_i²), set to 0 when negative; the adjusted score is
  z_i* = (O_i/E_i − 1) / √(1/E_i + τ̂²), and p = 2·Φ(−|z_i*|).

With τ̂² = 0 this is the Poisson funnel. :data:`MIN_AREAS` areas are needed for τ̂²; with
fewer, :func:`funnel` returns ``None`` and the caller falls back to the quasi-Poisson
comparison with the rest of the parent (``engine.significance.compare_counts``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike

from veiligstad.engine.significance import ALPHA, Comparison, Signal

#: Areas needed to estimate the between-area variance τ².
MIN_AREAS = 5
#: Share winsorised at each end of the z-scores.
WINSOR = 0.10

METHOD = "trechtergrens met overdispersie (Spiegelhalter 2005: additieve random effects τ²)"


@dataclass(frozen=True)
class Funnel:
    """The funnel of a set of areas: target rate, φ̂, τ̂² and each area's adjusted z and p."""

    target: float
    phi: float
    tau2: float
    areas: int
    z: np.ndarray
    z_adjusted: np.ndarray
    p: np.ndarray


def winsorised_second_moment(share: float) -> float:
    """E[w(Z)²] for a standard-normal Z winsorised at its ``share`` and 1 − ``share`` quantiles.

    >>> round(winsorised_second_moment(0.10), 4)
    0.6787
    """
    if share <= 0:
        return 1.0
    normal = NormalDist()
    c = normal.inv_cdf(1.0 - share)
    inside = (1.0 - 2.0 * share) - 2.0 * c * normal.pdf(c)
    return inside + 2.0 * share * c * c


def funnel(
    observed: ArrayLike, exposure: ArrayLike, target: float | None = None, winsor: float = WINSOR
) -> Funnel | None:
    """The overdispersed funnel of areas with counts ``observed`` and exposures ``exposure``
    (all known, exposure > 0); ``target`` defaults to Σobserved / Σexposure.

    >>> f = funnel([100, 120, 80, 110, 90, 300], [1000] * 6)
    >>> round(f.phi, 1), f.tau2 > 0, bool(f.p[-1] < 0.05)
    (22.0, True, True)
    """
    o = np.asarray(observed, dtype=float)
    n = np.asarray(exposure, dtype=float)
    if len(o) < MIN_AREAS or np.any(~np.isfinite(o)) or np.any(~np.isfinite(n)) or np.any(n <= 0):
        return None
    theta = float(o.sum() / n.sum()) if target is None else float(target)
    if not theta > 0:
        return None
    expected = theta * n
    z = (o - expected) / np.sqrt(expected)
    low, high = np.quantile(z, [winsor, 1.0 - winsor])
    winsorised = np.clip(z, low, high)
    areas = len(o)
    phi = float(np.mean(winsorised**2)) / winsorised_second_moment(winsor)
    weights = expected
    denominator = float(weights.sum() - (weights**2).sum() / weights.sum())
    tau2 = max(0.0, (areas * phi - (areas - 1)) / denominator) if denominator > 0 else 0.0
    adjusted = (o / expected - 1.0) / np.sqrt(1.0 / expected + tau2)
    p = np.array([math.erfc(abs(float(v)) / math.sqrt(2)) for v in adjusted])
    return Funnel(theta, phi, tau2, areas, z, adjusted, p)


def comparison(result: Funnel, index: int, what: str) -> Comparison:
    """The :class:`Comparison` of area ``index`` in the funnel (``what`` names the areas,
    e.g. ``"gemeenten in Nederland"``); ROSE means higher than the target, FELL lower."""
    p = float(result.p[index])
    z = float(result.z_adjusted[index])
    signal = Signal.NO_CHANGE if p >= ALPHA else (Signal.ROSE if z > 0 else Signal.FELL)
    source = f"geschat uit de z-scores van {result.areas} {what} (winsorisatie {round(WINSOR * 100)}%)"
    return Comparison(signal, p, METHOD, phi=max(1.0, result.phi), phi_source=source, tau2=result.tau2)
