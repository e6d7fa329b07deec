# SPDX-License-Identifier: EUPL-1.2
"""Indicatoren: the catalogue by theme, and one page per indicator for the programme's
municipality — trend with intervals and published values, significance, definition and
context notes, values per stadsdeel/wijk/buurt, and the comparison with the Netherlands
and with gemeenten of similar size.

Public pages: every figure comes from ``snapshot.public_values`` (counts below the
threshold are shown as ``< 5`` and nothing is derived from them).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Request, Response

from veiligstad.definitions.glossary import glossary
from veiligstad.domain.accounts import Role
from veiligstad.domain.indicators import Indicator, IndicatorKind
from veiligstad.domain.programme import NO_MEASUREMENT
from veiligstad.engine.compute import REASONS
from veiligstad.engine.trends import Change
from veiligstad.errors import BadRequest, NotFound
from veiligstad.reports import charts, language
from veiligstad.services import gaps, monitor, peers, templates, trends, warehouses
from veiligstad.services.snapshot import Snapshot
from veiligstad.web import auth, downloads, i18n
from veiligstad.web.api.memo import memoised
from veiligstad.web.templating import number, render, script_json

router = APIRouter(include_in_schema=False)

Translate = Callable[[str], str]

#: The municipality's own area levels, coarsest first.
LEVELS = ("stadsdeel", "wijk", "buurt")
#: The figures of the changes table in the indicator's unit (rounded to its decimals in a download).
CHANGE_FIGURES = ("waarde_van", "waarde_tot", "verschil")

#: Dutch label of an indicator kind.
KIND_LABELS = {
    IndicatorKind.RATE: "verhoudingsgetal",
    IndicatorKind.COUNT: "aantal",
    IndicatorKind.SURVEY: "enquêtecijfer",
}

YEARLY = r"\d{4}"

#: Areas with fewer inhabitants get a flag: their rates swing wildly (as on the Hotspots page).
SMALL_POPULATION = 200

#: Context notes (fixed Dutch sentences, translated in ``translations/en/indicators.yaml``).
HAALDELICT = "Haaldelict: een stijging kan op meer handhaving wijzen, niet op meer criminaliteit."
UNIT_MISMATCH = "Gepubliceerde eenheid wijkt af van de definitie"
MIXED_SOURCES = "De reeks combineert bronnen; vergelijk de jaren met voorzichtigheid"
APPROXIMATE = "Benaderd: bevolking van een andere peildatum of niet alle gemeenten"
NO_SURVEY = "geen meting in dit jaar (GM)"
PROVISIONAL = "Voorlopige jaren (onvolledige maanden) zijn niet meegenomen in de trendtoets."


def indicator_or_404(snapshot: Snapshot, indicator_id: str) -> Indicator:
    """The definition, or a NotFound that the error page explains."""
    indicator = snapshot.indicator(indicator_id)
    if indicator is None:
        raise NotFound(
            f"Onbekende indicator '{indicator_id}'.",
            hint="Kies een indicator op de pagina Indicatoren (/indicatoren).",
        )
    return indicator


def reason_parts(code: object, indicator: Indicator) -> tuple[str, str]:
    """Why a value is missing: a fixed Dutch text (translatable) and the detail (codes)."""
    if not isinstance(code, str) or not code:
        return "", ""
    if code == "no-source-data":
        return monitor.reason_text(code), ", ".join(indicator.numerator)
    return REASONS.get(code, monitor.reason_text(code, indicator)), ""


def own_rows(snapshot: Snapshot, indicator: Indicator) -> pd.DataFrame:
    """The municipality's yearly public rows; years without any row become 'geen brongegevens'."""
    rows = monitor.series(snapshot.public_values, indicator.id, snapshot.municipality)
    rows = rows[rows["period"].str.fullmatch(YEARLY)]
    if rows.empty:
        return rows.reset_index(drop=True)
    years = range(int(rows["year"].min()), int(rows["year"].max()) + 1)
    gaps = [y for y in years if y not in set(rows["year"])]
    filler = pd.DataFrame(
        {"year": gaps, "period": [str(y) for y in gaps], "reason": "no-source-data", "suppressed": False}
    )
    both = pd.concat([rows, filler], ignore_index=True) if gaps else rows
    return both.sort_values("year").reset_index(drop=True)


