# SPDX-License-Identifier: EUPL-1.2
"""Gi*, local Moran's I, FDR and empirical Bayes: one two-sided permutation test, null calibration."""

from __future__ import annotations

import esda
import numpy as np
import pytest
from esda.smoothing import Empirical_Bayes
from libpysal.weights import W, fill_diagonal, lat2W
from scipy.stats import false_discovery_control

from veiligstad.errors import DataError
from veiligstad.spatial import hotspots
from veiligstad.spatial.weights import queen_weights
from veiligstad.storage.warehouse import Warehouse

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
def test_gi_star_is_esdas_permutation_test_made_two_sided(permutations: int) -> None:
    y, w = lattice_data()
    ours = hotspots.gi_star(y, w, permutations=permutations, seed=42)
    direct = esda.G_Local(
        y, fill_diagonal(w, 1.0), transform="B", star=True, permutations=permutations, seed=42, n_jobs=1
    )
    # Same inputs, same seed, same permutations: G and z_sim exactly esda's.
    np.testing.assert_array_equal(ours.g, direct.Gs)
    np.testing.assert_allclose(ours.z, direct.z_sim, rtol=1e-12)
    np.testing.assert_array_equal(ours.z_analytical, direct.Zs)
    # Two-sided p = twice esda's folded one-sided p (float32) where z points to the smaller tail;
    # with ties (counts) ours counts them on both sides, so it is never smaller.
    small = ours.p < 0.5
    assert (ours.p[small] >= 2 * direct.p_sim[small] - 1e-6).all()
    assert ours.z[:12].mean() > 2  # the planted cluster is hot
    assert w.transform == "O" and w.sparse.diagonal().sum() == 0  # caller's W untouched


@DIRECT_ESDA
def test_local_moran_is_esdas_permutation_test_made_two_sided() -> None:
    y, w = lattice_data()
    ours = hotspots.local_moran(y, w, permutations=99, seed=42)
    direct = esda.Moran_Local(y, lat2W(9, 8, rook=False), transformation="r", permutations=99, seed=42)
    np.testing.assert_array_equal(ours.i, direct.Is)  # tolerance 0
    np.testing.assert_allclose(ours.z, direct.z_sim, rtol=1e-12)
    small = ours.p < 0.5
    assert (ours.p[small] >= 2 * direct.p_sim[small] - 1e-6).all()
    assert list(ours.quadrant) == [hotspots.QUADRANTS[int(q)] for q in direct.q]
    assert set(ours.quadrant[:12]) <= {"HH", "HL"}
    assert w.transform == "O"


@DIRECT_ESDA
def test_local_moran_rate_is_assuncao_reis() -> None:
    w = lat2W(7, 6, rook=False)
    rng = np.random.default_rng(3)
    population = rng.integers(20, 3000, size=w.n).astype(float)
    events = rng.poisson(population * 0.05).astype(float)
    ours = hotspots.local_moran_rate(events, population, w, permutations=99, seed=9)
    direct = esda.Moran_Local_Rate(
        events.reshape(-1, 1), population.reshape(-1, 1), lat2W(7, 6, rook=False), permutations=99, seed=9
    )
    np.testing.assert_array_equal(ours.i, direct.Is)
    assert list(ours.quadrant) == [hotspots.QUADRANTS[int(q)] for q in direct.q]


@DIRECT_ESDA
def test_without_ties_the_two_sided_p_is_twice_esdas_folded_p() -> None:
    y, w = lattice_data()
    y = y + np.random.default_rng(8).uniform(0, 0.5, size=len(y))  # no ties
    ours = hotspots.gi_star(y, w, permutations=199, seed=42)
    direct = esda.G_Local(
        y, fill_diagonal(w, 1.0), transform="B", star=True, permutations=199, seed=42, n_jobs=1
    )
    small = ours.p < 0.5
    np.testing.assert_allclose(ours.p[small], 2 * direct.p_sim[small], rtol=1e-6)


