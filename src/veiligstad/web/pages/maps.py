# SPDX-License-Identifier: EUPL-1.2
"""Kaart: a choropleth of any indicator at any area level, with its data table.

``/kaart?indicator=ID&niveau=buurt|wijk|stadsdeel|gemeente&periode=YYYY``. The gemeente
level shows every gemeente of the Netherlands that has a boundary; the other levels show
the programme municipality's own areas. Only public values are drawn: a suppressed count is
grey on the map and ``< 5`` in the table; a count withheld so that a small one cannot be
worked out from the totals (secondary suppression) is grey too and ``afgeschermd``. A
combination without values says so and links to the levels and periods that do have values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from fastapi import APIRouter, Request, Response

from veiligstad.definitions.glossary import glossary
from veiligstad.domain.indicators import Indicator
from veiligstad.engine import disclosure
from veiligstad.errors import BadRequest, NotFound
from veiligstad.reports import charts
from veiligstad.services import monitor
from veiligstad.services.snapshot import Snapshot
from veiligstad.web import downloads, i18n
from veiligstad.web.auth import viewer
from veiligstad.web.templating import number, render

router = APIRouter(include_in_schema=False)

#: Area levels on the map, finest first (the order of the defaults and of the form).
LEVELS = ("buurt", "wijk", "stadsdeel", "gemeente")
DEFAULT_INDICATOR = "misdrijven-totaal"
YEAR = re.compile(r"\d{4}")

#: Colour classes on the map (quantiles of the areas with a value).
CLASSES = 5

#: ColorBrewer Blues (sequential, colour-blind safe) by number of classes, lightest first;
#: the lightest tint is left out so that no class looks like the grey of "no value".
BLUES = {
    1: ["#3182bd"],
    2: ["#9ecae1", "#08519c"],
    3: ["#9ecae1", "#4292c6", "#08519c"],
    4: ["#c6dbef", "#6baed6", "#2171b5", "#08306b"],
    5: ["#c6dbef", "#6baed6", "#4292c6", "#2171b5", "#08306b"],
}

TABLE_COLUMNS = [
    "code",
    "gebied",
    "niveau",
    "periode",
    "waarde",
    "ci_laag",
    "ci_hoog",
    "eenheid",
    "noemer",
    "bron",
    "afscherming",
    "reden",
]
#: The table's figures in the indicator's unit: rounded to its decimals in a download.
FIGURES = ("waarde", "ci_laag", "ci_hoog")


def shown_values(snapshot: Snapshot) -> pd.DataFrame:
    """Public yearly values that have something to show: a value, a published value or '< 5'."""
    key = ("maps", "shown")
    if key not in snapshot.memo:
        public = snapshot.public_values
        keep = public["period"].str.fullmatch(r"\d{4}") & (
            public["value"].notna() | public["published_value"].notna() | public["suppressed"].astype(bool)
        )
        snapshot.memo[key] = public[keep]
    frame: pd.DataFrame = snapshot.memo[key]
    return frame


def level_areas(snapshot: Snapshot, level: str) -> pd.DataFrame:
    """The areas of a map level: all gemeenten with a boundary, or the municipality's own areas."""
    if level == "gemeente":
        rows = snapshot.areas[snapshot.areas["level"] == "gemeente"]
        rows = rows[rows["code"].isin(snapshot.geometries.keys())].sort_values("code")
    else:
        rows = snapshot.own_areas(level)
    return rows


def availability(snapshot: Snapshot, indicator_id: str) -> pd.DataFrame:
    """Per level and period, how many areas of the map have a value (for links and defaults)."""
    key = ("maps", "availability", indicator_id)
    if key in snapshot.memo:
        cached: pd.DataFrame = snapshot.memo[key]
        return cached
    values = shown_values(snapshot)
    values = values[values["indicator_id"] == indicator_id]
    rows = []
    for level in LEVELS:
        codes = set(level_areas(snapshot, level)["code"])
        found = values[(values["level"] == level) & values["area_code"].isin(codes)]
        for period, group in found.groupby("period"):
            rows.append(
                {"niveau": level, "periode": str(period), "gebieden": int(group["area_code"].nunique())}
            )
    frame = pd.DataFrame(rows, columns=["niveau", "periode", "gebieden"])
    snapshot.memo[key] = frame
    return frame


@dataclass(frozen=True)
class Choice:
    """What the map shows: indicator, level and period (None when the level has none)."""

    indicator: Indicator
    level: str
    period: str | None


def _indicator(snapshot: Snapshot, indicator_id: str | None) -> Indicator:
    if indicator_id is None:
        indicator = snapshot.indicator(DEFAULT_INDICATOR)
        if indicator is None:  # a programme without the default: the first with values
            with_values = set(shown_values(snapshot)["indicator_id"])
            indicator = next((i for i in snapshot.definitions.indicators() if i.id in with_values), None)
        if indicator is None:
            raise NotFound("Er zijn nog geen indicatorwaarden om op een kaart te zetten.")
        return indicator
    indicator = snapshot.indicator(indicator_id)
    if indicator is None:
        known = ", ".join(i.id for i in snapshot.definitions.indicators())
        raise NotFound(f"Onbekende indicator '{indicator_id}'.", hint=f"Kies een van: {known}.")
    return indicator


