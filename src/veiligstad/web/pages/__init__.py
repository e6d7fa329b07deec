# SPDX-License-Identifier: EUPL-1.2
"""Server-rendered pages, one module per page family; each exposes ``router``."""

from veiligstad.web.pages import internal, login, programme, sources

ROUTERS = [programme.router, login.router, internal.router, sources.router]
