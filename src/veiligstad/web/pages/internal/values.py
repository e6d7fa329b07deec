# SPDX-License-Identifier: EUPL-1.2
"""Intern: raw values without disclosure control, and the observations below them (analist).

Computed once per snapshot (its memo): each indicator's rows, sorted and with the public
disclosure, the default indicator, the recently asked filtered tables, and the recent
observation listings (read from the warehouse). A request mostly renders what is kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, Request, Response

from veiligstad.domain.areas import NETHERLANDS, AreaLevel
from veiligstad.domain.indicators import Indicator
from veiligstad.engine import disclosure
from veiligstad.errors import BadRequest, NotFound, WarehouseError
from veiligstad.services import monitor, observations, warehouses
from veiligstad.services.snapshot import Snapshot, level_order
from veiligstad.web.api.memo import memoised
from veiligstad.web.pages.internal.access import (
    AREA_CODE,
    MAX_ROWS,
    analist,
    records,
    warehouse_problem,
)
from veiligstad.web.templating import render

router = APIRouter(prefix="/intern", include_in_schema=False)


#: Observation listings kept per snapshot (the most recently asked ``(measure, area)`` pairs).
LISTINGS_KEPT = 64

#: An observation listing, the known measures, and the first ``MAX_ROWS`` of the listing as records.
Listing = tuple[pd.DataFrame, list[str], list[dict[str, Any]]]


def _own_codes(snapshot: Snapshot) -> set[str]:
    return memoised(snapshot, (__name__, "own"), set, lambda: {NETHERLANDS, *snapshot.own_areas()["code"]})


def _indicator_rows(snapshot: Snapshot, indicator_id: str) -> pd.DataFrame:
    """One indicator's raw values, sorted own areas first, with the public disclosure (once per
    snapshot and indicator: the page filters this small table by level, period and scope)."""

    def rows() -> pd.DataFrame:
        values = snapshot.values
        frame = values[values["indicator_id"] == indicator_id].copy()
        frame["openbaar_afgeschermd"] = snapshot.public_values.loc[frame.index, "suppressed"].astype(bool)
        frame["klein_aantal"] = disclosure.suppressed(frame["numerator"], snapshot.threshold)
        own = frame["area_code"].isin(_own_codes(snapshot))
        frame["_own"] = (~own).astype(int)
        frame["_level"] = frame["level"].map(level_order)
        return frame.sort_values(["_own", "_level", "area_code", "period"])

    return memoised(snapshot, (__name__, "rows", indicator_id), pd.DataFrame, rows)


def raw_values(snapshot: Snapshot, indicator_id: str, level: str, period: str, scope: str) -> pd.DataFrame:
    """Raw values of one indicator, filtered, own areas first; with the public disclosure."""
    frame = _indicator_rows(snapshot, indicator_id)
    chosen = pd.Series(True, index=frame.index)
    if level:
        chosen &= frame["level"] == level
    if period:
        chosen &= frame["period"] == period
    if scope != "alle":
        chosen &= frame["_own"] == 0
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
    return frame.loc[chosen, columns].reset_index(drop=True)


#: Filtered tables kept per snapshot (the most recently asked indicator, level, period, scope).
TABLES_KEPT = 64

#: A filtered table of raw values and its first ``MAX_ROWS`` as records.
Table = tuple[pd.DataFrame, list[dict[str, Any]]]


def _table(snapshot: Snapshot, indicator_id: str, level: str, period: str, scope: str) -> Table:
    """``raw_values`` and its first rows as records, once per snapshot for each choice asked (the
    last ``TABLES_KEPT``): filtering and converting them was most of a request's time."""
    kept: OrderedDict[tuple[str, str, str, str], Table] = memoised(
        snapshot, (__name__, "tables"), OrderedDict, OrderedDict
    )
    key = (indicator_id, level, period, scope)
    with _listing_lock:
        found = kept.get(key)
        if found is not None:
            kept.move_to_end(key)
            return found
    values = raw_values(snapshot, indicator_id, level, period, scope)
    found = (values, records(values.head(MAX_ROWS)))
    with _listing_lock:
        kept[key] = found
        while len(kept) > TABLES_KEPT:
            kept.popitem(last=False)
    return found


def default_indicator(snapshot: Snapshot) -> Indicator:
    """The indicator with the most computed values in the programme's own areas."""

    def most() -> Indicator:
        values = snapshot.values
        own = values[values["area_code"].isin(_own_codes(snapshot)) & values["numerator"].notna()]
        counts = own["indicator_id"].value_counts()
        indicators = snapshot.definitions.indicators()
        return max(indicators, key=lambda i: int(counts.get(i.id, 0)))

    return memoised(snapshot, (__name__, "default"), Indicator, most)


def _periods(snapshot: Snapshot, indicator_id: str) -> list[str]:
    def periods() -> list[str]:
        rows = _indicator_rows(snapshot, indicator_id)
        return sorted({str(p) for p in rows["period"]}, reverse=True)

    return memoised(snapshot, (__name__, "periods", indicator_id), list, periods)


def _latest_computed(snapshot: Snapshot, indicator_id: str) -> str:
    def latest() -> str:
        rows = _indicator_rows(snapshot, indicator_id)
        periods = sorted({str(p) for p in rows.loc[rows["numerator"].notna(), "period"]})
        return periods[-1] if periods else ""

    return memoised(snapshot, (__name__, "latest", indicator_id), str, latest)


def _observations(
    request: Request, snapshot: Snapshot, measure: str, area: str
) -> tuple[pd.DataFrame, list[str], list[dict[str, Any]], str]:
    """The observation listing, its first ``MAX_ROWS`` as records and the warehouse's measures;
    an error text when it is busy.

    Read from the warehouse once per snapshot (observations change only with the data); the
    last ``LISTINGS_KEPT`` listings are kept."""
    kept: OrderedDict[tuple[str, str], Listing] = memoised(
        snapshot, (__name__, "listings"), OrderedDict, OrderedDict
    )
    key = (measure, area)
    try:
        with _listing_lock:
            found = kept.get(key)
            if found is not None:
                kept.move_to_end(key)
        if found is None:
            with warehouses.opened(request.app.state.cache.url) as warehouse:
                listing = observations.listing(warehouse, measure, area or None)
                found = (listing, observations.measures(warehouse), records(listing.head(MAX_ROWS)))
            with _listing_lock:
                kept[key] = found
                while len(kept) > LISTINGS_KEPT:
                    kept.popitem(last=False)
    except WarehouseError as exc:
        empty = pd.DataFrame(columns=observations.LISTING_COLUMNS)
        return empty, [], [], warehouse_problem(exc)[0]
    return found[0], found[1], found[2], ""


_listing_lock = threading.Lock()


def _own_area_records(snapshot: Snapshot) -> list[dict[str, Any]]:
    def own() -> list[dict[str, Any]]:
        return records(snapshot.own_areas()[["code", "name", "level"]])

    return memoised(snapshot, (__name__, "areas"), list, own)


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
    values, rows = _table(snapshot, chosen.id, niveau, period, scope)
    measure = maat.strip() or chosen.numerator[0]
    listing, known_measures, listed, busy = _observations(request, snapshot, measure, area)
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
        rows=rows,
        total=len(values),
        reason_text=lambda code: monitor.reason_text(code, chosen),
        measures=sorted({*known_measures, *chosen.all_measures}),
        measure=measure,
        area=area,
        own_areas=_own_area_records(snapshot),
        observations=listed,
        observations_total=len(listing),
        busy=busy,
        max_rows=MAX_ROWS,
    )
