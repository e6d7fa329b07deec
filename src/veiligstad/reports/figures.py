# SPDX-License-Identifier: EUPL-1.2
"""Building blocks shared by the reports: formatted cells, trend charts and maps with their
alt text and data table.

A suppressed count (public figures, ``disclosure`` is ``< 5``) is shown as that text and
never as a rate; charts leave it out (its value is empty) and its table row says why.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from veiligstad import formatting
from veiligstad.domain.indicators import Indicator
from veiligstad.engine.significance import Signal
from veiligstad.engine.trends import Trend
from veiligstad.reports import charts, language
from veiligstad.reports.language import say
from veiligstad.reports.model import Cell, Chart, Table
from veiligstad.services import monitor
from veiligstad.services.snapshot import Snapshot

#: Style of a significance label (the label itself is always written out).
SIGNAL_CSS = {
    Signal.ROSE.value: "signal-up",
    Signal.FELL.value: "signal-down",
    Signal.NO_CHANGE.value: "signal-none",
    Signal.TOO_LITTLE.value: "signal-little",
    monitor.IMPROVED: "verdict-good",
    monitor.WORSENED: "verdict-bad",
}

NO_TARGET = "geen streefwaarde vastgesteld"

#: Width of a trend chart that has its data table beside it (CSS px).
TREND_WIDTH = 380


def missing(value: Any) -> bool:
    """Whether a value is empty (None, NaN, NA)."""
    return value is None or bool(pd.isna(value))


def number(value: Any, decimals: int = 1) -> str:
    """``28,6`` (``28.6`` in English); a dash when empty."""
    return formatting.MISSING if missing(value) else language.number(float(value), decimals)


def figure(value: Any, decimals: int, disclosure: Any = "") -> str:
    """A figure, or the disclosure text (``< 5``) when the count is withheld."""
    if isinstance(disclosure, str) and disclosure:
        return language.label(disclosure)
    return number(value, decimals)


def signed(value: Any, decimals: int = 1) -> str:
    """A change with its sign (``+1,2``, ``−0,8``); a dash when empty."""
    return formatting.MISSING if missing(value) else language.signed(float(value), decimals)


def interval(low: Any, high: Any, decimals: int) -> str:
    """``[27,7 – 29,6]`` or empty."""
    if missing(low) or missing(high):
        return ""
    return language.interval(float(low), float(high), decimals)


def cell(text: str, css: str = "", note: str = "") -> Cell:
    """A cell with an optional style and a note on a second line."""
    return Cell(text, css, note)


def label(text: str) -> Cell:
    """A significance label or verdict as a styled cell (the Dutch label picks the style)."""
    return Cell(language.label(text), SIGNAL_CSS.get(text, ""))


def table(
    table_id: str,
    caption: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[str | Cell]],
    numeric: Sequence[bool] = (),
    note: str = "",
) -> Table:
    """A table from rows of texts or cells."""
    cells = tuple(tuple(c if isinstance(c, Cell) else Cell(c) for c in row) for row in rows)
    return Table(table_id, caption, tuple(headers), cells, tuple(numeric), note)


def yearly(values: pd.DataFrame, indicator_id: str, area_code: str, year: int) -> pd.DataFrame:
    """One indicator's yearly rows for one area up to ``year``, oldest first."""
    rows = monitor.series(values, indicator_id, area_code)
    rows = rows[rows["period"].str.fullmatch(r"\d{4}") & (rows["year"] <= year)]
    return rows.reset_index(drop=True)


def computed_years(rows: pd.DataFrame) -> int:
    """Number of years with a computed value."""
    return int(rows["value"].notna().sum())


#: A trend in plain words for the publieksversie (Dutch, English); no test names.
PLAIN_TRENDS = {
    Signal.ROSE: ("Over de jaren gaat het cijfer omhoog.", "Over the years the figure goes up."),
    Signal.FELL: ("Over de jaren gaat het cijfer omlaag.", "Over the years the figure goes down."),
    Signal.NO_CHANGE: (
        "Over de jaren is er geen duidelijke stijging of daling.",
        "Over the years there is no clear rise or fall.",
    ),
    Signal.TOO_LITTLE: (
        "Er zijn nog te weinig jaren om iets over de trend te zeggen.",
        "There are too few years yet to say anything about the trend.",
    ),
}


def _trend_sentence(trend: Trend | None, plain: bool = False) -> str:
    if trend is None:
        return ""
    if plain:
        return say(*PLAIN_TRENDS[trend.signal])
    if trend.signal is Signal.TOO_LITTLE:
        return say(
            "Trend: te weinig gegevens ({reason}).",
            "Trend: too little data ({reason}).",
            reason=language.label(trend.reason),
        )
    return f"Trend (Mann–Kendall): {language.label(trend.signal.value)}."


