# SPDX-License-Identifier: EUPL-1.2
"""Server-rendered pages, one module per page family; each exposes ``router``."""

from veiligstad.web.pages import (
    action_editing,
    actions,
    alerts,
    api_reference,
    areas,
    audit,
    evaluation,
    hotspots,
    indicators,
    internal,
    login,
    maps,
    method,
    programme,
    reports,
    sources,
    themes,
)

ROUTERS = [
    programme.router,
    login.router,
    *internal.ROUTERS,
    sources.router,
    method.router,
    areas.router,
    indicators.router,
    themes.router,
    maps.router,
    alerts.router,
    hotspots.router,
    actions.router,
    action_editing.router,
    audit.router,
    evaluation.router,
    reports.router,
    api_reference.router,
]
