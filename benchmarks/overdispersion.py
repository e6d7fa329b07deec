# SPDX-License-Identifier: EUPL-1.2
"""Overdispersion: how often is a year-on-year change called "significant", before and after φ?

Three parts, all printed:

1. **Real data.** The 250-odd gemeenten with unchanged boundaries 2010–2020 (present in
   every year of the embedded CBS 83648NED crime totals, ``misdrijven-scm:T001161``, and of
   the population file, and not in ``gemeentelijke_herindelingen_2000_2025.csv`` with a date
   in 2010–2020). Per gemeente φ = Pearson χ²/df of the log-linear Poisson trend model with
   log(population) offset (``engine.dispersion``). Share of the year-on-year changes labelled
   significant by the old exact test (φ ignored) and by ``engine.trends.changes`` (quasi-Poisson,
   φ from the series' other years).
2. **Null simulation.** Negative-binomial series with variance φ·μ (φ = 7,5), mean 1,000,
   10 years, no real change: share of significant year-on-year changes, old vs new.
3. **Power.** The same series with a real step in the last year of the size of Maastricht's
   2020 → 2022 rise in crimes per inhabitant, computed from the embedded CBS 83648NED
   figures of both years (6,840 in 2020 and 7,980 in 2022 — the same CBS table, so the
   police 47013NED figure for 2022, 7,966, is not mixed in; population on 1 January of each
   year): at mean 1,000 and at Maastricht's own level (≈ 6,840, φ as estimated for its
   2010–2020 series).

Run:  uv run python benchmarks/overdispersion.py [--series 4000] [--seed 1]
"""

from __future__ import annotations

import argparse
import csv
import math
import time
from pathlib import Path

import numpy as np

from veiligstad.engine.dispersion import estimate
from veiligstad.engine.significance import ALPHA, exact_binomial_p
from veiligstad.engine.trends import Point, changes

ROOT = Path(__file__).resolve().parents[1]
EMBEDDED = ROOT / "src/veiligstad/data/embedded/observations"
CRIME = EMBEDDED / "cbs_83648ned_gemeenten_2010_2020.csv"
CRIME_2022 = EMBEDDED / "cbs_83648ned_gemeenten_2022.csv"
POPULATION = EMBEDDED / "cbs_37230ned_inwoners_gemeenten_2003_2025.csv"
MERGERS = ROOT.parent / "shared/data/gemeentelijke_herindelingen_2000_2025.csv"
MEASURE = "misdrijven-scm:T001161"
YEARS = range(2010, 2021)


def _read(path: Path, measure: str) -> dict[tuple[str, int], float]:
    with path.open(encoding="utf-8") as handle:
        return {
            (row["area_code"], int(row["period"][:4])): float(row["value"])
            for row in csv.DictReader(handle)
            if row["measure"] == measure and row["value"] not in ("", None)
        }


def stable_gemeenten() -> dict[str, tuple[list[float], list[float]]]:
    """Code -> (counts 2010–2020, populations on 1 January) for gemeenten with stable boundaries."""
    crime, population = _read(CRIME, MEASURE), _read(POPULATION, "inwoners")
    changed: set[str] = set()
    if MERGERS.exists():
        with MERGERS.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if 2010 <= int(row["datum"][:4]) <= 2020:
                    changed.update({row["gm_code_nieuw"], row["gm_code_oud"]})
    codes = {code for code, _ in crime} - changed
    out = {}
    for code in sorted(codes):
        counts = [crime.get((code, y)) for y in YEARS]
        pops = [population.get((code, y)) for y in YEARS]
        if all(c is not None for c in counts) and all(p is not None and p > 0 for p in pops):
            out[code] = ([float(c or 0) for c in counts], [float(p or 0) for p in pops])
    return out


def real_data() -> tuple[float, float]:
    """Print part 1; return (old share, new share)."""
    series = stable_gemeenten()
    phis, old, new, tests = [], 0, 0, 0
    for counts, pops in series.values():
        dispersion = estimate(list(YEARS), counts, pops)
        assert dispersion is not None
        phis.append(dispersion.estimate or dispersion.phi)
        points = [Point(float(y), str(y), k / n, k, n) for y, k, n in zip(YEARS, counts, pops, strict=True)]
        for change in changes(points, survey=False):
            k1, n1 = change.before.numerator or 0.0, change.before.denominator or 1.0
            k2, n2 = change.after.numerator or 0.0, change.after.denominator or 1.0
            old += exact_binomial_p(round(k2), round(k1) + round(k2), n2 / (n1 + n2)) < ALPHA
            p_new = change.comparison.p_value
            new += p_new is not None and p_new < ALPHA
            tests += 1
    q1, median, q3 = np.percentile(phis, [25, 50, 75])
    print(f"1. Gemeenten met stabiele grenzen 2010–2020: {len(series)}; jaar-op-jaarvergelijkingen: {tests}")
    print(f"   φ (Pearson χ²/df, log-lineaire trend): mediaan {median:.1f}, IQR {q1:.1f}–{q3:.1f}")
    print(f"   'significant' met de oude exacte toets (φ = 1): {old / tests:.1%}")
    print(f"   'significant' met quasi-Poisson, φ uit de andere jaren: {new / tests:.1%}")
    return old / tests, new / tests


