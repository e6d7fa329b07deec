# SPDX-License-Identifier: EUPL-1.2
"""The ``veiligstad`` command. Commands and options are English; what it prints is Dutch."""

from __future__ import annotations

import functools
import json
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from veiligstad import formatting
from veiligstad.cli import import_boundaries, import_cbs, import_file, render, sources
from veiligstad.cli.imports import import_app
from veiligstad.definitions.loader import load_catalogue, load_programme
from veiligstad.definitions.validation import Definitions, validate
from veiligstad.errors import DefinitionError, NotFound, VeiligstadError
from veiligstad.services import areas as area_service
from veiligstad.services import bootstrap, monitor
from veiligstad.services import municipality as municipality_service
from veiligstad.settings import Settings
from veiligstad.storage.warehouse import Warehouse

app = typer.Typer(
    name="veiligstad",
    help="Veiligheidsmonitor: programma, indicatoren en gebieden.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
export_app = typer.Typer(help="Gegevens exporteren.", no_args_is_help=True)
app.add_typer(export_app, name="export")
app.add_typer(import_app, name="import")
app.add_typer(sources.sources_app, name="sources")
#: Importing these modules registers their commands on ``import_app``.
COMMAND_MODULES = (import_cbs, import_file, import_boundaries)

P = ParamSpec("P")
R = TypeVar("R")
_state = {"debug": False}

JsonOption = Annotated[bool, typer.Option("--json", help="Machineleesbare JSON-uitvoer.")]


def console() -> Console:
    """A console that does not wrap tables when output is not a terminal."""
    out = Console(soft_wrap=False)
    return out if out.is_terminal else Console(width=200, soft_wrap=False)


def handled(func: Callable[P, R]) -> Callable[P, R]:
    """Render veiligstad errors once: one Dutch line, non-zero exit; --debug adds the traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except VeiligstadError as exc:
            err = Console(stderr=True, width=200, soft_wrap=False)
            if _state["debug"]:
                err.print(traceback.format_exc(), markup=False, highlight=False)
            err.print(f"Fout: {exc.message}", markup=False, highlight=False)
            for problem in getattr(exc, "problems", ()):
                err.print(f"  - {problem.render()}", markup=False, highlight=False)
            if exc.hint:
                err.print(exc.hint, markup=False, highlight=False)
            raise typer.Exit(exc.exit_code) from None

    return wrapper


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Toon de volledige traceback bij fouten.")] = False,
) -> None:
    """Veiligheidsmonitor voor Nederlandse gemeenten (standaard: MJP Veiligheid Maastricht 2023-2026)."""
    _state["debug"] = debug


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@contextmanager
def _warehouse(settings: Settings, quiet: bool = False) -> Iterator[Warehouse]:
    """Open the warehouse and load the embedded data on first use."""
    with Warehouse.open(settings.resolved_database_url()) as warehouse:
        if warehouse.is_empty():
            if not quiet:
                console().print("Eerste gebruik: ingebouwde gegevens laden (veiligstad init)…")
            with render.progress(quiet) as step:
                bootstrap.initialise(warehouse, step)
        yield warehouse


def _definitions(settings: Settings) -> Definitions:
    return monitor.load_definitions(settings.programme, settings.catalogue)


@app.command("init")
@handled
def init_command(
    municipality: Annotated[
        str | None,
        typer.Option("--municipality", help="Gemeentecode (GM0363): maak een startprogramma."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Startprogramma (standaard ./programma-<gm>.yaml).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overschrijf een bestaand startprogramma.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Laad de ingebouwde open data (idempotent); met --municipality ook een startprogramma."""
    settings = Settings()
    if municipality is not None:
        municipality = municipality_service.normalise_code(municipality)
    with Warehouse.open(settings.resolved_database_url()) as warehouse:
        with render.progress(json_output) as step:
            report = bootstrap.initialise(warehouse, step)
        summary = (
            municipality_service.write_starter(warehouse, municipality, output, force, settings.catalogue)
            if municipality is not None
            else None
        )
    if json_output:
        data: dict[str, Any] = {
            "loaded": report.loaded,
            "unchanged": report.unchanged,
            "problems": [p.render() for p in report.problems],
        }
        if summary is not None:
            data["municipality"] = sources.municipality_json(summary)
        _print_json(data)
        return
    render.init_report(console(), report, settings.resolved_database_url())
    if summary is not None:
        sources.render_municipality(console(), summary)


@app.command("validate")
@handled
def validate_command(
    programme: Annotated[
        Path | None, typer.Argument(help="Programmabestand (YAML); standaard het ingebouwde.")
    ] = None,
    catalogue: Annotated[Path | None, typer.Option(help="Indicatorcatalogus (YAML).")] = None,
    json_output: JsonOption = False,
) -> None:
    """Controleer een programma- en catalogusbestand; exitcode 1 bij fouten."""
    settings = Settings()
    programme = programme or settings.programme
    catalogue = catalogue or settings.catalogue
    try:
        definitions = Definitions(
            load_programme(programme),
            load_catalogue(catalogue),
            programme_file=programme.name if programme else "maastricht-2023-2026.yaml",
            catalogue_file=catalogue.name if catalogue else "indicators.yaml",
        )
    except DefinitionError as exc:
        if json_output:
            _print_json({"valid": False, "stage": "structuur", "problems": [vars(p) for p in exc.problems]})
            raise typer.Exit(1) from None
        raise
    problems = validate(definitions)
    errors = [p for p in problems if p.severity == "fout"]
    if json_output:
        _print_json({"valid": not errors, "stage": "betekenis", "problems": [vars(p) for p in problems]})
    else:
        render.validation(console(), definitions, problems)
    if errors:
        raise typer.Exit(1)


@app.command("status")
@handled
def status_command(json_output: JsonOption = False) -> None:
    """Stand van het programma: per thema de indicatoren, basis, laatste waarde en signaal."""
    settings = Settings()
    definitions = _definitions(settings)
    with _warehouse(settings, quiet=json_output) as warehouse:
        values = monitor.indicator_values(warehouse, definitions)
    rows = monitor.status(values, definitions)
    if json_output:
        _print_json(render.status_json(definitions, rows))
        return
    render.status(console(), definitions, rows)


@app.command("indicator")
@handled
def indicator_command(
    indicator_id: Annotated[str, typer.Argument(metavar="ID", help="Indicator-id, bijv. schaalscore-hic.")],
    area: Annotated[str | None, typer.Option("--area", help="Gebiedscode; standaard de gemeente.")] = None,
    json_output: JsonOption = False,
) -> None:
    """De reeks van één indicator voor één gebied, met 95%-intervallen."""
    settings = Settings()
    definitions = _definitions(settings)
    indicator = definitions.indicator(indicator_id)
    if indicator is None:
        known = ", ".join(i.id for i in definitions.indicators())
        raise NotFound(f"Onbekende indicator '{indicator_id}'.", hint=f"Bekende indicatoren: {known}")
    area_code = (area or definitions.programme.municipality).strip().upper()
    with _warehouse(settings, quiet=json_output) as warehouse:
        found = area_service.find(warehouse, area_code)
        values = monitor.indicator_values(warehouse, definitions, only=indicator_id)
    rows = monitor.series(values, indicator_id, area_code)
    if json_output:
        _print_json(render.series_json(indicator, found, rows))
        return
    render.series(console(), indicator, found, rows)


@app.command("areas")
@handled
def areas_command(
    municipality: Annotated[
        str | None, typer.Option("--municipality", help="Gemeentecode; standaard die van het programma.")
    ] = None,
    level: Annotated[str | None, typer.Option("--level", help="gemeente, stadsdeel, wijk of buurt.")] = None,
    json_output: JsonOption = False,
) -> None:
    """De gebieden van een gemeente met hun indeling."""
    settings = Settings()
    code = (municipality or _definitions(settings).programme.municipality).strip().upper()
    with _warehouse(settings, quiet=json_output) as warehouse:
        frame = area_service.listing(warehouse, code, level)
    if json_output:
        _print_json(frame.to_dict(orient="records"))
        return
    render.areas(console(), code, frame)


@export_app.command("indicators")
@handled
def export_indicators(
    output: Annotated[Path, typer.Option("--output", "-o", help="Doelbestand (.csv).")],
) -> None:
    """Schrijf alle indicatorwaarden: één rij per indicator × gebied × periode."""
    if output.suffix.lower() != ".csv":
        raise VeiligstadError(f"Onbekend uitvoerformaat '{output.suffix}'.", hint="Gebruik een .csv-bestand.")
    settings = Settings()
    definitions = _definitions(settings)
    with _warehouse(settings) as warehouse:
        values = monitor.indicator_values(warehouse, definitions)
    frame = monitor.export_frame(values)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(output, index=False, encoding="utf-8")
    except OSError as exc:
        raise VeiligstadError(f"Kan {output} niet schrijven: {exc.strerror}.") from exc
    console().print(f"{formatting.number(len(frame))} rijen geschreven naar {output}.")
