# SPDX-License-Identifier: EUPL-1.2
"""Confidence intervals, vectorised over whole columns.

Counts get the exact (Garwood) Poisson interval: for a count k the 95% interval is
``[χ²(0.025; 2k)/2, χ²(0.975; 2k+2)/2]``, written here with the inverse regularised
gamma function, which is the same thing. A rate's interval is the count's interval
times ``per / denominator``: the population is treated as known exactly.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.special import gammaincinv

FloatArray = npt.NDArray[np.float64]


def poisson_interval(counts: npt.ArrayLike, level: float = 0.95) -> tuple[FloatArray, FloatArray]:
    """Exact Poisson interval for each count; NaN where the count is missing or negative.

    >>> low, high = poisson_interval([0, 10])
    >>> [round(float(x), 3) for x in low], [round(float(x), 3) for x in high]
    ([0.0, 4.795], [3.689, 18.39])
    """
    k = np.asarray(counts, dtype=np.float64)
    alpha = 1.0 - level
    valid = np.isfinite(k) & (k >= 0)
    # Counts repeat a lot (many areas, few distinct values): solve each distinct k once.
    unique, inverse = np.unique(np.where(valid, k, 0.0), return_inverse=True)
    with np.errstate(all="ignore"):
        low_u = np.where(unique > 0, gammaincinv(np.maximum(unique, 1e-300), alpha / 2), 0.0)
        high_u = gammaincinv(unique + 1.0, 1.0 - alpha / 2)
    low = np.where(valid, low_u[inverse], np.nan)
    high = np.where(valid, high_u[inverse], np.nan)
    return low.astype(np.float64), high.astype(np.float64)
