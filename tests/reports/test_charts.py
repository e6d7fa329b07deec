# SPDX-License-Identifier: EUPL-1.2
"""Vega-Lite specs: gaps stay gaps, missing map values are grey, legends list what is shown."""

from __future__ import annotations

import math

import pandas as pd

from veiligstad.reports import charts


def _values(spec: dict[str, object]) -> list[dict[str, object]]:
    datasets = spec["datasets"]
    assert isinstance(datasets, dict)
    return [row for rows in datasets.values() for row in rows if "value" in row]


def test_a_missing_year_inside_the_series_breaks_the_line() -> None:
    frame = pd.DataFrame(
        {
            "year": [2009, 2019, 2020, 2021, 2022, 2030],
            "value": [math.nan, 1.0, 2.0, math.nan, 3.0, math.nan],
            "ci_low": [math.nan, 0.5, 1.5, math.nan, 2.5, math.nan],
            "ci_high": [math.nan, 1.5, 2.5, math.nan, 3.5, math.nan],
        }
    )
    spec = charts.trend(frame, unit="per 1.000 inwoners")
    years = sorted(int(row["year"]) for row in _values(spec))  # type: ignore[call-overload]
    assert years == [2019, 2020, 2021, 2022]  # the gap is kept, the empty ends are not
    assert next(r for r in _values(spec) if r["year"] == 2021)["value"] is None
    layers = spec["layer"]
    assert isinstance(layers, list)
    assert all(layer["mark"]["invalid"] == charts.BREAK for layer in layers[:2])


def test_a_year_without_a_row_keeps_its_place_on_a_number_line() -> None:
    """2018 and 2020 have no row at all (the PDF's Figure 1 spaced the years evenly)."""
    frame = pd.DataFrame(
        {"year": [2017, 2019, 2021], "value": [1.0, 2.0, 3.0], "ci_low": [0.5] * 3, "ci_high": [3.5] * 3}
    )
    spec = charts.trend(frame, unit="per 1.000 inwoners")
    rows = _values(spec)
    assert [r["year"] for r in rows] == [2017, 2018, 2019, 2020, 2021]
    assert [r["value"] for r in rows] == [1.0, None, 2.0, None, 3.0]  # empty rows break the line
    layers = spec["layer"]
    assert isinstance(layers, list)
    x = layers[1]["encoding"]["x"]
    assert x["type"] == "quantitative" and x["axis"]["format"] == "d"


def test_choropleth_greys_areas_without_a_value() -> None:
    square = {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]}
    features = [
        charts.feature("A", "a", square, value=2.5, label="2,5"),
        charts.feature("B", "b", square, value=math.nan, label="< 5"),
    ]
    spec = charts.choropleth(features, unit="per 1.000 inwoners")
    colour = spec["encoding"]["color"]  # type: ignore[index]
    assert colour["value"] == charts.NO_VALUE
    assert features[1]["properties"]["value"] is None  # NaN never reaches the JSON


def test_category_map_legend_lists_only_categories_present() -> None:
    square = {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]}
    features = [
        charts.feature("A", "a", square, category="hotspot 99%"),
        charts.feature("B", "b", square, category="geen significant patroon"),
    ]
    spec = charts.category_map(features, charts.HOTSPOT_COLOURS)
    scale = spec["encoding"]["color"]["scale"]  # type: ignore[index]
    assert scale["domain"] == ["hotspot 99%", "geen significant patroon"]
    assert scale["range"] == [
        charts.HOTSPOT_COLOURS["hotspot 99%"],
        charts.HOTSPOT_COLOURS["geen significant patroon"],
    ]


def test_a_trend_without_computed_values_draws_only_the_published_points() -> None:
    frame = pd.DataFrame(
        {"year": [2020, 2021], "value": [math.nan] * 2, "ci_low": [math.nan] * 2, "ci_high": [math.nan] * 2}
    )
    published = pd.DataFrame({"year": [2020, 2021], "published_value": [5.0, math.nan]})
    spec = charts.trend(frame, unit="per 1.000 inwoners", published=published)
    layers = spec["layer"]
    assert isinstance(layers, list) and len(layers) == 1
    assert layers[0]["mark"]["type"] == "point"
