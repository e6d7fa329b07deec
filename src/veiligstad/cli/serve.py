# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad serve``: the dashboard and API on http://127.0.0.1:8000."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from veiligstad.cli.common import console, handled, open_warehouse
from veiligstad.settings import Settings
from veiligstad.storage import warehouse as storage

log = logging.getLogger("veiligstad.web")


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Adres om op te luisteren.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Poort.")] = 8000,
    proxy: Annotated[
        str,
        typer.Option(
            "--trusted-proxy",
            help="Adres van een reverse proxy (HTTPS) waarvan X-Forwarded-headers vertrouwd worden.",
        ),
    ] = "127.0.0.1",
) -> None:
    """Start het dashboard en de API (Ctrl+C stopt)."""
    import uvicorn  # the web stack is imported only by this command

    from veiligstad.web.app import create_app

    settings = Settings()
    # Startup checks: a damaged or foreign file is reported here, in Dutch, and nothing starts.
    with open_warehouse(settings) as warehouse:  # first use: load the embedded data with a progress bar
        warehouse.verify()  # read every table once
    app = create_app(settings)
    app.state.cache.get()  # the figures, computed before the server listens
    storage.set_wait(settings.write_wait_seconds, notify=log.warning)  # while serving: to the log
    out = console()
    out.print(f"veiligstad draait op http://{host}:{port}/ (Ctrl+C om te stoppen)", highlight=False)
    uvicorn.run(
        app,
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips=proxy,
        log_level="warning",
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("serve")(handled(serve_command))
