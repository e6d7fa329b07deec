# SPDX-License-Identifier: EUPL-1.2
"""Query parameters shared by several resources, and the current snapshot as a dependency.

Levels are enumerations in the OpenAPI document, so a wrong ``niveau`` is a 400 problem that
lists the valid values (rendered by ``web/errors.py``). Periods follow the canonical forms of
``veiligstad.domain.periods``: ``2023``, ``2020H1``, ``2023Q1``, ``2023-03``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Query, Request

from veiligstad.domain.areas import AreaLevel
from veiligstad.services.snapshot import Snapshot

#: Ids of programmes, themes and indicators: lower-case words joined by hyphens.
ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

#: A period in canonical form (ASCII digits only).
PERIOD_PATTERN = r"^[0-9]{4}(H[12]|Q[1-4]|-(0[1-9]|1[0-2]))?$"


class HotspotLevel(StrEnum):
    """Levels a hotspot analysis runs on: those with several neighbouring areas."""

    GEMEENTE = AreaLevel.GEMEENTE.value
    STADSDEEL = AreaLevel.STADSDEEL.value
    WIJK = AreaLevel.WIJK.value
    BUURT = AreaLevel.BUURT.value


def examples(*values: str) -> dict[str, dict[str, str]]:
    """OpenAPI examples of a parameter (shown in the document, tried first by schemathesis)."""
    return {value: {"value": value} for value in values}


def current_snapshot(request: Request) -> Snapshot:
    """The snapshot the request is answered from (the API never reads the raw values)."""
    snapshot: Snapshot = request.app.state.cache.get()
    return snapshot


CurrentSnapshot = Annotated[Snapshot, Depends(current_snapshot)]

LevelFilter = Annotated[
    AreaLevel | None,
    Query(description="Alleen gebieden van dit niveau."),
]
PeriodFilter = Annotated[
    str | None,
    Query(
        pattern=PERIOD_PATTERN,
        openapi_examples=examples("2023"),
        description="Alleen deze periode: `2023` (jaar), `2020H1`, `2023Q1` of `2023-03`.",
    ),
]
