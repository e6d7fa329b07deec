# SPDX-License-Identifier: EUPL-1.2
"""Trend report for one indicator and area: the series, Mann–Kendall with Sen's slope,
year-on-year signals and, where monthly figures exist, the CompStat windows.

Counts are tested with their dispersion φ (``engine.dispersion``): for a change, from the
series' other years after its latest boundary break where there are at least five, else the
median φ of the areas of the same level for the same indicator
(:class:`veiligstad.services.monitor.DispersionPool`), never below 1. The area against its
parent uses funnel limits with overdispersion over its sibling areas (``engine.funnel``).
Boundary breaks come from the ``territory_break`` column of the values, where it exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.areas import NETHERLANDS, AreaLevel
from veiligstad.domain.indicators import Indicator, IndicatorKind
from veiligstad.domain.periods import PeriodType
from veiligstad.engine import dispersion as disp
from veiligstad.engine.compstat import CompStat, Month, compstat
from veiligstad.engine.compute import expand_levels
from veiligstad.engine.trends import (
    AreaComparison,
    Change,
    Point,
    Trend,
    change_dispersion,
    changes,
    compare_across,
    compare_with_parent,
    segment,
    series_dispersion,
    trend,
)
from veiligstad.errors import NotFound
from veiligstad.services import monitor
from veiligstad.services.areas import find
from veiligstad.storage.warehouse import Warehouse


@dataclass(frozen=True)
class TrendReport:
    """Everything `veiligstad trends` shows for one indicator and area."""

    indicator: Indicator
    area_code: str
    rows: pd.DataFrame
    points: list[Point]
    trend: Trend
    changes: list[Change]
    compstat: CompStat | None = None
    notes: list[str] = field(default_factory=list)
    versus: AreaComparison | None = None
    parent_code: str = ""
    baseline: Change | None = None
    baseline_note: str = ""
    dispersion: disp.Dispersion | None = None  # φ of the whole series (shown); each change has its own
    pooled: disp.Dispersion | None = None  # the pooled φ used where the series is too short


def points(rows: pd.DataFrame) -> list[Point]:
    """The yearly values of a series as points for the tests (``monitor.series_points``)."""
    return monitor.series_points(rows)


def needs_pool(pts: list[Point]) -> bool:
    """Whether the series needs the pooled φ: some stretch on one territory (between boundary
    breaks) has fewer than ``MIN_YEARS`` counts, so a change there has no φ of its own
    (``engine.trends.change_dispersion``)."""
    for at in {p.time for p in pts}:
        usable = [p for p in segment(pts, at) if not p.provisional and p.numerator is not None]
        if len(usable) < disp.MIN_YEARS:
            return True
    return False


def series_phi(
    pts: list[Point], pooled: disp.Dispersion | None, indicator: Indicator
) -> disp.Dispersion | None:
    """The φ shown for a series: its own (all final years after the break), else the pool."""
    if indicator.kind is IndicatorKind.SURVEY:
        return None
    return disp.choose(series_dispersion(pts), pooled)


def indicator_or_raise(definitions: Definitions, indicator_id: str) -> Indicator:
    """The definition, or NotFound naming the known ones."""
    indicator = definitions.indicator(indicator_id)
    if indicator is None:
        known = ", ".join(i.id for i in definitions.indicators())
        raise NotFound(f"Onbekende indicator '{indicator_id}'.", hint=f"Bekende indicatoren: {known}")
    return indicator


def monthly_by_area(
    warehouse: Warehouse,
    indicator: Indicator,
    area_codes: list[str],
    population: dict[tuple[str, int], float] | None = None,
) -> dict[str, list[Month]]:
    """Monthly counts of the indicator's numerator for the areas (summed from buurten where
    needed), in one query; ``population`` maps (area, year) to the population on 1 January."""
    if indicator.kind is IndicatorKind.SURVEY:
        return {}
    obs = warehouse.current_observations()
    for measures in (indicator.numerator, indicator.fallback_numerator):
        if not measures:
            continue
        found = obs.filter((obs.period_type == PeriodType.MONTH.value) & obs.measure.isin(list(measures)))
        if int(found.count().execute()) == 0:
            continue
        expanded = expand_levels(found, warehouse.areas(), list(measures))
        own = expanded.filter(expanded.area_code.isin(area_codes)).to_pyarrow().to_pandas()
        if own.empty:
            continue
        grouped = own.groupby(["area_code", "period"]).agg(
            total=("value", "sum"),
            known=("value", "count"),
            provisional=("provisional", "any"),
        )
        out: dict[str, list[Month]] = {}
        for (area_code, period), row in grouped.iterrows():
            year, month = (int(part) for part in str(period).split("-"))
            complete = int(row["known"]) == len(measures)
            pop = (population or {}).get((str(area_code), year))
            total = float(row["total"]) if complete else None
            month_row = Month(year, month, total, pop, bool(row["provisional"]))
            out.setdefault(str(area_code), []).append(month_row)
        return {code: sorted(months, key=lambda m: m.key) for code, months in out.items()}
    return {}


def population_by_year(indicator: Indicator, rows: pd.DataFrame) -> dict[tuple[str, int], float]:
    """(area, year) -> the rate's denominator (population on 1 January), where known."""
    if indicator.kind is not IndicatorKind.RATE:
        return {}
    known = rows[rows["denominator"].notna() & (rows["indicator_id"] == indicator.id)]
    return {
        (str(a), int(y)): float(d)
        for a, y, d in zip(known["area_code"], known["year"], known["denominator"], strict=True)
    }


