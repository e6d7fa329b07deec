# SPDX-License-Identifier: EUPL-1.2
"""Intern: raw values without disclosure control, and the observations below them (analist)."""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Depends, Request, Response

from veiligstad.domain.areas import NETHERLANDS, AreaLevel
from veiligstad.domain.indicators import Indicator
from veiligstad.engine import disclosure
from veiligstad.errors import BadRequest, NotFound, WarehouseError
from veiligstad.services import monitor, observations
from veiligstad.services.snapshot import Snapshot, level_order
from veiligstad.storage.warehouse import Warehouse
from veiligstad.web.pages.internal.access import (
    AREA_CODE,
    MAX_ROWS,
    analist,
    records,
    warehouse_problem,
)
from veiligstad.web.templating import render

router = APIRouter(prefix="/intern", include_in_schema=False)


def _own_codes(snapshot: Snapshot) -> set[str]:
    return {NETHERLANDS, *snapshot.own_areas()["code"]}


def raw_values(snapshot: Snapshot, indicator_id: str, level: str, period: str, scope: str) -> pd.DataFrame:
    """Raw values of one indicator, filtered, own areas first; with the public disclosure."""
    values = snapshot.values
    chosen = values["indicator_id"] == indicator_id
    if level:
        chosen &= values["level"] == level
    if period:
        chosen &= values["period"] == period
    if scope != "alle":
        chosen &= values["area_code"].isin(_own_codes(snapshot))
    frame = values[chosen].copy()
    frame["openbaar_afgeschermd"] = snapshot.public_values.loc[frame.index, "suppressed"].astype(bool)
    frame["klein_aantal"] = disclosure.suppressed(frame["numerator"], snapshot.threshold)
    own = frame["area_code"].isin(_own_codes(snapshot))
    frame["_own"] = (~own).astype(int)
    frame["_level"] = frame["level"].map(level_order)
    frame = frame.sort_values(["_own", "_level", "area_code", "period"])
    columns = [
        "indicator_id",
        "area_code",
        "area_name",
        "level",
        "period",
        "numerator",
        "denominator",
        "denominator_year",
        "value",
        "unit",
        "ci_low",
        "ci_high",
        "published_value",
        "published_status",
        "reason",
        "klein_aantal",
        "openbaar_afgeschermd",
    ]
    return frame[columns].reset_index(drop=True)


def default_indicator(snapshot: Snapshot) -> Indicator:
    """The indicator with the most computed values in the programme's own areas."""
    values = snapshot.values
    own = values[values["area_code"].isin(_own_codes(snapshot)) & values["numerator"].notna()]
    counts = own["indicator_id"].value_counts()
    indicators = snapshot.definitions.indicators()
    return max(indicators, key=lambda i: int(counts.get(i.id, 0)))


def _periods(snapshot: Snapshot, indicator_id: str) -> list[str]:
    rows = snapshot.values[snapshot.values["indicator_id"] == indicator_id]
    return sorted({str(p) for p in rows["period"]}, reverse=True)


def _latest_computed(snapshot: Snapshot, indicator_id: str) -> str:
    values = snapshot.values
    rows = values[(values["indicator_id"] == indicator_id) & values["numerator"].notna()]
    periods = sorted({str(p) for p in rows["period"]})
    return periods[-1] if periods else ""


def _observations(request: Request, measure: str, area: str) -> tuple[pd.DataFrame, list[str], str]:
    """The observation listing and the warehouse's measures; an error text when it is busy."""
    try:
        with Warehouse.open(request.app.state.cache.url) as warehouse:
            return (
                observations.listing(warehouse, measure, area or None),
                observations.measures(warehouse),
                "",
            )
    except WarehouseError as exc:
        empty = pd.DataFrame(columns=observations.LISTING_COLUMNS)
        return empty, [], warehouse_problem(exc)[0]


@router.get("/waarden", dependencies=[Depends(analist)])
def raw_values_page(
    request: Request,
    indicator: str = "",
    niveau: str = "",
    periode: str = "",
    bereik: str = "eigen",
    maat: str = "",
    gebied: str = "",
) -> Response:
    """Numerators and denominators without disclosure control, and the observations below them."""
    snapshot: Snapshot = request.app.state.cache.get()
    chosen = snapshot.indicator(indicator) if indicator else default_indicator(snapshot)
    if chosen is None:
        raise NotFound(f"Onbekende indicator '{indicator}'.", hint="Kies een indicator uit de lijst.")
    if niveau and niveau not in {level.value for level in AreaLevel}:
        raise BadRequest(
            f"Onbekend niveau '{niveau}'.", hint="Kies land, gemeente, stadsdeel, wijk of buurt."
        )
    area = (gebied or snapshot.municipality).strip().upper()
    if not AREA_CODE.match(area):
        raise BadRequest(
            f"Ongeldige gebiedscode '{gebied}'.", hint="Bijvoorbeeld GM0935, WK093500 of BU09350000."
        )
    periods = _periods(snapshot, chosen.id)
    period = periode if "periode" in request.query_params else _latest_computed(snapshot, chosen.id)
    scope = "alle" if bereik == "alle" else "eigen"
    values = raw_values(snapshot, chosen.id, niveau, period, scope)
    measure = maat.strip() or chosen.numerator[0]
    listing, known_measures, busy = _observations(request, measure, area)
    return render(
        request,
        "internal/values.html",
        title="Ruwe waarden",
        stem="intern-niet-publiceren",
        tables={"waarden": values, "waarnemingen": listing},
        indicators=snapshot.definitions.indicators(),
        indicator=chosen,
        levels=list(AreaLevel),
        level=niveau,
        periods=periods,
        period=period,
        period_known=not period or period in periods,
        scope=scope,
        rows=records(values.head(MAX_ROWS)),
        total=len(values),
        reason_text=lambda code: monitor.reason_text(code, chosen),
        measures=sorted({*known_measures, *chosen.all_measures}),
        measure=measure,
        area=area,
        own_areas=records(snapshot.own_areas()[["code", "name", "level"]]),
        observations=records(listing.head(MAX_ROWS)),
        observations_total=len(listing),
        busy=busy,
        max_rows=MAX_ROWS,
    )
