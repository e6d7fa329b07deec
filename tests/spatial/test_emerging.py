# SPDX-License-Identifier: EUPL-1.2
"""Emerging hotspots: space-time Gi* against esda and a brute-force sum, and every
category from constructed Gi* series (docs/explanation/emerging-hotspots.md).

In the constructed series a step is ``H`` (z = 3, significant hot), ``C`` (z = −3,
significant cold), ``+`` (z = 1: positive, not significant) or ``.`` (z = 0.2).
p is the two-sided ``2·norm.sf(|z|)`` as space_time_gi gives it without permutations.
"""

from __future__ import annotations

import esda
import numpy as np
import pytest
from libpysal.weights import lat2W
from scipy.stats import norm

from veiligstad.errors import VeiligstadError
from veiligstad.spatial.emerging import (
    MIN_STEPS,
    Category,
    TooFewSteps,
    classify,
    emerging_hotspots,
    space_time_gi,
)
from veiligstad.spatial.labels import TooFewAreas

LEVEL = {"H": 3.0, "C": -3.0, "+": 1.0, ".": 0.2}


def series(pattern: str, trend: float = 0.0) -> np.ndarray:
    """z series from a pattern; ``trend`` adds a steady rise per step (in z units)."""
    z = np.array([LEVEL[c] for c in pattern]) + trend * np.arange(len(pattern))
    return z


def category(z: np.ndarray) -> Category:
    rows = np.atleast_2d(z)
    return classify(rows, 2 * norm.sf(np.abs(rows)))[0]


# wobble without a monotonic trend: Mann–Kendall S is 0
FLAT = np.array([0.2, -0.2] * 6)


@pytest.mark.parametrize(
    ("z", "expected"),
    [
        (series("..........H"), Category.NEW_HOTSPOT),
        (series("..........C"), Category.NEW_COLDSPOT),
        (series("........HHH"), Category.CONSECUTIVE_HOTSPOT),
        (series("........CCC"), Category.CONSECUTIVE_COLDSPOT),
        (series("HHHHHHHHHHHH", trend=0.3), Category.INTENSIFYING_HOTSPOT),
        (series("CCCCCCCCCCCC", trend=-0.3), Category.INTENSIFYING_COLDSPOT),
        (series("HHHHHHHHHHHH") + FLAT, Category.PERSISTENT_HOTSPOT),
        (series("CCCCCCCCCCCC") + FLAT, Category.PERSISTENT_COLDSPOT),
        (series("HHHHHHHHHHHH", trend=-0.1) + 1.2, Category.DIMINISHING_HOTSPOT),
        (series("CCCCCCCCCCCC", trend=0.1) - 1.2, Category.DIMINISHING_COLDSPOT),
        (series("..HH..H...HH"), Category.SPORADIC_HOTSPOT),
        (series("..CC..C...CC"), Category.SPORADIC_COLDSPOT),
        (series("..CC......HH"), Category.OSCILLATING_HOTSPOT),
        (series("..HH......CC"), Category.OSCILLATING_COLDSPOT),
        (series("HHHHHHHHHHH."), Category.HISTORICAL_HOTSPOT),
        (series("CCCCCCCCCCC."), Category.HISTORICAL_COLDSPOT),
        (series("...........+"), Category.NO_PATTERN),
    ],
    ids=lambda v: v.code if isinstance(v, Category) else "",
)
def test_every_category_from_a_constructed_series(z: np.ndarray, expected: Category) -> None:
    assert category(z) is expected


def test_seventeen_categories_with_dutch_labels_and_english_codes() -> None:
    assert len(Category) == 17
    assert Category.NEW_HOTSPOT == "nieuwe hotspot"
    assert Category.NEW_HOTSPOT.code == "new_hotspot"
    assert Category.NO_PATTERN == "geen patroon"
    assert sum(c.is_hot for c in Category) == sum(c.is_cold for c in Category) == 8


# --- where Esri and sfdep disagree: our choice, one test each ---------------------------


def test_sporadic_requires_the_final_step_hot() -> None:
    # sfdep: sporadic (on and off, never cold); Esri and we: not sporadic, nothing else fits
    assert category(series("..HH..H..HH.")) is Category.NO_PATTERN


def test_historical_with_positive_but_not_significant_final_step() -> None:
    # sfdep requires Gi*_n < 0; Esri and we: "not a significant hot spot at the final step"
    assert category(series("HHHHHHHHHHH+")) is Category.HISTORICAL_HOTSPOT
    assert category(series("CCCCCCCCCCC+")) is Category.HISTORICAL_COLDSPOT


def test_oscillating_needs_less_than_ninety_percent() -> None:
    # exactly 90% hot with an earlier cold step: sfdep (≤ 0.9) says oscillating; we (< 90%)
    # put it in the ≥ 90% family (no trend here: persistent)
    z = series("CHHHHHHHHH") + np.array([0, 0.2, -0.2, 0.2, -0.2, 0.2, -0.2, 0.2, -0.2, 0.0])
    assert category(z) is Category.PERSISTENT_HOTSPOT
    assert category(series("CCHHHHHHHH")) is Category.OSCILLATING_HOTSPOT  # 80%


def test_first_hot_after_a_cold_history_is_oscillating_not_new() -> None:
    assert category(series("...C.......H")) is Category.OSCILLATING_HOTSPOT
    assert category(series("...C......HH")) is Category.OSCILLATING_HOTSPOT


def test_final_step_wins_over_historical() -> None:
    # ≥ 90% hot but now a significant cold spot: the present counts first
    assert category(series("HHHHHHHHHHHHHHHHHHHC")) is Category.OSCILLATING_COLDSPOT


