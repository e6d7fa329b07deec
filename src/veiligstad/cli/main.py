# SPDX-License-Identifier: EUPL-1.2
"""The ``veiligstad`` command. Commands and options are English; what it prints is Dutch."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from veiligstad import formatting
from veiligstad.cli import (
    actions,
    alerts,
    bundle,
    common,
    hotspots,
    import_boundaries,
    import_cbs,
    import_file,
    render,
    report,
    serve,
    sources,
    template,
    trends,
    users,
)
from veiligstad.cli import publish as publish_cli
from veiligstad.cli import update as update_cli
from veiligstad.cli.common import (
    Answers,
    JsonOption,
    connect,
    console,
    handled,
    indicator_values,
    json_text,
    open_warehouse,
    print_answer,
    print_json,
)
from veiligstad.cli.common import definitions as definitions_in_force
from veiligstad.cli.imports import import_app
from veiligstad.errors import DefinitionError, NotFound, VeiligstadError

# Commands import the services (and with them pandas, Ibis and DuckDB) and the settings
# (pydantic-settings) in their bodies, so that ``--help`` and commands that do not need them
# start quickly (``tests/cli/test_startup.py``).

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
for _analysis in (trends, hotspots, alerts, serve, users, actions, report, template):
    _analysis.register(app)
update_cli.register(app)
publish_cli.register(app)
bundle.register(export_app)


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Toon de volledige traceback bij fouten.")] = False,
) -> None:
    """Veiligheidsmonitor voor Nederlandse gemeenten (standaard: MJP Veiligheid Maastricht 2023-2026)."""
    common.state["debug"] = debug


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
    from veiligstad.services import bootstrap
    from veiligstad.services import municipality as municipality_service
    from veiligstad.settings import Settings

    settings = Settings()
    if municipality is not None:
        municipality = municipality_service.normalise_code(municipality)
    with connect(settings.resolved_database_url()) as warehouse:
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
        print_json(data)
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
    from veiligstad.definitions.loader import load_catalogue, load_programme
    from veiligstad.definitions.validation import Definitions, validate
    from veiligstad.settings import Settings

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
            print_json({"valid": False, "stage": "structuur", "problems": [vars(p) for p in exc.problems]})
            raise typer.Exit(1) from None
        raise
    problems = validate(definitions)
    errors = [p for p in problems if p.severity == "fout"]
    if json_output:
        print_json({"valid": not errors, "stage": "betekenis", "problems": [vars(p) for p in problems]})
    else:
        render.validation(console(), definitions, problems)
    if errors:
        raise typer.Exit(1)


@app.command("status")
@handled
def status_command(json_output: JsonOption = False) -> None:
    """Stand van het programma: per thema de indicatoren, basis, laatste waarde en signaal."""
    from veiligstad.settings import Settings

    settings = Settings()
    answers = Answers(settings)  # printed before for this data state: no figures needed
    stored = answers.get("status")
    if stored is not None:
        print_answer(stored, json_output)
        return
    from veiligstad.services import monitor

    definitions = definitions_in_force(settings)
    values = indicator_values(settings, definitions, quiet=json_output)  # stored per state
    rows = monitor.status(values, definitions)
    answer = {
        "text": render.status_blocks(definitions, rows),
        "json": json_text(render.status_json(definitions, rows)),
    }
    answers.save({"status": answer})
    print_answer(answer, json_output)


def indicator_answer_name(indicator_id: str, area: str | None) -> str:
    """Under which name ``indicator ID [--area CODE]`` is stored (no area: the municipality).

    >>> indicator_answer_name("misdrijven-totaal", " wk093500"), indicator_answer_name("x", None)
    ('indicator misdrijven-totaal WK093500', 'indicator x ')
    """
    return f"indicator {indicator_id} {(area or '').strip().upper()}"


@app.command("indicator")
@handled
def indicator_command(
    indicator_id: Annotated[str, typer.Argument(metavar="ID", help="Indicator-id, bijv. schaalscore-hic.")],
    area: Annotated[str | None, typer.Option("--area", help="Gebiedscode; standaard de gemeente.")] = None,
    json_output: JsonOption = False,
) -> None:
    """De reeks van één indicator voor één gebied, met 95%-intervallen."""
    from veiligstad.settings import Settings

    settings = Settings()
    answers = Answers(settings)  # printed before for this data state: no figures needed
    stored = answers.get(indicator_answer_name(indicator_id, area))
    if stored is not None:
        print_answer(stored, json_output)
        return
    from veiligstad.services import areas as area_service
    from veiligstad.services import monitor

    definitions = definitions_in_force(settings)
    indicator = definitions.indicator(indicator_id)
    if indicator is None:
        known = ", ".join(i.id for i in definitions.indicators())
        raise NotFound(f"Onbekende indicator '{indicator_id}'.", hint=f"Bekende indicatoren: {known}")
    area_code = (area or definitions.programme.municipality).strip().upper()
    with open_warehouse(settings, quiet=json_output) as warehouse:
        found = area_service.find(warehouse, area_code)
    values = indicator_values(settings, definitions, quiet=json_output)  # stored per state
    # every indicator of this area at once (a few milliseconds each): the next one is stored too
    own = values[values["area_code"] == area_code]
    computed = {}
    for each in definitions.indicators():
        rows = monitor.series(own, each.id, area_code)
        computed[indicator_answer_name(each.id, area)] = {
            "text": render.series_blocks(each, found, rows),
            "json": json_text(render.series_json(each, found, rows)),
        }
    answers.save(computed)
    print_answer(computed[indicator_answer_name(indicator_id, area)], json_output)


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
    from veiligstad.services import areas as area_service
    from veiligstad.settings import Settings

    settings = Settings()
    code = (municipality or definitions_in_force(settings).programme.municipality).strip().upper()
    with open_warehouse(settings, quiet=json_output) as warehouse:
        frame = area_service.listing(warehouse, code, level)
    if json_output:
        print_json(frame.to_dict(orient="records"))
        return
    render.areas(console(), code, frame)


@export_app.command("indicators")
@handled
def export_indicators(
    output: Annotated[Path, typer.Option("--output", "-o", help="Doelbestand (.csv).")],
) -> None:
    """Schrijf alle indicatorwaarden: één rij per indicator × gebied × periode."""
    from veiligstad.services import monitor
    from veiligstad.settings import Settings

    if output.suffix.lower() != ".csv":
        raise VeiligstadError(f"Onbekend uitvoerformaat '{output.suffix}'.", hint="Gebruik een .csv-bestand.")
    settings = Settings()
    definitions = definitions_in_force(settings)
    with open_warehouse(settings) as warehouse:
        values = monitor.indicator_values(warehouse, definitions)
    frame = monitor.export_frame(values)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        formatting.spreadsheet_safe(frame).to_csv(output, index=False, encoding="utf-8")
    except OSError as exc:
        raise VeiligstadError(f"Kan {output} niet schrijven: {exc.strerror}.") from exc
    console().print(f"{formatting.number(len(frame))} rijen geschreven naar {output}.")