def simulate(
    rng: np.random.Generator,
    series: int,
    phi: float,
    mean: float,
    years: int,
    step: float,
    old_series: int = 500,
) -> tuple[float, float, float, float]:
    """Share significant (old, new) of the no-change year-on-year pairs, and (old, new) power
    of the last pair when the last year's mean is multiplied by ``step``.

    New: ``engine.trends.changes`` (φ from the series' other years). Old: the exact
    conditional binomial test, on the first ``old_series`` series (it is slow).
    """
    means = np.full((series, years), mean)
    means[:, -1] *= step
    # numpy's negative binomial: mean n(1-p)/p, variance n(1-p)/p^2; p = 1/φ gives variance φ·mean.
    counts = rng.negative_binomial(means / (phi - 1.0), 1.0 / phi)
    null = {"old": [0, 0], "new": [0, 0]}
    hits = {"old": [0, 0], "new": [0, 0]}
    for number, row in enumerate(counts):
        points = [Point(float(t), str(t), float(c), float(c), 1.0) for t, c in enumerate(row)]
        for change in changes(points, survey=False):
            k1, k2 = round(change.before.numerator or 0), round(change.after.numerator or 0)
            real = step != 1.0 and change.after.time == years - 1
            tally = hits if real else null
            p_new = change.comparison.p_value
            tally["new"][0] += p_new is not None and p_new < ALPHA
            tally["new"][1] += 1
            if number < old_series:
                tally["old"][0] += exact_binomial_p(k2, k1 + k2, 0.5) < ALPHA
                tally["old"][1] += 1

    def share(pair: list[int]) -> float:
        return pair[0] / pair[1] if pair[1] else math.nan

    return share(null["old"]), share(null["new"]), share(hits["old"]), share(hits["new"])


def maastricht_step() -> tuple[float, float, float]:
    """(rate ratio 2022/2020, count 2020, own φ 2010–2020) for Maastricht from the embedded CBS data."""
    crime, crime_2022 = _read(CRIME, MEASURE), _read(CRIME_2022, MEASURE)
    population = _read(POPULATION, "inwoners")
    k20, k22 = crime[("GM0935", 2020)], crime_2022[("GM0935", 2022)]
    n20, n22 = population[("GM0935", 2020)], population[("GM0935", 2022)]
    counts = [crime[("GM0935", y)] for y in YEARS]
    pops = [population[("GM0935", y)] for y in YEARS]
    own = estimate(list(YEARS), counts, pops)
    assert own is not None
    return (k22 / n22) / (k20 / n20), k20, own.phi


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--series", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    start = time.perf_counter()
    real_data()
    rng = np.random.default_rng(args.seed)
    old, new, _, _ = simulate(rng, args.series, 7.5, 1000.0, 10, 1.0)
    tests = args.series * 9
    se = math.sqrt(0.05 * 0.95 / tests)
    print(f"2. Nulsimulatie: {args.series} negatief-binomiale reeksen, φ = 7,5, gemiddelde 1.000, 10 jaar")
    print(f"   'significant' zonder echte verandering: oud {old:.1%}, nieuw {new:.1%}")
    print(f"   (doel 5% ± 1,5%; binomiale SE bij {tests} paren {se:.1%})")
    ratio, k20, phi_m = maastricht_step()
    print(f"3. Maastricht 2020 → 2022 (CBS 83648NED): ratio per inwoner {ratio:.3f} (+{ratio - 1:.1%})")
    for mean, phi in ((1000.0, 7.5), (k20, 7.5), (k20, phi_m)):
        _, _, p_old, p_new = simulate(rng, args.series, phi, mean, 10, ratio)
        label = f"gemiddelde {mean:,.0f}, φ = {phi:.1f}".replace(",", ".")
        print(f"   onderscheidend vermogen bij {label}: oud {p_old:.1%}, nieuw {p_new:.1%}")
    print(f"({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
