# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad import file FILE``: check a CSV/XLSX file completely and load it atomically.

See docs/how-to/import-file.md. Exit code 0 when the file was loaded or was already
loaded; 1 when it was refused (nothing written) or could not be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from veiligstad import formatting
from veiligstad.cli.common import console, current_user, handled, open_warehouse, print_json
from veiligstad.cli.imports import import_app
from veiligstad.errors import DataError

if TYPE_CHECKING:
    from veiligstad.services import uploads
    from veiligstad.services.adapters import UploadLimits
    from veiligstad.settings import Settings

MAX_SHOWN = 50
_OUTCOME = {
    "geladen": "Geladen",
    "ongewijzigd": "Al geladen, niets gewijzigd",
    "geweigerd": "Geweigerd: er is niets geschreven",
}


def render_report(console: Console, report: uploads.UploadReport) -> None:
    """The report as a Dutch table of problems (at most 50 rows, then 'en N meer')."""
    console.print(f"[bold]{report.file}[/bold] ({report.shape}) → bron {report.source_id}", highlight=False)
    if report.problems:
        table = Table(title="Problemen", title_justify="left")
        for name in ("Code", "Rij", "Kolom", "Waarde", "Melding", "Oplossing"):
            table.add_column(name, overflow="fold")
        for problem in report.problems[:MAX_SHOWN]:
            code = problem.code if problem.severity == "fout" else f"{problem.code} (waarschuwing)"
            table.add_row(
                code,
                "" if problem.row is None else str(problem.row),
                problem.column or "",
                problem.value or "",
                problem.message,
                problem.fix,
            )
        console.print(table)
        if len(report.problems) > MAX_SHOWN:
            rest = formatting.number(len(report.problems) - MAX_SHOWN)
            console.print(f"… en {rest} meer (alle problemen: --json).", highlight=False)
    counts = (
        f"{formatting.number(report.rows_total)} rijen in het bestand, "
        f"{formatting.number(report.rows_loaded)} waarden geladen, "
        f"{formatting.number(report.rows_rejected)} rijen afgewezen."
    )
    console.print(f"{_OUTCOME[report.outcome]}. {counts}", highlight=False)
    if report.outcome == "geweigerd" and report.problems:
        console.print(
            "Verbeter het bestand en importeer opnieuw, of laad alleen de goede rijen met --valid-only.",
            highlight=False,
        )


def upload_limits(settings: Settings) -> UploadLimits:
    """The reading limits of the ``VEILIGSTAD_UPLOAD_*`` settings."""
    from veiligstad.services.adapters import UploadLimits

    return UploadLimits(
        max_rows=settings.upload_max_rows,
        max_columns=settings.upload_max_columns,
        max_cells=settings.upload_max_cells,
        max_xlsx_bytes=settings.upload_max_xlsx_bytes,
        max_xlsx_ratio=settings.upload_max_xlsx_ratio,
    )


@import_app.command("file")
def import_file_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="CSV- of XLSX-bestand (lang of WSJG-export).")],
    measure: Annotated[
        str | None,
        typer.Option("--measure", help="Maat voor een WSJG-bestand zonder kolom Indicator."),
    ] = None,
    valid_only: Annotated[
        bool,
        typer.Option("--valid-only", help="Laad alleen de goede rijen; de afgewezen rijen worden geteld."),
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Machineleesbare JSON-uitvoer.")] = False,
) -> None:
    """Importeer een bestand met cijfers: eerst alles controleren, dan alles of niets laden."""
    _run(file, measure, valid_only, json_output)


@handled
def _run(file: Path, measure: str | None, valid_only: bool, json_output: bool) -> None:
    from veiligstad.services import uploads
    from veiligstad.settings import Settings

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise DataError(f"Kan {file} niet lezen: {exc.strerror}.", hint="Controleer het pad.") from exc
    settings = Settings()
    with open_warehouse(settings, quiet=json_output) as warehouse:
        report = uploads.import_bytes(
            warehouse,
            data,
            file.name,
            measure=measure,
            valid_only=valid_only,
            loaded_by=current_user(),
            origin=str(file.resolve()),
            limits=upload_limits(settings),
        )
    if json_output:
        print_json(report.as_dict())
    else:
        render_report(console(), report)
    if report.outcome == "geweigerd":
        raise typer.Exit(1)
