# SPDX-License-Identifier: EUPL-1.2
"""How the CLI shows results: Rich tables in Dutch, and their JSON twins."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from veiligstad import formatting
from veiligstad.progress import Progress as ProgressCallback
from veiligstad.progress import no_progress

if TYPE_CHECKING:  # pandas and the services are imported by the commands that use them
    import pandas as pd

    from veiligstad.definitions.validation import Definitions
    from veiligstad.domain.areas import Area
    from veiligstad.domain.indicators import Indicator
    from veiligstad.errors import Problem
    from veiligstad.services.bootstrap import InitReport
    from veiligstad.services.monitor import StatusRow

ATTRIBUTION = "Bron: Politie / CBS; Veiligheidsmonitor (CBS)"


@contextmanager
def progress(quiet: bool = False, label: str = "laden") -> Iterator[ProgressCallback]:
    """A progress bar on stderr for long work, named ``label``; a no-op callback when quiet."""
    if quiet:
        yield no_progress
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bar:
        task = bar.add_task(label, total=None)

        def step(name: str, done: int, total: int) -> None:
            bar.update(task, description=f"{label}: {name}", completed=done, total=total)

        yield step


def init_report(out: Console, report: InitReport, url: str) -> None:
    """What init loaded."""
    table = Table(title=f"Warehouse: {url}", title_justify="left")
    table.add_column("Bron")
    table.add_column("Rijen", justify="right")
    table.add_column("Status")
    for source, rows in report.loaded.items():
        table.add_row(source, formatting.number(rows), "geladen")
    for source in report.unchanged:
        table.add_row(source, "", "al geladen, ongewijzigd")
    out.print(table)
    for problem in report.problems:
        out.print(f"Waarschuwing: {problem.render()}", markup=False)


def validation(out: Console, definitions: Definitions, problems: list[Problem]) -> None:
    """Validation result: the structural stage passed; semantic problems listed."""
    prog = definitions.programme
    out.print(f"Structuur: in orde ({definitions.programme_file}, {definitions.catalogue_file}).")
    errors = [p for p in problems if p.severity == "fout"]
    warnings = [p for p in problems if p.severity != "fout"]
    out.print(f"Betekenis: {len(errors)} fout(en), {len(warnings)} waarschuwing(en).")
    for problem in problems:
        out.print(f"  {problem.severity}: {problem.render()}", markup=False, highlight=False)
    if not errors:
        themes = _count(len(prog.themes), "thema", "thema's")
        out.print(
            f"'{prog.title}': {themes}, "
            f"{_count(len(prog.indicators), 'indicator', 'indicatoren')}, "
            f"{_count(len(definitions.indicators()), 'definitie', 'definities')} in de catalogus."
        )


def _count(n: int, one: str, many: str) -> str:
    return f"{formatting.number(n)} {one if n == 1 else many}"


def _direction(indicator: Indicator) -> str:
    from veiligstad.domain.indicators import Direction

    return "lager is beter" if indicator.direction is Direction.LOWER_IS_BETTER else "hoger is beter"


def _signal_text(row: StatusRow) -> str:
    from veiligstad.domain.indicators import Direction
    from veiligstad.engine.significance import Signal

    if row.comparison is None:
        return "nog geen cijfer na het basisjaar" if row.latest_year is not None else ""
    text = row.comparison.signal.value
    if row.comparison.signal in (Signal.ROSE, Signal.FELL):
        good = (row.comparison.signal is Signal.FELL) == (
            row.indicator.direction is Direction.LOWER_IS_BETTER
        )
        text += " (gunstig)" if good else " (ongunstig)"
        if row.indicator.haaldelict and row.comparison.signal is Signal.ROSE:
            text += "; haaldelict: kan op meer handhaving wijzen"
    elif row.comparison.reason:
        text += f" ({row.comparison.reason})"
    return text


def _change(row: StatusRow) -> str:
    if row.comparison is None or row.baseline_value is None or row.latest_value is None:
        return formatting.MISSING
    decimals = row.indicator.decimals
    return formatting.signed(row.latest_value - row.baseline_value, decimals)


def _point_text(year: int | None, value: float | None, source: str, decimals: int) -> str:
    if year is None:
        return formatting.MISSING
    marker = "*" if source == "gepubliceerd" else ""
    return f"{formatting.number(value, decimals)}{marker} ({year})"


def _computed_text(row: StatusRow) -> str:
    if row.computed_year is None:
        return f"niet berekenbaar: {row.reason}" if row.reason else formatting.MISSING
    decimals = row.indicator.decimals
    text = f"{row.computed_year}: {formatting.number(row.computed_value, decimals)}"
    span = formatting.interval(row.computed_low, row.computed_high, decimals)
    return f"{text} {span}" if span else text


def _status_cells(rows: list[StatusRow]) -> list[list[str]]:
    """The cells of the status table, one list per indicator."""
    cells = []
    for row in rows:
        decimals = row.indicator.decimals
        label = row.indicator.name + (" (haaldelict)" if row.indicator.haaldelict else "")
        signal = _signal_text(row)
        change = _change(row)
        change_text = f"{change}: {signal}" if change != formatting.MISSING else signal
        if row.note:
            change_text += f" — {row.note}"
        reconciliation = (
            f"{row.matches} gelijk, {row.differs} afwijkend"
            if row.matches or row.differs
            else formatting.MISSING
        )
        if row.published_unit:
            note = f"let op: het MJP publiceert '{row.published_unit}'"
            reconciliation = note if reconciliation == formatting.MISSING else f"{reconciliation}; {note}"
        same = (row.latest_year, row.latest_source) == (row.baseline_year, row.baseline_source)
        cells.append(
            [
                f"{label}\n[dim]{row.indicator.unit}, {_direction(row.indicator)}[/dim]",
                _point_text(row.baseline_year, row.baseline_value, row.baseline_source, decimals),
                "= basis"
                if same
                else _point_text(row.latest_year, row.latest_value, row.latest_source, decimals),
                change_text,
                _computed_text(row),
                reconciliation,
            ]
        )
    return cells


def _status_table(cells: list[list[str]], baseline_year: int) -> Table:
    table = Table(show_lines=True, expand=False)
    table.add_column("Indicator (eenheid, richting)", ratio=3)
    table.add_column(f"Basis {baseline_year}", justify="right", no_wrap=True)
    table.add_column("Laatste", justify="right", no_wrap=True)
    table.add_column("Verandering en signaal", ratio=2)
    table.add_column("Laatst berekend [95%-interval]", ratio=2)
    table.add_column("Gepubliceerd vs berekend", ratio=2)
    for row in cells:
        table.add_row(*row)
    return table


#: What a command prints, as plain data (stored by ``services.answers``, shown by :func:`show`):
#: ``{"line": text}`` (Rich markup), ``{"plain": text}`` (as it is), ``{"blank": True}``,
#: ``{"status_table": {"baseline_year": year, "rows": cells}}``, ``{"series_table": cells}``.
Block = dict[str, Any]


def show(out: Console, blocks: list[Block]) -> None:
    """Print what :func:`status_blocks` or :func:`series_blocks` describe."""
    for block in blocks:
        if "line" in block:
            out.print(block["line"])
        elif "plain" in block:
            out.print(block["plain"], markup=False, highlight=False)
        elif "status_table" in block:
            spec = block["status_table"]
            out.print(_status_table(spec["rows"], spec["baseline_year"]))
        elif "series_table" in block:
            out.print(_series_table(block["series_table"]))
        else:
            out.print()


def status(out: Console, definitions: Definitions, rows: list[StatusRow]) -> None:
    """The programme status, per theme."""
    show(out, status_blocks(definitions, rows))


def status_blocks(definitions: Definitions, rows: list[StatusRow]) -> list[Block]:
    """The programme status, per theme, as blocks for :func:`show`."""
    from veiligstad.services.monitor import NO_EFFECT_INDICATORS, theme_verdict

    prog = definitions.programme
    title = f"[bold]{prog.title}[/bold] — {prog.municipality} {prog.municipality_name}"
    blocks: list[Block] = [{"line": title}]
    if prog.decision is not None:
        blocks.append(
            {
                "line": f"Vastgesteld: {prog.decision.body}, {formatting.date(prog.decision.date)} "
                f"({prog.legal_basis}). Periode {prog.period_start}-{prog.period_end}, "
                f"basisjaar {prog.baseline_year}."
            }
        )
        votes = prog.decision.votes_for
        if votes.total_stated is not None and votes.total_stated != votes.count_stated:
            blocks.append(
                {
                    "line": f"Let op: het besluit noemt {votes.count_stated} stemmen voor "
                    f"({len(votes.members)} namen) "
                    f"en concludeert '{votes.total_stated} stemmen voor'; beide zijn vastgelegd."
                }
            )
    for theme in prog.themes:
        theme_rows = [r for r in rows if r.theme_id == theme.id]
        blocks.append({"blank": True})
        blocks.append({"line": f"[bold]{theme.kind.value.capitalize()}: {theme.name}[/bold]"})
        if not theme_rows:
            blocks.append({"line": f"  {NO_EFFECT_INDICATORS}"})
            continue
        table = {"baseline_year": prog.baseline_year, "rows": _status_cells(theme_rows)}
        blocks.append({"status_table": table})
        blocks.append({"line": f"  Oordeel over dit thema: {theme_verdict(theme_rows).text()}."})
    context = [r for r in rows if r.theme_id is None]
    if context:
        blocks.append({"blank": True})
        blocks.append({"line": "[bold]Context (geen MJP-indicator)[/bold]"})
        blocks.append({"status_table": {"baseline_year": prog.baseline_year, "rows": _status_cells(context)}})
    blocks.extend(_gap_blocks(rows))
    blocks.append({"blank": True})
    blocks.append(
        {
            "line": "* = gepubliceerd in het MJP (zonder telling; geen toets mogelijk). Berekend = door "
            "veiligstad uit registraties en bevolking op 1 januari. Signaal: quasi-Poisson-toets met φ "
            "(tellingen) of marges "
            "(enquête), 5%-niveau. Details per indicator: veiligstad indicator ID."
        }
    )
    blocks.append({"line": f"{ATTRIBUTION}; {prog.title}."})
    return blocks


def gaps(out: Console, rows: list[StatusRow]) -> None:
    """Per indicator with a missing figure: what fills it (``services.gaps``)."""
    show(out, _gap_blocks(rows))


def _gap_blocks(rows: list[StatusRow]) -> list[Block]:
    missing = [r for r in rows if r.has_gap and r.remedy is not None]
    if not missing:
        return []
    blocks: list[Block] = [{"blank": True}, {"line": "[bold]Ontbrekende cijfers aanvullen[/bold]"}]
    for row in missing:
        assert row.remedy is not None
        blocks.append({"plain": f"  {row.indicator.name}: {row.remedy.advice()}"})
    return blocks


def status_json(definitions: Definitions, rows: list[StatusRow]) -> dict[str, Any]:
    """The status as JSON."""
    prog = definitions.programme
    return {
        "programme": prog.id,
        "title": prog.title,
        "municipality": prog.municipality,
        "baseline_year": prog.baseline_year,
        "indicators": [
            {
                "id": r.indicator.id,
                "theme": r.theme_id,
                "unit": r.indicator.unit,
                "direction": r.indicator.direction.value,
                "haaldelict": r.indicator.haaldelict,
                "baseline": {"year": r.baseline_year, "value": r.baseline_value, "source": r.baseline_source},
                "latest": {
                    "year": r.latest_year,
                    "value": r.latest_value,
                    "source": r.latest_source,
                },
                "signal": r.comparison.signal.value if r.comparison else None,
                "p_value": r.comparison.p_value if r.comparison else None,
                "note": r.note,
                "computed": {
                    "year": r.computed_year,
                    "value": r.computed_value,
                    "ci_low": r.computed_low,
                    "ci_high": r.computed_high,
                },
                "reconciliation": {"matches": r.matches, "differs": r.differs},
                "not_computable_reason": r.reason or None,
                "remedy": r.remedy.advice() if r.has_gap and r.remedy else None,
                "published_unit": r.published_unit or None,
            }
            for r in rows
        ],
    }


def _float(value: Any) -> float | None:
    return None if value is None or _missing(value) else float(value)


def _missing(value: Any) -> bool:
    """Whether a cell is empty (``None``, NaN, ``pd.NA`` or ``NaT``)."""
    import pandas as pd

    return bool(pd.isna(value))


def series(out: Console, indicator: Indicator, area: Area, rows: pd.DataFrame) -> None:
    """One indicator's series for one area."""
    show(out, series_blocks(indicator, area, rows))


