# SPDX-License-Identifier: EUPL-1.2
"""The status of a programme indicator: baseline, latest value, significance and verdict.

A change is never given as a bare percentage: ``significance`` carries the label of the test
(exact Poisson test on counts, z-test on survey margins) and ``verdict`` says whether that is
an improvement, given which way is better for the indicator.
"""

from __future__ import annotations

from pydantic import Field

from veiligstad.domain.indicators import Direction
from veiligstad.engine.significance import Signal
from veiligstad.services import monitor
from veiligstad.web.api.responses import Resource, number, path, text

#: Confidence level of every interval the API gives.
CONFIDENCE = 0.95


class Interval(Resource):
    """A 95% interval: exact Poisson for counts and rates, the published margin for surveys."""

    lower: float
    upper: float
    confidence: float = Field(description="Betrouwbaarheid van het interval: 0,95.")


class Measurement(Resource):
    """A value of one year and where it comes from."""

    year: int
    value: float | None
    source: str = Field(description="`berekend` (uit de brongegevens) of `gepubliceerd` (uit het programma).")


class Computed(Resource):
    """The newest value computed from the source data, with its interval."""

    year: int
    value: float | None
    interval: Interval | None


class Significance(Resource):
    """Whether the change from baseline to latest is more than chance."""

    label: Signal
    p_value: float | None
    method: str | None
    reason: str | None = Field(description="Waarom geen toets mogelijk was.")
    phi: str | None = Field(
        default=None,
        description="Bij tellingen: de spreidingsfactor φ (variantie = φ × gemiddelde) en waar die "
        "vandaan komt.",
    )


class IndicatorLinks(Resource):
    """The indicator's definition and its values."""

    self: str
    values: str


class IndicatorStatus(Resource):
    """One programme indicator in the programme status."""

    indicator_id: str
    name: str
    unit: str
    direction: Direction
    haaldelict: bool = Field(description="Een stijging kan meer handhaving betekenen, niet meer delicten.")
    theme_id: str | None = Field(description="`null`: contextindicator zonder thema.")
    baseline: Measurement | None
    latest: Measurement | None
    computed: Computed | None
    significance: Significance
    verdict: str = Field(
        description="`verbeterd`, `verslechterd`, of het significantielabel als er geen significante "
        "verandering is of te weinig gegevens."
    )
    note: str | None
    reason: str | None = Field(description="Waarom er geen berekende waarde is.")
    remedy: str | None = Field(
        default=None,
        description="Waar een cijfer ontbreekt (geen berekende waarde of niets nieuwers dan het "
        "basisjaar): wat het aanvult, in gewone taal zonder commando's.",
    )
    published_unit: str | None = Field(description="Eenheid in het programma als die afwijkt.")
    links: IndicatorLinks


def interval(low: object, high: object) -> Interval | None:
    """The interval, or None when a bound is missing (or withheld)."""
    lower, upper = number(low), number(high)
    if lower is None or upper is None:
        return None
    return Interval(lower=lower, upper=upper, confidence=CONFIDENCE)


def indicator_links(indicator_id: str) -> IndicatorLinks:
    """Links of an indicator."""
    return IndicatorLinks(
        self=path("indicatoren", indicator_id), values=path("indicatoren", indicator_id, "waarden")
    )


def _measurement(year: int | None, value: float | None, source: str) -> Measurement | None:
    return None if year is None else Measurement(year=year, value=number(value), source=source)


def indicator_status(row: monitor.StatusRow) -> IndicatorStatus:
    """The API form of one status row (computed from the public values)."""
    comparison = row.comparison
    significance = (
        Significance(
            label=comparison.signal,
            p_value=number(comparison.p_value),
            method=text(comparison.method),
            reason=text(comparison.reason),
            phi=text(comparison.phi_text),
        )
        if comparison is not None
        else Significance(
            label=Signal.TOO_LITTLE, p_value=None, method=None, reason="geen vergelijking mogelijk"
        )
    )
    computed = (
        None
        if row.computed_year is None
        else Computed(
            year=row.computed_year,
            value=number(row.computed_value),
            interval=interval(row.computed_low, row.computed_high),
        )
    )
    indicator = row.indicator
    return IndicatorStatus(
        indicator_id=indicator.id,
        name=indicator.name,
        unit=indicator.unit,
        direction=indicator.direction,
        haaldelict=indicator.haaldelict,
        theme_id=row.theme_id,
        baseline=_measurement(row.baseline_year, row.baseline_value, row.baseline_source),
        latest=_measurement(row.latest_year, row.latest_value, row.latest_source),
        computed=computed,
        significance=significance,
        verdict=monitor.verdict(indicator, comparison),
        note=text(row.note),
        reason=text(row.reason),
        remedy=row.remedy.public() if row.remedy is not None and row.has_gap else None,
        published_unit=text(row.published_unit),
        links=indicator_links(indicator.id),
    )