def test_two_sided_p_and_sign_come_from_the_same_side() -> None:
    rng = np.random.default_rng(5)
    simulated = rng.gamma(0.5, size=(400, 199))  # skewed, like sums of counts
    observed = rng.gamma(0.5, size=400) * rng.choice([0.2, 1.0, 6.0], size=400)
    z, p = hotspots.two_sided(observed, simulated)
    above = (simulated >= observed[:, None]).sum(axis=1)
    below = (simulated <= observed[:, None]).sum(axis=1)
    assert ((p > 0) & (p <= 1)).all() and p.min() == pytest.approx(2 / 200)
    low = p < 0.5
    # a small p lies in the tail z points to: hot above, cold below
    assert (above[low & (z > 0)] < below[low & (z > 0)]).all()
    assert (below[low & (z < 0)] < above[low & (z < 0)]).all()
    np.testing.assert_allclose(p[low], 2 * (np.minimum(above, below)[low] + 1) / 200)


#: One extreme area (the centre of a 7 × 7 lattice) between low neighbours, the rest middling.
EXTREME = 24


def extreme_cell() -> tuple[np.ndarray, object]:
    w = lat2W(7, 7, rook=False)
    y = np.full(w.n, 10.0) + np.random.default_rng(1).normal(0, 1, w.n)
    y[EXTREME] = 400.0
    y[[int(n) for n in w.neighbors[EXTREME]]] = 8.0
    return y, w


def test_one_extreme_area_between_low_neighbours_is_not_a_hotspot() -> None:
    """The analytical Gi* z counts the area's own value and calls it hot; the permutation test
    (own value fixed) puts it in the low tail. Before, the label took its sign from the first
    and its p from the second ("hotspot 95%"); now both come from the permutation test."""
    y, w = extreme_cell()
    gi = hotspots.gi_star(y, w, permutations=999, seed=2)
    assert gi.z_analytical[EXTREME] > 1.96  # the analytical z says "hot" ...
    assert gi.z[EXTREME] < 0 and gi.p[EXTREME] < 0.05  # ... the permutation test says low
    for fdr in (True, False):
        label = hotspots.categories(gi.z, gi.p, fdr=fdr)[EXTREME]
        assert not label.startswith("hotspot")
    assert hotspots.categories(gi.z, gi.p, fdr=False)[EXTREME].startswith("coldspot")
    # Sign and p agree everywhere: every hot label has z > 0, every cold label z < 0.
    for label, z in zip(hotspots.categories(gi.z, gi.p, fdr=False), gi.z, strict=True):
        assert not label.startswith("hotspot") or z > 0
        assert not label.startswith("coldspot") or z < 0


def test_lisa_clusters_only_where_the_quadrant_and_the_test_agree() -> None:
    y, w = extreme_cell()
    lisa = hotspots.local_moran(y, w, permutations=999, seed=2)
    labels = hotspots.clusters(lisa, 0.05, fdr=False)
    assert lisa.quadrant[EXTREME] == "HL" and labels[EXTREME] == "HL"
    for label, z in zip(labels, lisa.z, strict=True):
        if label in hotspots.POSITIVE:
            assert z > 0
        elif label in {"HL", "LH"}:
            assert z < 0


def maastricht_graph(warehouse: Warehouse) -> W:
    areas = warehouse.areas()
    rows = areas.filter((areas.level == "buurt") & (areas.gemeente_code == "GM0935"))
    frame = rows.select("code", "geometry").to_pandas()
    return queen_weights(frame["geometry"].tolist(), frame["code"].tolist()).w


