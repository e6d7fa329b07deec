# SPDX-License-Identifier: EUPL-1.2
"""Emerging hotspots: space-time Gi* per area and period, Mann–Kendall, 17 categories.

Pure: numpy/scipy/libpysal/pymannkendall in, arrays and categories out. The rules and
the choices where Esri and sfdep disagree are in ``docs/explanation/emerging-hotspots.md``.

* :func:`space_time_gi` — Getis–Ord Gi* for every area × step. The neighbourhood of area
  *i* at step *t* is *i* itself and its spatial neighbours in ``w`` at steps
  *t*, *t*−1 … *t*−``time_lag`` (binary weights, as Esri's space-time Gi* and sfdep's
  time-lag neighbours). The population the neighbourhood is compared with is every area
  at those same steps (the window), so with ``time_lag=0`` the result is exactly
  ``esda.G_Local(y, w, transform="B", star=True)`` per step (``Zs`` and ``p_norm``).
* :func:`classify` — per area: significant hot/cold per step from ``(z, p)``, a
  Mann–Kendall test (``pymannkendall.original_test``) on the Gi* z series, one
  :class:`Category`.
* :func:`emerging_hotspots` — both, with the minimum-steps refusal.

Sign and p come from one test and p is two-sided (as ``spatial.hotspots``). By default
(``permutations=9999``) the test is conditional randomisation: the value of the
area at step *t* stays, the other members of its space-time neighbourhood are drawn without
replacement from the rest of the window. z is then the observed neighbourhood sum
standardised by the mean and standard deviation of its permutations, and p is twice the
share of permutations at least as extreme on the side z points to ((k + 1)/(n + 1), capped
at 1). With ``permutations=0`` z is the analytical Gi* z-score and p = 2·norm.sf(|z|), as
Esri. Significance per step is corrected over the areas with Benjamini–Hochberg by default
(``fdr=True``, as Esri); Mann–Kendall runs on the z series. Fewer than
:data:`~veiligstad.spatial.labels.MIN_AREAS` areas are refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from veiligstad.errors import DataError, VeiligstadError
from veiligstad.spatial.labels import check_areas

#: Fewer monthly (or other) steps than this are refused: the 90% rules and the
#: Mann–Kendall test mean little on shorter series (anchors §5.6: "e.g. ≥ 10 monthly steps").
MIN_STEPS = 10
ALPHA = 0.05
MK_ALPHA = 0.05
#: 9,999 permutations, as the hotspot analysis: the smallest two-sided p is then 0,0002, small
#: enough for one area among 44 to pass the Benjamini–Hochberg correction (0,05 / 44 = 0,0011).
#: With 199 (sfdep) it is 0,01, with 999 it is 0,002: too coarse to survive the correction.
PERMUTATIONS = 9999
SEED = 20240101

FloatArray = npt.NDArray[np.float64]


class TooFewSteps(VeiligstadError):
    """The series is too short for an emerging-hotspot analysis."""


class Category(StrEnum):
    """Emerging-hotspot category; the value is the Dutch label, :attr:`code` the English code."""

    NEW_HOTSPOT = "nieuwe hotspot"
    CONSECUTIVE_HOTSPOT = "opeenvolgende hotspot"
    INTENSIFYING_HOTSPOT = "intensiverende hotspot"
    PERSISTENT_HOTSPOT = "aanhoudende hotspot"
    DIMINISHING_HOTSPOT = "afnemende hotspot"
    SPORADIC_HOTSPOT = "sporadische hotspot"
    OSCILLATING_HOTSPOT = "oscillerende hotspot"
    HISTORICAL_HOTSPOT = "historische hotspot"
    NEW_COLDSPOT = "nieuwe coldspot"
    CONSECUTIVE_COLDSPOT = "opeenvolgende coldspot"
    INTENSIFYING_COLDSPOT = "intensiverende coldspot"
    PERSISTENT_COLDSPOT = "aanhoudende coldspot"
    DIMINISHING_COLDSPOT = "afnemende coldspot"
    SPORADIC_COLDSPOT = "sporadische coldspot"
    OSCILLATING_COLDSPOT = "oscillerende coldspot"
    HISTORICAL_COLDSPOT = "historische coldspot"
    NO_PATTERN = "geen patroon"

    @property
    def code(self) -> str:
        """English code, e.g. ``new_hotspot`` (stable, for files and APIs)."""
        return self.name.lower()

    @property
    def is_hot(self) -> bool:
        return self.name.endswith("_HOTSPOT")

    @property
    def is_cold(self) -> bool:
        return self.name.endswith("_COLDSPOT")


_HOT = {
    "new": Category.NEW_HOTSPOT,
    "consecutive": Category.CONSECUTIVE_HOTSPOT,
    "intensifying": Category.INTENSIFYING_HOTSPOT,
    "persistent": Category.PERSISTENT_HOTSPOT,
    "diminishing": Category.DIMINISHING_HOTSPOT,
    "sporadic": Category.SPORADIC_HOTSPOT,
    "oscillating": Category.OSCILLATING_HOTSPOT,
    "historical": Category.HISTORICAL_HOTSPOT,
}
_COLD = {
    "new": Category.NEW_COLDSPOT,
    "consecutive": Category.CONSECUTIVE_COLDSPOT,
    "intensifying": Category.INTENSIFYING_COLDSPOT,
    "persistent": Category.PERSISTENT_COLDSPOT,
    "diminishing": Category.DIMINISHING_COLDSPOT,
    "sporadic": Category.SPORADIC_COLDSPOT,
    "oscillating": Category.OSCILLATING_COLDSPOT,
    "historical": Category.HISTORICAL_COLDSPOT,
}


@dataclass(frozen=True)
class EmergingHotspots:
    """Result of :func:`emerging_hotspots`: arrays are areas × steps, in ``w``'s row order."""

    z: FloatArray
    p: FloatArray
    categories: list[Category]
    time_lag: int
    permutations: int
    alpha: float
    mk_alpha: float
    fdr: bool = True

    def significant(self) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """Per area and step: significantly hot, significantly cold (as :func:`classify` counts)."""
        return _significant(self.z, self.p, self.alpha, self.fdr)


