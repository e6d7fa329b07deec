# SPDX-License-Identifier: EUPL-1.2
"""Alerts: significant changes since a date, from a list of providers.

Each provider takes an ``AlertContext`` and returns ``Alert`` rows. The built-in providers
give significant **year-on-year** changes and significant **CompStat** changes (month,
year to date, rolling 12 months; only where monthly figures exist) for every indicator in
the programme's municipality and its stadsdelen, wijken and buurten. New or intensifying
hotspots plug in as one more provider: append a function to ``PROVIDERS``.

An alert is listed when its later period ends on or after ``since``. Provisional figures
never raise an alert (they are not tested).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.indicators import Direction, Indicator, IndicatorKind
from veiligstad.engine.compstat import compstat
from veiligstad.engine.significance import Signal
from veiligstad.engine.trends import changes
from veiligstad.services import monitor
from veiligstad.services import trends as trend_service
from veiligstad.services.areas import listing
from veiligstad.storage.warehouse import Warehouse

KIND_CHANGE = "significante verandering"


@dataclass(frozen=True)
class AlertContext:
    """What providers may use: the warehouse, definitions, values, the areas and the date."""

    warehouse: Warehouse
    definitions: Definitions
    values: pd.DataFrame
    area_codes: list[str]
    area_names: dict[str, str]
    since: dt.date | None


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


def _wanted(context: AlertContext, end: dt.date, signal: Signal) -> bool:
    return signal in (Signal.ROSE, Signal.FELL) and (context.since is None or end >= context.since)


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
            if not _wanted(context, end, change.comparison.signal):
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
                if not _wanted(context, end, block.comparison.signal):
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


#: The alert providers, in order. Hotspot alerts are added here as one more function.
PROVIDERS: list[AlertProvider] = [year_on_year, compstat_changes]


def alerts(
    warehouse: Warehouse,
    definitions: Definitions,
    since: dt.date | None = None,
    providers: list[AlertProvider] | None = None,
    values: pd.DataFrame | None = None,
) -> list[Alert]:
    """All alerts for the programme's municipality and its areas, newest first."""
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
    )
    chosen = PROVIDERS if providers is None else providers
    found = [alert for provider in chosen for alert in provider(context)]
    return sorted(found, key=lambda a: (-a.period_end.toordinal(), a.indicator_id, a.area_code, a.source))
