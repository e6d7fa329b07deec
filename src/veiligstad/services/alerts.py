# SPDX-License-Identifier: EUPL-1.2
"""Alerts: significant changes since a date, from a list of providers.

Each provider takes an ``AlertContext`` and returns ``Alert`` rows. The built-in providers
give significant **year-on-year** changes and significant **CompStat** changes (month,
year to date, rolling 12 months; only where monthly figures exist) for every indicator in
the programme's municipality and its stadsdelen, wijken and buurten, and **new or
intensifying hotspots** from the emerging-hotspot analysis (:mod:`veiligstad.services.emerging`)
wherever an indicator has enough consecutive periods at a level. Another kind of alert is
one more function appended to ``PROVIDERS``.

An alert is listed when its later period ends on or after ``since``. Provisional figures
never raise an alert (they are not tested). With ``fdr=True`` the p-values of all change
tests of one run are corrected for multiple testing (Benjamini–Hochberg) before the 5%
level is applied.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.areas import AreaLevel
from veiligstad.domain.indicators import Direction, Indicator, IndicatorKind
from veiligstad.engine.compstat import compstat
from veiligstad.engine.significance import ALPHA, Signal
from veiligstad.engine.trends import changes
from veiligstad.errors import VeiligstadError
from veiligstad.services import emerging, monitor
from veiligstad.services import trends as trend_service
from veiligstad.services.areas import listing
from veiligstad.storage.warehouse import Warehouse

KIND_CHANGE = "significante verandering"
#: Levels searched for emerging hotspots: all gemeenten of the country (only the programme's
#: municipality raises an alert) and the municipality's own stadsdelen, wijken and buurten.
HOTSPOT_LEVELS = (AreaLevel.GEMEENTE, AreaLevel.STADSDEEL, AreaLevel.WIJK, AreaLevel.BUURT)


@dataclass(frozen=True)
class AlertContext:
    """What providers may use: the warehouse, definitions, values, the areas and the date."""

    warehouse: Warehouse
    definitions: Definitions
    values: pd.DataFrame
    area_codes: list[str]
    area_names: dict[str, str]
    since: dt.date | None
    fdr: bool = False  # providers also return tested, non-significant changes (for the correction)


@dataclass(frozen=True)
class Alert:
    """One alert."""

    kind: str
    source: str
    indicator_id: str
    indicator_name: str
    area_code: str
    area_name: str
    before: str
    after: str
    period_end: dt.date
    signal: Signal
    p_value: float | None
    before_value: float | None
    after_value: float | None
    unit: str
    relative: float | None
    assessment: str
    q_value: float | None = None  # p after the Benjamini–Hochberg correction (``fdr=True``)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "kind": self.kind,
            "source": self.source,
            "indicator": self.indicator_id,
            "indicator_name": self.indicator_name,
            "area": self.area_code,
            "area_name": self.area_name,
            "before": self.before,
            "after": self.after,
            "period_end": self.period_end.isoformat(),
            "signal": self.signal.value,
            "p_value": self.p_value,
            "before_value": self.before_value,
            "after_value": self.after_value,
            "unit": self.unit,
            "relative_change": self.relative,
            "assessment": self.assessment,
            "q_value": self.q_value,
        }


AlertProvider = Callable[[AlertContext], list[Alert]]


def assessment(indicator: Indicator, signal: Signal) -> str:
    """``gunstig`` / ``ongunstig`` for a significant change, given which way is better."""
    if signal not in (Signal.ROSE, Signal.FELL):
        return ""
    better = (signal is Signal.FELL) == (indicator.direction is Direction.LOWER_IS_BETTER)
    return "gunstig" if better else "ongunstig"


def period_end(label: str) -> dt.date:
    """The last day of a year (``2024``) or month (``2024-03``) period.

    >>> period_end("2024"), period_end("2024-02")
    (datetime.date(2024, 12, 31), datetime.date(2024, 2, 29))
    """
    if "-" in label:
        year, month = (int(p) for p in label.split("-")[:2])
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    return dt.date(int(label[:4]), 12, 31)


def _wanted(context: AlertContext, end: dt.date, signal: Signal, p_value: float | None = None) -> bool:
    """Significant and recent enough; with ``fdr`` also every other tested change (it has a p-value)."""
    if context.since is not None and end < context.since:
        return False
    if signal in (Signal.ROSE, Signal.FELL):
        return True
    return context.fdr and signal is Signal.NO_CHANGE and p_value is not None


def year_on_year(context: AlertContext) -> list[Alert]:
    """Significant changes from one known year to the next."""
    out = []
    values = context.values
    values = values[values["area_code"].isin(context.area_codes) & values["period"].str.fullmatch(r"\d{4}")]
    for (indicator_id, area_code), rows in values.groupby(["indicator_id", "area_code"], sort=True):
        indicator = context.definitions.indicator(str(indicator_id))
        if indicator is None:
            continue
        pts = trend_service.points(rows.sort_values("year"))
        for change in changes(pts, survey=indicator.kind is IndicatorKind.SURVEY):
            end = period_end(change.after.label)
            if not _wanted(context, end, change.comparison.signal, change.comparison.p_value):
                continue
            out.append(
                Alert(
                    kind=KIND_CHANGE,
                    source="jaar op jaar",
                    indicator_id=indicator.id,
                    indicator_name=indicator.name,
                    area_code=str(area_code),
                    area_name=context.area_names.get(str(area_code), ""),
                    before=change.before.label,
                    after=change.after.label,
                    period_end=end,
                    signal=change.comparison.signal,
                    p_value=change.comparison.p_value,
                    before_value=change.before.value,
                    after_value=change.after.value,
                    unit=indicator.unit,
                    relative=change.relative,
                    assessment=assessment(indicator, change.comparison.signal),
                )
            )
    return out


def compstat_changes(context: AlertContext) -> list[Alert]:
    """Significant CompStat changes, where monthly figures exist."""
    obs = context.warehouse.current_observations()
    if int(obs.filter(obs.period_type == "maand").count().execute()) == 0:
        return []
    out = []
    for indicator in context.definitions.indicators():
        if indicator.kind is IndicatorKind.SURVEY:
            continue
        population = trend_service.population_by_year(indicator, context.values)
        by_area = trend_service.monthly_by_area(context.warehouse, indicator, context.area_codes, population)
        for area_code, months in sorted(by_area.items()):
            for block in compstat(months).blocks:
                end = period_end(f"{block.current.last[0]}-{block.current.last[1]:02d}")
                if not _wanted(context, end, block.comparison.signal, block.comparison.p_value):
                    continue
                out.append(
                    Alert(
                        kind=KIND_CHANGE,
                        source=f"CompStat: {block.kind}",
                        indicator_id=indicator.id,
                        indicator_name=indicator.name,
                        area_code=area_code,
                        area_name=context.area_names.get(area_code, ""),
                        before=block.previous.label,
                        after=block.current.label,
                        period_end=end,
                        signal=block.comparison.signal,
                        p_value=block.comparison.p_value,
                        before_value=block.previous.count,
                        after_value=block.current.count,
                        unit="aantal",
                        relative=block.relative,
                        assessment=assessment(indicator, block.comparison.signal),
                    )
                )
    return out


def _areas_of(context: AlertContext, level: AreaLevel) -> tuple[dict[str, str], dict[str, str]]:
    """Names and boundaries (GeoJSON) of the areas of a level: all gemeenten, or the programme's own."""
    areas = context.warehouse.areas()
    rows = areas.filter(areas.level == level.value)
    if level is not AreaLevel.GEMEENTE:
        rows = rows.filter(rows.gemeente_code == context.definitions.programme.municipality)
    frame = rows.select("code", "name", "geometry").to_pandas()
    names = {str(c): str(n or "") for c, n in zip(frame["code"], frame["name"], strict=True)}
    shapes = {str(c): str(g) for c, g in zip(frame["code"], frame["geometry"], strict=True) if g is not None}
    return names, shapes