def rows_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for a template: missing numbers become None, so they never print as 0 or NaN."""
    return charts.records(frame, frame.columns) if not frame.empty else []


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _flag(value: object) -> bool:
    return bool(value) if pd.notna(value) else False  # type: ignore[call-overload]


def figures(row: pd.Series) -> dict[str, Any]:
    """The public figures of one value row, with Dutch column names for the downloads."""
    return {
        "waarde": row.get("value"),
        "interval_laag": row.get("ci_low"),
        "interval_hoog": row.get("ci_high"),
        "teller": row.get("numerator"),
        "noemer": row.get("denominator"),
        "noemer_jaar": row.get("denominator_year"),
        "afgeschermd": _text(row.get("disclosure")),
        "benaderd": _flag(row.get("approximate")),
    }


def trend_table(rows: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """Year, computed value with interval, published value and reconciliation (download)."""
    out = []
    for _, row in rows.iterrows():
        gm = row.get("published_status") == NO_MEASUREMENT
        reason, detail = reason_parts(row.get("reason"), indicator)
        if gm and pd.isna(row.get("value")):
            reason, detail = NO_SURVEY, ""
        out.append(
            {
                "jaar": int(row["year"]),
                **figures(row),
                "gepubliceerd": row.get("published_value"),
                "gepubliceerd_status": "geen meting (GM)" if gm else "",
                "gepubliceerde_eenheid": _text(row.get("published_unit")),
                "vergelijking": _text(row.get("reconciliation")),
                "voorlopig": _flag(row.get("provisional")),
                "grenswijziging": _text(row.get("territory_break")),
                "bron": _text(row.get("numerator_source")),
                "reden": reason,
                "reden_detail": detail,
            }
        )
    return downloads.with_decimals(pd.DataFrame(out), indicator.decimals)


def trend_chart(table: pd.DataFrame, indicator: Indicator, lang: str = i18n.DEFAULT) -> dict[str, Any] | None:
    """The trend with its interval band and the published values, with axes and legend in
    ``lang``; None when there is nothing."""
    computed = table.rename(columns={"jaar": "year", "waarde": "value"})
    computed = computed.assign(ci_low=table["interval_laag"], ci_high=table["interval_hoog"])
    published = table[["jaar", "gepubliceerd"]]
    published = published.rename(columns={"jaar": "year", "gepubliceerd": "published_value"})
    if computed["value"].isna().all() and published["published_value"].isna().all():
        return None
    frame = computed[["year", "value", "ci_low", "ci_high"]].astype(float)
    unit = i18n.translate(indicator.unit, lang)
    spec = charts.trend(frame, unit=unit, decimals=indicator.decimals, published=published, lang=lang)
    return without_empty_layers(spec, unit)


def without_empty_layers(spec: dict[str, Any], unit: str) -> dict[str, Any]:
    """Drop the layers that have no data (e.g. no published values): an empty mark group
    has no accessible name; the remaining layers keep the unit as their axis title."""
    datasets = spec.get("datasets", {})
    layers = [
        layer for layer in spec.get("layer", []) if datasets.get(layer.get("data", {}).get("name"), [1])
    ]
    for layer in layers:
        y = layer.get("encoding", {}).get("y")
        if isinstance(y, dict) and "title" not in y:
            y["title"] = unit
    return {**spec, "layer": layers}


def changes_table(changes: list[Change]) -> pd.DataFrame:
    """Each known value against the previous one, with its significance label (download)."""
    rows = [
        {
            "van": c.before.label,
            "tot": c.after.label,
            "waarde_van": c.before.value,
            "waarde_tot": c.after.value,
            "verschil": c.difference,
            "verandering_procent": None if c.relative is None else 100 * c.relative,
            "significantie": c.comparison.signal.value,
            "p_waarde": c.comparison.p_value,
            "toets": c.comparison.method,
            "phi": c.comparison.phi if c.comparison.p_value is not None else None,
            "spreiding": c.comparison.phi_text if c.comparison.p_value is not None else "",
            "toelichting": c.comparison.reason,
        }
        for c in changes
    ]
    columns = ["van", "tot", "waarde_van", "waarde_tot", "verschil", "verandering_procent"]
    tests = ["significantie", "p_waarde", "toets", "phi", "spreiding", "toelichting"]
    return pd.DataFrame(rows, columns=[*columns, *tests])


def context_notes(snapshot: Snapshot, indicator: Indicator, table: pd.DataFrame) -> list[dict[str, str]]:
    """Notes for reading the figures: haaldelict, units, sources, approximations, gaps."""
    notes: list[dict[str, str]] = []
    if indicator.haaldelict:
        notes.append({"text": HAALDELICT})
    item = next((i for i in snapshot.definitions.programme.indicators if i.id == indicator.id), None)
    if item is not None and item.published is not None and item.published.unit != indicator.unit:
        detail = f"'{item.published.unit}' ↔ '{indicator.unit}'"
        notes.append({"text": UNIT_MISMATCH, "detail": detail})
    sources = table[table["bron"] != ""].groupby("bron", sort=False)["jaar"].agg(["min", "max"])
    if len(sources) > 1:
        detail = "; ".join(f"{src} ({lo}–{hi})" for src, (lo, hi) in sources.iterrows())
        notes.append({"text": MIXED_SOURCES, "detail": detail})
    if table["benaderd"].any():
        years = ", ".join(str(y) for y in table.loc[table["benaderd"], "jaar"])
        notes.append({"text": APPROXIMATE, "detail": years})
    if table["voorlopig"].any():
        notes.append({"text": PROVISIONAL})
    return notes


def missing_reasons(table: pd.DataFrame) -> list[dict[str, str]]:
    """Why computed values are missing, with the years (never shown as 0)."""
    missing = table[table["waarde"].isna() & (table["afgeschermd"] == "")]
    out = []
    for (reason, detail), group in missing.groupby(["reden", "reden_detail"], sort=False):
        if reason:
            out.append({"text": str(reason), "detail": str(detail), "years": _years(list(group["jaar"]))})
    return out


def _years(years: list[int]) -> str:
    """``2017–2019, 2021`` from a list of years."""
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def area_year(snapshot: Snapshot, indicator: Indicator) -> int | None:
    """The latest year with a value (or a withheld count) for the municipality's own areas."""
    values = snapshot.public_values
    own = snapshot.own_areas()
    rows = values[
        (values["indicator_id"] == indicator.id)
        & values["level"].isin(LEVELS)
        & values["area_code"].isin(own["code"])
        & values["period"].str.fullmatch(YEARLY)
        & (values["value"].notna() | values["suppressed"])
    ]
    return None if rows.empty else int(rows["year"].max())


