# SPDX-License-Identifier: EUPL-1.2
"""Intern: pages behind login — raw counts, uploads, sources management, accounts.

Every page names the role it needs (``auth.require``); every form carries the form token
(``auth.csrf_protected``). Writes go through the same services as the CLI
(``uploads.import_bytes``, ``accounts.add_user``/``remove_user``) on a short-lived
connection, so a running server never keeps the DuckDB file locked. When another process
holds the file, the page says so in Dutch instead of failing. After a write the snapshot
refreshes by itself (the cache notices the file changed).
"""

from veiligstad.web.pages.internal import home, sources, uploads, users, values

ROUTERS = [home.router, values.router, uploads.router, sources.router, users.router]
