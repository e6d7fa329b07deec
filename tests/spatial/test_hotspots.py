# SPDX-License-Identifier: EUPL-1.2
"""Gi*, local Moran's I, FDR and empirical Bayes: the wrappers give exactly what esda gives."""

from __future__ import annotations

import esda
import numpy as np
import pytest
from esda.smoothing import Empirical_Bayes
from libpysal.weights import fill_diagonal, lat2W
from scipy.stats import false_discovery_control

from veiligstad.spatial import hotspots

#: esda 2.9 warns from its permutation engine when called directly (our wrappers filter it locally).
DIRECT_ESDA = pytest.mark.filterwarnings(
    "ignore:The alternative hypothesis for conditional randomization:DeprecationWarning"
)

#: Constructed p-values (n = 10). BH cut-offs (esda.fdr, strict <): 1% → 0,002; 5% → 0,015; 10% → 0,05.
P = np.array([0.0005, 0.0015, 0.012, 0.028, 0.045, 0.3, 0.5, 0.6, 0.7, 0.9])
#: By hand: p·n/rank, then the running minimum from the largest p down.
Q = np.array([0.005, 0.0075, 0.04, 0.07, 0.09, 0.5, 0.5 * 10 / 7, 0.75, 7 / 9, 0.9])


def lattice_data(seed: int = 7) -> tuple[np.ndarray, object]:
    w = lat2W(9, 8, rook=False)
    rng = np.random.default_rng(seed)
    y = rng.poisson(20, size=w.n).astype(float)
    y[:12] += 25  # a high cluster in the first rows
    return y, w


@DIRECT_ESDA
@pytest.mark.parametrize("permutations", [99, 999])
def test_gi_star_equals_esda(permutations: int) -> None:
    y, w = lattice_data()
    ours = hotspots.gi_star(y, w, permutations=permutations, seed=42)
    direct = esda.G_Local(
        y, fill_diagonal(w, 1.0), transform="B", star=True, permutations=permutations, seed=42, n_jobs=1
    )
    # Same inputs, same seed, same code path: tolerance 0.
    np.testing.assert_array_equal(ours.z, direct.Zs)
    np.testing.assert_array_equal(ours.p, direct.p_sim)
    np.testing.assert_array_equal(ours.g, direct.Gs)
    assert ours.z[:12].mean() > 2  # the planted cluster is hot
    assert w.transform == "O" and w.sparse.diagonal().sum() == 0  # caller's W untouched


@DIRECT_ESDA
def test_local_moran_equals_esda() -> None:
    y, w = lattice_data()
    ours = hotspots.local_moran(y, w, permutations=99, seed=42)
    direct = esda.Moran_Local(y, lat2W(9, 8, rook=False), transformation="r", permutations=99, seed=42)
    np.testing.assert_array_equal(ours.i, direct.Is)  # tolerance 0
    np.testing.assert_array_equal(ours.p, direct.p_sim)
    assert list(ours.quadrant) == [hotspots.QUADRANTS[int(q)] for q in direct.q]
    assert set(ours.quadrant[:12]) <= {"HH", "HL"}
    assert w.transform == "O"


def test_star_weights_equal_fill_diagonal() -> None:
    w = lat2W(4, 4)
    np.testing.assert_array_equal(
        hotspots.star_weights(w).sparse.toarray(), fill_diagonal(w, 1.0).sparse.toarray()
    )


def test_fdr_adjust_hand_computed_and_scipy() -> None:
    shuffled = np.array([5, 0, 9, 2, 7, 1, 8, 3, 6, 4])
    np.testing.assert_allclose(hotspots.fdr_adjust(P[shuffled]), Q[shuffled], rtol=1e-12)
    np.testing.assert_allclose(hotspots.fdr_adjust(P), false_discovery_control(P, method="bh"), rtol=1e-12)
    assert hotspots.fdr_adjust(np.array([])).size == 0


def test_fdr_cutoffs_by_hand() -> None:
    assert hotspots.fdr_cutoff(P, 0.01) == pytest.approx(0.002)
    assert hotspots.fdr_cutoff(P, 0.05) == pytest.approx(0.015)
    assert hotspots.fdr_cutoff(P, 0.10) == pytest.approx(0.05)
    # Without ties at the cut-off, "p below esda's cut-off" and "adjusted p ≤ alpha" agree.
    for alpha in (0.01, 0.05, 0.10):
        significant = P < hotspots.fdr_cutoff(P, alpha)  # noqa: SIM300 -- reads as "p below cut-off"
        assert list(significant) == list(hotspots.fdr_adjust(P) <= alpha)


def test_categories_from_constructed_p_values() -> None:
    z = np.array([2.0, -2.0, 3.0, -1.0, 1.0, 2.5, -2.5, 0.1, 0.2, 0.3])
    assert hotspots.categories(z, P) == [
        "hotspot 99%",
        "coldspot 99%",
        "hotspot 95%",
        "coldspot 90%",
        "hotspot 90%",
        *["geen significant patroon"] * 5,
    ]
    # Nothing survives the correction: esda.fdr falls back to alpha/n, nothing is significant.
    flat = np.full(10, 0.2)
    assert set(hotspots.categories(z, flat)) == {"geen significant patroon"}
    # Without correction 0,03 would be significant at 95%; with 10 tests it is not.
    assert hotspots.categories(z, np.array([0.03] + [0.5] * 9))[0] == "geen significant patroon"


def test_empirical_bayes_pulls_small_populations_most() -> None:
    events = np.array([1.0, 30.0, 300.0, 2.0])
    population = np.array([10.0, 1000.0, 10000.0, 1000.0])
    smoothed = hotspots.empirical_bayes(events, population, per=1000)
    direct = Empirical_Bayes(events.reshape(-1, 1), population.reshape(-1, 1)).r.flatten() * 1000
    np.testing.assert_array_equal(smoothed, direct)
    raw = events / population * 1000
    overall = events.sum() / population.sum() * 1000
    shrink = np.abs(raw - smoothed) / np.abs(raw - overall)
    assert shrink[0] > 0.5 > shrink[2]  # 10 inhabitants: pulled hard; 10.000: barely
    with pytest.raises(ValueError, match="positive populations"):
        hotspots.empirical_bayes(events, np.array([0.0, 1.0, 1.0, 1.0]))


def test_an_area_bordering_every_other_area_is_undefined_not_a_coldspot() -> None:
    """Star: a centre touching all 6 others (like stadsdeel Centrum). Its Gi* has no variance."""
    from veiligstad.spatial.weights import binary_weights

    codes = ["centrum", *[f"rand{i}" for i in range(6)]]
    neighbours = {"centrum": set(codes[1:])} | {c: {"centrum"} for c in codes[1:]}
    w = binary_weights(neighbours, codes)
    y = np.array([90.0, 10, 12, 9, 11, 10, 13])
    gi = hotspots.gi_star(y, w, permutations=99, seed=1)
    assert not np.isfinite(gi.z[0]) and np.isnan(gi.p[0])
    labels = hotspots.categories(gi.z, gi.p)
    assert labels[0] == hotspots.UNDEFINED
    assert all(label != hotspots.UNDEFINED for label in labels[1:])


def test_fdr_ignores_unknown_p_values() -> None:
    with_unknown = np.append(P, np.nan)
    adjusted = hotspots.fdr_adjust(with_unknown)
    np.testing.assert_allclose(adjusted[:-1], Q, rtol=1e-12)
    assert np.isnan(adjusted[-1])
    assert hotspots.categories(np.append(np.ones(10), 1.0), with_unknown)[-1] == hotspots.UNDEFINED
