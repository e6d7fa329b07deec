# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad export bundle`` and ``veiligstad import bundle``: move the data to another machine.

See docs/how-to/move-data-offline.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from veiligstad import formatting
from veiligstad.cli.common import JsonOption, connect, console, handled, open_warehouse, print_json
from veiligstad.cli.imports import import_app

if TYPE_CHECKING:
    from veiligstad.services import bundles


def _megabytes(size: int) -> str:
    return formatting.number(size / 1024**2, 1) + " MB"


def _summary(report: bundles.BundleReport) -> str:
    rows = ", ".join(
        f"{name.removesuffix('.parquet')} {formatting.number(entry.rows)}"
        for name, entry in report.files.items()
    )
    return (
        f"{_megabytes(report.size)}, {len(report.sources)} bronnen; rijen: {rows}; "
        f"{formatting.number(report.seconds, 1)} s."
    )


def export_bundle_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="Doelbestand (.zip).")],
    json_output: JsonOption = False,
) -> None:
    """Schrijf waarnemingen (actueel en geschiedenis), batches, gebieden en grenzen naar één bundel."""
    from veiligstad.services import bundles
    from veiligstad.settings import Settings

    settings = Settings()
    with open_warehouse(settings, quiet=json_output) as warehouse:
        report = bundles.export_bundle(warehouse, output)
    if json_output:
        print_json(report.as_dict())
        return
    console().print(f"Bundel geschreven naar {output}: {_summary(report)}", highlight=False)


def import_bundle_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Bundel (.zip) van veiligstad export bundle.")],
    json_output: JsonOption = False,
) -> None:
    """Laad een bundel: eerst alles controleren (namen, grootte, hashes), dan alles of niets."""
    from veiligstad.services import bundles
    from veiligstad.settings import Settings

    settings = Settings()
    # No first-use load of the embedded data: the bundle brings its own.
    with connect(settings.resolved_database_url()) as warehouse:
        report = bundles.import_bundle(warehouse, file)
    if json_output:
        print_json(report.as_dict())
        return
    outcome = "Geladen" if report.outcome == "geladen" else "Al geladen, niets gewijzigd"
    made = (
        f" (gemaakt {report.created_at} met veiligstad {report.veiligstad_version})"
        if report.created_at
        else ""
    )
    console().print(f"{outcome}: {file}{made}; {_summary(report)}", highlight=False)


def register(export_app: typer.Typer) -> None:
    """Add ``export bundle`` to the export group and ``import bundle`` to the import group."""
    export_app.command("bundle")(handled(export_bundle_command))
    import_app.command("bundle")(handled(import_bundle_command))
