# SPDX-License-Identifier: EUPL-1.2
"""Intern: the landing page — who you are, what your role may open, how recent the data are."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request, Response

from veiligstad.services.snapshot import Snapshot
from veiligstad.web.pages.internal.access import (
    PAGES,
    Raad,
)
from veiligstad.web.templating import render

router = APIRouter(prefix="/intern", include_in_schema=False)


@router.get("/")
def internal_home(request: Request, viewer: Raad) -> Response:
    """Who you are, what your role may open, how recent the data are, how many signals."""
    snapshot: Snapshot = request.app.state.cache.get()
    loaded = sorted(
        (s for s in snapshot.sources if s.newest_period_end is not None),
        key=lambda s: s.newest_period_end or dt.date.min,
    )
    newest = loaded[-1] if loaded else None
    last_load = max((s.loaded_at for s in snapshot.sources if s.loaded_at is not None), default=None)
    alert_end = max((a.period_end for a in snapshot.alerts), default=None)
    return render(
        request,
        "internal/home.html",
        title="Intern",
        role=viewer.role,
        pages=[p for p in PAGES if viewer.allows(p.role)],
        newest=newest,
        latest_values=latest_values(snapshot),
        last_load=last_load,
        alerts_total=len(snapshot.alerts),
        alerts_latest=sum(1 for a in snapshot.alerts if a.period_end == alert_end),
        alert_end=alert_end,
        outdated=[s for s in snapshot.sources if s.outdated],
    )


def latest_values(snapshot: Snapshot) -> dict[str, Any] | None:
    """The newest year with a computed value for the municipality, and its indicators (once
    per snapshot)."""
    key = (__name__, "latest")
    if key not in snapshot.memo:
        snapshot.memo[key] = _latest_values(snapshot)
    found: dict[str, Any] | None = snapshot.memo[key]
    return found


def _latest_values(snapshot: Snapshot) -> dict[str, Any] | None:
    values = snapshot.values
    rows = values[(values["area_code"] == snapshot.municipality) & values["value"].notna()]
    if rows.empty:
        return None
    year = int(rows["year"].max())
    ids = set(rows.loc[rows["year"] == year, "indicator_id"])
    chosen = [i for i in snapshot.definitions.indicators() if i.id in ids]
    return {"period": str(year), "indicators": chosen}
