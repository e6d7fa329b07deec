# SPDX-License-Identifier: EUPL-1.2
"""CLI command ``veiligstad update``: every CBS/Politie table the programme needs (see
docs/how-to/update-the-data.md)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlparse

import typer
from rich.console import Console
from rich.table import Table

from veiligstad import formatting
from veiligstad.cli import render
from veiligstad.cli.common import (
    JsonOption,
    connect,
    console,
    current_user,
    definitions,
    handled,
    open_warehouse,
    print_json,
)
from veiligstad.errors import VeiligstadError
from veiligstad.progress import Progress

if TYPE_CHECKING:
    import httpx

    from veiligstad.services import update
    from veiligstad.services.adapters import ODataClient, TableDefinition
    from veiligstad.services.warehouses import Warehouse
    from veiligstad.settings import Settings

#: Tests replace this with an ``httpx.MockTransport`` serving recorded responses.
TRANSPORT: httpx.BaseTransport | None = None

_ACTIONS = {"laden": "laden", "bijwerken": "bijwerken", "actueel": "actueel", "overslaan": "overslaan"}


def register(app: typer.Typer) -> None:
    """Add ``veiligstad update`` to the main command."""
    app.command("update")(update_command)


def update_command(
    municipality: Annotated[
        str | None, typer.Option("--municipality", help="Gemeentecode; standaard die van het programma.")
    ] = None,
    all_municipalities: Annotated[
        bool, typer.Option("--all", help="Alle gemeenten: de landelijke monitor (bron cbs-<tabel>-nl).")
    ] = False,
    since: Annotated[
        int | None,
        typer.Option(
            "--since", help="Haal alle perioden vanaf dit jaar opnieuw op; standaard alleen nieuwe."
        ),
    ] = None,
    table: Annotated[
        list[str] | None, typer.Option("--table", help="Alleen deze tabel (mag vaker), bijv. 47018NED.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Toon het plan (tabellen, perioden); haal geen cijfers op.")
    ] = False,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Andere OData-basis-URL voor alle tabellen (spiegel of test)."),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Haal alle CBS/Politie-cijfers op die de indicatoren van het programma nodig hebben."""
    _run(municipality, all_municipalities, since, table, dry_run, base_url, json_output)


@handled
def _run(
    municipality: str | None,
    all_municipalities: bool,
    since: int | None,
    tables: list[str] | None,
    dry_run: bool,
    base_url: str | None,
    quiet: bool,
) -> None:
    from veiligstad.services import update
    from veiligstad.settings import Settings

    if all_municipalities and municipality:
        raise VeiligstadError(
            "Kies --municipality of --all, niet allebei.", hint="--all haalt de cijfers van alle gemeenten."
        )
    settings = Settings()
    defs = definitions(settings)
    scope = None if all_municipalities else (municipality or defs.programme.municipality)
    with _clients(base_url) as client_for:
        # Probe and metadata first: without network nothing is opened or written.
        with _held(settings) as held_for, render.progress(quiet, "plan") as step:
            plan = update.make_plan(defs, client_for, held_for, scope, since, tables, step)
        if dry_run:
            if quiet:
                print_json(plan_json(plan))
            else:
                render_plan(console(), plan)
            return
        with open_warehouse(settings, quiet=quiet) as warehouse:
            report = update.run_update(plan, warehouse, client_for, current_user(), _bars(quiet))
    if quiet:
        print_json(report_json(report))
    else:
        render_report(console(), plan, report)
    if report.interrupted:
        loaded = [t.table_id for t in report.tables if t.outcome == "geladen"]
        raise update.UpdateInterrupted(
            "De verbinding viel weg tijdens het bijwerken"
            + (f"; geladen en bewaard: {', '.join(loaded)}" if loaded else "; er is niets gewijzigd")
            + ".",
            hint="Start 'veiligstad update' opnieuw: geladen tabellen worden niet opnieuw opgehaald.",
        )


@contextlib.contextmanager
def _clients(base_url: str | None) -> Iterator[update.ClientFor]:
    """One client per host (or one for --base-url), closed at the end."""
    from veiligstad.services.adapters import ODataClient

    clients: dict[str, ODataClient] = {}

    def client_for(definition: TableDefinition) -> ODataClient:
        url = base_url or definition.base_url
        if url not in clients:
            clients[url] = ODataClient(url, transport=TRANSPORT, max_pages=100_000)
        return clients[url]

    try:
        yield client_for
    finally:
        for client in clients.values():
            client.close()