def check_steps(n_steps: int) -> None:
    """Raise :class:`TooFewSteps` when a series of ``n_steps`` is too short."""
    if n_steps < MIN_STEPS:
        raise TooFewSteps(
            f"Te weinig perioden voor een analyse van opkomende hotspots: {n_steps}, "
            f"minimaal {MIN_STEPS} nodig.",
            hint=f"Kies een langere reeks of kortere perioden (bijvoorbeeld maanden); "
            f"minimaal {MIN_STEPS} perioden.",
        )


def _binary_star(w: Any, n_areas: int) -> sparse.csr_matrix:
    """The neighbour structure of ``w`` as 0/1 weights with 1 on the diagonal (Gi*)."""
    if w.n != n_areas:
        raise DataError(
            f"De ruimtelijke gewichten beschrijven {w.n} gebieden, de waarden {n_areas} gebieden."
        )
    matrix = sparse.csr_matrix(w.sparse, dtype=np.float64, copy=True)
    matrix.data[:] = 1.0
    matrix.setdiag(1.0)
    matrix.eliminate_zeros()
    return matrix.tocsr()


def _window_sums(a: FloatArray, time_lag: int) -> FloatArray:
    """Sum over the window t−time_lag … t along the last axis (shorter at the start)."""
    steps = a.shape[-1]
    csum = np.concatenate([np.zeros((*a.shape[:-1], 1)), np.cumsum(a, axis=-1)], axis=-1)
    end = np.arange(1, steps + 1)
    start = np.maximum(end - (time_lag + 1), 0)
    result: FloatArray = csum[..., end] - csum[..., start]
    return result


