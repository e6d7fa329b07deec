# SPDX-License-Identifier: EUPL-1.2
"""Emerging-hotspot benchmark: ~14,500 areas × 84 months on a lattice.

Queen weights on a rows × cols lattice (120 × 121 = 14,520 cells for the default
``--areas 14500``, about the number of CBS buurten), seeded Poisson counts (mean 2 per
cell-month) with two planted clusters:

* a 6 × 6 block whose mean rises from 6 to 20 over the series (should come out as
  intensifying hot spots, or other hot categories at its edge);
* a 6 × 6 block with a mean of 0.2 from the start (a cold region).

Timed phases: weights (``lat2W``), data generation, space-time Gi* (with conditional
permutations, ``--permutations``) and classification (Mann–Kendall only where it is
needed). Prints wall time per phase, peak memory (``ru_maxrss``) and the category counts.

Run:  uv run python benchmarks/emerging_hotspots.py [--areas 14500] [--steps 84] [--seed 1]
Goal: the emerging-hotspot run (Gi* + classification) under 120 s.
"""

from __future__ import annotations

import argparse
import math
import resource
import time
from collections import Counter

import numpy as np
from libpysal.weights import lat2W

from veiligstad.spatial.emerging import Category, classify, space_time_gi

GOAL_SECONDS = 120.0


def block(cols: int, top: int, left: int, size: int) -> list[int]:
    """Row-major ids of a size × size block (lat2W numbers cells row by row)."""
    return [r * cols + c for r in range(top, top + size) for c in range(left, left + size)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--areas", type=int, default=14_500)
    parser.add_argument("--steps", type=int, default=84)
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--time-lag", type=int, default=1)
    # 0: the analytical z and two-sided p (as Esri). Permutation p-values cannot pass the default
    # FDR correction over 14,520 areas (the smallest is 2/(n+1)); add --no-fdr to time them.
    parser.add_argument("--permutations", type=int, default=0)
    parser.add_argument("--no-fdr", action="store_true")
    args = parser.parse_args()

    rows = max(12, round(math.sqrt(args.areas)))
    cols = max(12, math.ceil(args.areas / rows))
    timings: dict[str, float] = {}

    start = time.perf_counter()
    w = lat2W(rows, cols, rook=False)
    timings["weights (lat2W, queen)"] = time.perf_counter() - start

    start = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    mean = np.full((w.n, args.steps), 2.0)
    rising = block(cols, rows // 4, cols // 4, 6)
    cold = block(cols, rows // 2, cols // 2, 6)
    mean[rising] = np.linspace(6.0, 20.0, args.steps)
    mean[cold] = 0.2
    values = rng.poisson(mean).astype(np.float64)
    timings["data (Poisson)"] = time.perf_counter() - start

    start = time.perf_counter()
    z, p = space_time_gi(values, w, time_lag=args.time_lag, permutations=args.permutations, seed=args.seed)
    timings[f"space-time Gi* ({args.permutations} permutations)"] = time.perf_counter() - start

    start = time.perf_counter()
    categories = classify(z, p, fdr=not args.no_fdr)
    timings["classification (Mann–Kendall)"] = time.perf_counter() - start

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    run = sum(v for k, v in timings.items() if k.startswith(("space-time", "classification")))
    print(f"{w.n:,} areas ({rows} × {cols}) × {args.steps} steps, time lag {args.time_lag}, seed {args.seed}")
    for name, seconds in timings.items():
        print(f"  {name:<42} {seconds:8.2f} s")
    verdict = "met" if run < GOAL_SECONDS else "NOT met"
    label = "emerging-hotspot run (Gi* + classification)"
    print(f"  {label:<42} {run:8.2f} s  (goal < {GOAL_SECONDS:.0f} s: {verdict})")
    print(f"  peak memory (ru_maxrss): {peak_mb:,.0f} MB")
    print("categories, all areas:")
    for category, count in Counter(categories).most_common():
        print(f"  {category.code:<24} {category.value:<26} {count:>7,}")
    for name, ids in (("rising block", rising), ("cold block", cold)):
        found = Counter(categories[i] for i in ids)
        print(f"{name} ({len(ids)} cells): " + ", ".join(f"{c.code} {n}" for c, n in found.most_common()))
    hot = sum(categories[i].is_hot for i in rising)
    assert hot == len(rising), f"the rising block should be all hot categories, got {hot}/{len(rising)}"
    assert Counter(categories[i] for i in rising)[Category.INTENSIFYING_HOTSPOT] > 0


if __name__ == "__main__":
    main()
