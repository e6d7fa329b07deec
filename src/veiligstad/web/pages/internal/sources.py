# SPDX-License-Identifier: EUPL-1.2
"""Intern: sources management — every batch, current and replaced, with provenance (beheerder)."""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Depends, Request, Response

from veiligstad.errors import WarehouseError
from veiligstad.services import observations, warehouses
from veiligstad.services.snapshot import Snapshot
from veiligstad.web.pages.internal.access import (
    beheerder,
    records,
    warehouse_problem,
)
from veiligstad.web.templating import render

router = APIRouter(prefix="/intern", include_in_schema=False)


@router.get("/bronnen", dependencies=[Depends(beheerder)])
def sources_page(request: Request) -> Response:
    """Every batch, current and replaced, with its provenance; freshness of the current ones."""
    snapshot: Snapshot = request.app.state.cache.get()
    busy = ""
    try:
        with warehouses.opened(request.app.state.cache.url) as warehouse:
            history = observations.batch_history(warehouse)
    except WarehouseError as exc:
        history, busy = pd.DataFrame(columns=observations.BATCH_COLUMNS), warehouse_problem(exc)[0]
    freshness = pd.DataFrame([vars(s) for s in snapshot.sources])
    return render(
        request,
        "internal/sources.html",
        title="Bronnenbeheer",
        stem="intern-bronnen",
        tables={"versies": history, "actualiteit": freshness},
        batches=records(history),
        sources=snapshot.sources,
        busy=busy,
    )
