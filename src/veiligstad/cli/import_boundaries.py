# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad import boundaries FILE --year 2024``: buurt/wijk/gemeente boundaries (see docs/how-to)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from veiligstad import formatting
from veiligstad.cli.common import console, current_user, handled, open_warehouse, print_json
from veiligstad.cli.imports import import_app

if TYPE_CHECKING:
    from veiligstad.services.boundaries import BoundaryReport

#: How many codes of a list are printed before "en N meer".
SHOWN_CODES = 12


def _codes(codes: list[str]) -> str:
    shown = ", ".join(codes[:SHOWN_CODES])
    rest = len(codes) - SHOWN_CODES
    return f"{shown} en {rest} meer" if rest > 0 else shown


@import_app.command("boundaries")
@handled
def boundaries_command(
    file: Annotated[Path, typer.Argument(help="GeoJSON- of GeoPackage-bestand met gebiedsgrenzen.")],
    year: Annotated[int, typer.Option("--year", help="Jaar van de gebiedsindeling, bijv. 2024.")],
    level: Annotated[
        str | None, typer.Option("--level", help="buurt, wijk of gemeente; standaard afgeleid uit de codes.")
    ] = None,
    code_field: Annotated[
        str | None, typer.Option("--code-field", help="Kolom met de code (BU_CODE).")
    ] = None,
    name_field: Annotated[
        str | None, typer.Option("--name-field", help="Kolom met de naam (BU_NAAM).")
    ] = None,
    layer: Annotated[str | None, typer.Option("--layer", help="Laag in een GeoPackage.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Machineleesbare JSON-uitvoer.")] = False,
) -> None:
    """Importeer buurt-, wijk- of gemeentegrenzen (elk CRS; opgeslagen in WGS84 met het grensjaar)."""
    # geopandas is imported on use: it takes seconds, and every other command would pay for it.
    from veiligstad.services.boundaries import import_boundaries
    from veiligstad.settings import Settings

    settings = Settings()
    with open_warehouse(settings, quiet=json_output) as warehouse:
        report = import_boundaries(
            warehouse,
            file,
            year,
            level=level,
            code_field=code_field,
            name_field=name_field,
            layer=layer,
            user=current_user(),
            max_bytes=settings.boundaries_max_bytes,
        )
    if json_output:
        data = asdict(report)
        data["problems"] = [p.render() for p in report.problems]
        print_json(data)
        return
    _render(report)


def _render(report: BoundaryReport) -> None:
    out = console()
    for problem in report.problems:
        out.print(f"Let op: {problem.render()}", markup=False, highlight=False)
    if report.unchanged:
        out.print(f"{report.file} (grensjaar {report.year}) is al geïmporteerd; niets gewijzigd.")
        return
    out.print(
        f"{report.file}: grenzen {report.year} geïmporteerd (CRS {report.source_crs} → EPSG:4326): "
        f"{formatting.number(len(report.updated))} bijgewerkt, {formatting.number(len(report.added))} nieuw.",
        markup=False,
        highlight=False,
    )
    if not report.changed_codes:
        out.print("Geen gewijzigde codes: het bestand en het warehouse hebben dezelfde gebieden.")
        return
    out.print("Gewijzigde codes (cijfers worden NIET automatisch omgezet naar andere codes):")
    for key in sorted(set(report.missing_in_file) | set(report.new_in_file)):
        missing = report.missing_in_file.get(key, [])
        new = report.new_in_file.get(key, [])
        if missing:
            out.print(
                f"  {key}: {len(missing)} in het warehouse maar niet in het bestand: {_codes(missing)}",
                markup=False,
                highlight=False,
            )
        if new:
            out.print(
                f"  {key}: {len(new)} nieuw in het bestand: {_codes(new)}", markup=False, highlight=False
            )
    out.print(
        "Oude codes blijven bestaan met hun eigen grensjaar; vergelijk cijfers over jaren alleen "
        "binnen dezelfde indeling."
    )