def test_consecutive_needs_a_clean_history() -> None:
    # a hot step before the final run → sporadic, not consecutive
    assert category(series(".H.......HHH")) is Category.SPORADIC_HOTSPOT
    # a run of one is "new"
    assert category(series("...........H")) is Category.NEW_HOTSPOT


def test_fdr_adjustment_can_remove_significance() -> None:
    # 50 areas, one with a borderline final step (two-sided p ≈ 0.04) among non-significant ones
    z = np.full((50, 12), 0.2)
    z[0, -1] = 2.05
    p = 2 * norm.sf(np.abs(z))
    assert classify(z, p, fdr=False)[0] is Category.NEW_HOTSPOT
    assert classify(z, p)[0] is Category.NO_PATTERN  # the correction is the default


# --- space-time Gi* -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def lattice() -> tuple[np.ndarray, object]:
    rng = np.random.default_rng(7)
    w = lat2W(6, 7, rook=False)
    values = rng.poisson(4, size=(w.n, 12)).astype(float)
    values[:4] += np.arange(12)  # a rising corner
    return values, w


def test_time_lag_zero_equals_esda_per_step(lattice: tuple[np.ndarray, object]) -> None:
    values, w = lattice
    z, p = space_time_gi(values, w, time_lag=0, permutations=0)
    for t in range(values.shape[1]):
        reference = esda.G_Local(values[:, t], w, transform="B", star=True, permutations=0)
        np.testing.assert_allclose(z[:, t], reference.Zs, rtol=0, atol=1e-10)
        np.testing.assert_allclose(p[:, t], 2 * reference.p_norm, rtol=0, atol=1e-10)  # two-sided


@pytest.mark.parametrize("time_lag", [1, 3])
def test_time_lag_matches_a_brute_force_gi_star(lattice: tuple[np.ndarray, object], time_lag: int) -> None:
    values, w = lattice
    z, _ = space_time_gi(values, w, time_lag=time_lag, permutations=0)
    n_areas, n_steps = values.shape
    for t in (0, 2, n_steps - 1):
        window = values[:, max(0, t - time_lag) : t + 1]
        population = window.ravel()
        n = population.size
        mean, sd = population.mean(), population.std()
        for i in range(n_areas):
            members = [i, *w.neighbors[w.id_order[i]]]
            rows = [w.id_order.index(j) for j in members]
            local = window[rows].sum()
            weight = len(rows) * window.shape[1]
            expected = (local - mean * weight) / (sd * np.sqrt((n * weight - weight**2) / (n - 1)))
            assert z[i, t] == pytest.approx(expected, abs=1e-10)


def test_permutation_p_values_are_seeded_and_agree_with_the_normal_approximation(
    lattice: tuple[np.ndarray, object],
) -> None:
    values, w = lattice
    z, p1 = space_time_gi(values, w, time_lag=1, permutations=199, seed=3)
    _, p2 = space_time_gi(values, w, time_lag=1, permutations=199, seed=3)
    _, p3 = space_time_gi(values, w, time_lag=1, permutations=199, seed=4)
    analytical, p_norm = space_time_gi(values, w, time_lag=1, permutations=0)
    np.testing.assert_array_equal(p1, p2)
    assert not np.array_equal(p1, p3)
    assert p1.min() >= 2 / 200
    assert p1.max() <= 1.0
    # pseudo p-values and permutation z track the analytical ones
    assert np.corrcoef(p1.ravel(), p_norm.ravel())[0, 1] > 0.9
    assert np.corrcoef(z.ravel(), analytical.ravel())[0, 1] > 0.9
    # sign and p from the same test: a small p lies on the side z points to
    assert (np.sign(z[p1 < 0.05]) != 0).all()


def test_emerging_hotspots_need_thirty_areas() -> None:
    w = lat2W(5, 5)
    values = np.random.default_rng(1).poisson(4, size=(25, 12)).astype(float)
    with pytest.raises(TooFewAreas, match=r"Te weinig gebieden: 25 gebieden.*minstens 30 nodig"):
        emerging_hotspots(values, w)


def test_planted_rising_cluster_comes_out_hot() -> None:
    rng = np.random.default_rng(11)
    w = lat2W(10, 10, rook=False)
    values = rng.poisson(2, size=(w.n, 24)).astype(float)
    cluster = [44, 45, 54, 55]
    values[cluster] += rng.poisson(np.linspace(6, 20, 24), size=(4, 24))
    result = emerging_hotspots(values, w, time_lag=1, seed=1)
    assert all(result.categories[i] is Category.INTENSIFYING_HOTSPOT for i in cluster)
    assert result.z.shape == result.p.shape == values.shape


def test_constant_values_give_no_signal() -> None:
    w = lat2W(4, 4)
    z, p = space_time_gi(np.full((16, 12), 5.0), w, permutations=19)
    assert (z == 0).all()
    assert (p == 1).all()
    assert set(classify(z, p)) == {Category.NO_PATTERN}


def test_too_few_steps_is_refused_in_dutch() -> None:
    w = lat2W(3, 3)
    values = np.ones((9, MIN_STEPS - 1))
    with pytest.raises(TooFewSteps, match=rf"{MIN_STEPS - 1}.*minimaal {MIN_STEPS}") as info:
        emerging_hotspots(values, w)
    assert isinstance(info.value, VeiligstadError)
    with pytest.raises(TooFewSteps):
        classify(np.zeros((9, 3)), np.ones((9, 3)))


def test_bad_input_is_refused() -> None:
    w = lat2W(3, 3)
    with pytest.raises(VeiligstadError, match="9 gebieden"):
        space_time_gi(np.ones((8, 12)), w)
    values = np.ones((9, 12))
    values[0, 0] = np.nan
    with pytest.raises(VeiligstadError, match="ontbrekende"):
        space_time_gi(values, w)
