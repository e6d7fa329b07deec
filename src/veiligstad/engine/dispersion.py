# SPDX-License-Identifier: EUPL-1.2
"""Extra-Poisson variation (overdispersion) of registered counts: the dispersion φ.

Registered crime varies from year to year far more than Poisson noise: across the 250
gemeenten with unchanged boundaries 2010–2020 the median φ is about 7.5 (variance 7.5 times
the mean). A test that assumes φ = 1 calls almost every change "significant". This module
estimates φ, the factor by which the variance of a count exceeds its mean (quasi-Poisson,
McCullagh & Nelder 1989, *Generalized Linear Models*, 2nd ed., §9.2.4), and
:func:`veiligstad.engine.significance.compare_counts` uses it.

* **Own series** (:func:`estimate`): a Poisson GLM with a log-linear trend and
  ``log(exposure)`` as offset (the fit of ``statsmodels.GLM``, done in numpy), fitted to
  the yearly counts of the series after its latest boundary break; φ is Pearson χ² divided
  by the residual degrees of freedom (n − 2). Needs at least :data:`MIN_YEARS` known values
  (3 degrees of freedom); fewer gives ``None``. A change between two years is tested with φ
  from the *other* years (``engine.trends.change_dispersion``).
* **Pooled** (:func:`pooled`): where a series is too short, the median φ of the comparable
  areas (same indicator, same level) that do have a long enough series, at least
  :data:`MIN_POOLED` of them.
* **Never below 1** (:func:`floor`): an estimate under 1 (less variation than Poisson) is
  treated as Poisson; the raw estimate is kept for the record.
* **No estimate at all**: :data:`POISSON` (φ = 1), with a source that says so.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

#: A series needs this many known yearly values (after its latest break) for its own φ.
MIN_YEARS = 5
#: A pooled φ needs this many areas with their own estimate.
MIN_POOLED = 3

OWN = "eigen reeks"
POOLED = "gepoold"
NONE = "niet geschat"


@dataclass(frozen=True)
class Dispersion:
    """The φ used by a count test, where it came from and how certain it is.

    ``df`` is the residual degrees of freedom of the estimate (own series: n − 2), used for a
    t reference distribution; ``None`` when φ is treated as known (pooled, or φ = 1).
    ``estimate`` is the raw Pearson estimate before the floor at 1 (``None`` if not estimated).
    """

    phi: float
    kind: str
    source: str
    df: int | None = None
    estimate: float | None = None

    @property
    def text(self) -> str:
        """``φ = 7,5 (eigen reeks 2010–2020, 11 jaar)`` — for pages and CLI."""
        return f"φ = {format_phi(self.phi)} ({self.source})"


#: No estimate possible: plain Poisson, said out loud.
POISSON = Dispersion(1.0, NONE, "niet te schatten; Poisson-variatie aangenomen (φ = 1)")


def format_phi(phi: float) -> str:
    """Dutch decimal comma, one decimal.

    >>> format_phi(7.456), format_phi(1.0)
    ('7,5', '1,0')
    """
    return f"{phi:.1f}".replace(".", ",")


def floor(phi: float) -> float:
    """φ is never below 1 (less variation than Poisson is treated as Poisson).

    >>> floor(0.4), floor(3.2)
    (1.0, 3.2)
    """
    return max(1.0, phi)


def pearson_phi(times: ArrayLike, counts: ArrayLike, exposures: ArrayLike) -> float:
    """Pearson χ² / (n − 2) of a Poisson GLM ``log μ = a + b·t + log(exposure)``.

    Fitted by Newton–Raphson (= IRLS for the canonical log link) in numpy: importing
    statsmodels costs seconds at start-up, and the tests check this fit against
    ``statsmodels.GLM(..., family=Poisson(), offset=log(exposure))`` to 1e-8.

    >>> round(pearson_phi([1, 2, 3, 4, 5], [10, 12, 9, 14, 11], [1, 1, 1, 1, 1]), 3)
    0.388
    """
    t = np.asarray(times, dtype=float)
    y = np.asarray(counts, dtype=float)
    offset = np.log(np.asarray(exposures, dtype=float))
    design = np.column_stack([np.ones_like(t), t - t.mean()])
    beta = np.array([math.log(max(y.sum(), 0.5) / float(np.exp(offset).sum())), 0.0])
    with np.errstate(all="ignore"):
        for _ in range(100):
            mu = np.exp(design @ beta + offset)
            try:
                step = np.linalg.solve(design.T @ (design * mu[:, None]), design.T @ (y - mu))
            except np.linalg.LinAlgError:  # the fit runs off to infinity (almost all counts 0)
                return math.nan
            beta = beta + step
            if not np.all(np.isfinite(beta)):
                return math.nan
            if float(np.max(np.abs(step))) < 1e-12:
                break
        mu = np.exp(design @ beta + offset)
        phi = float(np.sum((y - mu) ** 2 / mu) / (len(y) - 2))
    return phi if math.isfinite(phi) else math.nan


def estimate(
    times: Sequence[float], counts: Sequence[float | None], exposures: Sequence[float | None] | None = None
) -> Dispersion | None:
    """φ from a series' own history, or ``None`` when it has fewer than :data:`MIN_YEARS`
    usable values (a count that is known and an exposure that is positive) or the trend
    model cannot be fitted (nearly all counts zero).

    ``exposures`` default to 1 (counts without a denominator). The caller passes only the
    part of the series after its latest boundary break.
    """
    if exposures is None:
        exposures = [1.0] * len(times)
    rows = [
        (float(t), float(k), float(n))
        for t, k, n in zip(times, counts, exposures, strict=True)
        if k is not None and n is not None and math.isfinite(k) and math.isfinite(n) and n > 0 and k >= 0
    ]
    if len(rows) < MIN_YEARS:
        return None
    rows.sort()
    if sum(k for _, k, _ in rows) == 0:
        return None
    raw = pearson_phi([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    if not math.isfinite(raw):
        return None
    first, last = int(rows[0][0]), int(rows[-1][0])
    source = f"{OWN} {first}–{last}, {len(rows)} jaar"
    return Dispersion(floor(raw), OWN, source, len(rows) - 2, raw)


def pooled(estimates: Sequence[Dispersion], what: str) -> Dispersion | None:
    """The median φ of comparable areas' own estimates (``what`` names them, e.g.
    ``"gemeenten"``); ``None`` with fewer than :data:`MIN_POOLED` estimates.

    >>> own = [Dispersion(p, OWN, "", 8, p) for p in (2.0, 7.0, 9.0)]
    >>> pooled(own, "gemeenten").text
    'φ = 7,0 (gepoold: mediaan van 3 gemeenten met een eigen reeks)'
    """
    values = [e.estimate if e.estimate is not None else e.phi for e in estimates if e.kind == OWN]
    if len(values) < MIN_POOLED:
        return None
    median = float(statistics.median(values))
    source = f"{POOLED}: mediaan van {len(values)} {what} met een eigen reeks"
    return Dispersion(floor(median), POOLED, source, None, median)


def choose(own: Dispersion | None, pool: Dispersion | None) -> Dispersion:
    """The own estimate where there is one, else the pooled one, else :data:`POISSON`."""
    return own or pool or POISSON
