# SPDX-License-Identifier: EUPL-1.2
"""CLI: ``veiligstad publish --output DIR [--base-url URL]``: the public site as static files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from veiligstad import formatting
from veiligstad.cli import render
from veiligstad.cli.common import JsonOption, console, handled, open_warehouse, print_json


def publish_command(
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Map voor de site (leeg, of een eerder gepubliceerde site)."),
    ],
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="Webadres waar de map komt te staan; dan ook sitemap.xml en absolute links in de feed.",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Processen die de pagina's maken (standaard: één per kern)."),
    ] = None,
    rerender: Annotated[
        bool,
        typer.Option(
            "--rerender",
            help="Maak elke pagina opnieuw, ook als gegevens, definities en code gelijk zijn gebleven.",
        ),
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Schrijf de openbare site als statische bestanden (twee talen, downloads, API, feed, rapporten)."""
    from veiligstad.settings import Settings  # not at start-up of every command (cli_startup.py)
    from veiligstad.web.publish import publish  # the web stack is imported only by this command

    settings = Settings()
    with open_warehouse(settings, quiet=json_output):  # first use: load the embedded data with a progress bar
        pass
    with render.progress(json_output, label="publiceren") as step:
        summary = publish(settings, output, base_url, step, workers=workers, rerender=rerender)
    if json_output:
        print_json(
            {
                "output": str(summary.output),
                "files": summary.files,
                "pages": summary.pages,
                "bytes": summary.bytes,
                "written": summary.written,
                "unchanged": summary.unchanged,
                "removed": summary.removed,
                "reused": summary.reused,
                "seconds": round(summary.seconds, 1),
                "urls": summary.urls,
                "workers": summary.workers,
                "stages": {name: round(seconds, 1) for name, seconds in summary.stages.items()},
                "not_published": summary.not_published,
            }
        )
        return
    out = console()
    megabytes = formatting.number(summary.bytes / 1_000_000, 1)
    out.print(
        f"Site in {summary.output}: {formatting.number(summary.files)} bestanden "
        f"({formatting.number(summary.pages)} pagina's), {megabytes} MB, "
        f"in {formatting.number(summary.seconds, 1)} s.",
        markup=False,
        highlight=False,
    )
    out.print(
        f"Geschreven: {formatting.number(summary.written)}, "
        f"ongewijzigd: {formatting.number(summary.unchanged)}, "
        f"verwijderd: {formatting.number(summary.removed)}.",
        markup=False,
        highlight=False,
    )
    if summary.reused:
        out.print(
            "Gegevens, definities en code zijn gelijk aan die van de vorige publicatie en alle bestanden "
            "zijn nog zoals ze geschreven zijn: niets opnieuw gemaakt (--rerender maakt alles opnieuw).",
            markup=False,
            highlight=False,
        )
    if not base_url:
        out.print("Geen --base-url: geen sitemap.xml; de feed linkt relatief.", markup=False, highlight=False)
    for line in summary.not_published:
        out.print(f"Niet gepubliceerd (geen pagina): {line}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's command to the main app."""
    app.command("publish")(handled(publish_command))