SERIES_HEADERS = (
    "Periode",
    "Waarde",
    "95%-interval",
    "Teller",
    "Noemer",
    "Gepubliceerd",
    "Vergelijking",
    "Opmerking",
)


def _series_table(cells: list[list[str]]) -> Table:
    table = Table()
    for header in SERIES_HEADERS:
        table.add_column(
            header, justify="right" if header in {"Waarde", "Teller", "Noemer", "Gepubliceerd"} else "left"
        )
    for row in cells:
        table.add_row(*row)
    return table


def series_blocks(indicator: Indicator, area: Area, rows: pd.DataFrame) -> list[Block]:
    """One indicator's series for one area, as blocks for :func:`show`."""
    from veiligstad.services.monitor import reason_text

    blocks: list[Block] = [
        {"line": f"[bold]{indicator.name}[/bold] — {area.display_name} ({area.code}, {area.level.label})"},
        {"line": f"{indicator.description} Eenheid: {indicator.unit}; {_direction(indicator)}."},
    ]
    if indicator.haaldelict:
        blocks.append(
            {"line": "Haaldelict: een stijging kan op meer handhaving wijzen, niet op meer criminaliteit."}
        )
    if rows.empty:
        blocks.append({"line": "Geen waarden voor dit gebied."})
        return blocks
    d = indicator.decimals
    cells = []
    for _, row in rows.iterrows():
        notes = []
        if row["approximate"] is True and row["denominator_year"] != row["year"]:
            notes.append(f"benaderd: bevolking op 1 januari {int(row['denominator_year'])}")
        if row["partial"] is True:
            notes.append("benaderd: niet alle gemeenten geteld (ten minste 99%)")
        if row["provisional"] is True:
            notes.append("voorlopig")
        change = row.get("territory_break")
        if isinstance(change, str) and change:
            notes.append(f"gebied gewijzigd ({change}): niet vergelijkbaar met het jaar ervoor")
        if isinstance(row["reason"], str):
            notes.append(reason_text(row["reason"], indicator))
        published = (
            "GM" if row["published_status"] == "GM" else formatting.number(_float(row["published_value"]), d)
        )
        cells.append(
            [
                str(row["period"]),
                formatting.number(_float(row["value"]), d),
                formatting.interval(_float(row["ci_low"]), _float(row["ci_high"]), d),
                formatting.number(_float(row["numerator"])),
                formatting.number(_float(row["denominator"])),
                published if published != formatting.MISSING else "",
                str(row["reconciliation"]),
                "; ".join(notes),
            ]
        )
    blocks.append({"series_table": cells})
    blocks.append({"line": f"Bron: {indicator.source}."})
    return blocks