def space_time_gi(
    values: npt.ArrayLike,
    w: Any,
    time_lag: int = 1,
    permutations: int = PERMUTATIONS,
    seed: int = SEED,
) -> tuple[FloatArray, FloatArray]:
    """Space-time Gi* z-scores and p-values, both areas × steps.

    ``values`` is areas × steps (areas in the row order of ``w``, steps oldest first),
    complete (no NaN). ``w`` is a libpysal ``W``; only its neighbour structure is used
    (binary weights, self-weight 1). ``permutations > 0``: z and the two-sided pseudo p of
    conditional randomisation (seeded); ``permutations=0``: the analytical z and
    ``2·norm.sf(|z|)``. A step in which the window has no variation at all gets z = 0 and p = 1.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 2:
        raise DataError("De waarden moeten een tabel gebieden × perioden zijn.")
    if not np.isfinite(x).all():
        raise DataError(
            "De waarden bevatten ontbrekende of oneindige getallen; "
            "een analyse van opkomende hotspots vraagt een volledige reeks per gebied."
        )
    if time_lag < 0:
        raise DataError(f"Het aantal vorige perioden in de buurt (time_lag) is negatief: {time_lag}.")
    if permutations < 0:
        raise DataError(f"Het aantal permutaties is negatief: {permutations}.")
    n_areas, n_steps = x.shape
    star = _binary_star(w, n_areas)
    cardinality = np.asarray(star.sum(axis=1)).ravel()

    lagged = np.asarray(star @ x)  # neighbourhood sum per step (space only)
    local = _window_sums(lagged, time_lag)  # + the same at the lagged steps
    length = _window_sums(np.ones((1, n_steps)), time_lag)[0]  # steps in each window
    population = n_areas * length
    total = _window_sums(x.sum(axis=0)[None, :], time_lag)[0]
    squares = _window_sums((x**2).sum(axis=0)[None, :], time_lag)[0]
    mean = total / population
    variance = squares / population - mean**2

    weight = cardinality[:, None] * length[None, :]  # W_i (= S1_i for binary weights)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = (population * weight - weight**2) / (population - 1)
        degenerate = (variance <= 1e-12 * np.maximum(mean**2, 1.0))[None, :] | ~(spread > 0)
        z = (local - mean * weight) / np.sqrt(variance[None, :] * spread)
    z = np.where(degenerate, 0.0, z)

    from scipy.stats import norm  # imported here: scipy.stats costs seconds at start-up

    if permutations == 0:
        p = 2.0 * norm.sf(np.abs(z))
    else:
        z, p = _conditional(x, local, cardinality, time_lag, permutations, seed)
    z = np.where(degenerate | ~np.isfinite(z), 0.0, z)
    p = np.where(degenerate | ~np.isfinite(p), 1.0, p)
    return np.asarray(z, dtype=np.float64), np.asarray(p, dtype=np.float64)


def _conditional(
    x: FloatArray,
    local: FloatArray,
    cardinality: npt.NDArray[np.float64],
    time_lag: int,
    permutations: int,
    seed: int,
) -> tuple[FloatArray, FloatArray]:
    """z and two-sided pseudo p of conditional randomisation: the area's own value stays, the
    rest of the neighbourhood is a random draw without replacement from the other values in
    the window. z is the observed sum standardised by the permutations' mean and standard
    deviation; p = 2·(k + 1)/(permutations + 1), capped at 1, with k the permutations at least
    as extreme on the side z points to.

    As in esda, one random draw per permutation is shared by all areas of a step: the
    first ``W_i − 1`` values of a random ordering of the window, skipping the area's own
    value, are a uniform sample for every area at once (prefix sums). Permutations are
    processed in batches (arrays of batch × areas); the random orderings of a small window
    come from sorting random keys, those of a large one from ``Generator.choice``.
    """
    rng = np.random.default_rng(seed)
    n_areas, n_steps = x.shape
    p = np.empty_like(local)
    z = np.empty_like(local)
    for t in range(n_steps):
        first = max(0, t - time_lag)
        window = x[:, first : t + 1].T.ravel()  # index = offset × n_areas + area
        length = t + 1 - first
        own = (length - 1) * n_areas  # index of the area's own value at step t
        others = (cardinality * length - 1).astype(np.int64)
        draw = int(others.max()) + 1
        observed = local[:, t]
        larger = np.zeros(n_areas, dtype=np.int64)
        smaller = np.zeros(n_areas, dtype=np.int64)
        total = np.zeros(n_areas)
        squares = np.zeros(n_areas)
        batch = max(1, _BATCH_CELLS // max(n_areas, window.size))
        done = 0
        while done < permutations:
            size = min(batch, permutations - done)
            done += size
            simulated = _simulated_sums(rng, window, own, others, draw, size) + x[:, t]
            larger += (simulated >= observed).sum(axis=0)
            smaller += (simulated <= observed).sum(axis=0)
            total += simulated.sum(axis=0)
            squares += (simulated**2).sum(axis=0)
        mean = total / permutations
        sd = np.sqrt(np.maximum(squares / permutations - mean**2, 0.0))
        spread = sd > 1e-9 * np.maximum(np.abs(mean), 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            z[:, t] = np.where(spread, (observed - mean) / sd, 0.0)
        k = np.where(z[:, t] > 0, larger, np.where(z[:, t] < 0, smaller, permutations))
        p[:, t] = np.minimum(1.0, 2.0 * (k + 1.0) / (permutations + 1.0))
    return z, p


#: Cells (permutations × areas) per batch of :func:`_conditional`: about 32 MB of float64.
_BATCH_CELLS = 4_000_000
#: Windows up to this size get their random orderings by sorting random keys (vectorised).
_SORT_LIMIT = 2_048


def _simulated_sums(
    rng: np.random.Generator,
    window: FloatArray,
    own: int,
    others: npt.NDArray[np.int64],
    draw: int,
    size: int,
) -> FloatArray:
    """``size`` × areas: the sum of each area's ``others`` randomly drawn neighbours, the area's
    own value at the step (window index ``own + area``) skipped."""
    if window.size <= _SORT_LIMIT:
        picked = np.argsort(rng.random((size, window.size)), axis=1)[:, :draw]
    else:
        picked = np.stack([rng.choice(window.size, size=draw, replace=False) for _ in range(size)])
    drawn = window[picked]
    prefix = np.concatenate([np.zeros((size, 1)), np.cumsum(drawn, axis=1)], axis=1)
    n_areas = len(others)
    position = np.full((size, n_areas), draw, dtype=np.int64)
    rows, columns = np.nonzero(picked >= own)
    position[rows, picked[rows, columns] - own] = columns
    has_own = position < others[None, :]
    row = np.arange(size)[:, None]
    result: FloatArray = np.where(
        has_own,
        prefix[row, others[None, :] + 1] - drawn[row, np.minimum(position, draw - 1)],
        prefix[row, others[None, :]],
    )
    return result


BoolArray = npt.NDArray[np.bool_]


def _significant(z: FloatArray, p: FloatArray, alpha: float, fdr: bool) -> tuple[BoolArray, BoolArray]:
    """Significant hot and cold steps: p ≤ alpha, after Benjamini–Hochberg over the areas of
    each step when ``fdr`` ("≤" as BH define it; a pseudo p (k + 1)/(n + 1) is valid with it)."""
    if fdr:
        from scipy.stats import false_discovery_control

        p = np.apply_along_axis(false_discovery_control, 0, p)
    significant = p <= alpha * (1 + 1e-9)
    return significant & (z > 0), significant & (z < 0)


def _trend(series: FloatArray, mk_alpha: float) -> int:
    """+1 significant increase, −1 significant decrease, 0 none (Mann–Kendall on Gi* z)."""
    import pymannkendall

    result = pymannkendall.original_test(series, alpha=mk_alpha)
    if result.p < mk_alpha and result.s > 0:
        return 1
    if result.p < mk_alpha and result.s < 0:
        return -1
    return 0


def _history(sig: Sequence[bool], other: Sequence[bool]) -> str:
    """New/consecutive/oscillating/sporadic for a series whose final step is significant
    (``sig``) — ``other`` is the opposite sign. Called only when < 90% of steps are ``sig``."""
    n = len(sig)
    run = 0
    while run < n and sig[n - 1 - run]:
        run += 1
    before = n - run
    if any(other[:before]):
        return "oscillating"
    if not any(sig[:before]):
        return "new" if run == 1 else "consecutive"
    return "sporadic"


def classify(
    z: npt.ArrayLike,
    p: npt.ArrayLike,
    alpha: float = ALPHA,
    mk_alpha: float = MK_ALPHA,
    fdr: bool = True,
) -> list[Category]:
    """One category per area (row) from Gi* z-scores and two-sided p-values (areas × steps).

    A step is a significant hot (cold) spot when ``p ≤ alpha`` and z > 0 (z < 0); with
    ``fdr=True`` (the default, as Esri) the p-values of each step are first adjusted over
    the areas (Benjamini–Hochberg); ``fdr=False`` is the uncorrected list. Order of
    evaluation, hot and cold mirrored:

    1. ≥ 90% of steps hot and the final step hot: Mann–Kendall on the z series
       significantly up → intensifying, down → diminishing, otherwise persistent;
    2. final step hot (< 90%): earlier significant cold step → oscillating; otherwise
       no significant step before the final run → new (run of 1) / consecutive (≥ 2);
       otherwise sporadic (on and off, never cold);
    3. ≥ 90% of steps hot, final step not hot → historical;
    4. otherwise no pattern.
    """
    z_arr = np.asarray(z, dtype=np.float64)
    p_arr = np.asarray(p, dtype=np.float64)
    if z_arr.shape != p_arr.shape or z_arr.ndim != 2:
        raise DataError("z en p moeten tabellen gebieden × perioden van gelijke vorm zijn.")
    n_steps = z_arr.shape[1]
    check_steps(n_steps)
    hot, cold = _significant(z_arr, p_arr, alpha, fdr)
    # "≥ 90% of steps" in integers: 10·count ≥ 9·n
    mostly_hot = 10 * hot.sum(axis=1) >= 9 * n_steps
    mostly_cold = 10 * cold.sum(axis=1) >= 9 * n_steps

    categories: list[Category] = []
    for i in range(z_arr.shape[0]):
        categories.append(_classify_one(z_arr[i], hot[i], cold[i], mostly_hot[i], mostly_cold[i], mk_alpha))
    return categories


def _classify_one(
    z: FloatArray,
    hot: BoolArray,
    cold: BoolArray,
    mostly_hot: bool,
    mostly_cold: bool,
    mk_alpha: float,
) -> Category:
    for sig, mostly, names, sign in ((hot, mostly_hot, _HOT, 1), (cold, mostly_cold, _COLD, -1)):
        if mostly and sig[-1]:
            trend = _trend(z, mk_alpha) * sign
            if trend > 0:
                return names["intensifying"]
            if trend < 0:
                return names["diminishing"]
            return names["persistent"]
    for sig, other, mostly, names in ((hot, cold, mostly_hot, _HOT), (cold, hot, mostly_cold, _COLD)):
        if sig[-1] and not mostly:
            return names[_history(sig.tolist(), other.tolist())]
    if mostly_hot:
        return Category.HISTORICAL_HOTSPOT
    if mostly_cold:
        return Category.HISTORICAL_COLDSPOT
    return Category.NO_PATTERN


def emerging_hotspots(
    values: npt.ArrayLike,
    w: Any,
    time_lag: int = 1,
    permutations: int = PERMUTATIONS,
    seed: int = SEED,
    alpha: float = ALPHA,
    mk_alpha: float = MK_ALPHA,
    fdr: bool = True,
) -> EmergingHotspots:
    """Space-time Gi* and the categories in one call; refuses fewer than :data:`MIN_STEPS` steps
    and fewer than :data:`~veiligstad.spatial.labels.MIN_AREAS` areas."""
    x = np.asarray(values, dtype=np.float64)
    if x.ndim == 2:
        check_steps(x.shape[1])
        check_areas(x.shape[0], "opkomende hotspots (Gi* per periode)")
    z, p = space_time_gi(x, w, time_lag=time_lag, permutations=permutations, seed=seed)
    categories = classify(z, p, alpha=alpha, mk_alpha=mk_alpha, fdr=fdr)
    return EmergingHotspots(z, p, categories, time_lag, permutations, alpha, mk_alpha, fdr)
