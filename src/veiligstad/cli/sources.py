# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad sources``: qualitative sources (list, search, add) and ``--status`` (freshness).

Also renders the summary of ``veiligstad init --municipality`` (see main.init_command).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from veiligstad import formatting
from veiligstad.cli.common import (
    JsonOption,
    console,
    current_user,
    definitions,
    handled,
    open_warehouse,
    print_json,
)
from veiligstad.errors import NotFound

if TYPE_CHECKING:
    from veiligstad.domain.documents import Document
    from veiligstad.services import freshness
    from veiligstad.services.municipality import MunicipalitySummary

sources_app = typer.Typer(
    help="Bronnen: kwalitatieve bronnen (onderzoeken, analyses, rapporten) en de actualiteit van de cijfers.",
    invoke_without_command=True,
)


class ConfidentialityChoice(StrEnum):
    """The values of ``--confidentiality``: those of ``domain.documents.Confidentiality``,
    repeated here because that module loads pydantic, which ``--help`` should not wait for
    (``tests/cli/test_startup.py`` checks that the two agree)."""

    OPENBAAR = "openbaar"
    INTERN = "intern"
    VERTROUWELIJK = "vertrouwelijk"


@sources_app.callback()
@handled
def sources_command(
    ctx: typer.Context,
    theme: Annotated[str | None, typer.Option("--theme", help="Thema-id uit het programma.")] = None,
    area: Annotated[
        str | None, typer.Option("--area", help="Gebiedscode; ook documenten over gebieden daarbinnen.")
    ] = None,
    search: Annotated[str | None, typer.Option("--search", help="Zoek in titel en samenvatting.")] = None,
    confidentiality: Annotated[
        ConfidentialityChoice | None,
        typer.Option("--confidentiality", help="openbaar, intern of vertrouwelijk."),
    ] = None,
    status: Annotated[
        bool,
        typer.Option("--status", help="Actualiteit per bron (nieuwste periode, laaddatum)."),
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Kwalitatieve bronnen zoeken op thema en gebied; met --status de actualiteit per bron."""
    if ctx.invoked_subcommand is not None:
        return
    from veiligstad.domain.documents import Confidentiality
    from veiligstad.services import documents as document_service
    from veiligstad.services import freshness
    from veiligstad.settings import Settings

    settings = Settings()
    if status:
        with open_warehouse(settings, quiet=json_output) as warehouse:
            rows = freshness.source_status(warehouse)
        if json_output:
            print_json([asdict(row) for row in rows])
        else:
            render_status(console(), rows)
        return
    programme = definitions(settings).programme
    if theme is not None and programme.theme(theme) is None:
        known = ", ".join(t.id for t in programme.themes)
        raise NotFound(f"Onbekend thema '{theme}'.", hint=f"Thema's van dit programma: {known}")
    with open_warehouse(settings, quiet=json_output) as warehouse:
        level = None if confidentiality is None else Confidentiality(confidentiality.value)
        found = document_service.find_documents(warehouse, theme, area, search, level)
    if json_output:
        print_json([doc.model_dump(mode="json") for doc in found])
        return
    render_documents(console(), found, {t.id: t.name for t in programme.themes})


@sources_app.command("add")
@handled
def add_command(
    file: Annotated[Path, typer.Argument(help="YAML-bestand met één of meer documenten.")],
    json_output: JsonOption = False,
) -> None:
    """Registreer onderzoeken, analyses en rapporten uit een YAML-bestand (alles of niets)."""
    from veiligstad.services import documents as document_service
    from veiligstad.settings import Settings

    settings = Settings()
    programme = definitions(settings).programme
    with open_warehouse(settings, quiet=json_output) as warehouse:
        report = document_service.add_documents(warehouse, file, programme, user=current_user())
    if json_output:
        print_json(asdict(report))
        return
    out = console()
    if report.added:
        out.print(f"Geregistreerd: {', '.join(report.added)}", markup=False, highlight=False)
    if report.replaced:
        out.print(f"Bijgewerkt (zelfde id): {', '.join(report.replaced)}", markup=False, highlight=False)


def render_documents(out: Console, documents: list[Document], theme_names: dict[str, str]) -> None:
    """A table of documents, newest first."""
    if not documents:
        out.print("Geen documenten gevonden.")
        out.print("Registreer documenten met `veiligstad sources add BESTAND.yaml`.")
        return
    table = Table(title=f"Kwalitatieve bronnen ({len(documents)})", title_justify="left")
    for column in (
        "Datum",
        "Titel",
        "Soort",
        "Auteur/organisatie",
        "Thema's",
        "Gebieden",
        "Niveau",
        "Vindplaats",
    ):
        table.add_column(column)
    for doc in documents:
        table.add_row(
            formatting.date(doc.date),
            f"{doc.title}\n[dim]{doc.id}[/dim]",
            doc.kind.value,
            ", ".join(x for x in (doc.author, doc.organisation) if x),
            ", ".join(theme_names.get(t, t) for t in doc.themes),
            ", ".join(doc.areas),
            doc.confidentiality.value,
            doc.location,
        )
    out.print(table)


def _when(value: Any) -> str:
    import pandas as pd

    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return formatting.MISSING
    stamp = pd.Timestamp(value)
    return formatting.date(dt.date(stamp.year, stamp.month, stamp.day))


def render_status(out: Console, rows: list[freshness.SourceStatus]) -> None:
    """Per source: newest period, loaded/retrieved, rows, and warnings."""
    table = Table(title="Actualiteit per bron", title_justify="left")
    for column in ("Bron", "Soort", "Tabel", "Nieuwste periode", "Geladen", "Opgehaald", "Rijen", "Door"):
        table.add_column(column)
    for row in rows:
        rows_text = formatting.number(row.rows)
        if row.rows_rejected:
            rows_text += f" ({formatting.number(row.rows_rejected)} afgewezen)"
        table.add_row(
            row.source_id,
            "momentopname" if row.snapshot else row.kind,
            row.table_id or formatting.MISSING,
            row.newest_period or formatting.MISSING,
            _when(row.loaded_at),
            _when(row.retrieved_at),
            rows_text,
            row.loaded_by or formatting.MISSING,
        )
    out.print(table)
    warned = [row for row in rows if row.warning]
    outdated = [row for row in rows if row.outdated]
    for row in warned:
        prefix = "Waarschuwing" if row.outdated else "Let op"
        out.print(f"{prefix}: {row.source_id}: {row.warning} ({row.rule}).", markup=False, highlight=False)
    if outdated:
        out.print(
            f"{len(outdated)} van {len(rows)} bronnen zijn verouderd. Laad nieuwere cijfers, "
            "bijv. `veiligstad import cbs <tabel> --municipality <GM-code>` als er een netwerk is."
        )


def municipality_json(summary: MunicipalitySummary) -> dict[str, Any]:
    """The init --municipality summary as JSON."""
    return asdict(summary)


def render_municipality(out: Console, summary: MunicipalitySummary) -> None:
    """What the embedded data have for the gemeente, and what to do next."""
    from veiligstad.services.municipality import summary_frame

    out.print(
        f"Startprogramma voor {summary.name} ({summary.code}) geschreven naar {summary.programme_file}.",
        markup=False,
        highlight=False,
    )
    frame = summary_frame(summary)
    table = Table(title=f"Ingebouwde gegevens voor {summary.name}", title_justify="left")
    table.add_column("Gegeven")
    table.add_column("Jaren")
    for record in frame.to_dict(orient="records"):
        table.add_row(str(record["meting"]), str(record["jaren"]))
    out.print(table)
    out.print(
        f"Gebieden: {summary.wijken} wijken, {summary.buurten} buurten; "
        f"{summary.buurten_with_population} buurten met inwoners op 1 januari 2024.",
        markup=False,
        highlight=False,
    )
    if summary.indicators:
        out.print(f"Berekenbare indicatoren: {', '.join(summary.indicators)}.", markup=False, highlight=False)
    out.print("Misdrijven per buurt staan niet in de ingebouwde gegevens; haal ze op als er een netwerk is:")
    out.print(f"  {summary.import_command}", markup=False, highlight=False)
    out.print(
        f"Pas daarna het programma aan en gebruik het met VEILIGSTAD_PROGRAMME={summary.programme_file}.",
        markup=False,
        highlight=False,
    )