def series_json(indicator: Indicator, area: Area, rows: pd.DataFrame) -> dict[str, Any]:
    """A series as JSON."""
    records = []
    for _, row in rows.iterrows():
        records.append(
            {
                "period": row["period"],
                "value": _float(row["value"]),
                "numerator": _float(row["numerator"]),
                "denominator": _float(row["denominator"]),
                "unit": indicator.unit,
                "ci_low": _float(row["ci_low"]),
                "ci_high": _float(row["ci_high"]),
                "published_value": _float(row["published_value"]),
                "published_status": row["published_status"]
                if isinstance(row["published_status"], str)
                else None,
                "reconciliation": row["reconciliation"],
                "approximate": bool(row["approximate"]) if not _missing(row["approximate"]) else False,
                "reason": row["reason"] if isinstance(row["reason"], str) else None,
            }
        )
    return {"indicator": indicator.id, "area": area.code, "unit": indicator.unit, "values": records}


def areas(out: Console, municipality: str, frame: pd.DataFrame) -> None:
    """A municipality's areas."""
    table = Table(title=f"Gebieden van {municipality}", title_justify="left")
    for header in ("Code", "Naam", "Niveau", "Wijk", "Stadsdeel", "Grensjaar", "Geometrie"):
        table.add_column(header)
    columns = ["code", "name", "level", "wijk_code", "stadsdeel_code", "boundary_year"]
    for record in frame.to_dict(orient="records"):
        cells = [str(record[c]) if record[c] is not None else "" for c in columns]
        table.add_row(*cells, "ja" if record["has_geometry"] else "nee")
    out.print(table)
    out.print(f"{formatting.number(len(frame))} gebieden.")
