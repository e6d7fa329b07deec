# SPDX-License-Identifier: EUPL-1.2
"""CLI: `veiligstad hotspots`."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from veiligstad import formatting
from veiligstad.cli.common import console, handled, open_warehouse, print_json
from veiligstad.cli.common import definitions as definitions_in_force
from veiligstad.domain.areas import AreaLevel
from veiligstad.errors import VeiligstadError

if TYPE_CHECKING:
    from veiligstad.services import hotspots as service


def _service() -> Any:
    """The hotspot service, imported on use: PySAL takes seconds to import, every command would pay."""
    from veiligstad.services import hotspots

    return hotspots


#: Result columns left out of the CSV file (the analysed series and the raw G statistic).
CSV_LEFT_OUT = ("analysed_value", "g")


class OutputFormat(StrEnum):
    """Output formats of ``veiligstad hotspots``."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"


class MeasureOption(StrEnum):
    """``--measure``: the rate per inhabitants or the count of registrations."""

    RATE = "rate"
    COUNT = "count"


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("hotspots")(hotspots_command)


@handled
def hotspots_command(
    indicator_id: Annotated[
        str, typer.Argument(metavar="INDICATOR", help="Indicator-id, bijv. misdrijven-totaal.")
    ],
    period: Annotated[str, typer.Option("--period", help="Periode, bijv. 2023.")],
    level: Annotated[
        str, typer.Option("--level", help="Gebiedsniveau: buurt, wijk, stadsdeel of gemeente.")
    ] = (AreaLevel.BUURT.value),
    municipality: Annotated[
        str | None,
        typer.Option(
            "--municipality",
            help="Gemeentecode; standaard die van het programma (op gemeenteniveau: alle gemeenten).",
        ),
    ] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="table, csv of json.")] = (
        OutputFormat.TABLE
    ),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Schrijf naar dit bestand (bij table: CSV).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Startwaarde van de permutaties.")] = 12345,
    permutations: Annotated[
        int | None, typer.Option("--permutations", help="Aantal permutaties (minstens 99; standaard 9999).")
    ] = None,
    no_smoothing: Annotated[
        bool, typer.Option("--no-smoothing", help="Geen empirical-Bayes-smoothing van cijfers per inwoner.")
    ] = False,
    min_population: Annotated[
        int | None,
        typer.Option("--min-population", help="Markeer gebieden met minder inwoners (standaard 200)."),
    ] = None,
    measure: Annotated[
        MeasureOption | None,
        typer.Option(
            "--measure",
            help="rate: cijfer per inwoners, zonder niet-woongebieden (< 100 inwoners; standaard); "
            "count: aantallen, alle gebieden.",
        ),
    ] = None,
    no_fdr: Annotated[
        bool,
        typer.Option(
            "--no-fdr",
            help="Ruwe lijst: géén correctie voor meervoudig toetsen (Benjamini–Hochberg). "
            "Bij 5% is dan 1 op de 20 gebieden toevallig raak.",
        ),
    ] = False,
) -> None:
    """Hotspots (Getis–Ord Gi*) en LISA-clusters (lokale Moran's I) van één indicator en periode.

    Minstens 30 gebieden; labels uit tweezijdige p-waarden, gecorrigeerd voor meervoudig toetsen.
    """
    from veiligstad.settings import Settings

    settings = Settings()
    definitions = definitions_in_force(settings)
    if municipality is None and level in {
        AreaLevel.STADSDEEL.value,
        AreaLevel.WIJK.value,
        AreaLevel.BUURT.value,
    }:
        municipality = definitions.programme.municipality
    quiet = output_format is not OutputFormat.TABLE or output is not None
    service = _service()
    with open_warehouse(settings, quiet=quiet) as warehouse:
        result = service.analyse(
            warehouse,
            definitions,
            indicator_id,
            period,
            level=level,
            municipality=municipality.strip().upper() if municipality else None,
            seed=seed,
            permutations=service.spatial.DEFAULT_PERMUTATIONS if permutations is None else permutations,
            smooth=not no_smoothing,
            min_population=min_population,
            measure=None if measure is None else measure.value,
            fdr=not no_fdr,
        )
    if output is None:
        if output_format is OutputFormat.CSV:
            typer.echo(csv_text(result), nl=False)
        elif output_format is OutputFormat.JSON:
            print_json(as_json(result))
        else:
            render(console(), result)
        return
    if output_format is OutputFormat.TABLE:
        render(console(), result)
        text = csv_text(result)  # a table cannot go to a file; the file gets the CSV
    else:
        text = csv_text(result) if output_format is OutputFormat.CSV else _json_text(result)
    _write(output, text)
    console().print(f"{formatting.number(len(result.frame))} gebieden geschreven naar {output}.")


def csv_text(result: service.HotspotAnalysis) -> str:
    """The CSV file: one row per area (decimal point, as machines expect)."""
    columns = [c for c in _service().COLUMNS if c not in CSV_LEFT_OUT]
    return str(formatting.spreadsheet_safe(result.frame[columns]).to_csv(index=False))


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise VeiligstadError(f"Kan {path} niet schrijven: {exc.strerror}.") from exc


def _json_text(result: service.HotspotAnalysis) -> str:
    return json.dumps(as_json(result), ensure_ascii=False, indent=2, default=str) + "\n"


#: Pseudo p-values are multiples of 2/(permutations + 1); JSON shows them rounded.
PSEUDO_P = {"p", "lisa_p"}