def monthly(warehouse: Warehouse, indicator: Indicator, area_code: str, rows: pd.DataFrame) -> list[Month]:
    """Monthly counts for one area (see ``monthly_by_area``)."""
    found = monthly_by_area(warehouse, indicator, [area_code], population_by_year(indicator, rows))
    return found.get(area_code, [])


def report_from_values(
    values: pd.DataFrame, indicator: Indicator, area_code: str, pool: monitor.DispersionPool | None = None
) -> TrendReport:
    """The yearly part of the report (series, trend, year on year, φ).

    ``pool`` gives the pooled φ of comparable areas (made from ``values`` when not given, and
    only computed when the series is too short for its own φ).
    """
    rows = monitor.series(values, indicator.id, area_code)
    rows = rows[rows["period"].str.fullmatch(r"\d{4}")].reset_index(drop=True)
    pts = points(rows)
    survey = indicator.kind is IndicatorKind.SURVEY
    pooled = None
    if not survey and needs_pool(pts):
        pooled = (pool or monitor.DispersionPool(values)).for_area(indicator.id, area_code)
    notes = []
    if any(p.provisional for p in pts):
        notes.append("Voorlopige jaren (onvolledige maanden) zijn niet meegenomen in de trendtoets.")
    if indicator.haaldelict:
        notes.append("Haaldelict: een stijging kan op meer handhaving wijzen, niet op meer criminaliteit.")
    return TrendReport(
        indicator=indicator,
        area_code=area_code,
        rows=rows,
        points=pts,
        trend=trend(pts),
        changes=changes(pts, survey=survey, pooled=pooled),
        notes=notes,
        dispersion=series_phi(pts, pooled, indicator),
        pooled=pooled,
    )


