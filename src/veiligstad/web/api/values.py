# SPDX-License-Identifier: EUPL-1.2
"""``/indicatoren/{id}/waarden``: an indicator's values per area and period, with provenance.

Public figures only: where a count is below the disclosure threshold the row says
``suppressed: true``, ``suppression: "primair"`` and ``disclosure: "< 5"``, and ``value``,
``numerator``, ``interval``, the published value and the difference with it are ``null``.
A larger count withheld so that a small one cannot be worked out from the totals (the wijk
minus its other buurten) says ``suppression: "secundair"`` and ``disclosure: "afgeschermd"``,
with the same fields ``null``. A missing value is never 0:
``reason`` and ``reason_text`` say why it is missing, and ``remedy`` (programme indicators)
why the level has no figure and what fills it, in plain Dutch without commands
(:mod:`veiligstad.services.gaps`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from veiligstad.domain.areas import AreaLevel
from veiligstad.domain.indicators import Indicator
from veiligstad.services import gaps, monitor
from veiligstad.services.snapshot import Snapshot, level_order
from veiligstad.web.api import areas, indicators, provenance
from veiligstad.web.api.memo import memoised
from veiligstad.web.api.pagination import Page, PageLinks, Paging, paginate, paging
from veiligstad.web.api.parameters import CurrentSnapshot, LevelFilter, PeriodFilter, examples
from veiligstad.web.api.responses import (
    Resource,
    SelfLink,
    flag,
    number,
    path,
    records,
    responses,
    text,
    whole,
)
from veiligstad.web.api.status import Interval, interval

router = APIRouter(tags=["indicatoren"])

MEMO = "api-values"
NUMERATOR = "teller"
DENOMINATOR = "noemer"


class Published(Resource):
    """The value the programme document publishes for this area and year."""

    value: float | None
    unit: str | None
    status: str | None = Field(description="`gemeten` of `GM` (geen meting).")


class SourceRef(Resource):
    """One import batch a figure was computed from."""

    source_id: str
    batch_id: str
    role: str = Field(description="`teller` of `noemer`.")
    links: SelfLink


class Provenance(Resource):
    """Where the figure comes from."""

    numerator_source: str | None = Field(description="De maten die samen de teller vormen.")
    sources: list[SourceRef]


class Value(Resource):
    """One indicator value for one area and period."""

    indicator_id: str
    area_code: str
    area_name: str | None
    level: AreaLevel | None = Field(description="`null` voor een code die niet in het gebiedsregister staat.")
    period: str
    year: int
    value: float | None = Field(description="`null` als de waarde ontbreekt of is afgeschermd.")
    numerator: float | None
    denominator: float | None
    denominator_year: int | None = Field(description="Peiljaar van de bevolking (1 januari).")
    per: int | None
    unit: str
    interval: Interval | None
    published: Published | None
    reconciliation: str | None = Field(description="Berekend tegenover gepubliceerd.")
    difference: float | None = Field(description="Berekend min gepubliceerd.")
    approximate: bool = Field(
        description="Benaderd: noemer uit een naburig jaar, of een gebied dat door een herindeling "
        "maar ongeveer de som van zijn voorgangers is."
    )
    territory_break: str | None = Field(
        description="Herindeling tussen het vorige jaar en dit jaar: de waarde is niet vergelijkbaar "
        "met die van het jaar ervoor (geen toets over de breuk)."
    )
    partial: bool
    provisional: bool = Field(description="Voorlopige cijfers (recente maanden).")
    reason: str | None = Field(description="Code van de reden waarom de waarde ontbreekt.")
    reason_text: str | None
    remedy: str | None = Field(
        default=None,
        description="Bij een ontbrekende waarde van een programma-indicator: waarom er op dit niveau "
        "geen cijfer is en wat het aanvult, in gewone taal (bijvoorbeeld 'De bron publiceert dit niet "
        "per buurt. Eigen cijfers per buurt kunnen erin met het invulsjabloon.').",
    )
    suppressed: bool = Field(
        description="Afgeschermd: een telling onder de drempel, of een telling die wordt weggelaten "
        "zodat een kleine telling elders niet uit de totalen terug te rekenen is."
    )
    suppression: str | None = Field(
        default=None,
        description="Waarom afgeschermd: `primair` (de telling zelf is klein) of `secundair` "
        "(weggelaten om een kleine telling elders te beschermen).",
    )
    disclosure: str | None = Field(
        description="Wat in plaats van de telling wordt getoond: `< 5` of `afgeschermd`."
    )
    provenance: Provenance


class ValuePage(Resource):
    """One page of an indicator's values."""

    indicator_id: str
    unit: str
    items: list[Value]
    page: Page
    links: PageLinks


