# SPDX-License-Identifier: EUPL-1.2
"""``/signalen``: significant changes (year on year, CompStat) since a date."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from veiligstad.engine.significance import Signal
from veiligstad.errors import BadRequest
from veiligstad.services.alerts import Alert
from veiligstad.web.api.parameters import CurrentSnapshot, examples
from veiligstad.web.api.responses import Resource, SelfLink, number, path, responses, text

router = APIRouter(tags=["signalen"])

#: A date as text; parsed here, because pydantic would also take a number as a Unix time.
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


class AlertLinks(Resource):
    """The indicator and the area of an alert."""

    indicator: str
    area: str


class AlertItem(Resource):
    """A significant change: the label and p-value always come with the change."""

    kind: str
    source: str = Field(description="`jaar op jaar` of een CompStat-vergelijking.")
    indicator_id: str
    indicator_name: str
    area_code: str
    area_name: str | None
    before: str = Field(description="De eerdere periode.")
    after: str = Field(description="De latere periode.")
    period_end: dt.date
    signal: Signal
    p_value: float | None
    q_value: float | None = Field(
        description="p na de Benjamini–Hochberg-correctie over de vaste familie: alle indicatoren × "
        "gebieden × vergelijkingen met hetzelfde einde van de periode (onafhankelijk van `sinds`)."
    )
    family: int | None = Field(description="Aantal toetsen in die familie.")
    method: str = Field(description="De toets, in het Nederlands.")
    phi: str = Field(
        description="De spreidingsfactor φ (variantie = φ × gemiddelde) en waar die vandaan komt; leeg bij "
        "enquêtecijfers."
    )
    before_value: float | None
    after_value: float | None
    unit: str
    relative_change: float | None = Field(description="Relatieve verandering (0,04 = 4%), met `signal`.")
    assessment: str | None = Field(description="`gunstig` of `ongunstig`, gegeven welke kant beter is.")
    links: AlertLinks


class AlertList(Resource):
    """Alerts, newest period first."""

    since: dt.date | None
    items: list[AlertItem]
    links: SelfLink


def _date(text: str | None) -> dt.date | None:
    """A calendar date (``2024-06-01``); a number or an impossible date is a 400 problem."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise BadRequest(f"Ongeldige datum '{text}': gebruik JJJJ-MM-DD, bijvoorbeeld 2024-06-01.") from exc


def alert_item(alert: Alert) -> AlertItem:
    """The API form of an alert (computed from the public values)."""
    return AlertItem(
        kind=alert.kind,
        source=alert.source,
        indicator_id=alert.indicator_id,
        indicator_name=alert.indicator_name,
        area_code=alert.area_code,
        area_name=text(alert.area_name),
        before=alert.before,
        after=alert.after,
        period_end=alert.period_end,
        signal=alert.signal,
        p_value=number(alert.p_value),
        q_value=number(alert.q_value),
        family=alert.family,
        method=alert.method,
        phi=alert.phi,
        before_value=number(alert.before_value),
        after_value=number(alert.after_value),
        unit=alert.unit,
        relative_change=number(alert.relative),
        assessment=text(alert.assessment),
        links=AlertLinks(
            indicator=path("indicatoren", alert.indicator_id), area=path("gebieden", alert.area_code)
        ),
    )


@router.get("/signalen", responses=responses(), summary="Significante veranderingen sinds een datum")
def list_alerts(
    snapshot: CurrentSnapshot,
    sinds: Annotated[
        str | None,
        Query(
            pattern=DATE_PATTERN,
            json_schema_extra={"format": "date"},
            openapi_examples=examples("2024-01-01"),
            description="Alleen signalen waarvan de latere periode op of na deze datum eindigt (JJJJ-MM-DD).",
        ),
    ] = None,
) -> AlertList:
    """Significant changes of the programme's municipality and its areas.

    Counts are tested with their dispersion φ and the list is corrected for multiple testing
    (Benjamini–Hochberg per period) before ``sinds`` filters it."""
    since = _date(sinds)
    chosen = [a for a in snapshot.alerts if since is None or a.period_end >= since]
    chosen.sort(key=lambda a: (-a.period_end.toordinal(), a.indicator_id, a.area_code))
    items = [alert_item(a) for a in chosen]
    return AlertList(since=since, items=items, links=SelfLink(self=path("signalen")))
