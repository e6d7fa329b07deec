# SPDX-License-Identifier: EUPL-1.2
"""Hotspots: Getis–Ord Gi*, local Moran's I, FDR correction and empirical-Bayes smoothing.

Thin wrappers around PySAL esda so that its names stay here. Every function takes arrays and a
libpysal ``W`` (binary, ids = area codes, as :func:`veiligstad.spatial.weights.queen_weights`
builds it) and returns plain arrays; the caller's ``W`` is never modified (esda changes the
transform of the weights it is given, so each call gets its own copy).

Significance uses esda's *pseudo* p-values from conditional permutation (one-sided in the
direction of the observed value, esda's ``p_sim``), corrected for multiple testing with the
Benjamini–Hochberg false-discovery rate (``esda.fdr``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import esda
import numpy as np
from esda.smoothing import Empirical_Bayes
from libpysal.weights import W

from veiligstad.spatial.labels import NOT_SIGNIFICANT, UNDEFINED
from veiligstad.spatial.weights import binary_weights

__all__ = ["NOT_SIGNIFICANT", "UNDEFINED"]  # re-exported: the labels this module gives

#: Confidence levels of the categories, highest first, with their FDR level.
LEVELS = ((99, 0.01), (95, 0.05), (90, 0.10))
#: esda's quadrant numbers (``geoda_quads=False``) → labels: value high/low, neighbours high/low.
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
DEFAULT_SEED = 12345
DEFAULT_PERMUTATIONS = 999
#: esda 2.9 warns from its permutation engine (crand) that the default alternative hypothesis
#: will change in a future release; G_Local and Moran_Local do not let us pass ``alternative``.
_CRAND_ALTERNATIVE = "The alternative hypothesis for conditional randomization"


def _copy(w: W, self_weight: bool = False) -> W:
    """A fresh binary copy of ``w`` (same ids and order), with each area its own neighbour if asked."""
    neighbours = {code: set(w.neighbors[code]) | ({code} if self_weight else set()) for code in w.id_order}
    return binary_weights(neighbours, w.id_order)


def star_weights(w: W) -> W:
    """Binary weights with self-weight 1 on the diagonal: the neighbourhood of Gi* includes the area.

    Setting the diagonal explicitly keeps esda from guessing it ("assuming self-weight = max
    weight" warning, given for row-standardised weights without a diagonal). The result equals
    ``libpysal.weights.fill_diagonal(w, 1.0)`` for a binary ``w``, but is built directly because
    ``fill_diagonal`` rebuilds the ``W`` without ``silence_warnings`` and so warns about separate
    groups of areas (components) that :mod:`veiligstad.spatial.weights` already reports.
    """
    return _copy(w, self_weight=True)


@dataclass(frozen=True)
class GiStar:
    """Getis–Ord Gi* per area (order of ``w.id_order``)."""

    g: np.ndarray
    z: np.ndarray  # analytical z-score of Gi* (esda ``Zs``)
    p: np.ndarray  # pseudo p-value from the permutations (esda ``p_sim``)
    z_sim: np.ndarray


@dataclass(frozen=True)
class LocalMoran:
    """Local Moran's I per area (order of ``w.id_order``)."""

    i: np.ndarray
    p: np.ndarray  # pseudo p-value (esda ``p_sim``)
    quadrant: np.ndarray  # labels HH, LH, LL, HL


def gi_star(
    y: np.ndarray,
    w: W,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
) -> GiStar:
    """Gi* with binary weights and self-weight 1 (Getis & Ord 1995), seeded permutations.

    Runs the permutations serially (``n_jobs=1``): esda 2.9's parallel path calls numpy's
    deprecated ``row_stack``, and the serial run is fast enough (about 1,5 s for 14.500 areas).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_CRAND_ALTERNATIVE, category=DeprecationWarning)
        # 0/0 for an area whose neighbourhood is every area: its z is NaN and labelled UNDEFINED.
        warnings.filterwarnings("ignore", category=RuntimeWarning, message="invalid value encountered")
        warnings.filterwarnings("ignore", category=RuntimeWarning, message="divide by zero encountered")
        result = esda.G_Local(
            np.asarray(y, dtype=float),
            star_weights(w),
            transform="B",
            permutations=permutations,
            star=True,
            seed=seed,
            n_jobs=1,
        )
    z = np.asarray(result.Zs, dtype=float)
    p = np.where(np.isfinite(z), np.asarray(result.p_sim, dtype=float), np.nan)
    return GiStar(g=result.Gs, z=z, p=p, z_sim=result.z_sim)


def local_moran(
    y: np.ndarray,
    w: W,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
) -> LocalMoran:
    """Local Moran's I with row-standardised weights, seeded permutations and LISA quadrants."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_CRAND_ALTERNATIVE, category=DeprecationWarning)
        result = esda.Moran_Local(
            np.asarray(y, dtype=float),
            _copy(w),
            transformation="r",
            permutations=permutations,
            seed=seed,
        )
    quadrant = np.array([QUADRANTS[int(q)] for q in result.q], dtype=object)
    return LocalMoran(i=result.Is, p=result.p_sim, quadrant=quadrant)


def fdr_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values), capped at 1.

    >>> fdr_adjust(np.array([0.01, 0.04, 0.03, 0.20]))
    array([0.04      , 0.05333333, 0.05333333, 0.2       ])
    """
    p = np.asarray(p, dtype=float)
    known = np.isfinite(p)
    adjusted = np.full(len(p), np.nan)
    n = int(known.sum())
    if n == 0:
        return adjusted
    values = p[known]
    order = np.argsort(values)
    ranked = values[order] * n / np.arange(1, n + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    result = np.empty(n)
    result[order] = np.minimum(ranked, 1.0)
    adjusted[known] = result
    return adjusted


def fdr_cutoff(p: np.ndarray, alpha: float) -> float:
    """The Benjamini–Hochberg cut-off (``esda.fdr``): p-values *below* it are significant."""
    return float(esda.fdr(np.asarray(p, dtype=float), alpha))


def significance_level(p: np.ndarray) -> np.ndarray:
    """Per area the highest confidence (99, 95, 90) at which it is significant after FDR, else 0.

    An area is significant at level ``alpha`` when its p-value is below ``esda.fdr(p, alpha)``,
    the Benjamini–Hochberg cut-off. Unknown p-values (NaN) take no part and get 0.
    """
    p = np.asarray(p, dtype=float)
    known = np.isfinite(p)
    level = np.zeros(len(p), dtype=int)
    if not known.any():
        return level
    for confidence, alpha in reversed(LEVELS):
        level[known & (p < fdr_cutoff(p[known], alpha))] = confidence
    return level


def categories(z: np.ndarray, p: np.ndarray) -> list[str]:
    """``hotspot 99%`` … ``coldspot 90%`` from the sign of z and the FDR-corrected significance."""
    labels = []
    z = np.asarray(z, dtype=float)
    p = np.asarray(p, dtype=float)
    undefined = ~(np.isfinite(z) & np.isfinite(p))
    levels = significance_level(np.where(undefined, np.nan, p))
    for sign, confidence, unknown in zip(np.sign(z), levels, undefined, strict=True):
        if unknown:
            labels.append(UNDEFINED)
        elif confidence == 0 or sign == 0:
            labels.append(NOT_SIGNIFICANT)
        else:
            labels.append(f"{'hotspot' if sign > 0 else 'coldspot'} {confidence}%")
    return labels


def empirical_bayes(numerator: np.ndarray, denominator: np.ndarray, per: float = 1.0) -> np.ndarray:
    """Global empirical-Bayes rates (Marshall 1991, esda ``Empirical_Bayes``) times ``per``.

    Rates of small populations are pulled towards the overall rate; large ones barely move.
    """
    e = np.asarray(numerator, dtype=float).reshape(-1, 1)
    b = np.asarray(denominator, dtype=float).reshape(-1, 1)
    if np.any(b <= 0):
        raise ValueError("empirical-Bayes smoothing needs positive populations")
    smoothed = Empirical_Bayes(e, b).r
    return np.asarray(smoothed, dtype=float).flatten() * per
