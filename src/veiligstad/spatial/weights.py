# SPDX-License-Identifier: EUPL-1.2
"""Queen contiguity between areas, with one rule for islands.

Two areas are neighbours when their boundaries share at least one point (Queen contiguity). The
test is geometric (shapely ``intersects``), not libpysal's shared-vertex test: generalised
boundaries such as the CBS gemeente polygons often meet without a shared vertex, which the vertex
test misses (it leaves Baarn and ten other gemeenten without neighbours; the geometric test only
the five Wadden islands). Where boundaries share vertices, both give the same weights.

An area without any neighbour (an *island*, e.g. an exclave or a buurt whose neighbours have no
value) is attached to the one area whose centroid is nearest (k = 1), in both directions so the
weights stay symmetric. Islands are found on the Queen weights before any link is added, so two
islands that are each other's nearest area form a pair; separate groups of areas that remain are
counted (``n_components``). Which islands were attached, and to which area, is reported so the
page can say so. Distances are in the units of the coordinates (degrees for WGS84 GeoJSON).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from libpysal.weights import W


@dataclass(frozen=True)
class IslandLink:
    """An island attached to its nearest area by centroid distance."""

    island: str
    neighbour: str
    distance: float


@dataclass(frozen=True)
class ContiguityWeights:
    """Binary Queen weights (ids = area codes) and the islands that were attached."""

    w: W
    islands: tuple[IslandLink, ...]

    @property
    def n_components(self) -> int:
        """Number of connected groups of areas after attaching the islands."""
        return int(self.w.n_components)


def geometries(geojson: Sequence[str]) -> np.ndarray:
    """Shapely geometries from GeoJSON texts; ValueError names the first unreadable one."""
    parsed = []
    for index, text in enumerate(geojson):
        try:
            geom = shapely.from_geojson(text)
        except Exception as exc:  # shapely raises GEOSException or ValueError
            raise ValueError(f"geometry {index} is not valid GeoJSON: {exc}") from exc
        if geom is None or geom.is_empty:
            raise ValueError(f"geometry {index} is empty")
        parsed.append(geom)
    return np.array(parsed, dtype=object)


def queen_weights(geojson: Sequence[str], codes: Sequence[str]) -> ContiguityWeights:
    """Queen contiguity for polygons given as GeoJSON text, islands attached to the nearest area.

    The returned ``W`` is binary (transform ``"O"``, weights 1), its ids are ``codes`` in the
    given order. At least two areas are needed.
    """
    if len(geojson) != len(codes):
        raise ValueError(f"{len(geojson)} geometries for {len(codes)} codes")
    if len(set(codes)) != len(codes):
        raise ValueError("area codes are not unique")
    if len(codes) < 2:
        raise ValueError("at least two areas are needed for contiguity")
    geoms = geometries(geojson)
    ids = [str(code) for code in codes]
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    neighbours: dict[str, set[str]] = {code: set() for code in ids}
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i != j:
            neighbours[ids[i]].add(ids[j])
    links = []
    centroids = shapely.get_coordinates(shapely.centroid(geoms))
    # Islands are found before any link is added, so the result does not depend on the order.
    islands = [index for index, code in enumerate(ids) if not neighbours[code]]
    for index in islands:
        code = ids[index]
        distance = np.hypot(*(centroids - centroids[index]).T)
        distance[index] = np.inf
        nearest = int(np.argmin(distance))
        neighbours[code].add(ids[nearest])
        neighbours[ids[nearest]].add(code)
        links.append(IslandLink(code, ids[nearest], float(distance[nearest])))
    return ContiguityWeights(w=binary_weights(neighbours, ids), islands=tuple(links))


def binary_weights(neighbours: dict[str, set[str]], ids: Sequence[str]) -> W:
    """A binary libpysal ``W`` from neighbour sets, ids in the given order."""
    return W(
        {code: sorted(neighbours[code]) for code in ids},
        id_order=list(ids),
        # libpysal warns about islands and about separate groups of areas (components). Islands
        # are removed by the rule above; components are reported through
        # ContiguityWeights.n_components, so the page can say so.
        silence_warnings=True,
    )
