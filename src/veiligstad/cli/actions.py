# SPDX-License-Identifier: EUPL-1.2
"""CLI: ``veiligstad actions list|show|import|export`` and ``veiligstad evaluate YEAR``.

The uitvoeringsprogramma can be kept in version control as YAML: ``actions export`` writes
it, ``actions import`` reads it back (all or nothing, every problem listed). Every change is
recorded in the audit trail under the operating-system user who ran the command.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from veiligstad import formatting
from veiligstad.cli.common import JsonOption, console, current_user, handled, open_warehouse, print_json
from veiligstad.cli.common import definitions as definitions_in_force
from veiligstad.cli.trends import percent, signal_text
from veiligstad.errors import NotFound, VeiligstadError

if TYPE_CHECKING:
    from veiligstad.domain.actions import Action
    from veiligstad.engine.trends import Change as SeriesChange
    from veiligstad.services.evaluation import Evaluation, IndicatorChange
    from veiligstad.settings import Settings

actions_app = typer.Typer(
    help="Uitvoeringsprogramma: acties per jaar bekijken, importeren en exporteren (YAML).",
    no_args_is_help=True,
)

YearOption = Annotated[int | None, typer.Option("--year", help="Alleen acties van dit jaar.")]
HOW_TO_ADD = (
    "Nog geen acties. Zet ze in een YAML-bestand (zie examples/acties-voorbeeld.yaml) en voer uit:\n"
    "  veiligstad actions import acties-2025.yaml"
)


def _known_theme(settings: Settings, theme: str | None) -> None:
    if theme is None:
        return
    programme = definitions_in_force(settings).programme
    if programme.theme(theme) is None:
        known = ", ".join(t.id for t in programme.themes)
        raise NotFound(f"Onbekend thema '{theme}'.", hint=f"Thema's van dit programma: {known}")


@actions_app.command("list")
@handled
def list_command(
    year: YearOption = None,
    theme: Annotated[str | None, typer.Option("--theme", help="Thema-id uit het programma.")] = None,
    indicator: Annotated[str | None, typer.Option("--indicator", help="Indicator-id.")] = None,
    json_output: JsonOption = False,
) -> None:
    """De acties, nieuwste jaar eerst, met status, thema's en trekker."""
    from veiligstad.services import actions as action_service
    from veiligstad.settings import Settings

    settings = Settings()
    _known_theme(settings, theme)
    with open_warehouse(settings, quiet=json_output) as warehouse:
        found = action_service.list_actions(warehouse, year=year, theme=theme, indicator=indicator)
    if json_output:
        print_json([a.model_dump(mode="json") for a in found])
        return
    render_actions(console(), found, year)


def render_actions(out: Console, found: list[Action], year: int | None) -> None:
    """A table of actions; the how-to when there are none."""
    if not found:
        out.print(HOW_TO_ADD if year is None else f"Geen acties in {year}.", markup=False, highlight=False)
        return
    table = Table(title=f"Acties ({len(found)})", title_justify="left")
    for column in ("Jaar", "Actie", "Status", "Thema's", "Indicatoren", "Gebieden", "Trekker", "Openbaar"):
        table.add_column(column)
    for action in found:
        table.add_row(
            str(action.year),
            f"{action.title}\n[dim]{action.id}[/dim]",
            action.status.value,
            ", ".join(action.themes),
            ", ".join(action.indicators) or formatting.MISSING,
            ", ".join(action.areas) or "hele gemeente",
            action.lead or formatting.MISSING,
            "ja" if action.is_public else action.confidentiality.value,
        )
    out.print(table)


