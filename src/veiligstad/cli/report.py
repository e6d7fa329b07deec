# SPDX-License-Identifier: EUPL-1.2
"""CLI: `veiligstad report KIND [--year Y] [--area CODE] [--lang nl|en] --output FILE.pdf|.html`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from veiligstad import formatting
from veiligstad.cli import render
from veiligstad.cli.common import console, handled, open_warehouse
from veiligstad.cli.common import definitions as definitions_in_force
from veiligstad.errors import BadRequest, VeiligstadError

if TYPE_CHECKING:  # the report stack (charts, SciPy) loads only when a report is made
    from veiligstad.reports.model import ReportKind

#: Output formats by file extension.
FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html"}

#: The main steps of producing a report (charts are counted on top).
STEPS = ("cijfers berekenen", "bronnen en analyses", "rapport opbouwen")


def output_format(path: Path) -> str:
    """``pdf`` or ``html`` from the file name; a Dutch error for anything else."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        shown = path.suffix or "(geen extensie)"
        raise VeiligstadError(
            f"Onbekend uitvoerformaat '{shown}' voor {path.name}.", hint="Gebruik .pdf of .html."
        )
    return fmt


#: Languages a report can be written in.
LANGUAGES = ("nl", "en")


def check_options(kind: ReportKind, area: str | None, internal: bool, lang: str = "nl") -> None:
    """Options that do not fit the kind of report, before any work is done."""
    from veiligstad.reports.model import ReportKind

    if lang not in LANGUAGES:
        raise BadRequest(
            f"Onbekende taal '{lang}' voor een rapport.",
            hint="Kies --lang nl (Nederlands) of --lang en (Engels).",
        )
    if kind is ReportKind.AREA and not (area and area.strip()):
        raise BadRequest(
            "Een gebiedsprofiel is voor één gebied: geef --area.",
            hint="Bijvoorbeeld --area WK093500 (wijk) of --area BU09350000 (buurt); zie `veiligstad areas`.",
        )
    if kind is not ReportKind.AREA and area:
        raise BadRequest(
            f"De optie --area hoort bij een gebiedsprofiel, niet bij een {kind.label.lower()}.",
            hint="Laat --area weg, of maak een gebiedsprofiel: veiligstad report area --area CODE.",
        )
    if kind is ReportKind.PUBLIC and internal:
        raise BadRequest(
            "De publieksversie bevat altijd alleen afgeschermde cijfers; --internal kan hier niet.",
            hint="Laat --internal weg.",
        )


def write(path: Path, data: bytes) -> None:
    """Write the file, creating its folder; a Dutch error when that fails."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise VeiligstadError(f"Kan {path} niet schrijven: {exc.strerror}.") from exc


def report_command(
    kind_name: Annotated[
        str,
        typer.Argument(metavar="KIND", help="progress, midterm, area of public."),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Doelbestand: .pdf of .html.")],
    year: Annotated[
        int | None,
        typer.Option("--year", help="Verslagjaar: cijfers tot en met dit jaar (standaard het nieuwste)."),
    ] = None,
    area: Annotated[
        str | None,
        typer.Option("--area", help="Gebiedscode voor een gebiedsprofiel (stadsdeel, wijk of buurt)."),
    ] = None,
    internal: Annotated[
        bool,
        typer.Option(
            "--internal", help="Interne versie: kleine aantallen niet afgeschermd (niet verspreiden)."
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Geen voortgangsbalk.")] = False,
    lang: Annotated[
        str, typer.Option("--lang", help="Taal van het rapport: nl (Nederlands, standaard) of en (Engels).")
    ] = "nl",
) -> None:
    """Maak een rapport als PDF of HTML: voortgangsrapportage, tussentijdse evaluatie, gebiedsprofiel
    of publieksversie."""
    from veiligstad.reports import document, html, pdf
    from veiligstad.reports.model import ReportKind
    from veiligstad.reports.view import check_year, latest_year
    from veiligstad.services import reporting, snapshot
    from veiligstad.settings import Settings

    kind = ReportKind.parse(kind_name)
    fmt = output_format(output)
    lang = lang.strip().lower()
    check_options(kind, area, internal, lang)
    settings = Settings()
    definitions = definitions_in_force(settings)
    with render.progress(quiet, "rapport") as step, open_warehouse(settings, quiet=quiet) as warehouse:
        step(STEPS[0], 0, len(STEPS))
        snap = snapshot.build(warehouse, definitions, settings.disclosure_threshold)
        chosen = latest_year(snap) if year is None else check_year(snap, year)
        step(STEPS[1], 1, len(STEPS))
        inputs = reporting.gather(
            warehouse,
            snap,
            chosen,
            hotspots=kind is ReportKind.MIDTERM,
            context=kind is ReportKind.AREA,
            public=not internal,
        )
        step(STEPS[2], 2, len(STEPS))
        report = document.build(kind, inputs, year=chosen, area=area, public_only=not internal, lang=lang)
        charts = report.charts()
        total = len(STEPS) + len(charts) + (1 if fmt == "pdf" else 0)
        images = {}
        for index, chart in enumerate(charts):
            step(f"grafiek {index + 1} van {len(charts)}", len(STEPS) + index, total)
            images[chart.id] = html.image(chart.spec)
        text = html.render(report, images)
        if fmt == "pdf":
            step("PDF opmaken", total - 1, total)
            data = pdf.render(report, text)
        else:
            data = text.encode("utf-8")
        step("klaar", total, total)
    write(output, data)
    size = formatting.number(len(data) / 1024, 0)
    console().print(f"{report.kind.label} ({report.title}) geschreven naar {output} ({size} kB).")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("report")(handled(report_command))