def area_levels(snapshot: Snapshot, indicator: Indicator, year: int) -> list[str]:
    """The levels that have values in ``year``."""
    values = snapshot.public_values
    rows = values[
        (values["indicator_id"] == indicator.id)
        & (values["period"] == str(year))
        & (values["value"].notna() | values["suppressed"])
    ]
    present = set(rows["level"])
    return [level for level in LEVELS if level in present]


def area_table(snapshot: Snapshot, indicator: Indicator, level: str, year: int) -> pd.DataFrame:
    """Every own area of the level with its public value in ``year`` (download)."""
    areas = snapshot.own_areas(level)[["code", "name"]]
    values = snapshot.public_values
    rows = values[(values["indicator_id"] == indicator.id) & (values["period"] == str(year))]
    merged = areas.merge(rows, left_on="code", right_on="area_code", how="left")
    out = []
    for _, row in merged.iterrows():
        reason, detail = reason_parts(row.get("reason"), indicator)
        if pd.isna(row.get("area_code")):
            reason = "geen gegevens voor dit gebied"
        out.append(
            {
                "code": row["code"],
                "gebied": row["name"] or row["code"],
                "niveau": level,
                "jaar": year,
                **figures(row),
                "weinig_inwoners": bool(
                    pd.notna(row["denominator"]) and row["denominator"] < SMALL_POPULATION
                ),
                "reden": reason,
                "reden_detail": detail,
            }
        )
    return downloads.with_decimals(pd.DataFrame(out), indicator.decimals)


