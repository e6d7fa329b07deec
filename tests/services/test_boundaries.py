# SPDX-License-Identifier: EUPL-1.2
"""Merging boundary files into the area register: updates, new codes, changed-code report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, shape

from veiligstad.services import bootstrap
from veiligstad.services.boundaries import import_boundaries
from veiligstad.storage.warehouse import Warehouse

FIXTURES = Path(__file__).parent.parent / "fixtures" / "boundaries"
WIJKEN_RD = FIXTURES / "maastricht_wijken_2022_rd.geojson"


@pytest.fixture
def fresh(empty_url: str) -> Iterator[Warehouse]:
    """A warehouse of its own (these tests write areas)."""
    with Warehouse.open(empty_url) as warehouse:
        bootstrap.initialise(warehouse)
        yield warehouse


def _area(warehouse: Warehouse, code: str) -> dict[str, object]:
    areas = warehouse.areas()
    rows = areas.filter(areas.code == code).to_pandas().to_dict(orient="records")
    assert len(rows) == 1
    return rows[0]


def test_update_existing_wijken_and_report_the_rest(fresh: Warehouse) -> None:
    before = int(fresh.areas().count().execute())
    report = import_boundaries(fresh, WIJKEN_RD, 2022, user="analist")
    assert report.updated == ["WK093500", "WK093501", "WK093502"] and report.added == []
    assert report.missing_in_file == {"GM0935": ["WK093503", "WK093504", "WK093505", "WK093506"]}
    assert report.new_in_file == {}
    assert int(fresh.areas().count().execute()) == before  # nothing deleted
    centrum = _area(fresh, "WK093500")
    assert centrum["boundary_year"] == 2022 and centrum["gemeente_code"] == "GM0935"
    assert shape(json.loads(str(centrum["geometry"]))).centroid.x == pytest.approx(5.69, abs=0.02)
    assert _area(fresh, "WK093503")["boundary_year"] == 2024  # untouched, keeps its own year
    batches = fresh.batches()
    batch = batches.filter(batches.kind == "boundaries").to_pandas().iloc[0]
    assert batch["source_id"] == "grenzen-wijk-2022-gm0935"
    assert batch["loaded_by"] == "analist" and batch["rows"] == 3


def test_same_file_again_changes_nothing(fresh: Warehouse) -> None:
    import_boundaries(fresh, WIJKEN_RD, 2022)
    again = import_boundaries(fresh, WIJKEN_RD, 2022)
    assert again.unchanged
    batches = fresh.batches()
    assert int(batches.filter(batches.kind == "boundaries").count().execute()) == 1


def test_new_and_vanished_buurt_codes_are_reported_not_joined(fresh: Warehouse, tmp_path: Path) -> None:
    square = Polygon([(5.68, 50.84), (5.69, 50.84), (5.69, 50.85), (5.68, 50.85)])
    areas = fresh.areas()
    codes = sorted(
        areas.filter((areas.gemeente_code == "GM0935") & (areas.level == "buurt")).code.to_pandas()
    )
    # The new indeling splits BU09350000 into two new codes; all other buurten stay.
    in_file = [c for c in codes if c != "BU09350000"] + ["BU0935000A", "BU0935000B"]
    frame = gpd.GeoDataFrame(
        {"BU_CODE": in_file, "BU_NAAM": [f"Buurt {c}" for c in in_file]},
        geometry=[square] * len(in_file),
        crs="EPSG:4326",
    )
    path = tmp_path / "buurten_2025.geojson"
    frame.to_file(path)
    report = import_boundaries(fresh, path, 2025, level="buurt")
    assert report.missing_in_file == {"GM0935": ["BU09350000"]}
    assert report.new_in_file == {"GM0935": ["BU0935000A", "BU0935000B"]}
    assert report.added == ["BU0935000A", "BU0935000B"]
    new = _area(fresh, "BU0935000A")
    assert (new["level"], new["wijk_code"], new["gemeente_code"]) == ("buurt", "WK093500", "GM0935")
    assert new["boundary_year"] == 2025
    old = _area(fresh, "BU09350000")
    assert old["boundary_year"] == 2024  # kept, not re-linked
    obs = fresh.observations()
    assert int(obs.filter(obs.area_code == "BU0935000A").count().execute()) == 0
    assert int(obs.filter(obs.area_code == "BU09350000").count().execute()) > 0
    # Existing buurten keep their stadsdeel
    assert _area(fresh, "BU09350001")["stadsdeel_code"] is not None


def test_gemeente_selection_reports_only_new_gemeenten(fresh: Warehouse, tmp_path: Path) -> None:
    square = Polygon([(5.6, 50.8), (5.7, 50.8), (5.7, 50.9), (5.6, 50.9)])
    frame = gpd.GeoDataFrame(
        {"GM_CODE": ["GM0935", "GM9999"], "GM_NAAM": ["Maastricht", "Nieuwe gemeente"]},
        geometry=[square, square],
        crs="EPSG:4326",
    )
    path = tmp_path / "gemeenten.geojson"
    frame.to_file(path)
    report = import_boundaries(fresh, path, 2025)
    assert report.missing_in_file == {}
    assert report.new_in_file == {"gemeenten": ["GM9999"]}
    assert _area(fresh, "GM9999")["name"] == "Nieuwe gemeente"
