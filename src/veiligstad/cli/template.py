# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad template INDICATOR``: a fill-in template for the figures an indicator still needs.

See docs/how-to/fill-in-a-template.md. Filled in, the file loads with ``veiligstad import file``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from veiligstad import formatting
from veiligstad.cli.common import JsonOption, console, handled, open_warehouse, print_json
from veiligstad.cli.common import definitions as definitions_in_force
from veiligstad.errors import VeiligstadError
from veiligstad.files import write_atomically


def _write(output: Path, data: bytes) -> None:
    """Write beside the target and rename: never half a file."""
    write_atomically(output, lambda raw: raw.write(data))


def template_command(
    indicator_id: Annotated[
        str, typer.Argument(metavar="INDICATOR", help="Indicator-id, bijv. diefstallen-uit-woning.")
    ],
    years: Annotated[str, typer.Option("--years", help="Jaren, bijv. 2021-2025 of 2019,2021.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Doelbestand (.csv of .xlsx).")],
    level: Annotated[
        str | None, typer.Option("--level", help="gemeente, stadsdeel, wijk of buurt (standaard: gemeente).")
    ] = None,
    area: Annotated[
        str | None, typer.Option("--area", help="Gebiedscode: alleen dit gebied of de gebieden erbinnen.")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Schrijf een invulsjabloon met de cijfers die een indicator nog mist (voor import file)."""
    from veiligstad.services import templates
    from veiligstad.settings import Settings

    fmt = output.suffix.lower().lstrip(".")
    if fmt not in templates.FORMATS:
        raise VeiligstadError(f"Onbekend uitvoerformaat '{output.suffix}'.", hint="Gebruik .csv of .xlsx.")
    wanted_years = templates.parse_years(years)
    settings = Settings()
    definitions = definitions_in_force(settings)
    with open_warehouse(settings, quiet=json_output) as warehouse:
        template = templates.build(warehouse, definitions, indicator_id, wanted_years, level, area)
    _write(output, templates.render(template, fmt))
    if json_output:
        print_json(
            {
                "output": str(output),
                "indicator": template.indicator.id,
                "level": template.level,
                "years": template.years,
                "baseline_year": template.baseline_year,
                "areas": len(template.areas),
                "rows": len(template.rows),
            }
        )
        return
    out = console()
    out.print(
        f"{formatting.number(len(template.rows))} rijen in te vullen "
        f"({formatting.number(len(template.areas))} gebieden) geschreven naar {output}.",
        highlight=False,
    )
    for line in templates.instructions(template)[2:]:
        out.print(f"  {line}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``template`` to the main app."""
    app.command("template")(handled(template_command))
