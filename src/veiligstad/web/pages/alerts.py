# SPDX-License-Identifier: EUPL-1.2
"""Signalen: significant changes and new or intensifying hotspots since a date, and the Atom feed.

``/signalen?sinds=JJJJ-MM-DD`` lists the alerts whose later period ends on or after that
date. Without ``sinds`` the page shows the last year up to the newest alert (its period end
minus one year, plus a day); an empty ``sinds`` shows every alert. ``/signalen.atom`` is the
same list as an Atom feed (all alerts unless ``sinds`` is given). The alerts are the
snapshot's, computed on the public values: a suppressed count is never tested. They are
corrected for multiple testing (Benjamini–Hochberg per fixed family, see
``services.alerts``) before ``sinds`` filters them; the download has ``q_waarde``, the
family size, the test and the dispersion φ.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from fastapi import APIRouter, Request, Response

from veiligstad import formatting
from veiligstad.errors import BadRequest
from veiligstad.services.alerts import Alert
from veiligstad.services.snapshot import Snapshot
from veiligstad.web import downloads, feeds
from veiligstad.web.templating import render

router = APIRouter(include_in_schema=False)

COLUMNS = [
    "einde_periode",
    "soort",
    "vergelijking",
    "indicator_id",
    "indicator",
    "gebied_code",
    "gebied",
    "periode_voor",
    "periode_na",
    "waarde_voor",
    "waarde_na",
    "eenheid",
    "relatieve_verandering",
    "significantie",
    "p_waarde",
    "q_waarde",
    "familie",
    "toets",
    "spreiding",
    "oordeel",
]


def parse_since(text: str | None, alerts: list[Alert]) -> dt.date | None:
    """The ``sinds`` date: missing → the default, empty → everything, else ``JJJJ-MM-DD``."""
    if text is None:
        return default_since(alerts)
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise BadRequest(
            f"Onbekende datum '{text}'.",
            hint="Gebruik JJJJ-MM-DD, bijvoorbeeld sinds=2024-01-01, of laat sinds leeg voor alle signalen.",
        ) from None


def default_since(alerts: list[Alert]) -> dt.date | None:
    """One year up to the newest alert's period end: ``2024-12-31`` → ``2024-01-01``.

    >>> default_since([]) is None
    True
    """
    if not alerts:
        return None
    newest = max(a.period_end for a in alerts)
    try:
        year_before = newest.replace(year=newest.year - 1)
    except ValueError:  # 29 February
        year_before = newest.replace(year=newest.year - 1, day=28)
    return year_before + dt.timedelta(days=1)


def since(alerts: list[Alert], day: dt.date | None) -> list[Alert]:
    """The alerts whose later period ends on or after ``day`` (all when None)."""
    return [a for a in alerts if day is None or a.period_end >= day]


def alert_table(alerts: list[Alert]) -> pd.DataFrame:
    """The download: one row per alert, machine-readable values."""
    rows = [
        {
            "einde_periode": a.period_end.isoformat(),
            "soort": a.kind,
            "vergelijking": a.source,
            "indicator_id": a.indicator_id,
            "indicator": a.indicator_name,
            "gebied_code": a.area_code,
            "gebied": a.area_name,
            "periode_voor": a.before,
            "periode_na": a.after,
            "waarde_voor": a.before_value,
            "waarde_na": a.after_value,
            "eenheid": a.unit,
            "relatieve_verandering": a.relative,
            "significantie": a.signal.value,
            "p_waarde": a.p_value,
            "q_waarde": a.q_value,
            "familie": a.family,
            "toets": a.method,
            "spreiding": a.phi,
            "oordeel": a.assessment,
        }
        for a in alerts
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def rounded(snapshot: Snapshot, table: pd.DataFrame) -> pd.DataFrame:
    """The download's figures as the page shows them (several units in one column: the most
    decimals any indicator has), the relative change to 0.1 percentage point; p- and q-values
    and the dispersion unrounded (a p-value can be 0.000002)."""
    places = downloads.most_decimals(snapshot.definitions.indicators())
    return downloads.with_decimals(table, places, ("waarde_voor", "waarde_na"), {"relatieve_verandering": 3})


@router.get("/signalen")
def alerts_page(request: Request, sinds: str | None = None) -> Response:
    """The alert list since a date, with a download and the feed."""
    snapshot: Snapshot = request.app.state.cache.get()
    day = parse_since(sinds, snapshot.alerts)
    shown = since(snapshot.alerts, day)
    return render(
        request,
        "alerts/index.html",
        title="Signalen",
        stem="signalen" + (f"-sinds-{day.isoformat()}" if day else ""),
        tables={"signalen": lambda: rounded(snapshot, alert_table(shown))},
        alerts=shown,
        total=len(snapshot.alerts),
        since=day,
        default=default_since(snapshot.alerts),
        feed="/signalen.atom",
    )


@router.get("/signalen.atom")
def alerts_feed(request: Request, sinds: str | None = None) -> Response:
    """The alerts as an Atom 1.0 feed; all of them unless ``sinds`` is given."""
    snapshot: Snapshot = request.app.state.cache.get()
    day = parse_since(sinds or "", snapshot.alerts)
    programme = snapshot.definitions.programme
    base = str(request.base_url).rstrip("/")
    info = feeds.FeedInfo(
        base_url=base,
        self_url=str(request.url),
        authority=request.url.hostname or "localhost",
        year=programme.period_start,
        title=f"Signalen veiligheid {programme.municipality_name}"
        + (f" sinds {formatting.date(day)}" if day else ""),
        author=f"veiligstad, gemeente {programme.municipality_name}",
        generated=snapshot.built_at,
    )
    body = feeds.atom(since(snapshot.alerts, day), info)
    return Response(body, media_type=f"{feeds.MEDIA_TYPE}; charset=utf-8")