def trend_chart(
    chart_id: str,
    indicator: Indicator,
    rows: pd.DataFrame,
    area_name: str,
    trend: Trend | None = None,
    height: int = 170,
    plain: bool = False,
) -> Chart:
    """The computed values with their 95% interval and the published values, as a chart with
    alt text and a data table (year, value, interval, published value, reconciliation)."""
    decimals = indicator.decimals
    shown = rows[rows["value"].notna()]
    published = rows[rows["published_value"].notna()][["year", "published_value"]]
    spec = charts.printable(
        charts.trend(
            shown[["year", "value", "ci_low", "ci_high"]],
            unit=indicator.unit,
            decimals=decimals,
            published=published,
        ),
        width=TREND_WIDTH,
        height=height,
    )
    spec["config"]["legend"] = {
        **spec["config"].get("legend", {}),
        "disable": True,
    }  # one series: the caption says it
    first, last = shown.iloc[0], shown.iloc[-1]
    name = indicator.public_name() if plain else indicator.name
    alt = say(
        "Lijngrafiek van {name} in {area}, {unit}, {y1}–{y2}: van {v1} in {y1} naar {v2} in {y2}. "
        "{trend} De cijfers staan in de tabel bij de grafiek.",
        "Line chart of {name} in {area}, {unit}, {y1}–{y2}: from {v1} in {y1} to {v2} in {y2}. "
        "{trend} The figures are in the table with the chart.",
        name=name.lower(),
        area=area_name,
        unit=indicator.unit,
        y1=int(first["year"]),
        y2=int(last["year"]),
        v1=number(first["value"], decimals),
        v2=number(last["value"], decimals),
        trend=_trend_sentence(trend, plain),
    )
    body: list[tuple[Cell, ...]]
    if plain:
        body = [
            (Cell(str(r.year)), Cell(figure(r.value, decimals, getattr(r, "disclosure", ""))))
            for r in shown.itertuples()
        ]
        headers = (say("Jaar", "Year"), say("Cijfer", "Figure"))
        data = table(f"{chart_id}-tabel", f"{name}, {area_name}", headers, body, (False, True))
        caption = f"{name} in {area_name}, {indicator.unit}. " + say(
            "De lichte band laat zien hoe zeker het cijfer is.",
            "The light band shows how certain the figure is.",
        )
        return Chart(chart_id, caption, alt, spec, data)
    body = [
        (
            Cell(str(row.year)),
            Cell(figure(row.value, decimals, getattr(row, "disclosure", ""))),
            Cell(interval(row.ci_low, row.ci_high, decimals)),
            Cell(number(row.published_value, decimals)),
        )
        for row in rows.itertuples()
    ]
    data = table(
        f"{chart_id}-tabel",
        f"{indicator.name}, {area_name}",
        (
            say("Jaar", "Year"),
            say("Berekend", "Computed"),
            say("95%-interval", "95% interval"),
            say("Gepubliceerd", "Published"),
        ),
        body,
        (False, True, True, True),
    )
    legend = say(
        "lijn en punten: berekend, band: 95%-interval", "line and points: computed, band: 95% interval"
    )
    if not published.empty:
        legend += say(", open vierkantjes: gepubliceerd", ", open squares: published")
    caption = f"{indicator.name} in {area_name}, {indicator.unit} ({legend})"
    return Chart(chart_id, caption, alt, spec, data)


