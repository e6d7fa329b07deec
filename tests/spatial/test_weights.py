# SPDX-License-Identifier: EUPL-1.2
"""Queen contiguity from GeoJSON text, with the island rule."""

from __future__ import annotations

import pytest
import shapely
from libpysal.weights import Queen, lat2W

from veiligstad.spatial.weights import IslandLink, queen_weights
from veiligstad.storage.warehouse import Warehouse


def squares(cells: dict[str, tuple[float, float]]) -> tuple[list[str], list[str]]:
    """Unit squares with their lower-left corners, as GeoJSON text."""
    codes = list(cells)
    texts = [shapely.to_geojson(shapely.box(x, y, x + 1, y + 1)) for x, y in cells.values()]
    return texts, codes


def test_grid_is_queen_contiguity() -> None:
    cells = {f"A{row}{col}": (float(col), float(row)) for row in range(3) for col in range(3)}
    texts, codes = squares(cells)
    result = queen_weights(texts, codes)
    assert result.islands == ()
    assert result.n_components == 1
    assert result.w.id_order == codes
    assert sorted(result.w.neighbors["A11"]) == sorted(c for c in codes if c != "A11")
    assert sorted(result.w.neighbors["A00"]) == ["A01", "A10", "A11"]
    # Same as libpysal's Queen lattice (ids 0..8, row by row).
    lattice = lat2W(3, 3, rook=False)
    for index, code in enumerate(codes):
        assert sorted(result.w.neighbors[code]) == sorted(codes[j] for j in lattice.neighbors[index])
    assert set(result.w.weights["A11"]) == {1.0}


def test_detached_square_is_attached_to_nearest_centroid() -> None:
    cells = {"A": (0.0, 0.0), "B": (1.0, 0.0), "C": (0.0, 1.0), "D": (1.0, 1.0), "X": (5.0, 1.0)}
    texts, codes = squares(cells)
    result = queen_weights(texts, codes)  # no libpysal island warning (pytest turns it into an error)
    assert result.islands == (IslandLink("X", "D", 4.0),)
    assert result.w.neighbors["X"] == ["D"]
    assert "X" in result.w.neighbors["D"]
    assert result.w.islands == []
    assert result.n_components == 1


def test_two_far_islands_each_get_a_link_independent_of_order() -> None:
    cells = {"A": (0.0, 0.0), "B": (1.0, 0.0), "X": (10.0, 0.0), "Y": (12.0, 0.0)}
    texts, codes = squares(cells)
    result = queen_weights(texts, codes)
    assert result.islands == (IslandLink("X", "Y", 2.0), IslandLink("Y", "X", 2.0))
    assert result.n_components == 2  # the pair X–Y stays a separate group, reported not hidden
    reverse = queen_weights(texts[::-1], codes[::-1])
    assert {(link.island, link.neighbour) for link in reverse.islands} == {("Y", "X"), ("X", "Y")}


def test_edge_contact_without_shared_vertex_counts() -> None:
    # B sits on A's top edge: no shared vertex, but a shared boundary (a T-junction).
    texts = [shapely.to_geojson(shapely.box(0, 0, 3, 1)), shapely.to_geojson(shapely.box(1, 1, 2, 2))]
    result = queen_weights(texts, ["A", "B"])
    assert result.islands == ()
    assert result.w.neighbors["A"] == ["B"]


@pytest.mark.parametrize(
    ("which", "message"),
    [
        ("short", "2 geometries for 1 codes"),
        ("duplicate", "not unique"),
        ("single", "at least two"),
        ("unreadable", "geometry 0 is not valid GeoJSON"),
    ],
)
def test_errors(which: str, message: str) -> None:
    texts, codes = squares({"A": (0.0, 0.0), "B": (1.0, 0.0)})
    cases = {
        "short": (texts, ["A"]),
        "duplicate": (texts, ["A", "A"]),
        "single": (texts[:1], ["A"]),
        "unreadable": (["{nonsense", texts[1]], codes),
    }
    with pytest.raises(ValueError, match=message):
        queen_weights(*cases[which])


def test_maastricht_buurten_match_libpysal_queen(warehouse: Warehouse) -> None:
    areas = warehouse.areas()
    rows = (
        areas.filter((areas.level == "buurt") & areas.geometry.notnull())
        .select("code", "geometry")
        .order_by("code")
        .to_pandas()
    )
    assert len(rows) == 44
    result = queen_weights(rows["geometry"].tolist(), rows["code"].tolist())
    assert result.islands == ()
    assert result.n_components == 1
    vertex_queen = Queen.from_iterable(
        list(shapely.from_geojson(rows["geometry"].tolist())), ids=rows["code"].tolist()
    )
    assert {k: sorted(v) for k, v in result.w.neighbors.items()} == {
        k: sorted(v) for k, v in vertex_queen.neighbors.items()
    }