class ValueTable:
    """One indicator's public values in display order (coarsest level first, then area and
    period), and the API values built from them so far: both kept for the snapshot's life."""

    def __init__(self, snapshot: Snapshot, indicator: Indicator) -> None:
        values = snapshot.public_values
        own = values[values["indicator_id"] == indicator.id].copy()
        own["_order"] = own["level"].map(lambda lvl: level_order(str(lvl)))
        columns = ["_order", "area_code", "period"]
        self.frame = own.sort_values(columns).drop(columns="_order").reset_index(drop=True)
        self.indicator = indicator
        self._built: dict[int, Value] = {}
        self._memo = snapshot.memo
        self._definitions = snapshot.definitions

    def remedy(self, level: str) -> str | None:
        """Why a value is missing at ``level`` and what fills it (programme indicators only)."""
        gap = gaps.gap_at(self._memo, self._definitions, self.indicator.id, level) if level else None
        return f"{gap.why} {gap.fill}".strip() if gap is not None and gap.why else None

    def positions(self, area: str | None, level: AreaLevel | None, period: str | None) -> list[int]:
        """Positions of the rows that pass the filters, in display order."""
        frame = self.frame
        chosen = pd.Series(True, index=frame.index)
        if area is not None:
            chosen &= frame["area_code"] == area
        if level is not None:
            chosen &= frame["level"] == level.value
        if period is not None:
            chosen &= frame["period"] == period
        return [int(i) for i in frame.index[chosen.to_numpy()]]

    def values(self, positions: list[int], sources: provenance.SourceIndex) -> list[Value]:
        """The API values at these positions (converted once each)."""
        new = [p for p in positions if p not in self._built]
        for position, row in zip(new, records(self.frame.iloc[new]), strict=True):
            self._built[position] = value(row, self.indicator, sources, self.remedy)
        return [self._built[p] for p in positions]


def table(snapshot: Snapshot, indicator: Indicator) -> ValueTable:
    """The value table of an indicator in this snapshot."""
    return memoised(snapshot, (MEMO, indicator.id), ValueTable, lambda: ValueTable(snapshot, indicator))


def _published(row: dict[str, Any]) -> Published | None:
    status = text(row["published_status"])
    if status is None and number(row["published_value"]) is None:
        return None
    return Published(value=number(row["published_value"]), unit=text(row["published_unit"]), status=status)


def _provenance(row: dict[str, Any], indicator: Indicator, sources: provenance.SourceIndex) -> Provenance:
    numerator_source = text(row["numerator_source"])
    refs: list[SourceRef] = []
    if numerator_source:
        measures = numerator_source.split(" + ")
        for source_id, batch_id in sources.batches(measures, str(row["period"]), str(row["level"])):
            refs.append(_ref(source_id, batch_id, NUMERATOR))
    year = whole(row["denominator_year"])
    if indicator.denominator and year is not None:
        for source_id, batch_id in sources.batches([indicator.denominator], str(year), str(row["level"])):
            refs.append(_ref(source_id, batch_id, DENOMINATOR))
    return Provenance(numerator_source=numerator_source, sources=refs)


def _ref(source_id: str, batch_id: str, role: str) -> SourceRef:
    return SourceRef(
        source_id=source_id, batch_id=batch_id, role=role, links=SelfLink(self=path("bronnen", source_id))
    )


def value(
    row: dict[str, Any],
    indicator: Indicator,
    sources: provenance.SourceIndex,
    remedy: Callable[[str], str | None] | None = None,
) -> Value:
    """The API form of one public value row (``remedy``: what fills a missing value, per level)."""
    suppressed = flag(row["suppressed"])
    reason = text(row["reason"])
    missing = number(row["value"]) is None and not suppressed
    return Value(
        indicator_id=indicator.id,
        area_code=str(row["area_code"]),
        area_name=text(row["area_name"]),
        level=AreaLevel(row["level"]) if text(row["level"]) else None,
        period=str(row["period"]),
        year=int(row["year"]),
        value=number(row["value"]),
        numerator=number(row["numerator"]),
        denominator=number(row["denominator"]),
        denominator_year=whole(row["denominator_year"]),
        per=whole(row["per"]),
        unit=indicator.unit,
        interval=interval(row["ci_low"], row["ci_high"]),
        published=_published(row),
        reconciliation=text(row["reconciliation"]),
        difference=number(row["difference"]),
        approximate=flag(row["approximate"]),
        territory_break=text(row.get("territory_break")),
        partial=flag(row["partial"]),
        provisional=flag(row["provisional"]),
        reason=reason,
        reason_text=monitor.reason_text(reason, indicator) or None,
        remedy=remedy(text(row["level"]) or "") if remedy is not None and missing else None,
        suppressed=suppressed,
        suppression=text(row.get("suppression")) if suppressed else None,
        disclosure=text(row["disclosure"]) if suppressed else None,
        provenance=_provenance(row, indicator, sources),
    )


AreaFilter = Annotated[
    str | None,
    Query(
        openapi_examples=examples("GM0935"),
        description="Alleen dit gebied (CBS-code), bijvoorbeeld `GM0935` of `BU09350000`.",
    ),
]


@router.get(
    "/indicatoren/{id}/waarden",
    responses=responses(503),
    summary="Waarden van een indicator per gebied en periode, per pagina",
)
def list_values(
    request: Request,
    id: indicators.IndicatorIdPath,
    snapshot: CurrentSnapshot,
    requested: Annotated[Paging, Depends(paging)],
    gebied: AreaFilter = None,
    niveau: LevelFilter = None,
    periode: PeriodFilter = None,
) -> ValuePage:
    """Values with numerator, denominator, 95% interval, published value, flags and provenance."""
    indicator = indicators.find(snapshot, id)
    if gebied is not None:
        areas.find(snapshot, gebied)
    values = table(snapshot, indicator)
    positions = values.positions(gebied, niveau, periode)
    on_page, page, links = paginate(request, len(positions), requested)
    items = []
    if positions[on_page]:
        items = values.values(positions[on_page], provenance.index(snapshot, request))
    return ValuePage(indicator_id=indicator.id, unit=indicator.unit, items=items, page=page, links=links)
