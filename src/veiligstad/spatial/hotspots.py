# SPDX-License-Identifier: EUPL-1.2
"""Hotspots: Getis–Ord Gi*, local Moran's I, FDR correction and empirical-Bayes smoothing.

Thin wrappers around PySAL esda so that its names stay here. Every function takes arrays and a
libpysal ``W`` (binary, ids = area codes, as :func:`veiligstad.spatial.weights.queen_weights`
builds it) and returns plain arrays; the caller's ``W`` is never modified (esda changes the
transform of the weights it is given, so each call gets its own copy).

**One test, two-sided.** Direction and significance come from the same test: esda's
*conditional* permutation (the area's own value stays, the others are shuffled over the
neighbourhood; Anselin 1995). Per area:

* ``z`` is the observed statistic standardised by the mean and standard deviation of its
  permutations (esda ``z_sim``); its sign says on which side of the permutation distribution
  the observed value lies (hot/HH-LL above, cold/HL-LH below);
* ``p`` is two-sided: twice the share of permutations at least as extreme *on that side*,
  with the (k + 1)/(n + 1) correction, capped at 1. With 9,999 permutations the smallest p
  is 0,0002. Because p is taken on the side that z points to, a significant p and the sign of z
  can never disagree (the analytical Gi* z, which lets the area's own value count, can: a
  single high area between low neighbours).

Labels 90/95/99% come from this p after the Benjamini–Hochberg correction over all analysed
areas (``fdr=True``, the default); ``fdr=False`` is the raw, uncorrected list and says so.

Gi* and LISA are refused below :data:`~veiligstad.spatial.labels.MIN_AREAS` (30) areas
(:func:`~veiligstad.spatial.labels.check_areas`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import esda
import numpy as np
from libpysal.weights import W

from veiligstad.spatial.labels import MIN_AREAS, NOT_SIGNIFICANT, UNDEFINED, TooFewAreas, check_areas
from veiligstad.spatial.weights import binary_weights

# re-exported: the labels this module gives and the minimum number of areas it needs
__all__ = ["MIN_AREAS", "NOT_SIGNIFICANT", "UNDEFINED", "TooFewAreas", "check_areas"]

#: Confidence levels of the categories, highest first, with their (two-sided) significance level.
LEVELS = ((99, 0.01), (95, 0.05), (90, 0.10))
#: esda's quadrant numbers (``geoda_quads=False``) → labels: value high/low, neighbours high/low.
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
#: Quadrants of positive spatial association (I above its permutation distribution).
POSITIVE = frozenset({"HH", "LL"})
#: Relative tolerance of "p ≤ alpha": p·n/rank is computed in floating point.
TOLERANCE = 1e-9
DEFAULT_SEED = 12345
#: 9,999 permutations: the smallest two-sided p is 0,0002. After the Benjamini–Hochberg
#: correction over m areas a single area needs p ≤ 0,01 / m for the 99% label (0,00023 for 44
#: buurten); with 999 permutations (smallest p 0,002) one area could reach at most 90%.
DEFAULT_PERMUTATIONS = 9999
#: esda 2.9 warns from its permutation engine (crand) that the default alternative hypothesis
#: will change in a future release; G_Local and Moran_Local do not let us pass ``alternative``.
_CRAND_ALTERNATIVE = "The alternative hypothesis for conditional randomization"


def two_sided(observed: np.ndarray, simulated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(z, p)`` of one permutation test per area: observed (n) against simulated (n × permutations).

    z is the observed value standardised by the permutations' mean and standard deviation (esda
    ``z_sim``). p is two-sided: ``2·(k + 1)/(permutations + 1)``, capped at 1, where k counts the
    permutations at least as extreme on the side z points to. No spread (every permutation
    equal, e.g. an area whose neighbourhood is every area) gives z and p NaN: undefined.

    >>> z, p = two_sided(np.array([10.0, 0.0, 5.0]), np.tile(np.arange(1.0, 10.0), (3, 1)))
    >>> z.round(2).tolist(), p.round(2).tolist()
    ([1.94, -1.94, 0.0], [0.2, 0.2, 1.0])
    """
    observed = np.asarray(observed, dtype=float)
    simulated = np.asarray(simulated, dtype=float)
    permutations = simulated.shape[1]
    mean = simulated.mean(axis=1)
    sd = simulated.std(axis=1)
    spread = sd > 1e-12 * np.maximum(np.abs(mean), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(spread, (observed - mean) / sd, np.nan)
    above = (simulated >= observed[:, None]).sum(axis=1)
    below = (simulated <= observed[:, None]).sum(axis=1)
    k = np.where(z > 0, above, np.where(z < 0, below, permutations))
    p = np.minimum(1.0, 2.0 * (k + 1.0) / (permutations + 1.0))
    p = np.where(np.isfinite(z), p, np.nan)
    return z, p


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
    """Getis–Ord Gi* per area (order of ``w.id_order``), from one conditional permutation test."""

    g: np.ndarray
    z: np.ndarray  # Gi* standardised by its permutations (esda ``z_sim``); NaN: undefined
    p: np.ndarray  # two-sided pseudo p on the side z points to (:func:`two_sided`)
    z_analytical: np.ndarray  # esda ``Zs``: for reference only, never for a label


@dataclass(frozen=True)
class LocalMoran:
    """Local Moran's I per area (order of ``w.id_order``), from one conditional permutation test."""

    i: np.ndarray
    z: np.ndarray  # I standardised by its permutations: > 0 positive association (HH, LL)
    p: np.ndarray  # two-sided pseudo p on the side z points to
    quadrant: np.ndarray  # labels HH, LH, LL, HL


def gi_star(
    y: np.ndarray,
    w: W,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
) -> GiStar:
    """Gi* with binary weights and self-weight 1 (Getis & Ord 1992, Ord & Getis 1995), seeded
    conditional permutations, two-sided p (:func:`two_sided`). Refuses fewer than :data:`MIN_AREAS`.

    Runs the permutations serially (``n_jobs=1``): esda 2.9's parallel path calls numpy's
    deprecated ``row_stack``, and the serial run is fast enough (about 1,5 s for 14.500 areas).
    """
    y = np.asarray(y, dtype=float)
    check_areas(len(y))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_CRAND_ALTERNATIVE, category=DeprecationWarning)
        # 0/0 for an area whose neighbourhood is every area: its z is NaN and labelled UNDEFINED.
        warnings.filterwarnings("ignore", category=RuntimeWarning, message="invalid value encountered")
        warnings.filterwarnings("ignore", category=RuntimeWarning, message="divide by zero encountered")
        result = esda.G_Local(
            y,
            star_weights(w),
            transform="B",
            permutations=permutations,
            star=True,
            seed=seed,
            n_jobs=1,
            keep_simulations=True,
        )
    z_analytical = np.asarray(result.Zs, dtype=float)
    z, p = two_sided(np.asarray(result.Gs, dtype=float), np.asarray(result.rGs, dtype=float))
    undefined = ~np.isfinite(z_analytical)
    z = np.where(undefined, np.nan, z)
    p = np.where(undefined, np.nan, p)
    return GiStar(g=np.asarray(result.Gs, dtype=float), z=z, p=p, z_analytical=z_analytical)