def emerging_hotspot_alerts(context: AlertContext) -> list[Alert]:
    """New and intensifying hotspots, where an indicator has enough consecutive periods at a level.

    Runs the emerging-hotspot analysis (:mod:`veiligstad.services.emerging`) per indicator and
    level; a series that is too short (the embedded data: buurt figures for 2023 only) gives no
    alert and no error. The signal is ``significant gestegen`` (the area's neighbourhood is
    significantly hot in the final period; for intensifying hotspots also increasingly so), the
    p-value that of Gi* in the final period.
    """
    out = []
    by_level = {level: context.values[context.values["level"] == level.value] for level in HOTSPOT_LEVELS}
    for indicator in context.definitions.indicators():
        for level, at_level in by_level.items():
            periods = emerging.steps(at_level, indicator.id, level.value, at_level["area_code"].unique())
            if not emerging.enough_steps(periods) or period_end(periods[-1]) < (context.since or dt.date.min):
                continue
            names, shapes = _areas_of(context, level)
            try:
                analysis = emerging.analyse(context.values, indicator.id, level.value, names, shapes)
            except VeiligstadError:  # e.g. too few areas with a complete series
                continue
            out.extend(_hotspot_alerts(context, indicator, analysis))
    return out


def _hotspot_alerts(
    context: AlertContext, indicator: Indicator, analysis: emerging.EmergingAnalysis
) -> list[Alert]:
    periods = analysis.periods
    rising = analysis.frame[analysis.frame["category"].map(emerging.is_rising)]
    rising = rising[rising["area_code"].isin(context.area_codes)]
    return [
        Alert(
            kind=str(record["category"]),
            source=f"opkomende hotspots per {analysis.level}, {periods[0]}–{periods[-1]}",
            indicator_id=indicator.id,
            indicator_name=indicator.name,
            area_code=str(record["area_code"]),
            area_name=context.area_names.get(str(record["area_code"]), str(record["area_name"])),
            before=periods[-2],
            after=periods[-1],
            period_end=period_end(periods[-1]),
            signal=Signal.ROSE,
            p_value=float(record["p"]),
            before_value=float(record["value_before"]),
            after_value=float(record["value_last"]),
            unit=indicator.unit,
            relative=None,
            assessment=assessment(indicator, Signal.ROSE),
        )
        for record in rising.to_dict(orient="records")
    ]


