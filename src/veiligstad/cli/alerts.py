# SPDX-License-Identifier: EUPL-1.2
"""CLI: `veiligstad alerts`."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from veiligstad import formatting
from veiligstad.cli.common import JsonOption, console, handled, open_warehouse, print_json
from veiligstad.cli.common import definitions as definitions_in_force
from veiligstad.cli.trends import p_text, percent
from veiligstad.errors import DataError

if TYPE_CHECKING:
    from veiligstad.services.alerts import Alert


def parse_date(text: str | None) -> dt.date | None:
    """``2024-01-31`` → a date; a Dutch error otherwise."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DataError(f"Onbekende datum '{text}'.", hint="Gebruik JJJJ-MM-DD, bijv. 2024-01-01.") from None


def render_alerts(out: Console, found: list[Alert], since: dt.date | None, fdr: bool = True) -> None:
    """The alerts as a Dutch table (with the corrected p-values when ``fdr``, the default)."""
    heading = "Meldingen" + (f" sinds {formatting.date(since)}" if since else "")
    if not found:
        out.print(f"{heading}: geen significante veranderingen.")
        return
    table = Table(title=f"{heading}: {formatting.number(len(found))}", title_justify="left")
    headers = ("Einde periode", "Soort", "Indicator", "Gebied", "Vergelijking", "Van", "Naar")
    tests = ("p", "q (FDR)") if fdr else ("p",)
    for header in (*headers, "Verandering", "Signaal", *tests, "φ", "Oordeel"):
        numeric = header in {"Van", "Naar", "Verandering", *tests}
        table.add_column(header, justify="right" if numeric else "left")
    for alert in found:
        decimals = 0 if alert.unit == "aantal" else 1
        area = f"{alert.area_name} ({alert.area_code})" if alert.area_name else alert.area_code
        table.add_row(
            formatting.date(alert.period_end),
            alert.kind,
            alert.indicator_name,
            area,
            f"{alert.source}: {alert.before} → {alert.after}",
            formatting.number(alert.before_value, decimals),
            formatting.number(alert.after_value, decimals),
            percent(alert.relative),
            alert.signal.value,
            p_text(alert.p_value),
            *((p_text(alert.q_value),) if fdr else ()),
            alert.phi.split(" (")[0].removeprefix("φ = ") if alert.phi else "",
            alert.assessment,
        )
    out.print(table)
    out.print(
        "Alleen veranderingen die op het 5%-niveau significant zijn; voorlopige cijfers en veranderingen "
        "over een grenswijziging tellen niet mee. Tellingen: quasi-Poisson-toets; φ is de extra "
        "spreiding (variantie = φ × gemiddelde), uit de andere jaren van de reeks of gepoold over "
        "vergelijkbare gebieden."
    )
    if fdr:
        out.print(
            "Gecorrigeerd voor meervoudig toetsen: q is de p-waarde na de Benjamini–Hochberg-correctie "
            "(false discovery rate 5%) over een vaste familie: alle indicatoren × gebieden × vergelijkingen "
            "van dezelfde periode, ongeacht --since. Ongecorrigeerd: --no-fdr."
        )
    else:
        out.print(
            "Niet gecorrigeerd voor meervoudig toetsen (--no-fdr): zonder echte verandering is "
            "ongeveer 1 op de 20 toetsen toch 'significant'."
        )


def alerts_command(
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATUM",
            help="Toon alleen perioden die op of na deze datum eindigen (filtert na de FDR-correctie).",
        ),
    ] = None,
    json_output: JsonOption = False,
    fdr: Annotated[
        bool,
        typer.Option(
            "--fdr/--no-fdr",
            help=(
                "Corrigeer voor meervoudig toetsen (Benjamini–Hochberg, FDR 5%; standaard) over alle "
                "indicatoren × gebieden × vergelijkingen van dezelfde periode, ongeacht --since. "
                "--no-fdr toont de ongecorrigeerde lijst (p < 0,05)."
            ),
        ),
    ] = True,
) -> None:
    """Significante veranderingen en nieuwe of intensiverende hotspots sinds een datum.

    Standaard gecorrigeerd voor meervoudig toetsen; --since filtert alleen wat na de correctie
    getoond wordt."""
    from veiligstad.services import alerts as alert_service
    from veiligstad.settings import Settings

    day = parse_date(since)
    settings = Settings()
    definitions = definitions_in_force(settings)
    with open_warehouse(settings, quiet=json_output) as warehouse:
        found = alert_service.alerts(warehouse, definitions, day, fdr=fdr)
    if json_output:
        print_json(
            {"since": day.isoformat() if day else None, "fdr": fdr, "alerts": [a.as_dict() for a in found]}
        )
        return
    render_alerts(console(), found, day, fdr=fdr)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("alerts")(handled(alerts_command))