def _lisa(result: esda.Moran_Local) -> LocalMoran:
    z, p = two_sided(np.asarray(result.Is, dtype=float), np.asarray(result.rlisas, dtype=float))
    quadrant = np.array([QUADRANTS[int(q)] for q in result.q], dtype=object)
    return LocalMoran(i=np.asarray(result.Is, dtype=float), z=z, p=p, quadrant=quadrant)


def local_moran(
    y: np.ndarray,
    w: W,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
) -> LocalMoran:
    """Local Moran's I (Anselin 1995) with row-standardised weights, seeded conditional
    permutations, two-sided p and LISA quadrants. Refuses fewer than :data:`MIN_AREAS` areas."""
    y = np.asarray(y, dtype=float)
    check_areas(len(y))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_CRAND_ALTERNATIVE, category=DeprecationWarning)
        result = esda.Moran_Local(
            y,
            _copy(w),
            transformation="r",
            permutations=permutations,
            seed=seed,
            keep_simulations=True,
        )
    return _lisa(result)


def local_moran_rate(
    numerator: np.ndarray,
    denominator: np.ndarray,
    w: W,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
) -> LocalMoran:
    """Local Moran's I of a rate on Assunção & Reis (1999) EB-standardised rates (esda
    ``Moran_Local_Rate``, ``adjusted=True``), otherwise as :func:`local_moran`.

    Each rate is standardised as ``(r_i − m) / √(a + m / n_i)`` with the global mean rate m and
    the between-area variance a (set to 0 when its estimate is negative), so a small
    population's noisy rate does not by itself make an HH or LL cluster.
    """
    e = np.asarray(numerator, dtype=float)
    b = np.asarray(denominator, dtype=float)
    check_areas(len(e))
    if np.any(b <= 0):
        raise ValueError("Assunção–Reis standardisation needs positive populations")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_CRAND_ALTERNATIVE, category=DeprecationWarning)
        result = esda.Moran_Local_Rate(
            e.reshape(-1, 1),
            b.reshape(-1, 1),
            _copy(w),
            adjusted=True,
            transformation="r",
            permutations=permutations,
            seed=seed,
            keep_simulations=True,
        )
    return _lisa(result)


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