def _clean(key: str, value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if key in PSEUDO_P and isinstance(value, float):
        return round(value, 6)
    return value


def as_json(result: service.HotspotAnalysis) -> dict[str, Any]:
    """Machine output: what was done, and one record per area."""
    records = [
        {str(key): _clean(str(key), value) for key, value in record.items()}
        for record in result.frame.astype(object).where(result.frame.notna(), None).to_dict(orient="records")
    ]
    return {
        "indicator": result.indicator.id,
        "unit": result.indicator.unit,
        "period": result.period,
        "level": result.level,
        "municipality": result.municipality,
        "method": "Getis–Ord Gi* (binaire Queen-gewichten, zelfgewicht 1) en lokale Moran's I",
        "test": _service().TEST,
        "permutations": result.permutations,
        "seed": result.seed,
        "fdr": result.fdr_text,
        "fdr_applied": result.fdr,
        "measure": result.measure.value,
        "measure_label": result.measure.label,
        "min_residents": result.min_residents,
        "left_out": [{"area_code": c, "area_name": n, "reason": r} for c, n, r in result.left_out],
        "lisa_method": result.lisa_method,
        "lisa_note": _service().LISA_NOTE,
        "smoothing": result.smoothing,
        "min_population": result.min_population,
        "islands": [vars(link) for link in result.islands],
        "components": result.n_components,
        "explanation": _service().EXPLANATION,
        "counts": result.counts(),
        "areas": records,
    }


def _cell(value: Any, decimals: int) -> str:
    import pandas as pd

    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return formatting.MISSING
    return formatting.number(float(value), decimals)


def render(out: Console, result: service.HotspotAnalysis) -> None:
    """Dutch table: per area value, z, pseudo p, FDR-corrected p, category and LISA cluster."""
    indicator = result.indicator
    where = f" in {result.municipality}" if result.municipality else ""
    table = Table(
        title=f"Hotspots: {indicator.name} ({indicator.unit}), {result.period}, {result.level}{where}",
        title_justify="left",
    )
    smoothed = result.smoothing == _service().SMOOTHING_EB
    headers = ["Code", "Naam", "Waarde"]
    if smoothed:
        headers.append("Gesmoothed")
    headers += ["z (Gi*)", "p", "p (FDR)", "Categorie", "LISA", "Opmerkingen"]
    for header in headers:
        numeric = header in {"Waarde", "Gesmoothed", "z (Gi*)", "p", "p (FDR)"}
        table.add_column(header, justify="right" if numeric else "left")
    for record in result.frame.to_dict(orient="records"):
        cells = [str(record["area_code"]), str(record["area_name"] or ""), _cell(record["value"], 1)]
        if smoothed:
            cells.append(_cell(record["smoothed_value"], 1))
        cells += [
            _cell(record["z"], 2),
            _cell(record["p"], 3),
            _cell(record["p_fdr"], 3),
            str(record["category"]),
            str(record["lisa_cluster"]),
            str(record["flags"]),
        ]
        table.add_row(*cells)
    out.print(table)
    counts = ", ".join(f"{label}: {formatting.number(n)}" for label, n in result.counts().items())
    out.print(f"{formatting.number(result.analysed)} gebieden geanalyseerd ({counts}).")
    out.print(f"Maat: {result.measure.label} ({result.measure.value}).")
    for code, name, reason in result.left_out:
        out.print(f"Weggelaten: {name or code} ({code}): {reason}.")
    if result.left_out:
        out.print("Met --measure count worden de aantallen van alle gebieden geanalyseerd.")
    out.print(_service().EXPLANATION)
    correction = (
        "gecorrigeerd voor meervoudig toetsen met de false discovery rate (Benjamini–Hochberg)"
        if result.fdr
        else "NIET gecorrigeerd voor meervoudig toetsen (--no-fdr): "
        "bij 5% is 1 op de 20 gebieden toevallig raak"
    )
    out.print(
        f"Methode: Getis–Ord Gi* met Queen-buren (het gebied telt zelf mee). {_service().TEST}, "
        f"{formatting.number(result.permutations)} permutaties (seed {result.seed}); "
        f"{correction}. Categorieën bij 99, 95 en 90% betrouwbaarheid. "
        "LISA-kwadranten (HH, LH, LL, HL) uit lokale Moran's I, alleen getoond als significant "
        "(5%) en als de toets dezelfde kant op wijst."
    )
    out.print(_service().LISA_NOTE)
    if smoothed:
        out.print(
            "Smoothing: empirical Bayes (Marshall 1991, afgekapt) — cijfers van gebieden met weinig "
            "inwoners zijn naar het gemiddelde getrokken vóór de analyse; LISA op Assunção–Reis-"
            f"gestandaardiseerde cijfers. Gebieden met minder dan {formatting.number(result.min_population)} "
            "inwoners zijn gemarkeerd."
        )
    else:
        flagged = f"minder dan {formatting.number(result.min_population)} inwoners"
        rate = indicator.kind.value == "rate"
        out.print(
            "Smoothing: geen — de analyse gebruikt de waarden zoals ze zijn"
            + (f"; gebieden met {flagged} zijn gemarkeerd." if rate else ".")
        )
    for link in result.islands:
        out.print(
            f"Eiland: {link.island} heeft geen aangrenzend gebied en is gekoppeld aan {link.neighbour} "
            "(dichtstbijzijnde middelpunt)."
        )
    if result.n_components > 1:
        out.print(f"Let op: de gebieden vormen {formatting.number(result.n_components)} losse groepen.")