def area_label(row: Mapping[Hashable, Any], indicator: Indicator, lang: str, translate: Translate) -> str:
    """What the map shows for an area: the formatted value, ``< 5`` or why it is missing."""
    if row["afgeschermd"]:
        return str(row["afgeschermd"])
    if pd.notna(row["waarde"]):
        return number(row["waarde"], indicator.decimals, lang)
    return str(translate(row["reden"])) if row["reden"] else number(None)


def area_map(
    snapshot: Snapshot, table: pd.DataFrame, indicator: Indicator, lang: str, translate: Translate
) -> dict[str, Any] | None:
    """A choropleth of the table's areas (those with a boundary)."""
    features = [
        charts.feature(
            row["code"],
            row["gebied"],
            snapshot.geometries[row["code"]],
            value=row["waarde"],
            label=area_label(row, indicator, lang, translate),
        )
        for row in table.to_dict(orient="records")
        if row["code"] in snapshot.geometries
    ]
    if not features:
        return None
    unit = i18n.translate(indicator.unit, lang)
    spec = charts.choropleth(features, unit=unit, decimals=indicator.decimals, lang=lang)
    return in_quintiles(spec, table["waarde"].dropna().astype(float).tolist(), indicator.decimals)


#: Quintiles only with at least this many values; fewer areas keep the linear scale, where
#: small differences (often within the intervals) are not blown up into five colours.
MIN_QUINTILE_AREAS = 20

#: ColorBrewer Blues, five classes (colour-blind safe), lightest one step darker than white.
QUINTILE_COLOURS = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]


def in_quintiles(spec: dict[str, Any], values: list[float], decimals: int) -> dict[str, Any]:
    """Colour by quintile (five equally large groups) instead of a linear scale, so that a
    few industrial buurten with very few inhabitants do not wash out all other areas."""
    breaks = sorted(
        {round(float(b), decimals) for b in np.quantile(values, [0.2, 0.4, 0.6, 0.8])} if values else set()
    )
    colour = spec.get("encoding", {}).get("color", {}).get("condition", {})
    if len(set(values)) < MIN_QUINTILE_AREAS or not isinstance(colour, dict) or "scale" not in colour:
        return spec
    colour["scale"] = {"type": "threshold", "domain": breaks, "range": QUINTILE_COLOURS[-len(breaks) - 1 :]}
    return spec


def comparison_bars(
    table: pd.DataFrame, members: pd.DataFrame, indicator: Indicator, lang: str = i18n.DEFAULT
) -> dict[str, Any] | None:
    """Bars: the municipality (highlighted), the Netherlands, the peer group and each peer."""
    if table.empty:
        return None
    own = table[["gebied", "waarde"]].assign(highlight=[True] + [False] * (len(table) - 1))
    group = f"{i18n.translate('Groep', lang)} ({len(members)} {i18n.translate('gemeenten', lang)})"
    own["gebied"] = own["gebied"].where(table["soort"] != "groep", group)
    own["gebied"] = own["gebied"].where(table["soort"] != "land", i18n.translate("Nederland", lang))
    peers_part = (
        members[["gemeente", "waarde"]].rename(columns={"gemeente": "gebied"}).assign(highlight=False)
    )
    frame = pd.concat([own, peers_part], ignore_index=True)
    frame = frame[frame["waarde"].notna()]
    if frame.empty:
        return None
    unit, decimals = i18n.translate(indicator.unit, lang), indicator.decimals
    return charts.bars(frame, label="gebied", value="waarde", unit=unit, decimals=decimals, lang=lang)


