# SPDX-License-Identifier: EUPL-1.2
"""Hotspot benchmark: Gi* and local Moran's I with 999 permutations on ~14,500 areas.

Two adjacency sources, both about the number of CBS buurten:

* ``lattice``: ``libpysal.weights.lat2W(121, 120, rook=False)`` (14,520 cells, Queen);
* ``squares``: 14,520 unit squares as GeoJSON text through ``veiligstad.spatial.weights.queen_weights``
  (the path the service takes; the weights step is timed separately).

Values are seeded Poisson counts (mean 20) with a planted 30 × 30 high and a 30 × 30 low
cluster. Timed phases: weights, Gi* (``veiligstad.spatial.hotspots.gi_star``), local Moran
(``local_moran``) and the FDR categories.
Prints wall time per phase and peak memory (``ru_maxrss``).

Run:  uv run python benchmarks/hotspots.py [--rows 121] [--cols 120] [--permutations 999] [--seed 1]
Goal: Gi* under 5 s.

Note: with 999 permutations the smallest pseudo p is 0,001, so with ~14,500 tests the FDR
correction can only find clusters of at least ~145 areas at 10% (0,10 · k / n must exceed 0,001);
hence clusters of 900 areas here.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import Counter

import numpy as np
import shapely
from libpysal.weights import lat2W

from veiligstad.spatial import hotspots
from veiligstad.spatial.weights import queen_weights


def peak_mib() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=121)
    parser.add_argument("--cols", type=int, default=120)
    parser.add_argument("--permutations", type=int, default=999)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--weights", choices=["lattice", "squares", "both"], default="both")
    args = parser.parse_args()
    n = args.rows * args.cols
    rng = np.random.default_rng(args.seed)
    grid = rng.poisson(20, size=(args.rows, args.cols)).astype(float)
    grid[10:40, 10:40] += 15  # planted hot cluster (900 areas)
    grid[60:90, 60:90] = rng.poisson(8, size=(30, 30))  # planted cold cluster
    y = grid.flatten()
    print(f"{n} areas, {args.permutations} permutations, seed {args.seed}")

    sources = ["lattice", "squares"] if args.weights == "both" else [args.weights]
    for source in sources:
        start = time.perf_counter()
        if source == "lattice":
            w = lat2W(args.rows, args.cols, rook=False)
        else:
            texts = [
                shapely.to_geojson(shapely.box(col, row, col + 1, row + 1))
                for row in range(args.rows)
                for col in range(args.cols)
            ]
            w = queen_weights(texts, [f"A{i:05d}" for i in range(n)]).w
        t_weights = time.perf_counter() - start

        start = time.perf_counter()
        gi = hotspots.gi_star(y, w, permutations=args.permutations, seed=args.seed)
        t_gi = time.perf_counter() - start

        start = time.perf_counter()
        hotspots.local_moran(y, w, permutations=args.permutations, seed=args.seed)
        t_moran = time.perf_counter() - start

        start = time.perf_counter()
        labels = hotspots.categories(gi.z, gi.p)
        hotspots.fdr_adjust(gi.p)
        t_fdr = time.perf_counter() - start

        print(
            f"[{source}] weights {t_weights:.2f} s | Gi* {t_gi:.2f} s | local Moran {t_moran:.2f} s | "
            f"FDR+categories {t_fdr:.3f} s | peak RSS so far {peak_mib():.0f} MiB"
        )
        print(f"[{source}] categories: {dict(sorted(Counter(labels).items()))}")
        print(f"[{source}] Gi* goal < 5 s: {'met' if t_gi < 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