def test_null_simulation_on_the_44_buurten_of_maastricht(warehouse: Warehouse) -> None:
    """No pattern at all (independent, identically distributed values): about 5% of the areas
    may be labelled at ≥ 95% without correction (two-sided), far fewer with the FDR correction.
    Before (one-sided folded p) it was 9.9% without correction (1,000 simulations)."""
    w = maastricht_graph(warehouse)
    assert w.n == 44
    rng = np.random.default_rng(20261202)
    simulations = 250
    counts = {"gi": 0, "gi_fdr": 0, "lisa": 0, "lisa_fdr": 0}
    for s in range(simulations):
        y = rng.normal(size=w.n)
        gi = hotspots.gi_star(y, w, permutations=499, seed=s + 1)
        lisa = hotspots.local_moran(y, w, permutations=499, seed=s + 1)
        for fdr, suffix in ((False, ""), (True, "_fdr")):
            labels = hotspots.categories(gi.z, gi.p, fdr=fdr)
            counts["gi" + suffix] += sum(label.endswith(("95%", "99%")) for label in labels)
            counts["lisa" + suffix] += sum(c in QUADRANT_LABELS for c in hotspots.clusters(lisa, 0.05, fdr))
    share = {key: n / (simulations * w.n) for key, n in counts.items()}
    assert 0.035 <= share["gi"] <= 0.065, share
    assert 0.035 <= share["lisa"] <= 0.065, share
    assert share["gi_fdr"] < 0.01 and share["lisa_fdr"] < 0.01, share


QUADRANT_LABELS = frozenset(hotspots.QUADRANTS.values())


def test_fewer_than_thirty_areas_are_refused_in_dutch() -> None:
    w = lat2W(5, 5)
    y = np.arange(25.0)
    for run in (hotspots.gi_star, hotspots.local_moran):
        with pytest.raises(hotspots.TooFewAreas, match=r"Te weinig gebieden: 25 gebieden.*minstens 30 nodig"):
            run(y, w, permutations=99)
    assert issubclass(hotspots.TooFewAreas, DataError)
    hotspots.check_areas(hotspots.MIN_AREAS)  # 30 is enough


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
    assert hotspots.categories(np.array([2.0, -2.0, 1.0]), np.array([0.004, 0.03, 0.09]), fdr=False) == [
        "hotspot 99%",
        "coldspot 95%",
        "hotspot 90%",
    ]
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
    np.testing.assert_allclose(smoothed, direct, rtol=1e-12)  # variance between areas > 0: as esda
    raw = events / population * 1000
    overall = events.sum() / population.sum() * 1000
    shrink = np.abs(raw - smoothed) / np.abs(raw - overall)
    assert shrink[0] > 0.5 > shrink[2]  # 10 inhabitants: pulled hard; 10.000: barely
    with pytest.raises(ValueError, match="positive populations"):
        hotspots.empirical_bayes(events, np.array([0.0, 1.0, 1.0, 1.0]))


def test_empirical_bayes_with_negative_variance_pools_fully() -> None:
    """Marshall (1991): a negative estimate of the variance between areas is set to 0, so every
    area gets the overall rate 25 / 520 · 1000 = 48,1. esda gives [0 … 0, 59,5]."""
    events = np.array([5.0, 5, 5, 5, 5, 0])
    population = np.array([100.0, 100, 100, 100, 100, 20])
    smoothed = hotspots.empirical_bayes(events, population, per=1000)
    np.testing.assert_allclose(smoothed, np.full(6, 25 / 520 * 1000))
    assert round(float(smoothed[0]), 1) == 48.1
    esda_result = Empirical_Bayes(events.reshape(-1, 1), population.reshape(-1, 1)).r.flatten() * 1000
    assert esda_result[:5].max() < 1  # what the untruncated estimate does
    assert (hotspots.empirical_bayes(np.zeros(3), np.ones(3)) == 0).all()


def test_an_area_bordering_every_other_area_is_undefined_not_a_coldspot() -> None:
    """Star: a centre touching all 30 others (like stadsdeel Centrum). Its Gi* has no variance."""
    from veiligstad.spatial.weights import binary_weights

    codes = ["centrum", *[f"rand{i}" for i in range(30)]]
    neighbours = {"centrum": set(codes[1:])} | {c: {"centrum"} for c in codes[1:]}
    w = binary_weights(neighbours, codes)
    y = np.array([90.0, *np.random.default_rng(4).integers(8, 14, size=30)])
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