def significant(p: np.ndarray, alpha: float, fdr: bool = True) -> np.ndarray:
    """Which p-values are significant at ``alpha``: BH-adjusted p ≤ alpha (``fdr``), else p ≤ alpha.

    "≤" as Benjamini & Hochberg (1995) define the procedure; a pseudo p-value (k + 1)/(n + 1)
    is valid with "≤" (P(p ≤ alpha) ≤ alpha under the null), and with 9,999 permutations the
    two-sided p takes the value 0,05 exactly. Unknown p-values (NaN) take no part and are
    never significant.
    """
    p = np.asarray(p, dtype=float)
    tested = fdr_adjust(p) if fdr else p
    with np.errstate(invalid="ignore"):
        return np.asarray(np.isfinite(tested) & (tested <= alpha * (1 + TOLERANCE)), dtype=bool)


def significance_level(p: np.ndarray, fdr: bool = True) -> np.ndarray:
    """Per area the highest confidence (99, 95, 90) at which it is significant, else 0.

    With ``fdr`` (the default) an area is significant at level ``alpha`` when its two-sided p,
    adjusted with Benjamini–Hochberg over all areas with a p, is at most alpha; without, when
    the p itself is. Unknown p-values (NaN) take no part and get 0.
    """
    p = np.asarray(p, dtype=float)
    level = np.zeros(len(p), dtype=int)
    for confidence, alpha in reversed(LEVELS):
        level[significant(p, alpha, fdr)] = confidence
    return level


def categories(z: np.ndarray, p: np.ndarray, fdr: bool = True) -> list[str]:
    """``hotspot 99%`` … ``coldspot 90%`` from the sign of z and the two-sided p of the same test.

    Corrected for multiple testing (Benjamini–Hochberg) unless ``fdr=False``.
    """
    labels = []
    z = np.asarray(z, dtype=float)
    p = np.asarray(p, dtype=float)
    undefined = ~(np.isfinite(z) & np.isfinite(p))
    levels = significance_level(np.where(undefined, np.nan, p), fdr)
    for sign, confidence, unknown in zip(np.sign(z), levels, undefined, strict=True):
        if unknown:
            labels.append(UNDEFINED)
        elif confidence == 0 or sign == 0:
            labels.append(NOT_SIGNIFICANT)
        else:
            labels.append(f"{'hotspot' if sign > 0 else 'coldspot'} {confidence}%")
    return labels


def clusters(lisa: LocalMoran, alpha: float, fdr: bool = True) -> list[str]:
    """LISA cluster per area: the quadrant where I is significant *and* on the quadrant's side.

    HH and LL are positive association: they need I above its permutation distribution (z > 0);
    HL and LH need it below (z < 0). Otherwise ``geen significant patroon``; NaN p: undefined.
    """
    sig = significant(lisa.p, alpha, fdr)
    labels = []
    for quadrant, z, p, is_sig in zip(lisa.quadrant, lisa.z, lisa.p, sig, strict=True):
        if not (np.isfinite(z) and np.isfinite(p)):
            labels.append(UNDEFINED)
        elif is_sig and (str(quadrant) in POSITIVE) == (z > 0):
            labels.append(str(quadrant))
        else:
            labels.append(NOT_SIGNIFICANT)
    return labels


def empirical_bayes(numerator: np.ndarray, denominator: np.ndarray, per: float = 1.0) -> np.ndarray:
    """Global empirical-Bayes rates (Marshall 1991), truncated, times ``per``.

    Each rate r_i = e_i / n_i is pulled towards the overall rate m = Σe / Σn with weight
    ``a / (a + m / n_i)``, where ``a = Σ n_i (r_i − m)² / Σn − m / mean(n)`` is the estimated
    variance between areas (esda ``Empirical_Bayes``). When that estimate is negative, the
    rates differ less than chance alone would make them, so a is set to 0 (Marshall 1991):
    full pooling, every area gets the overall rate. esda does not truncate and then gives
    rates below 0 or far above the largest raw rate.

    >>> empirical_bayes([5, 5, 5, 5, 5, 0], [100, 100, 100, 100, 100, 20], 1000).round(1)
    array([48.1, 48.1, 48.1, 48.1, 48.1, 48.1])
    """
    e = np.asarray(numerator, dtype=float)
    b = np.asarray(denominator, dtype=float)
    if np.any(b <= 0):
        raise ValueError("empirical-Bayes smoothing needs positive populations")
    overall = e.sum() / b.sum()
    rate = e / b
    between = (b * (rate - overall) ** 2).sum() / b.sum() - overall / b.mean()
    between = max(float(between), 0.0)
    if between == 0.0:
        return np.full(len(e), overall * per)
    weight = between / (between + overall / b)
    return np.asarray((weight * rate + (1.0 - weight) * overall) * per, dtype=float)
