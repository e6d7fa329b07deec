# SPDX-License-Identifier: EUPL-1.2
"""The JSON API ``/api/v1``: one module per resource; each exposes ``router``."""

from fastapi import APIRouter

from veiligstad.web.api import (
    alerts,
    areas,
    hotspots,
    indicators,
    programmes,
    sources,
    themes,
    values,
)

ROUTERS: list[APIRouter] = [
    programmes.router,
    themes.router,
    indicators.router,
    values.router,
    areas.router,
    sources.router,
    alerts.router,
    hotspots.router,
]