def comparison_section(snapshot: Snapshot, indicator: Indicator) -> dict[str, Any]:
    """Benchmark against the Netherlands and gemeenten of similar size, with tables and bars."""
    key = ("indicators", "populations")
    if key not in snapshot.memo:
        snapshot.memo[key] = peers.populations(snapshot.public_values, snapshot.definitions.indicators())
    values = snapshot.public_values[snapshot.public_values["indicator_id"] == indicator.id]
    bench = peers.benchmark(values, snapshot.memo[key], indicator, snapshot.municipality)
    name = snapshot.definitions.programme.municipality_name
    table = peers.comparison_frame(bench, name)
    members = peers.members_frame(bench.peers)
    return {
        "bench": bench,
        "table": table,
        "rows": rows_of(table),
        "peers_table": members,
        "peer_rows": rows_of(members),
    }


def catalogue_table(snapshot: Snapshot) -> pd.DataFrame:
    """Every indicator in force: theme, unit, kind and latest public value (download)."""
    programme = snapshot.definitions.programme
    themes = {t.id: t.name for t in programme.themes}
    status = {row.indicator.id: row for row in snapshot.status}
    used = {i.id: i.theme for i in programme.indicators}
    rows = []
    for indicator in snapshot.definitions.indicators():
        row = status.get(indicator.id)
        computed = snapshot.public_values[
            (snapshot.public_values["indicator_id"] == indicator.id)
            & (snapshot.public_values["area_code"] == snapshot.municipality)
            & snapshot.public_values["value"].notna()
        ]
        theme = used.get(indicator.id, "")
        rows.append(
            {
                "thema_id": theme or "",
                "thema": themes.get(theme or "", "context" if indicator.id in used else "overig"),
                "indicator_id": indicator.id,
                "indicator": indicator.name,
                "indicator_en": indicator.name_en,
                "eenheid": indicator.unit,
                "soort": KIND_LABELS[indicator.kind],
                "haaldelict": indicator.haaldelict,
                "laatste_jaar": row.latest_year if row else None,
                "laatste_waarde": row.latest_value if row else None,
                "laatste_bron": row.latest_source if row else "",
                "berekende_jaren": _years([int(y) for y in computed["year"]]),
                "reden": row.reason if row else "",
            }
        )
    return pd.DataFrame(rows)


@router.get("/indicatoren")
def catalogue_page(request: Request) -> Response:
    """All indicators of the programme by theme, with unit, kind and latest value."""
    snapshot: Snapshot = request.app.state.cache.get()
    key = ("indicators", "catalogue")
    if key not in snapshot.memo:
        snapshot.memo[key] = catalogue_table(snapshot)
    table: pd.DataFrame = snapshot.memo[key]
    groups = [(t, table[table["thema_id"] == t.id]) for t in snapshot.definitions.programme.themes]
    context = table[(table["thema_id"] == "") & (table["thema"] == "context")]
    other = table[table["thema"] == "overig"]
    return render(
        request,
        "indicators/index.html",
        title="Indicatoren",
        stem="indicatoren",
        tables={
            "indicatoren": downloads.with_decimals(
                table, downloads.most_decimals(snapshot.definitions.indicators()), ("laatste_waarde",)
            )
        },
        groups=[(theme, rows_of(rows)) for theme, rows in groups],
        context_rows=rows_of(context),
        other_rows=rows_of(other),
        decimals={i.id: i.decimals for i in snapshot.definitions.indicators()},
    )


def _significance(report: trends.TrendReport, snapshot: Snapshot) -> dict[str, Any]:
    survey = report.indicator.kind is IndicatorKind.SURVEY
    baseline_year = snapshot.definitions.programme.baseline_year
    baseline, _ = trends.against_baseline(report.points, baseline_year, survey, report.pooled)
    substitute = baseline is not None and int(baseline.before.time) != baseline_year
    return {"trend": report.trend, "baseline": baseline, "baseline_substitute": substitute}