@actions_app.command("show")
@handled
def show_command(
    action_id: Annotated[str, typer.Argument(metavar="ID", help="Id van de actie.")],
    json_output: JsonOption = False,
) -> None:
    """Eén actie met voortgang en evaluatie, als YAML (of JSON)."""
    from veiligstad.services import action_files
    from veiligstad.services import actions as action_service
    from veiligstad.settings import Settings

    settings = Settings()
    with open_warehouse(settings, quiet=json_output) as warehouse:
        action = action_service.get_action(warehouse, action_id)
    if json_output:
        print_json(action.model_dump(mode="json"))
        return
    text = action_files.actions_yaml([action]).split("\n", 2)[2]  # without the export header
    console().print(text, markup=False, highlight=False)


@actions_app.command("import")
@handled
def import_command(
    file: Annotated[
        Path, typer.Argument(help="YAML-bestand met acties (zie examples/acties-voorbeeld.yaml).")
    ],
    prune: Annotated[
        bool,
        typer.Option(
            "--prune", help="Verwijder acties van de jaren in het bestand die er niet meer in staan."
        ),
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Lees acties uit YAML: eerst alles controleren, dan alles of niets opslaan."""
    from veiligstad.services import action_files
    from veiligstad.settings import Settings

    settings = Settings()
    definitions = definitions_in_force(settings)
    with open_warehouse(settings, quiet=json_output) as warehouse:
        report = action_files.import_actions(warehouse, file, definitions, user=current_user(), prune=prune)
    if json_output:
        print_json(asdict(report))
        return
    out = console()
    for label, ids in (
        ("Toegevoegd", report.added),
        ("Bijgewerkt", report.updated),
        ("Verwijderd", report.deleted),
        ("Ongewijzigd", report.unchanged),
    ):
        if ids:
            out.print(f"{label} ({len(ids)}): {', '.join(ids)}", markup=False, highlight=False)


@actions_app.command("export")
@handled
def export_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="Doelbestand (.yaml).")],
    year: YearOption = None,
) -> None:
    """Schrijf de acties naar YAML (voor versiebeheer); import leest het ongewijzigd terug."""
    from veiligstad.services import action_files
    from veiligstad.settings import Settings

    if output.suffix.lower() not in (".yaml", ".yml"):
        raise VeiligstadError(
            f"Onbekend uitvoerformaat '{output.suffix}'.", hint="Gebruik een .yaml-bestand."
        )
    settings = Settings()
    with open_warehouse(settings) as warehouse:
        count = action_files.export_actions(warehouse, output, year)
    console().print(
        f"{formatting.number(count)} actie(s) geschreven naar {output}.", markup=False, highlight=False
    )


# --------------------------------------------------------------------------- evaluate


def _change_text(change: SeriesChange | None, verdict: str, decimals: int) -> str:
    if change is None:
        return formatting.MISSING
    before = formatting.number(change.before.value, decimals)
    relative = percent(change.relative)
    shift = f"{formatting.signed(change.difference, decimals)}{f' ({relative})' if relative else ''}"
    text = f"{change.before.label}: {before} → {shift}\n{signal_text(change.comparison)}"
    return text if verdict == change.comparison.signal.value else f"{text}; {verdict}"


def _value_text(item: IndicatorChange) -> str:
    from veiligstad.services import evaluation

    if item.disclosure:
        return item.disclosure
    if item.value is None:
        return formatting.MISSING
    text = formatting.number(item.value, item.indicator.decimals)
    return f"{text} ({item.source})" if item.source == evaluation.PUBLISHED else text


def _indicator_table(title: str, rows: list[IndicatorChange], year: int, baseline_year: int) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("Indicator")
    table.add_column(f"Waarde {year}", justify="right")
    table.add_column("t.o.v. vorige meting")
    table.add_column(f"t.o.v. basisjaar {baseline_year}")
    table.add_column("Toelichting")
    for item in rows:
        decimals = item.indicator.decimals
        table.add_row(
            f"{item.indicator.name}\n[dim]{item.indicator.unit}[/dim]",
            _value_text(item),
            _change_text(item.previous, item.verdict_previous, decimals),
            _change_text(item.baseline, item.verdict_baseline, decimals),
            "; ".join([*item.notes, item.reason] if item.reason else item.notes),
        )
    return table


def _actions_table(found: list[Action]) -> Table:
    table = Table(title="Acties", title_justify="left")
    for column in ("Actie", "Status", "Trekker", "Evaluatie"):
        table.add_column(column)
    for action in found:
        evaluated = action.evaluation
        table.add_row(
            f"{action.title}\n[dim]{action.id}[/dim]",
            action.status.value,
            action.lead or formatting.MISSING,
            f"{evaluated.method.value}: {evaluated.conclusion or evaluated.result}"
            if evaluated
            else "nog niet",
        )
    return table


def render_evaluation(out: Console, result: Evaluation, municipality: str) -> None:
    """Per theme the indicators with labels, the actions and the saved conclusions."""
    out.print(f"Evaluatie uitvoeringsprogramma {result.year} — {municipality}", style="bold")
    counts = ", ".join(f"{n} {status}" for status, n in result.status_counts().items() if n)
    out.print(f"Acties in {result.year}: {len(result.actions)}" + (f" ({counts})" if counts else ""))
    if result.saved and result.saved.summary:
        out.print(f"Samenvatting: {result.saved.summary}", markup=False, highlight=False)
    for theme in result.themes:
        out.rule(theme.theme.name)
        if theme.indicators:
            out.print(_indicator_table("Indicatoren", theme.indicators, result.year, result.baseline_year))
        if theme.actions:
            out.print(_actions_table(theme.actions))
        else:
            out.print(f"Geen acties op dit thema in {result.year}.")
        if theme.conclusion and theme.conclusion.conclusion:
            out.print(f"Conclusie: {theme.conclusion.conclusion}", markup=False, highlight=False)
        for adjustment in theme.conclusion.adjustments if theme.conclusion else []:
            out.print(f"  Bijstelling: {adjustment}", markup=False, highlight=False)
    if result.context:
        out.rule("Context")
        out.print(_indicator_table("Contextindicatoren", result.context, result.year, result.baseline_year))
    out.print(
        "Een verandering heet alleen 'significant' als ze groter is dan toeval (95%); gepubliceerde "
        "waarden zonder telling of marge worden getoond maar niet getoetst."
    )
    if result.saved is None:
        out.print(
            f"Nog geen conclusies voor {result.year}: "
            f"veiligstad evaluate {result.year} --conclusions BESTAND.yaml"
        )


def evaluate_command(
    year: Annotated[int, typer.Argument(metavar="JAAR", help="Het jaar van het uitvoeringsprogramma.")],
    conclusions: Annotated[
        Path | None,
        typer.Option(
            "--conclusions", help="YAML met conclusies en bijstellingen per thema; wordt opgeslagen."
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Jaarevaluatie: per thema de indicatoren met significantie, de acties en de conclusies."""
    from veiligstad.services import evaluation, monitor
    from veiligstad.settings import Settings

    settings = Settings()
    definitions = definitions_in_force(settings)
    written = evaluation.read_conclusions(conclusions, definitions, year) if conclusions else None
    with open_warehouse(settings, quiet=json_output) as warehouse:
        if written is not None:
            saved = evaluation.save_conclusions(
                warehouse,
                written,
                definitions,
                user=current_user(),
                note=f"evaluate --conclusions {conclusions}",
            )
            if not json_output:
                state = "opgeslagen" if saved else "ongewijzigd"
                console().print(f"Conclusies voor {year} {state}.", markup=False, highlight=False)
        values = monitor.indicator_values(warehouse, definitions)
        result = evaluation.evaluate_year(warehouse, definitions, year, values=values)
    if json_output:
        print_json(result.as_dict())
        return
    render_evaluation(console(), result, definitions.programme.municipality_name)


def register(app: typer.Typer) -> None:
    """Add ``actions`` and ``evaluate`` to the main app."""
    app.add_typer(actions_app, name="actions")
    app.command("evaluate")(handled(evaluate_command))