def features(
    snapshot: Snapshot, codes: Iterable[str], **properties: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """GeoJSON features of the areas that have a boundary; ``properties`` map code → value."""
    out = []
    for code in codes:
        geometry = snapshot.geometries.get(code)
        if geometry is None:
            continue
        area = snapshot.area(code) or {}
        extra = {name: mapping.get(code) for name, mapping in properties.items()}
        out.append(charts.feature(code, str(area.get("name") or code), geometry, **extra))
    return out


#: Five classes, light to dark (ColorBrewer Blues, colour-blind safe); grey: no figure.
CLASS_COLOURS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NO_FIGURE = "geen cijfer"


def _up_to() -> str:
    return say("t/m", "up to")


def _more_than() -> str:
    return say("meer dan", "more than")


def classify(values: pd.Series, decimals: int, count: int = 5) -> list[str]:
    """A class label per value: quantile classes (about as many areas in each), so a few outliers
    (a buurt with hardly any inhabitants) do not wash out the map; ``geen cijfer`` when empty."""
    known = values.dropna().astype(float)
    if known.empty:
        return [language.label(NO_FIGURE)] * len(values)
    edges = sorted({float(q) for q in known.quantile([i / count for i in range(1, count)])})
    labels = [f"{_up_to()} {number(edges[0], decimals)}"] if edges else []
    labels += [f"{number(lo, decimals)} – {number(hi, decimals)}" for lo, hi in itertools.pairwise(edges)]
    labels.append(
        f"{_more_than()} {number(edges[-1], decimals)}" if edges else number(known.iloc[0], decimals)
    )
    out = []
    for value in values:
        if missing(value):
            out.append(language.label(NO_FIGURE))
            continue
        index = sum(float(value) > edge for edge in edges)
        out.append(labels[index])
    return out


def legend_colours(classes: list[str]) -> dict[str, str]:
    """Class label → colour, light to dark in class order, grey for no figure."""
    empty = language.label(NO_FIGURE)
    ordered = list(dict.fromkeys(c for c in _class_order(classes) if c != empty))
    step = max(1, len(CLASS_COLOURS) // max(1, len(ordered)))
    colours = {label: CLASS_COLOURS[min(i * step, len(CLASS_COLOURS) - 1)] for i, label in enumerate(ordered)}
    return {**colours, empty: charts.NO_VALUE}


def _class_order(classes: list[str]) -> list[str]:
    def key(text: str) -> float:
        if text.startswith(_up_to()):
            return float("-inf")
        if text.startswith(_more_than()):
            return float("inf")
        head = text.split(" – ")[0]
        head = (
            head.replace(",", "") if language.current() == "en" else head.replace(".", "").replace(",", ".")
        )
        try:
            return float(head)
        except ValueError:
            return 0.0

    return sorted(set(classes), key=key)


def value_map(
    chart_id: str,
    snapshot: Snapshot,
    frame: pd.DataFrame,
    indicator: Indicator,
    level_label: str,
    period: str,
    plain: bool = False,
) -> Chart:
    """A choropleth of one indicator over the areas in ``frame`` (``area_code``, ``area_name``,
    ``value``, ``disclosure``) with the values as a table; withheld values stay grey."""
    decimals = indicator.decimals
    ordered = frame.sort_values("area_name", key=lambda s: s.astype(str).str.lower())
    texts = {
        str(r.area_code): figure(r.value, decimals, getattr(r, "disclosure", ""))
        for r in ordered.itertuples()
    }
    classes = classify(ordered["value"], decimals)
    spec = charts.printable(
        charts.category_map(
            features(
                snapshot, ordered["area_code"], category=dict(zip(ordered["area_code"], classes, strict=True))
            ),
            legend_colours(classes),
            title=indicator.unit,
            height=380,
        )
    )
    known = ordered[ordered["value"].notna()]
    name = indicator.public_name() if plain else indicator.name
    level = language.label(level_label)
    alt = say(
        "Kaart van {name} per {level} in {period}, {unit}.",
        "Map of {name} per {level} in {period}, {unit}.",
        name=name.lower(),
        level=level,
        period=period,
        unit=indicator.unit,
    )
    if not known.empty:
        by_value = known.sort_values("value")
        high, low = by_value.iloc[-1], by_value.iloc[0]
        alt += " " + say(
            "Hoogste waarde: {high} ({hv}); laagste: {low} ({lv}). Vijf klassen met elk ongeveer even "
            "veel gebieden; donkerder is hoger, grijs is geen cijfer (of een afgeschermd aantal).",
            "Highest value: {high} ({hv}); lowest: {low} ({lv}). Five classes with about as many areas "
            "each; darker is higher, grey is no figure (or a withheld count).",
            high=high["area_name"],
            hv=number(high["value"], decimals),
            low=low["area_name"],
            lv=number(low["value"], decimals),
        )
    alt += " " + say(
        "De cijfers staan in de tabel bij de kaart.", "The figures are in the table with the map."
    )
    rows = [
        (Cell(str(r.area_name)), Cell(texts[str(r.area_code)]))
        + (() if plain else (Cell(interval(r.ci_low, r.ci_high, decimals)),))
        for r in ordered.itertuples()
    ]
    headers = (
        (level.capitalize(), say("Cijfer", "Figure"))
        if plain
        else (level.capitalize(), say("Waarde", "Value"), say("95%-interval", "95% interval"))
    )
    data = table(
        f"{chart_id}-tabel",
        f"{name} per {level}, {period} ({indicator.unit})",
        headers,
        rows,
        (False, True, True),
    )
    return Chart(chart_id, f"{name} per {level}, {period}", alt, spec, data, wide=True)