def versus_parent(
    values: pd.DataFrame, indicator: Indicator, area_code: str, parent_code: str
) -> AreaComparison | None:
    """The area against its parent in the latest year both have a final value: funnel limits
    with overdispersion over the areas of the same level in the parent (all gemeenten when
    the parent is the country), else the quasi-Poisson test against the rest of the parent."""
    own_points = points(monitor.series(values, indicator.id, area_code))
    own = {p.label: p for p in own_points}
    parent = {p.label: p for p in points(monitor.series(values, indicator.id, parent_code))}
    common = sorted(
        label
        for label in own.keys() & parent.keys()
        if label.isdigit()
        and own[label].value is not None
        and parent[label].value is not None
        and not (own[label].provisional or parent[label].provisional)
    )
    if not common:
        return None
    per = float(indicator.per or 1)
    survey = indicator.kind is IndicatorKind.SURVEY
    label = common[-1]
    if survey:
        return compare_with_parent(own[label], parent[label], survey, per)
    level, siblings = _siblings(values, indicator, area_code, parent_code, label)
    where = "Nederland" if parent_code == NETHERLANDS else parent_code
    what = f"{monitor.LEVEL_PLURALS.get(level, level)} in {where}"
    fallback = disp.choose(series_dispersion(own_points), None)
    return compare_with_parent(
        own[label], parent[label], survey, per, siblings=siblings, dispersion=fallback, what=what
    )


def _siblings(
    values: pd.DataFrame, indicator: Indicator, area_code: str, parent_code: str, label: str
) -> tuple[str, list[Point]]:
    """The level of the area and the points of all areas of that level in the parent, same period."""
    rows = values[(values["indicator_id"] == indicator.id) & (values["period"] == label)]
    own = rows[rows["area_code"] == area_code]
    if own.empty:
        return "", []
    level = str(own["level"].iloc[0])
    same = rows[rows["level"] == level]
    if parent_code != NETHERLANDS:
        number = parent_code[2:6]
        same = same[same["area_code"].astype(str).str[2:6] == number]
    same = same.sort_values("area_code")
    return level, points(same)


def against_baseline(
    pts: list[Point], baseline_year: int, survey: bool, pooled: disp.Dispersion | None = None
) -> tuple[Change | None, str]:
    """The latest final value against the MJP baseline year (or the nearest earlier year).

    Counts: φ from the series' other years, else ``pooled``, else φ = 1 (said so); across a
    boundary break: "te weinig gegevens"."""
    final = [p for p in pts if p.value is not None and not p.provisional]
    base = [p for p in final if int(p.time) == baseline_year]
    note = ""
    if not base:
        base = [p for p in final if int(p.time) < baseline_year][-1:]
        if base:
            note = f"basisjaar {baseline_year} ontbreekt; {base[0].label} gebruikt"
    if not base or not final or final[-1].time <= base[0].time:
        return None, ""
    before, after = base[0], final[-1]
    assert before.value is not None and after.value is not None
    relative = (after.value - before.value) / before.value if before.value else None
    dispersion = disp.POISSON if survey else change_dispersion(pts, before, after, pooled)
    cmp = compare_across(pts, before, after, survey, dispersion)
    change = Change(before, after, after.value - before.value, relative, cmp)
    return change, note


def trend_report(
    warehouse: Warehouse, definitions: Definitions, indicator_id: str, area_code: str
) -> TrendReport:
    """The full report for one indicator and area."""
    indicator = indicator_or_raise(definitions, indicator_id)
    values = monitor.indicator_values(warehouse, definitions, only=indicator_id)
    report = report_from_values(values, indicator, area_code)
    area = find(warehouse, area_code)
    parent_code = NETHERLANDS if area.level is AreaLevel.GEMEENTE else (area.gemeente_code or "")
    versus = versus_parent(values, indicator, area_code, parent_code) if parent_code else None
    months = monthly(warehouse, indicator, area_code, report.rows)
    yearly = report.dispersion or disp.POISSON
    result = compstat(months, yearly) if months else None
    survey = indicator.kind is IndicatorKind.SURVEY
    baseline, note = against_baseline(
        report.points, definitions.programme.baseline_year, survey, report.pooled
    )
    return TrendReport(
        **{
            **report.__dict__,
            "compstat": result,
            "versus": versus,
            "parent_code": parent_code,
            "baseline": baseline,
            "baseline_note": note,
        }
    )