def choose(snapshot: Snapshot, indicator_id: str | None, level: str | None, period: str | None) -> Choice:
    """Check the query and fill in defaults: the finest level with values, its latest period."""
    indicator = _indicator(snapshot, indicator_id)
    if level is not None and level not in LEVELS:
        raise BadRequest(f"Onbekend niveau '{level}'.", hint=f"Kies een van: {', '.join(LEVELS)}.")
    if period is not None and not YEAR.fullmatch(period):
        raise BadRequest(f"Ongeldige periode '{period}'.", hint="Geef een jaar, bijvoorbeeld periode=2023.")
    found = availability(snapshot, indicator.id)
    if level is None:
        levels = [lvl for lvl in LEVELS if lvl in set(found["niveau"])]
        level = levels[0] if levels else LEVELS[0]
    if period is None:
        periods = sorted(found.loc[found["niveau"] == level, "periode"])
        period = periods[-1] if periods else None
    return Choice(indicator, level, period)


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def map_table(snapshot: Snapshot, choice: Choice) -> pd.DataFrame:
    """One row per area of the level: value, interval, source, disclosure or reason."""
    areas = level_areas(snapshot, choice.level)
    values = snapshot.public_values
    picked = values[
        (values["indicator_id"] == choice.indicator.id)
        & (values["level"] == choice.level)
        & (values["period"] == (choice.period or ""))
    ]
    rows = {str(r["area_code"]): r for r in picked.to_dict(orient="records")}
    out = []
    for area in areas.to_dict(orient="records"):
        code = str(area["code"])
        out.append(_table_row(code, area, rows.get(code), choice))
    frame = pd.DataFrame(out, columns=TABLE_COLUMNS)
    frame = frame.sort_values(["waarde", "gebied"], ascending=[False, True], na_position="last")
    # the download rounds value and interval as the page shows them (full precision: csv-raw)
    return downloads.with_decimals(frame.reset_index(drop=True), choice.indicator.decimals, FIGURES)


def _table_row(
    code: str, area: Mapping[Any, Any], row: Mapping[Any, Any] | None, choice: Choice
) -> dict[str, Any]:
    name = area["name"] if isinstance(area["name"], str) and area["name"] else code
    base = {"code": code, "gebied": name, "niveau": choice.level, "periode": choice.period}
    base["eenheid"] = choice.indicator.unit
    if row is None:
        empty = {
            "waarde": None,
            "ci_laag": None,
            "ci_hoog": None,
            "noemer": None,
            "bron": "",
            "afscherming": "",
        }
        return {**base, **empty, "reden": "geen gegevens"}
    computed, published = _number(row["value"]), _number(row["published_value"])
    disclosure = str(row["disclosure"] or "")
    reason = "" if computed is not None or published is not None or disclosure else "geen gegevens"
    return {
        **base,
        "waarde": computed if computed is not None else published,
        "ci_laag": _number(row["ci_low"]) if computed is not None else None,
        "ci_hoog": _number(row["ci_high"]) if computed is not None else None,
        "noemer": _number(row["denominator"]),
        "bron": "berekend" if computed is not None else ("gepubliceerd" if published is not None else ""),
        "afscherming": disclosure,
        "reden": monitor.reason_text(row["reason"], choice.indicator) or reason,
    }


def classes(values: pd.Series, count: int = CLASSES) -> pd.Series:
    """Quantile class (0 = lowest) of each value; NaN stays NaN. Ties share a class."""
    known = values.dropna()
    out = pd.Series(float("nan"), index=values.index)
    if known.empty:
        return out
    ranked = known.rank(method="min")
    bins = min(count, int(known.nunique()))
    out[known.index] = pd.qcut(ranked, q=bins, labels=False, duplicates="drop") if bins > 1 else 0
    return out


def class_labels(values: pd.Series, klass: pd.Series, decimals: int, lang: str) -> dict[int, str]:
    """'32,0 – 41,5' per class: the lowest and highest value in it."""
    labels = {}
    for k in sorted(int(x) for x in klass.dropna().unique()):
        members = values[klass == k]
        low, high = (number(v, decimals, lang) for v in (members.min(), members.max()))
        labels[k] = low if low == high else f"{low} – {high}"
    return labels