@contextlib.contextmanager
def _held(settings: Settings) -> Iterator[update.HeldFor]:
    """What the warehouse holds per source; opened only after the probe, read-only in intent.

    A DuckDB file that does not exist yet is not created here (a dry run or a failed probe
    leaves no file behind): it holds nothing.
    """
    from veiligstad.services import update
    from veiligstad.services.warehouses import OBSERVATIONS

    url = settings.resolved_database_url()
    parsed = urlparse(url)
    opened: list[Any] = []
    stack = contextlib.ExitStack()

    def held_for(source: str) -> dict[str, str]:
        local = parsed.scheme == "duckdb" and parsed.path not in ("", "/", "/:memory:")
        if local and not Path(parsed.path).exists():
            return {}
        if not opened:
            opened.append(stack.enter_context(connect(url)))
        warehouse: Warehouse = opened[0]
        if OBSERVATIONS not in warehouse.con.list_tables():
            return {}
        return update.held_periods(warehouse, source)

    with stack:
        yield held_for


def _bars(quiet: bool) -> update.ProgressFor:
    """A Rich progress bar per table (none with --json)."""

    @contextlib.contextmanager
    def bar(table_id: str) -> Iterator[Progress]:
        with render.progress(quiet, table_id) as step:
            yield step

    return bar


def plan_json(plan: update.Plan) -> dict[str, Any]:
    return {
        "scope": plan.scope,
        "since": plan.since,
        "tables": [
            {
                "table_id": t.table_id,
                "title": t.title,
                "host": t.host,
                "source_id": t.source_id,
                "action": t.action,
                "reason": t.reason,
                "periods": t.period_codes if t.fetches else [],
                "held": t.held,
                "requests": t.requests,
                "measures": list(t.measures),
                "indicators": list(t.indicators),
            }
            for t in plan.tables
        ],
        "missing": plan.missing,
        "next_steps": plan.next_steps,
    }


def report_json(report: update.UpdateReport) -> dict[str, Any]:
    return {
        "scope": report.scope,
        "interrupted": report.interrupted,
        "tables": [vars(t) for t in report.tables],
        "next_steps": report.next_steps,
    }


def _periods(codes: list[str]) -> str:
    if not codes:
        return ""
    if len(codes) <= 3:
        return ", ".join(codes)
    return f"{codes[0]} t/m {codes[-1]} ({len(codes)})"


def render_plan(out: Console, plan: update.Plan) -> None:
    """The plan as a Rich table (Dutch)."""
    from veiligstad.services import update

    where = "heel Nederland" if plan.scope == update.NATIONAL else plan.scope
    table = Table(
        title=f"Plan voor {where}" + (f", vanaf {plan.since}" if plan.since else ""), title_justify="left"
    )
    for column in (
        "Tabel",
        "Bron",
        "Actie",
        "Op te halen perioden",
        "In warehouse",
        "Verzoeken",
        "Toelichting",
    ):
        table.add_column(column, justify="right" if column == "Verzoeken" else "left")
    for t in plan.tables:
        table.add_row(
            f"{t.table_id} {t.title}",
            t.source_id,
            _ACTIONS[t.action],
            _periods(t.period_codes) if t.fetches else "",
            _periods(t.held),
            str(t.requests) if t.requests else "",
            t.reason or ", ".join(t.indicators[:3]) + (" …" if len(t.indicators) > 3 else ""),
        )
    out.print(table)
    _next_steps(out, plan.next_steps)


def render_report(out: Console, plan: update.Plan, report: update.UpdateReport) -> None:
    """What was done per table (Dutch)."""
    from veiligstad.services import update

    where = "heel Nederland" if report.scope == update.NATIONAL else report.scope
    table = Table(title=f"Bijgewerkt voor {where}", title_justify="left")
    numbers = ("Opgehaald", "Totaal in bron", "Niet gepubliceerd")
    for column in (
        "Tabel",
        "Resultaat",
        "Opgehaald",
        "Totaal in bron",
        "Perioden",
        "Voorlopig",
        "Niet gepubliceerd",
        "Toelichting",
    ):
        table.add_column(column, justify="right" if column in numbers else "left")
    for t in report.tables:
        table.add_row(
            t.table_id,
            t.outcome,
            formatting.number(t.rows_fetched) if t.rows_fetched else "",
            formatting.number(t.rows_total) if t.rows_total else "",
            _periods(t.periods),
            ", ".join(t.provisional),
            formatting.number(t.withheld) if t.withheld else "",
            t.message,
        )
    out.print(table)
    if any(t.withheld for t in report.tables):
        out.print("Niet gepubliceerde cellen (geheim of onbekend) zijn opgeslagen als leeg, niet als 0.")
    del plan
    _next_steps(out, report.next_steps)


def _next_steps(out: Console, steps: list[str]) -> None:
    if steps:
        out.print("Volgende stappen:")
        for step in steps:
            out.print(f"  - {step}", markup=False)