def _details(snapshot: Snapshot, indicator: Indicator) -> dict[str, Any]:
    """What the indicator page shows apart from the areas (cached per snapshot)."""
    key = ("indicators", "details", indicator.id)
    if key not in snapshot.memo:
        rows = own_rows(snapshot, indicator)
        table = trend_table(rows, indicator) if not rows.empty else pd.DataFrame()
        report = trends.report_from_values(snapshot.public_values, indicator, snapshot.municipality)
        changes = changes_table(report.changes)
        snapshot.memo[key] = {
            "trend_table": table,
            "has_published": bool(not table.empty and table["gepubliceerd"].notna().any()),
            "trend_rows": rows_of(table),
            "changes": changes,
            "change_rows": rows_of(changes),
            "notes": context_notes(snapshot, indicator, table) if not table.empty else [],
            "missing": missing_reasons(table) if not table.empty else [],
            "comparison": comparison_section(snapshot, indicator),
            "remedy": _remedy(snapshot, indicator),
            **_significance(report, snapshot),
        }
    details: dict[str, Any] = snapshot.memo[key]
    return details


def _charts(snapshot: Snapshot, indicator: Indicator, details: dict[str, Any], lang: str) -> dict[str, Any]:
    """The trend chart and the comparison bars in ``lang``, as JSON for the page (per snapshot)."""
    key = ("indicators", "charts", indicator.id, lang)
    if key not in snapshot.memo:
        table, comparison = details["trend_table"], details["comparison"]
        trend = trend_chart(table, indicator, lang) if not table.empty else None
        bars = comparison_bars(comparison["table"], comparison["peers_table"], indicator, lang)
        snapshot.memo[key] = {
            "trend": script_json(trend) if trend else None,
            "bars": script_json(bars) if bars else None,
        }
    found: dict[str, Any] = snapshot.memo[key]
    return found


def _remedy(snapshot: Snapshot, indicator: Indicator) -> gaps.Remedy | None:
    """What fills the indicator's missing figures, when a figure is missing (``services.gaps``)."""
    row = next((r for r in snapshot.status if r.indicator.id == indicator.id), None)
    return row.remedy if row is not None and row.has_gap else None


def _areas(
    snapshot: Snapshot, indicator: Indicator, wanted: str | None, lang: str, translate: Translate
) -> dict[str, Any]:
    """The area section: year, levels, chosen level, table and map (cached per snapshot)."""
    if wanted is not None and wanted not in LEVELS:
        raise BadRequest(f"Onbekend niveau '{wanted}'.", hint="Kies stadsdeel, wijk of buurt.")
    key = ("indicators", "areas", indicator.id, wanted, lang)
    if key not in snapshot.memo:
        year = area_year(snapshot, indicator)
        levels = area_levels(snapshot, indicator, year) if year is not None else []
        level = wanted or (levels[-1] if levels else None)
        table = area_table(snapshot, indicator, level, year) if year and level in levels else pd.DataFrame()
        spec = area_map(snapshot, table, indicator, lang, translate) if not table.empty else None
        quintiles = not table.empty and table["waarde"].nunique() >= MIN_QUINTILE_AREAS
        missing = [lvl for lvl in LEVELS if lvl not in levels]
        found = [gaps.gap_at(snapshot.memo, snapshot.definitions, indicator.id, lvl) for lvl in missing]
        snapshot.memo[key] = {
            "year": year,
            "levels": levels,
            "gaps": [gap for gap in found if gap is not None],
            "level": level,
            "table": table,
            "rows": rows_of(table),
            "spec": script_json(spec) if spec else None,
            "quintiles": quintiles,
        }
    areas: dict[str, Any] = snapshot.memo[key]
    return areas


