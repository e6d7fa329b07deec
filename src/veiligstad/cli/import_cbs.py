# SPDX-License-Identifier: EUPL-1.2
"""CLI command ``veiligstad import cbs TABLE``: CBS / Politie open data (see docs/how-to/import-cbs.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from veiligstad import formatting
from veiligstad.cli import render
from veiligstad.cli.common import console, current_user, definitions, handled, open_warehouse, print_json
from veiligstad.cli.imports import import_app

if TYPE_CHECKING:
    import httpx

    from veiligstad.services import cbs_import

#: Tests replace this with an ``httpx.MockTransport`` serving recorded responses.
TRANSPORT: httpx.BaseTransport | None = None


@import_app.command("cbs")
def cbs_command(
    table: Annotated[str, typer.Argument(metavar="TABLE", help="Tabelnummer, bijv. 47018NED.")],
    municipality: Annotated[
        str | None, typer.Option("--municipality", help="Gemeentecode; standaard die van het programma.")
    ] = None,
    since: Annotated[int | None, typer.Option("--since", help="Eerste jaar, bijv. 2012.")] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url", help="Andere OData-basis-URL (spiegel of test); standaard die van de tabel."
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Machineleesbare JSON-uitvoer.")] = False,
) -> None:
    """Importeer een CBS/Politie-tabel (OData) voor één gemeente met haar wijken en buurten."""
    _run(table, municipality, since, base_url, json_output)


@handled
def _run(table: str, municipality: str | None, since: int | None, base_url: str | None, quiet: bool) -> None:
    from veiligstad.services import cbs_import
    from veiligstad.services.adapters import ODataClient, load_definition
    from veiligstad.settings import Settings

    settings = Settings()
    definition = load_definition(table)
    code = cbs_import.check_municipality(municipality or definitions(settings).programme.municipality)
    # Fetch and validate first: without network or with a bad answer nothing is opened or written.
    with (
        ODataClient(base_url or definition.base_url, transport=TRANSPORT) as client,
        render.progress(quiet) as step,
    ):
        fetched = cbs_import.fetch_table(definition, code, since, client, step)
    with open_warehouse(settings, quiet=quiet) as warehouse:
        report = cbs_import.store(warehouse, fetched, current_user())
    if quiet:
        print_json(vars(report))
        return
    summary(console(), report)


def summary(out: Console, report: cbs_import.ImportReport) -> None:
    """Dutch summary: what was loaded, per measure, which periods, which are provisional."""
    if report.loaded:
        out.print(
            f"{report.table_id} ({report.title}) voor {report.municipality}: "
            f"{formatting.number(report.rows)} cijfers geladen als bron {report.source_id}."
        )
    else:
        out.print(
            f"{report.table_id} voor {report.municipality}: niets gewijzigd, "
            f"deze cijfers stonden al in het warehouse (bron {report.source_id})."
        )
    table = Table(title_justify="left")
    table.add_column("Maat")
    table.add_column("Cijfers", justify="right")
    for measure, rows in report.rows_per_measure.items():
        table.add_row(measure, formatting.number(rows))
    out.print(table)
    if report.periods:
        out.print(f"Perioden: {report.periods[0]} t/m {report.periods[-1]} ({len(report.periods)} perioden).")
    if report.provisional:
        out.print(f"Voorlopig (nog onvolledig): {', '.join(report.provisional)}.")
    if report.withheld:
        out.print(
            f"{formatting.number(report.withheld)} cellen niet gepubliceerd (geheim of onbekend); "
            "opgeslagen als leeg, niet als 0."
        )
