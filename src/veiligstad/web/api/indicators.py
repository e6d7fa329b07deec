# SPDX-License-Identifier: EUPL-1.2
"""``/indicatoren``: the indicator definitions in force (catalogue plus the programme's own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import Field

from veiligstad.domain.indicators import Direction, Indicator, IndicatorKind
from veiligstad.domain.programme import NO_MEASUREMENT
from veiligstad.errors import NotFound
from veiligstad.services.snapshot import Snapshot, level_order
from veiligstad.web.api.parameters import ID_PATTERN, CurrentSnapshot, examples
from veiligstad.web.api.responses import Resource, SelfLink, path, responses
from veiligstad.web.api.status import IndicatorLinks, indicator_links

router = APIRouter(tags=["indicatoren"])

IndicatorIdPath = Annotated[
    str,
    Path(
        pattern=ID_PATTERN, openapi_examples=examples("misdrijven-totaal"), description="Id van de indicator."
    ),
]


class IndicatorSummary(Resource):
    """An indicator: what it measures and in which unit."""

    id: str
    name: str
    name_en: str
    kind: IndicatorKind = Field(description="`rate` (per N inwoners), `count` of `survey`.")
    unit: str
    direction: Direction
    haaldelict: bool
    theme_id: str | None = Field(description="Thema in het programma; `null` buiten een thema.")
    in_programme: bool
    links: IndicatorLinks


class IndicatorList(Resource):
    """Every indicator in force."""

    items: list[IndicatorSummary]
    links: SelfLink


class PublishedValue(Resource):
    """A value the programme document publishes."""

    year: int
    value: float | None = Field(description="`null` bij `geen meting`.")
    status: str = Field(description="`gemeten` of `geen meting` (GM: geen enquête in dat jaar).")


class PublishedSeries(Resource):
    """The programme's published values of this indicator."""

    source: str
    unit: str
    note: str | None
    values: list[PublishedValue]


class IndicatorDetail(IndicatorSummary):
    """The full definition, the programme's published values and which data exist."""

    description: str
    numerator: list[str] = Field(description="Maten die samen de teller vormen (codes van de bron).")
    fallback_numerator: list[str]
    denominator: str | None
    per: int | None
    denominator_tolerance_years: int
    margin_lower: str | None
    margin_upper: str | None
    decimals: int
    source: str
    definition_source: str | None
    notes: str | None
    published: PublishedSeries | None
    periods: list[str] = Field(description="Perioden waarvoor waarden bestaan.")
    levels: list[str] = Field(description="Gebiedsniveaus waarvoor waarden bestaan.")


def find(snapshot: Snapshot, indicator_id: str) -> Indicator:
    """The definition, or a 404 problem naming the known ids."""
    indicator = snapshot.indicator(indicator_id)
    if indicator is None:
        known = ", ".join(i.id for i in snapshot.definitions.indicators())
        raise NotFound(f"Onbekende indicator '{indicator_id}'. Bekende indicatoren: {known}.")
    return indicator


def _summary(snapshot: Snapshot, indicator: Indicator) -> IndicatorSummary:
    item = next((i for i in snapshot.definitions.programme.indicators if i.id == indicator.id), None)
    return IndicatorSummary(
        id=indicator.id,
        name=indicator.name,
        name_en=indicator.name_en,
        kind=indicator.kind,
        unit=indicator.unit,
        direction=indicator.direction,
        haaldelict=indicator.haaldelict,
        theme_id=item.theme if item is not None else None,
        in_programme=item is not None,
        links=indicator_links(indicator.id),
    )


def _published(snapshot: Snapshot, indicator_id: str) -> PublishedSeries | None:
    item = next((i for i in snapshot.definitions.programme.indicators if i.id == indicator_id), None)
    if item is None or item.published is None:
        return None
    series = item.published
    values = [
        PublishedValue(
            year=year,
            value=None if isinstance(value, str) else float(value),
            status="geen meting" if value == NO_MEASUREMENT else "gemeten",
        )
        for year, value in sorted(series.values.items())
    ]
    return PublishedSeries(source=series.source, unit=series.unit, note=series.note or None, values=values)


@router.get("/indicatoren", responses=responses(), summary="Alle indicatoren")
def list_indicators(snapshot: CurrentSnapshot) -> IndicatorList:
    """Every indicator in force, with its theme in the programme."""
    items = [_summary(snapshot, indicator) for indicator in snapshot.definitions.indicators()]
    return IndicatorList(items=items, links=SelfLink(self=path("indicatoren")))


@router.get("/indicatoren/{id}", responses=responses(), summary="Definitie van een indicator")
def get_indicator(id: IndicatorIdPath, snapshot: CurrentSnapshot) -> IndicatorDetail:
    """The definition: numerator, denominator, unit, source and the periods with values."""
    indicator = find(snapshot, id)
    values = snapshot.public_values
    own = values[values["indicator_id"] == indicator.id]
    return IndicatorDetail(
        **_summary(snapshot, indicator).model_dump(),
        description=indicator.description,
        numerator=list(indicator.numerator),
        fallback_numerator=list(indicator.fallback_numerator),
        denominator=indicator.denominator,
        per=indicator.per,
        denominator_tolerance_years=indicator.denominator_tolerance_years,
        margin_lower=indicator.margin_lower,
        margin_upper=indicator.margin_upper,
        decimals=indicator.decimals,
        source=indicator.source,
        definition_source=indicator.definition_source or None,
        notes=indicator.notes or None,
        published=_published(snapshot, indicator.id),
        periods=sorted({str(p) for p in own["period"]}),
        levels=sorted({str(lvl) for lvl in own["level"].dropna()}, key=level_order),
    )