#: The alert providers, in order: another kind of alert is one more function here.
PROVIDERS: list[AlertProvider] = [year_on_year, compstat_changes, emerging_hotspot_alerts]


def false_discovery(found: list[Alert], alpha: float = ALPHA) -> list[Alert]:
    """Benjamini–Hochberg over the p-values of all change tests in ``found``.

    Change alerts keep only when their corrected p-value (``q_value``) is below ``alpha``;
    other alerts (hotspots) and changes without a p-value pass unchanged.
    """
    tested = [i for i, a in enumerate(found) if a.kind == KIND_CHANGE and a.p_value is not None]
    if not tested:
        return [a for a in found if a.signal in (Signal.ROSE, Signal.FELL)]
    from scipy.stats import false_discovery_control  # scipy.stats costs seconds at start-up

    q = false_discovery_control([float(found[i].p_value or 0.0) for i in tested], method="bh")
    adjusted = {i: float(value) for i, value in zip(tested, q, strict=True)}
    kept = []
    for index, alert in enumerate(found):
        if index in adjusted:
            alert = replace(alert, q_value=adjusted[index])
            if not (adjusted[index] < alpha and alert.signal in (Signal.ROSE, Signal.FELL)):
                continue
        elif alert.signal not in (Signal.ROSE, Signal.FELL):
            continue
        kept.append(alert)
    return kept


def alerts(
    warehouse: Warehouse,
    definitions: Definitions,
    since: dt.date | None = None,
    providers: list[AlertProvider] | None = None,
    values: pd.DataFrame | None = None,
    fdr: bool = False,
) -> list[Alert]:
    """All alerts for the programme's municipality and its areas, newest first.

    With ``fdr`` the change tests of this run (everything since ``since``) are corrected for
    multiple testing (:func:`false_discovery`).
    """
    municipality = definitions.programme.municipality
    areas = listing(warehouse, municipality)
    if values is None:
        values = monitor.indicator_values(warehouse, definitions)
    context = AlertContext(
        warehouse=warehouse,
        definitions=definitions,
        values=values,
        area_codes=[str(c) for c in areas["code"]],
        area_names={str(c): str(n or "") for c, n in zip(areas["code"], areas["name"], strict=True)},
        since=since,
        fdr=fdr,
    )
    chosen = PROVIDERS if providers is None else providers
    found = [alert for provider in chosen for alert in provider(context)]
    if fdr:
        found = false_discovery(found)
    return sorted(found, key=lambda a: (-a.period_end.toordinal(), a.indicator_id, a.area_code, a.source))
