# SPDX-License-Identifier: EUPL-1.2
"""Vega-Lite specifications (Altair) for the pages: trends with intervals, maps, bars.

Every chart is drawn in the page by the local Vega bundle and always has a data table next
to it (its text alternative). Colours are colour-blind safe: sequential ``blues`` for
values, ColorBrewer RdBu for hot/cold spots, and shapes as well as colours for series.
Map polygons come from the snapshot with clockwise outer rings (d3-geo's convention).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, Final

import altair as alt
import pandas as pd

from veiligstad.reports import language

#: Missing values on a map: a mid grey, darker than the palest class of every palette here (so
#: "no figure" never looks like "lowest value"), with the reason in the table.
NO_VALUE = "#8c8c8c"

#: Hot/cold spot categories (``spatial.hotspots`` labels) → colour (ColorBrewer RdBu, colour-blind
#: safe), hottest first.
HOTSPOT_COLOURS = {
    "hotspot 99%": "#b2182b",
    "hotspot 95%": "#ef8a62",
    "hotspot 90%": "#fddbc7",
    "geen significant patroon": "#f7f7f7",
    "coldspot 90%": "#d1e5f0",
    "coldspot 95%": "#67a9cf",
    "coldspot 99%": "#2166ac",
    "niet te bepalen": "#bdbdbd",
    "niet geanalyseerd": NO_VALUE,
}

#: Nominal chart width in CSS pixels; in a page a chart is as wide as its column (``_spec``).
WIDTH = 640

#: Text sizes in CSS pixels: a page draws charts at their real size, so this is what a reader
#: sees, also on a 390 px phone.
FONT_SIZE = 12

#: Whole years only on a year axis, written without a thousands separator.
YEAR_AXIS: Final = alt.Axis(format="d", tickMinStep=1)

#: A year without a value breaks the line instead of being bridged.
BREAK: Final = "break-paths-filter-domains"


#: Axis, legend and tooltip titles per language (the page or report language; Dutch by default).
TITLES: Final = {
    "nl": {
        "year": "jaar",
        "series": "reeks",
        "value": "waarde",
        "from": "95%-interval van",
        "to": "tot",
        "published": "gepubliceerd",
        "area": "gebied",
        "category": "categorie",
        "computed": "berekend",
    },
    "en": {
        "year": "year",
        "series": "series",
        "value": "value",
        "from": "95% interval from",
        "to": "to",
        "published": "published",
        "area": "area",
        "category": "category",
        "computed": "computed",
    },
}

#: Number format per language (Vega-Lite ``config.locale``).
LOCALES: Final = {
    "nl": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["€ ", ""]},
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["€", ""]},
}


def titles(lang: str | None = None) -> dict[str, str]:
    """The chart titles in ``lang`` (default: the language of the report being built).

    >>> titles("en")["year"], titles()["year"]
    ('year', 'jaar')
    """
    chosen = lang or language.current()
    return TITLES.get(chosen, TITLES["nl"])


def _clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def records(frame: pd.DataFrame, columns: Iterable[str]) -> list[dict[str, Any]]:
    """Rows as JSON-safe dictionaries, only the given columns."""
    picked = frame[list(columns)]
    return [{str(k): _clean(v) for k, v in row.items()} for row in picked.to_dict(orient="records")]


def with_missing_years(data: pd.DataFrame) -> pd.DataFrame:
    """Every year between a series' first and last row, a missing one with empty values.

    An empty row is what breaks the line (``invalid=BREAK``); without it a line would join
    2017 to 2019 straight across a year that has no figure.

    >>> df = pd.DataFrame({"year": [2017, 2019], "value": [1.0, 2.0], "series": ["a", "a"]})
    >>> with_missing_years(df)[["year", "value"]].to_dict(orient="list")
    {'year': [2017, 2018, 2019], 'value': [1.0, nan, 2.0]}
    """
    if data.empty:
        return data
    parts = []
    for name, rows in data.groupby("series", sort=False):
        years = range(int(rows["year"].min()), int(rows["year"].max()) + 1)
        one = rows.drop_duplicates("year", keep="last").set_index("year")
        full = one.reindex(years).rename_axis("year").reset_index()
        full["series"] = name
        parts.append(full)
    return pd.concat(parts, ignore_index=True)


def trend(
    frame: pd.DataFrame,
    *,
    unit: str,
    decimals: int = 1,
    published: pd.DataFrame | None = None,
    series: str | None = None,
    lang: str | None = None,
) -> dict[str, Any]:
    """Values by year with the 95% interval as a band; published values as open squares.

    ``frame`` has ``year``, ``value``, ``ci_low``, ``ci_high`` (and optionally ``series`` for
    several lines, e.g. Maastricht and Nederland); ``published`` has ``year`` and
    ``published_value``.
    """
    words = titles(lang)
    data = frame.copy()
    if "series" not in data.columns:
        data["series"] = series or words["computed"]
    known = data[data["value"].notna()]
    # Keep missing years inside the series (the line breaks there), none outside it.
    inside = (data["year"] >= known["year"].min()) & (data["year"] <= known["year"].max())
    data = with_missing_years(data[inside]) if not known.empty else known
    base = alt.Chart(alt.InlineData(values=records(data, ["year", "value", "ci_low", "ci_high", "series"])))
    # Years on a number line: a missing year keeps its place (a gap), it is not skipped.
    x = alt.X("year:Q", title=words["year"], scale=alt.Scale(zero=False, nice=False), axis=YEAR_AXIS)
    fmt = f",.{decimals}f"
    band = base.mark_area(opacity=0.18, invalid=BREAK).encode(
        x=x,
        y=alt.Y("ci_low:Q", title=unit),
        y2="ci_high:Q",
        color=alt.Color("series:N", title=words["series"]),
    )
    line = base.mark_line(point=alt.OverlayMarkDef(filled=True, size=50), invalid=BREAK).encode(
        x=x,
        y=alt.Y("value:Q", title=unit),
        color=alt.Color("series:N", title=words["series"], scale=alt.Scale(scheme="dark2")),
        tooltip=[
            alt.Tooltip("series:N", title=words["series"]),
            alt.Tooltip("year:Q", title=words["year"], format="d"),
            alt.Tooltip("value:Q", title=words["value"], format=fmt),
            alt.Tooltip("ci_low:Q", title=words["from"], format=fmt),
            alt.Tooltip("ci_high:Q", title=words["to"], format=fmt),
        ],
    )
    # A layer without data leaves an empty, unlabelled SVG group (axe: svg-img-alt).
    layers: list[alt.Chart] = [band, line] if not known.empty else []
    shown = published[published["published_value"].notna()] if published is not None else None
    if shown is not None and not shown.empty:
        points = alt.Chart(alt.InlineData(values=records(shown, ["year", "published_value"]))).mark_point(
            shape="square", size=70, color="#000000", filled=False
        )
        layers.append(
            points.encode(
                x=x,
                y="published_value:Q",
                tooltip=[
                    alt.Tooltip("year:Q", title=words["year"], format="d"),
                    alt.Tooltip("published_value:Q", title=words["published"], format=fmt),
                ],
            )
        )
    chart = alt.layer(*layers).properties(width=WIDTH, height=260)
    return _spec(chart, lang)


def choropleth(
    features: list[dict[str, Any]],
    *,
    unit: str,
    decimals: int = 1,
    scheme: str = "blues",
    height: int = 420,
    lang: str | None = None,
) -> dict[str, Any]:
    """A map of ``properties.value``; areas without a value in grey.

    ``features`` are GeoJSON features with ``properties`` ``code``, ``name``, ``value`` and
    ``label`` (the formatted value or the reason it is missing).
    """
    fmt = f",.{decimals}f"
    words = titles(lang)
    data = _geo_data()
    chart = (
        alt.Chart(data)
        .mark_geoshape(stroke="#ffffff", strokeWidth=0.7)
        .encode(
            color=alt.condition(
                "isValid(datum.properties.value)",
                alt.Color(
                    "properties.value:Q",
                    title=unit,
                    scale={"scheme": scheme},
                    legend=alt.Legend(format=fmt),
                ),
                alt.value(NO_VALUE),
            ),
            tooltip=[
                alt.Tooltip("properties.name:N", title=words["area"]),
                alt.Tooltip("properties.label:N", title=words["value"]),
            ],
        )
        .project(type="mercator")
        .properties(width=WIDTH, height=height)
    )
    return _spec(chart, lang, features=features)


def category_map(
    features: list[dict[str, Any]],
    colours: Mapping[str, str],
    *,
    title: str | None = None,
    height: int = 420,
    lang: str | None = None,
) -> dict[str, Any]:
    """A map of ``properties.category`` with a fixed colour per category."""
    words = titles(lang)
    title = title or words["category"]
    data = _geo_data()
    present = [c for c in colours if any(f["properties"].get("category") == c for f in features)]
    chart = (
        alt.Chart(data)
        .mark_geoshape(stroke="#555555", strokeWidth=0.5)
        .encode(
            color=alt.Color(
                "properties.category:N",
                title=title,
                scale=alt.Scale(domain=present, range=[colours[c] for c in present]),
            ),
            tooltip=[
                alt.Tooltip("properties.name:N", title=words["area"]),
                alt.Tooltip("properties.category:N", title=title),
            ],
        )
        .project(type="mercator")
        .properties(width=WIDTH, height=height)
    )
    return _spec(chart, lang, features=features)


def bars(
    frame: pd.DataFrame, *, label: str, value: str, unit: str, decimals: int = 1, lang: str | None = None
) -> dict[str, Any]:
    """Horizontal bars, e.g. one indicator for several areas, highlighted by ``highlight``."""
    columns = [label, value] + (["highlight"] if "highlight" in frame.columns else [])
    data = frame[frame[value].notna()]
    chart = (
        alt.Chart(alt.InlineData(values=records(data, columns)))
        .mark_bar()
        .encode(
            y=alt.Y(f"{label}:N", sort="-x", title=None),
            x=alt.X(f"{value}:Q", title=unit),
            color=alt.condition("datum.highlight", alt.value("#123a63"), alt.value("#8aa9c9"))
            if "highlight" in columns
            else alt.value("#123a63"),
            tooltip=[
                alt.Tooltip(f"{label}:N", title=titles(lang)["area"]),
                alt.Tooltip(f"{value}:Q", title=unit, format=f",.{decimals}f"),
            ],
        )
        .properties(width=WIDTH - 160, height=max(60, 22 * len(data)))
    )
    return _spec(chart, lang)


def _geo_data() -> alt.InlineData:
    """A map's data, empty until ``_spec`` puts the features in: altair would walk and
    validate every coordinate of thousands of areas (≈ 150 ms a map), which Vega-Lite reads
    as they are."""
    return alt.InlineData(
        values={"type": "FeatureCollection", "features": []},
        format={"property": "features", "type": "json"},
    )


def _spec(
    chart: alt.TopLevelMixin, lang: str | None = None, features: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The Vega-Lite dict with the number format of the language, page sizing and readable text;
    a map's ``features`` go into its one data set (``_geo_data``).

    In a page a chart fills the width of its column (``width: "container"``, legend and axes
    included), so it is never scaled down and its text stays ``FONT_SIZE`` CSS px on a phone.
    ``printable`` gives a chart a fixed width for paper.
    """
    spec: dict[str, Any] = chart.to_dict()
    if features is not None:
        (name,) = spec["datasets"]
        spec["datasets"] = {name: {"type": "FeatureCollection", "features": features}}
    spec["width"] = "container"
    spec["autosize"] = {"type": "fit", "contains": "padding"}
    text = {"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE}
    spec["config"] = {
        **spec.get("config", {}),
        "locale": {"number": LOCALES.get(lang or language.current(), LOCALES["nl"])},
        "font": "system-ui, sans-serif",
        "view": {"stroke": None},
        "axis": text,
        "legend": {**text, "labelLimit": 220},
        "title": {"fontSize": FONT_SIZE + 1},
    }
    return spec


def feature(code: str, name: str, geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    """A GeoJSON feature for the maps."""
    clean = {k: _clean(v) for k, v in properties.items()}
    return {"type": "Feature", "geometry": geometry, "properties": {"code": code, "name": name, **clean}}


#: Chart width in a printed report, in CSS pixels (the A4 text column is about 640 px wide).
PRINT_WIDTH = 540


def printable(spec: dict[str, Any], *, width: int = PRINT_WIDTH, height: int | None = None) -> dict[str, Any]:
    """A copy of ``spec`` sized for paper: narrower, horizontal axis labels, larger text."""
    out = dict(spec)
    out.pop("autosize", None)  # paper: the plot is ``width`` wide, axes and legend outside it
    out["width"] = width
    if height is not None:
        out["height"] = height
    config = dict(out.get("config", {}))
    config["font"] = "DejaVu Sans, Liberation Sans, sans-serif"
    config["background"] = "#ffffff"
    config["axis"] = {**config.get("axis", {}), "labelFontSize": 11, "titleFontSize": 11}
    config["axisX"] = {**config.get("axisX", {}), "labelAngle": 0, "labelOverlap": "parity"}
    config["legend"] = {**config.get("legend", {}), "labelFontSize": 11, "titleFontSize": 11}
    out["config"] = config
    return out


def highlight_map(
    features: list[dict[str, Any]],
    code: str,
    *,
    label: str,
    others: str,
    height: int = 420,
    lang: str | None = None,
) -> dict[str, Any]:
    """A map of areas with one of them (``code``) highlighted: where is this area?"""
    marked = [
        {
            **f,
            "properties": {
                **f["properties"],
                "category": label if f["properties"]["code"] == code else others,
            },
        }
        for f in features
    ]
    colours = {label: "#b2182b", others: "#d1e5f0"}
    return category_map(marked, colours, title=titles(lang)["area"], height=height, lang=lang)