def map_spec(
    snapshot: Snapshot,
    table: pd.DataFrame,
    choice: Choice,
    lang: str,
    rows: Sequence[Mapping[Any, Any]] | None = None,
) -> dict[str, Any] | None:
    """The choropleth: areas in quantile classes; without a value (or suppressed) grey
    (``rows``: the table's records, when the caller has them).

    Classes of about equally many areas rather than a linear scale: a few buurten with hardly
    any inhabitants (industrial estates) have rates ten times the rest, and on a linear scale
    every other buurt would get the same pale colour. The table has the exact values.
    """
    decimals = choice.indicator.decimals
    values = pd.to_numeric(table["waarde"], errors="coerce").where(table["afscherming"] == "")
    klass = classes(values)
    labels = class_labels(values, klass, decimals, lang)
    missing = f"{i18n.translate('geen cijfer of', lang)} < {snapshot.threshold}"
    if (table["afscherming"] == disclosure.PROTECTED).any():  # withheld to protect a small count
        missing += f" {i18n.translate('of afgeschermd', lang)}"
    colours = {labels[k]: BLUES[len(labels)][k] for k in labels} | {missing: charts.NO_VALUE}
    features = []
    records = table.to_dict(orient="records") if rows is None else rows
    for row, value, k in zip(records, values.tolist(), klass.tolist(), strict=True):
        geometry = snapshot.geometries.get(str(row["code"]))
        if geometry is None:
            continue
        known = not pd.isna(k)
        category = labels[int(k)] if known else missing
        shown = number(value, decimals, lang) if known else _missing_label(row, lang)
        features.append(
            charts.feature(str(row["code"]), str(row["gebied"]), geometry, category=category, label=shown)
        )
    if not features:
        return None
    height = 560 if choice.level == "gemeente" else 420
    spec = charts.category_map(
        features, colours, title=i18n.translate(choice.indicator.unit, lang), height=height, lang=lang
    )
    value = charts.titles(lang)["value"]
    spec["encoding"]["tooltip"].append({"field": "properties.label", "type": "nominal", "title": value})
    return spec


def _missing_label(row: Mapping[Any, Any], lang: str) -> str:
    if row["afscherming"]:
        return str(row["afscherming"])
    return i18n.translate(str(row["reden"] or "geen gegevens"), lang)


def cached_map(
    snapshot: Snapshot, choice: Choice, lang: str
) -> tuple[pd.DataFrame, dict[str, Any] | None, list[dict[Any, Any]]]:
    """The table, the map and the table's rows of a choice, computed once per snapshot (Altair
    takes ~0.4 s for all gemeenten; the rows, a sixth of a download's time, are for the page)."""
    key = ("maps", "map", choice.indicator.id, choice.level, choice.period, lang)
    if key not in snapshot.memo:
        table = map_table(snapshot, choice)
        rows = table.to_dict(orient="records")
        snapshot.memo[key] = (table, map_spec(snapshot, table, choice, lang, rows), rows)
    cached: tuple[pd.DataFrame, dict[str, Any] | None, list[dict[Any, Any]]] = snapshot.memo[key]
    return cached


def period_options(found: pd.DataFrame, chosen: str | None) -> list[str]:
    """Every period with values for the indicator (any level), newest first, plus the chosen one."""
    periods = set(found["periode"]) | ({chosen} if chosen else set())
    return sorted(periods, reverse=True)


def availability_links(found: pd.DataFrame) -> dict[str, list[tuple[str, int]]]:
    """Level → [(period, number of areas)], newest period first."""
    out: dict[str, list[tuple[str, int]]] = {}
    for level in LEVELS:
        rows = found[found["niveau"] == level].sort_values("periode", ascending=False)
        if not rows.empty:
            out[level] = [(str(p), int(n)) for p, n in zip(rows["periode"], rows["gebieden"], strict=True)]
    return out


@router.get("/kaart")
def map_page(
    request: Request, indicator: str | None = None, niveau: str | None = None, periode: str | None = None
) -> Response:
    """A choropleth of one indicator at one level and period, with its data table."""
    snapshot: Snapshot = request.app.state.cache.get()
    choice = choose(snapshot, indicator or None, niveau or None, periode or None)
    lang = viewer(request).lang
    table, spec, rows = cached_map(snapshot, choice, lang)
    found = availability(snapshot, choice.indicator.id)
    has_values = bool((table["waarde"].notna() | (table["afscherming"] != "")).any())
    unknown_period = choice.period is not None and choice.period not in set(found["periode"])
    return render(
        request,
        "maps/index.html",
        words=glossary().pick(
            "per-1000-inwoners", "weinig-inwoners", "kleiner-dan-5", "afgeschermd", "buurt-wijk-stadsdeel"
        ),
        title="Kaart",
        stem=f"kaart-{choice.indicator.id}-{choice.level}-{choice.period or 'geen'}",
        tables={"kaart": table, "beschikbaar": found},
        status_code=404 if unknown_period else 200,
        choice=choice,
        indicators=snapshot.definitions.indicators(),
        levels=LEVELS,
        periods=period_options(found, choice.period),
        rows=rows,
        has_values=has_values,
        spec=spec if has_values else None,
        available=availability_links(found),
        own_codes=snapshot.own_codes(),
    )
