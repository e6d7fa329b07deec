# SPDX-License-Identifier: EUPL-1.2
"""Trend report for one indicator and area: the series, Mann–Kendall with Sen's slope,
year-on-year signals and, where monthly figures exist, the CompStat windows."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.areas import NETHERLANDS, AreaLevel
from veiligstad.domain.indicators import Indicator, IndicatorKind
from veiligstad.domain.periods import PeriodType
from veiligstad.engine.compstat import CompStat, Month, compstat
from veiligstad.engine.compute import expand_levels
from veiligstad.engine.trends import (
    AreaComparison,
    Change,
    Point,
    Trend,
    changes,
    compare_points,
    compare_with_parent,
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


def _float(value: object) -> float | None:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return None
    return float(value)  # type: ignore[arg-type]


def points(rows: pd.DataFrame) -> list[Point]:
    """The yearly values of a series as points for the tests."""
    out = []
    for _, row in rows.iterrows():
        out.append(
            Point(
                time=float(row["year"]),
                label=str(row["period"]),
                value=_float(row["value"]),
                numerator=_float(row["numerator"]),
                denominator=_float(row["denominator"]),
                low=_float(row["ci_low"]),
                high=_float(row["ci_high"]),
                provisional=bool(row["provisional"]) if not pd.isna(row["provisional"]) else False,
            )
        )
    return out


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


def report_from_values(values: pd.DataFrame, indicator: Indicator, area_code: str) -> TrendReport:
    """The yearly part of the report (series, trend, year on year)."""
    rows = monitor.series(values, indicator.id, area_code)
    rows = rows[rows["period"].str.fullmatch(r"\d{4}")].reset_index(drop=True)
    pts = points(rows)
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
        changes=changes(pts, survey=indicator.kind is IndicatorKind.SURVEY),
        notes=notes,
    )


def versus_parent(
    values: pd.DataFrame, indicator: Indicator, area_code: str, parent_code: str
) -> AreaComparison | None:
    """The area against the rest of its parent in the latest year both have a final value."""
    own = {p.label: p for p in points(monitor.series(values, indicator.id, area_code))}
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
    return compare_with_parent(own[common[-1]], parent[common[-1]], survey, per)


def against_baseline(pts: list[Point], baseline_year: int, survey: bool) -> tuple[Change | None, str]:
    """The latest final value against the MJP baseline year (or the nearest earlier year)."""
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
    change = Change(
        before, after, after.value - before.value, relative, compare_points(before, after, survey)
    )
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
    result = compstat(months) if months else None
    survey = indicator.kind is IndicatorKind.SURVEY
    baseline, note = against_baseline(report.points, definitions.programme.baseline_year, survey)
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
