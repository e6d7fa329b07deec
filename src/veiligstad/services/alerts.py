# SPDX-License-Identifier: EUPL-1.2
"""Alerts: significant changes since a date, from a list of providers.

Each provider takes an ``AlertContext`` and returns ``Alert`` rows. The built-in providers
give significant **year-on-year** changes and significant **CompStat** changes (month,
year to date, rolling 12 months; only where monthly figures exist) for every indicator in
the programme's municipality and its stadsdelen, wijken and buurten, and **new or
intensifying hotspots** from the emerging-hotspot analysis (:mod:`veiligstad.services.emerging`)
wherever an indicator has enough consecutive periods at a level. Another kind of alert is
one more function appended to ``PROVIDERS``.

Change tests of counts allow for overdispersion (quasi-Poisson with φ from the series'
other years or pooled over comparable areas, see ``engine.dispersion``); provisional figures
and changes across a boundary break are not tested and never raise an alert.

**Multiple testing (by default).** Every run tests many changes, so the p-values are
corrected with Benjamini–Hochberg (1995) before the 5% level is applied (false discovery
rate 5%). The *family* of a test is fixed and does not depend on ``since``: all tested
changes — every indicator × every area of the municipality × every comparison (year on
year, the three CompStat windows) — whose later period ends on the same day. For the latest
complete year that is "all indicators × areas × comparisons of the latest complete period";
older periods form their own families the same way. ``since`` only filters what is listed
*after* the correction. ``fdr=False`` (CLI ``--no-fdr``) gives the raw list: every change
with p < 0,05. Hotspot alerts carry their own (spatial) correction and pass unchanged.
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
from veiligstad.engine import dispersion as disp
from veiligstad.engine.compstat import compstat
from veiligstad.engine.significance import ALPHA, Comparison, Signal
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
    since: dt.date | None  # providers may skip work that ends before it; the listing filters anyway
    pool: monitor.DispersionPool | None = None  # pooled φ of comparable areas (made from values if None)

    def dispersion_pool(self) -> monitor.DispersionPool:
        """The pool of comparable areas' φ (one per run)."""
        if self.pool is None:
            object.__setattr__(self, "pool", monitor.DispersionPool(self.values))
        assert self.pool is not None
        return self.pool


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
    family: int | None = None  # number of tests in its Benjamini–Hochberg family
    method: str = ""  # the test, in Dutch
    phi: str = ""  # the dispersion used, e.g. "φ = 7,5 (gepoold: mediaan van 266 gemeenten ...)"

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
            "family": self.family,
            "method": self.method,
            "phi": self.phi,
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


def _tested(comparison: Comparison) -> bool:
    """A change that was tested (it has a p-value): a member of its family, significant or not."""
    return comparison.p_value is not None and comparison.signal is not Signal.TOO_LITTLE


def year_on_year(context: AlertContext) -> list[Alert]:
    """Every tested change from one known year to the next (the listing keeps the significant ones)."""
    out = []
    values = context.values
    values = values[values["area_code"].isin(context.area_codes) & values["period"].str.fullmatch(r"\d{4}")]
    for (indicator_id, area_code), rows in values.groupby(["indicator_id", "area_code"], sort=True):
        indicator = context.definitions.indicator(str(indicator_id))
        if indicator is None:
            continue
        pts = trend_service.points(rows.sort_values("year"))
        survey = indicator.kind is IndicatorKind.SURVEY
        pooled = None
        if not survey and trend_service.needs_pool(pts):
            pooled = context.dispersion_pool().for_area(indicator.id, str(area_code))
        for change in changes(pts, survey=survey, pooled=pooled):
            end = period_end(change.after.label)
            if not _tested(change.comparison):
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
                    method=change.comparison.method,
                    phi=change.comparison.phi_text,
                )
            )
    return out


def _yearly_dispersion(context: AlertContext, indicator: Indicator, area_code: str) -> disp.Dispersion:
    """φ of the area's yearly series (own, else pooled), for its CompStat windows."""
    values = context.values
    rows = values[
        (values["indicator_id"] == indicator.id)
        & (values["area_code"] == area_code)
        & values["period"].str.fullmatch(r"\d{4}")
    ]
    pts = trend_service.points(rows.sort_values("year"))
    pooled = (
        context.dispersion_pool().for_area(indicator.id, area_code) if trend_service.needs_pool(pts) else None
    )
    return trend_service.series_phi(pts, pooled, indicator) or disp.POISSON


def compstat_changes(context: AlertContext) -> list[Alert]:
    """Every tested CompStat change, where monthly figures exist."""
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
            dispersion = _yearly_dispersion(context, indicator, area_code)
            for block in compstat(months, dispersion).blocks:
                end = period_end(f"{block.current.last[0]}-{block.current.last[1]:02d}")
                if not _tested(block.comparison):
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
                        method=block.comparison.method,
                        phi=block.comparison.phi_text,
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


def _significant(alert: Alert) -> bool:
    return alert.signal in (Signal.ROSE, Signal.FELL)


def raw(found: list[Alert], alpha: float = ALPHA) -> list[Alert]:
    """Without correction: every change with p < ``alpha`` (and every hotspot alert)."""
    return [
        a
        for a in found
        if _significant(a) and (a.kind != KIND_CHANGE or (a.p_value is not None and a.p_value < alpha))
    ]


def false_discovery(found: list[Alert], alpha: float = ALPHA) -> list[Alert]:
    """Benjamini–Hochberg per family: the change tests in ``found`` whose later period ends
    on the same day (every indicator × area × comparison of that period).

    Change alerts are kept only when their corrected p-value (``q_value``) is below ``alpha``;
    other alerts (hotspots) pass unchanged, changes without a p-value are dropped.
    """
    families: dict[dt.date, list[int]] = {}
    for index, alert in enumerate(found):
        if alert.kind == KIND_CHANGE and alert.p_value is not None:
            families.setdefault(alert.period_end, []).append(index)
    adjusted: dict[int, tuple[float, int]] = {}
    if families:
        from scipy.stats import false_discovery_control  # scipy.stats costs seconds at start-up

        for members in families.values():
            q = false_discovery_control([float(found[i].p_value or 0.0) for i in members], method="bh")
            adjusted.update({i: (float(v), len(members)) for i, v in zip(members, q, strict=True)})
    kept = []
    for index, alert in enumerate(found):
        if index in adjusted:
            q_value, size = adjusted[index]
            alert = replace(alert, q_value=q_value, family=size)
            if not (q_value < alpha and _significant(alert)):
                continue
        elif alert.kind == KIND_CHANGE or not _significant(alert):
            continue
        kept.append(alert)
    return kept


def alerts(
    warehouse: Warehouse,
    definitions: Definitions,
    since: dt.date | None = None,
    providers: list[AlertProvider] | None = None,
    values: pd.DataFrame | None = None,
    fdr: bool = True,
) -> list[Alert]:
    """All alerts for the programme's municipality and its areas, newest first.

    By default (``fdr``) the change tests are corrected for multiple testing per fixed family
    (:func:`false_discovery`: every indicator × area × comparison ending on the same day),
    computed over *all* periods; ``since`` only filters the corrected list. ``fdr=False``
    gives the raw list (:func:`raw`).
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
        pool=monitor.DispersionPool(values),
    )
    chosen = PROVIDERS if providers is None else providers
    found = [alert for provider in chosen for alert in provider(context)]
    found = false_discovery(found) if fdr else raw(found)
    found = [a for a in found if since is None or a.period_end >= since]
    return sorted(found, key=lambda a: (-a.period_end.toordinal(), a.indicator_id, a.area_code, a.source))
