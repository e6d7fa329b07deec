# SPDX-License-Identifier: EUPL-1.2
"""Reading boundary files: CRS handling, repair, ring orientation, codes."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Polygon, shape

from veiligstad.domain.areas import AreaLevel
from veiligstad.errors import DataError
from veiligstad.sources.boundaries import BoundaryFileError, parse_code, read_boundaries

FIXTURES = Path(__file__).parent.parent / "fixtures" / "boundaries"
WIJKEN_RD = FIXTURES / "maastricht_wijken_2022_rd.geojson"


def _exteriors_clockwise(geometry: str) -> list[bool]:
    geom = shape(json.loads(geometry))
    return [not polygon.exterior.is_ccw for polygon in shapely.get_parts(geom)]


def test_parse_code_derives_level_and_parents_as_text() -> None:
    buurt = parse_code("BU03630A01")
    assert buurt is not None
    assert buurt.level is AreaLevel.BUURT
    assert (buurt.gemeente_code, buurt.wijk_code) == ("GM0363", "WK03630A")
    wijk = parse_code(" wk093500 ")
    assert wijk is not None and wijk.level is AreaLevel.WIJK and wijk.wijk_code is None
    assert parse_code("GM0003") is not None and parse_code("GM0003").gemeente_code == "GM0003"  # type: ignore[union-attr]
    assert parse_code("09350000") is None and parse_code(None) is None


def test_rd_geojson_is_reprojected_to_wgs84_with_clockwise_rings() -> None:
    parsed = read_boundaries(WIJKEN_RD)
    assert parsed.source_crs == "EPSG:28992"
    frame = parsed.frame
    assert list(frame["code"]) == ["WK093500", "WK093501", "WK093502"]
    assert set(frame["level"]) == {"wijk"} and set(frame["gemeente_code"]) == {"GM0935"}
    assert frame.loc[0, "name"] == "Wijk 00 Centrum"
    centre = shape(json.loads(frame.loc[0, "geometry"])).centroid
    # Maastricht's city centre, in degrees (tolerance 0.02° ≈ 2 km)
    assert centre.x == pytest.approx(5.69, abs=0.02) and centre.y == pytest.approx(50.85, abs=0.02)
    for geometry in frame["geometry"]:
        assert all(_exteriors_clockwise(geometry))


def test_geopackage_with_layer_and_fields(tmp_path: Path) -> None:
    rd = gpd.read_file(WIJKEN_RD)
    square = Polygon([(176000, 317000), (177000, 317000), (177000, 318000), (176000, 318000)])  # CCW
    frame = gpd.GeoDataFrame(
        {"buurtcode": ["BU09350000", "BU09350099"], "buurtnaam": ["Binnenstad", "Nieuwe buurt"]},
        geometry=[rd.geometry.iloc[0], square],
        crs="EPSG:28992",
    )
    path = tmp_path / "buurten.gpkg"
    frame.to_file(path, layer="buurten", driver="GPKG")
    frame.head(1).to_file(path, layer="andere", driver="GPKG")
    parsed = read_boundaries(path, level="buurt", layer="buurten")
    rows = parsed.frame.set_index("code")
    assert rows.loc["BU09350099", "wijk_code"] == "WK093500"
    assert rows.loc["BU09350099", "name"] == "Nieuwe buurt"
    assert _exteriors_clockwise(rows.loc["BU09350099", "geometry"]) == [True]


def test_invalid_geometry_is_repaired(tmp_path: Path) -> None:
    bowtie = Polygon([(5.60, 50.80), (5.70, 50.90), (5.70, 50.80), (5.60, 50.90), (5.60, 50.80)])
    assert not bowtie.is_valid
    path = tmp_path / "kapot.geojson"
    gpd.GeoDataFrame({"code": ["GM0935"]}, geometry=[bowtie], crs="EPSG:4326").to_file(path)
    parsed = read_boundaries(path)
    assert parsed.repaired == 1
    assert [p.code for p in parsed.problems] == ["geometry-repaired"]
    geom = shape(json.loads(parsed.frame.loc[0, "geometry"]))
    assert geom.is_valid and geom.area > 0
    assert all(_exteriors_clockwise(parsed.frame.loc[0, "geometry"]))


def test_file_without_crs_and_rd_coordinates_is_assumed_rd(tmp_path: Path) -> None:
    rd = gpd.read_file(WIJKEN_RD).set_crs(None, allow_override=True)
    path = tmp_path / "zonder_crs.gpkg"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        rd.to_file(path, driver="GPKG")
    assert gpd.read_file(path).crs is None
    parsed = read_boundaries(path, level="wijk")
    assert [p.code for p in parsed.problems] == ["crs-assumed"]
    centre = shape(json.loads(parsed.frame.loc[0, "geometry"])).centroid
    assert centre.x == pytest.approx(5.69, abs=0.02)


def test_geojson_without_crs_member_but_rd_coordinates(tmp_path: Path) -> None:
    data = json.loads(WIJKEN_RD.read_text(encoding="utf-8"))
    del data["crs"]
    path = tmp_path / "rd_zonder_crs.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    parsed = read_boundaries(path)
    assert [p.code for p in parsed.problems] == ["crs-assumed"]


def test_file_without_crs_and_unknown_coordinates_is_refused(tmp_path: Path) -> None:
    far = Polygon([(1_000_000, 1_000_000), (1_000_100, 1_000_000), (1_000_100, 1_000_100)])
    path = tmp_path / "onbekend.gpkg"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame({"code": ["GM0935"]}, geometry=[far]).to_file(path, driver="GPKG")
    with pytest.raises(DataError, match="coördinatenstelsel is onbekend"):
        read_boundaries(path)


def test_bad_codes_wrong_level_and_duplicates_are_all_reported(tmp_path: Path) -> None:
    square = Polygon([(5.6, 50.8), (5.7, 50.8), (5.7, 50.9), (5.6, 50.9)])
    frame = gpd.GeoDataFrame(
        {"code": ["BU09350000", "0935", "WK093500", "BU09350000"]}, geometry=[square] * 4, crs="EPSG:4326"
    )
    path = tmp_path / "fout.geojson"
    frame.to_file(path)
    with pytest.raises(BoundaryFileError) as caught:
        read_boundaries(path, level="buurt")
    codes = [p.code for p in caught.value.problems]
    assert codes == ["bad-code", "wrong-level", "duplicate-code"]
    assert "object 2" in caught.value.problems[0].location


def test_unknown_code_field_names_the_columns() -> None:
    with pytest.raises(DataError) as caught:
        read_boundaries(WIJKEN_RD, code_field="BU_CODE")
    assert "WK_CODE" in caught.value.hint