@router.get("/indicatoren/{indicator_id}")
def indicator_page(request: Request, indicator_id: str, niveau: str | None = None) -> Response:
    """One indicator for the programme's municipality."""
    snapshot: Snapshot = request.app.state.cache.get()
    indicator = indicator_or_404(snapshot, indicator_id)
    lang = auth.viewer(request).lang
    details = _details(snapshot, indicator)
    areas = _areas(snapshot, indicator, niveau or None, lang, lambda text: i18n.translate(text, lang))
    comparison = details["comparison"]
    programme = snapshot.definitions.programme
    item = next((i for i in programme.indicators if i.id == indicator.id), None)
    return render(
        request,
        "indicators/detail.html",
        words=glossary().pick(
            "per-1000-inwoners",
            "schaalscore",
            "hic",
            "interval",
            "groter-dan-toeval",
            "basisjaar",
            "kleiner-dan-5",
            "weinig-inwoners",
            "haaldelict",
        ),
        title=indicator.text("name", auth.viewer(request).lang),
        stem=f"indicator-{indicator.id}",
        tables={
            "trend": details["trend_table"],
            "veranderingen": downloads.with_decimals(
                details["changes"], indicator.decimals, CHANGE_FIGURES, {"verandering_procent": 1}
            ),
            "gebieden": areas["table"],
            "vergelijking": downloads.with_decimals(comparison["table"], indicator.decimals),
            "peers": downloads.with_decimals(comparison["peers_table"], indicator.decimals),
        },
        indicator=indicator,
        kind_label=KIND_LABELS[indicator.kind],
        details=details,
        areas=areas,
        comparison=comparison,
        specs=_charts(snapshot, indicator, details, lang),
        trend_rows=details["trend_rows"],
        change_rows=details["change_rows"],
        area_rows=areas["rows"],
        theme=programme.theme(item.theme) if item and item.theme else None,
        published=item.published if item else None,
        template_years=default_template_years(snapshot),
        engine_text=lambda text: language.label_in(str(text or ""), lang),
        analyst=auth.viewer(request).allows(Role.ANALIST),
    )


#: Media types of the fill-in template downloads.
TEMPLATE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def default_template_years(snapshot: Snapshot) -> str:
    """The baseline year to the end of the programme: ``2021-2026`` for Maastricht."""
    programme = snapshot.definitions.programme
    return f"{min(programme.baseline_year, programme.period_start)}-{programme.period_end}"


@router.get("/invulsjabloon")
def template_download(
    request: Request,
    indicator: str,
    jaren: str | None = None,
    niveau: str = "gemeente",
    gebied: str | None = None,
    formaat: str = "xlsx",
) -> Response:
    """A fill-in template (``veiligstad template``): codes, names and empty cells, no figures.

    Public: it holds no counts at all, so nothing can be disclosed."""
    snapshot: Snapshot = request.app.state.cache.get()
    found = indicator_or_404(snapshot, indicator)
    if formaat not in TEMPLATE_TYPES:
        raise BadRequest(f"Onbekend formaat '{formaat}'.", hint="Kies csv of xlsx.")
    if len(jaren or "") > 40 or len(gebied or "") > 20:
        raise BadRequest("Ongeldige jaren of gebiedscode.", hint="Bijvoorbeeld jaren=2021-2026.")
    years = templates.parse_years(jaren or default_template_years(snapshot))

    def build() -> templates.Template:
        # what the warehouse holds, kept per data state for the default years only (the ones the
        # pages link to: other ranges would let any visitor grow the memo)
        known = snapshot.memo.setdefault(("templates", "known"), {}) if jaren is None else None
        with warehouses.OnDemand(request.app.state.cache.url) as warehouse:  # opened on a memo miss
            return templates.build(
                warehouse, snapshot.definitions, found.id, years, niveau or None, gebied or None, known
            )

    if jaren is None and not gebied and niveau in templates.LEVELS:
        # What the pages link to (CSV and XLSX of one template): built once per data state.
        key = ("template", found.id, niveau)
        template = memoised(snapshot, key, templates.Template, build)
    else:
        template = build()
    body = templates.render(template, formaat)
    headers = {"Content-Disposition": f'attachment; filename="{template.file_stem}.{formaat}"'}
    return Response(body, media_type=TEMPLATE_TYPES[formaat], headers=headers)
