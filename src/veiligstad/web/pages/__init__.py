# SPDX-License-Identifier: EUPL-1.2
"""Server-rendered pages, one module per page family; each exposes ``router``."""

from veiligstad.web.pages import areas, internal, login, maps, programme, sources

ROUTERS = [programme.router, login.router, internal.router, sources.router, areas.router, maps.router]
