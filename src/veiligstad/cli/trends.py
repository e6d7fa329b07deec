# SPDX-License-Identifier: EUPL-1.2
"""CLI: `veiligstad trends`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from veiligstad import formatting
from veiligstad.cli.common import JsonOption, console, handled, open_warehouse, print_json
from veiligstad.cli.common import definitions as definitions_in_force
from veiligstad.cli.render import ATTRIBUTION
from veiligstad.domain.areas import Area

if TYPE_CHECKING:
    from veiligstad.domain.indicators import Indicator
    from veiligstad.engine.compstat import Block, CompStat
    from veiligstad.engine.significance import Comparison
    from veiligstad.engine.trends import Change, Trend
    from veiligstad.services.divergence import Divergence
    from veiligstad.services.trends import TrendReport

COMPSTAT_NOTE = (
    "De politie publiceert per maand, niet per dag: in plaats van '28 dagen' vergelijken we de "
    "laatste volledige maand met de maand ervoor (blootstelling: aantal dagen)."
)


def p_text(p: float | None) -> str:
    """A p-value the Dutch way: ``0,012`` or ``< 0,001``.

    >>> p_text(0.0123), p_text(0.00001), p_text(None)
    ('0,012', '< 0,001', '')
    """
    if p is None:
        return ""
    return "< 0,001" if p < 0.001 else formatting.number(p, 3)


def percent(relative: float | None) -> str:
    """A relative change as ``+3,9%``; empty when the base is zero or unknown."""
    return "" if relative is None else formatting.signed(relative * 100, 1) + "%"


def signal_text(comparison: Comparison) -> str:
    """The label, with the reason when there is too little data."""
    from veiligstad.engine.significance import Signal

    if comparison.signal is Signal.TOO_LITTLE and comparison.reason:
        return f"{comparison.signal.value} ({comparison.reason})"
    return comparison.signal.value


def _month(key: tuple[int, int]) -> str:
    return f"{formatting.MONTHS[key[1] - 1]} {key[0]}"


def trend_sentence(trend: Trend, indicator: Indicator, first: str, last: str) -> str:
    """One Dutch sentence about the trend."""
    from veiligstad.engine.significance import Signal

    if trend.signal is Signal.TOO_LITTLE:
        return f"Trend: {trend.signal.value} ({trend.reason})."
    d = indicator.decimals + 1
    p = p_text(trend.p_value)
    return (
        f"Trend {first}-{last} ({trend.n} meetpunten): {trend.signal.value}. "
        f"Mann-Kendall τ = {formatting.signed(trend.tau, 2)}, p {p if p.startswith('<') else '= ' + p}; "
        f"Sen-helling {formatting.signed(trend.slope, d)} {indicator.unit} per jaar."
        + (f" Let op: {trend.reason}." if trend.reason else "")
    )


def baseline_sentence(report: TrendReport) -> str:
    """The latest value against the MJP baseline, in one Dutch sentence."""
    change = report.baseline
    if change is None:
        return ""
    d = report.indicator.decimals
    p = p_text(change.comparison.p_value)
    p_part = f", p {p if p.startswith('<') else '= ' + p}" if p else ""
    note = f" ({report.baseline_note})" if report.baseline_note else ""
    return (
        f"Ten opzichte van het MJP-basisjaar{note}: {change.before.label} "
        f"{formatting.number(change.before.value, d)} → {change.after.label} "
        f"{formatting.number(change.after.value, d)} {_change_text(change, d)} — "
        f"{signal_text(change.comparison)}{p_part}."
    )


#: Per ``Signal`` name (the engine, and numpy with it, is imported only by the commands).
BETWEEN_AREAS = {
    "ROSE": "significant hoger",
    "FELL": "significant lager",
    "NO_CHANGE": "geen significant verschil",
    "TOO_LITTLE": "te weinig gegevens",
}


def versus_sentence(report: TrendReport, parent_name: str) -> str:
    """The area against the rest of its parent, in one Dutch sentence."""
    versus = report.versus
    if versus is None:
        return ""
    indicator = report.indicator
    d = indicator.decimals
    cmp = versus.comparison
    verdict = BETWEEN_AREAS[cmp.signal.name] + (f" ({cmp.reason})" if cmp.reason else "")
    p = p_text(cmp.p_value)
    p_part = f", p {p if p.startswith('<') else '= ' + p}" if p else ""
    if cmp.method:
        p_part += f"; {cmp.method}" + (f", {cmp.phi_text}" if cmp.phi_text else "")
    other: float | None
    if versus.rest_value is not None:
        against = f"de rest van {parent_name}"
        other = versus.rest_value
    else:
        against = parent_name
        other = versus.parent.value
    return (
        f"Vergeleken met {against} ({versus.area.label}): {formatting.number(versus.area.value, d)} "
        f"tegen {formatting.number(other, d)} {indicator.unit} — {verdict}{p_part}."
    )


def render_report(
    out: Console,
    report: TrendReport,
    area: Area,
    feeling: list[Divergence] | None,
    parent_name: str = "",
) -> None:
    """The report for people, in Dutch."""
    from veiligstad.domain.indicators import Direction
    from veiligstad.engine.trends import after_break

    indicator = report.indicator
    direction = "lager is beter" if indicator.direction is Direction.LOWER_IS_BETTER else "hoger is beter"
    out.print(f"[bold]{indicator.name}[/bold] — {area.display_name} ({area.code}, {area.level.label})")
    out.print(f"Eenheid: {indicator.unit}; {direction}.")
    for note in report.notes:
        out.print(note)
    if report.rows.empty:
        out.print("Geen waarden voor dit gebied.")
        return
    by_after = {c.after.label: c for c in report.changes}
    d = indicator.decimals
    table = Table(title="Reeks en verandering t.o.v. het vorige bekende jaar", title_justify="left")
    for header in ("Periode", "Waarde", "95%-interval", "Verandering", "Signaal", "p", "φ", "Opmerking"):
        table.add_column(header, justify="right" if header in {"Waarde", "Verandering", "p", "φ"} else "left")
    for point in report.points:
        change = by_after.get(point.label)
        notes = ["voorlopig"] if point.provisional else []
        if point.break_before:
            notes.append(f"grenswijziging: {point.break_before}")
        if point.value is None:
            notes.append("geen waarde")
        table.add_row(
            point.label,
            formatting.number(point.value, d),
            formatting.interval(point.low, point.high, d),
            _change_text(change, d),
            signal_text(change.comparison) if change else "",
            p_text(change.comparison.p_value) if change else "",
            _phi_cell(change.comparison) if change else "",
            "; ".join(notes),
        )
    out.print(table)
    if report.dispersion is not None:
        out.print(
            f"Extra spreiding van deze reeks: {report.dispersion.text}. Elke verandering is getoetst met φ "
            "uit de andere jaren van de reeks (of gepoold over vergelijkbare gebieden), nooit onder 1."
        )
    known = [p for p in after_break(report.points) if p.value is not None and not p.provisional]
    first = known[0].label if known else ""
    last = known[-1].label if known else ""
    out.print(trend_sentence(report.trend, indicator, first, last))
    if report.baseline is not None:
        out.print(baseline_sentence(report))
    if report.versus is not None:
        out.print(versus_sentence(report, parent_name or report.parent_code))
    if report.compstat is not None:
        render_compstat(out, report.compstat)
    if feeling is not None:
        render_feeling(out, feeling)
    out.print(
        "Signaal: quasi-Poisson-toets voor tellingen (met bevolking als blootstelling, variantie = φ × "
        "gemiddelde; bij φ = 1 de mid-p-toets) of de gepubliceerde marges (enquête), 5%-niveau; een "
        "procentuele verandering staat nooit zonder dit label. Geen toets over een grenswijziging."
    )
    out.print(f"{ATTRIBUTION}.")


def _phi_cell(comparison: Comparison) -> str:
    """``7,5`` (the φ used by a count test), empty for surveys and untested changes."""
    if comparison.phi is None or comparison.p_value is None:
        return ""
    return formatting.number(comparison.phi, 1)


def _change_text(change: Change | None, decimals: int) -> str:
    if change is None:
        return ""
    relative = percent(change.relative)
    text = formatting.signed(change.difference, decimals)
    return f"{text} ({relative})" if relative else text


def render_compstat(out: Console, result: CompStat) -> None:
    """The CompStat blocks."""
    out.print()
    out.print("[bold]CompStat[/bold]")
    out.print(COMPSTAT_NOTE)
    if result.last_complete is None:
        out.print(f"Geen CompStat: {result.reason}.")
        return
    out.print(f"Laatste volledige maand: {_month(result.last_complete)}.")
    if result.provisional:
        months = ", ".join(_month(k) for k in result.provisional)
        out.print(f"Voorlopig (onvolledig door registratievertraging, niet getoetst): {months}.")
    table = Table()
    for header in ("Vergelijking", "Nu", "Aantal", "Toen", "Aantal", "Verandering", "Signaal", "p", "φ"):
        table.add_column(header, justify="right" if header in {"Aantal", "Verandering", "p", "φ"} else "left")
    for block in result.blocks:
        table.add_row(
            block.title,
            block.current.label,
            formatting.number(block.current.count),
            block.previous.label,
            formatting.number(block.previous.count),
            percent(block.relative),
            signal_text(block.comparison),
            p_text(block.comparison.p_value),
            _phi_cell(block.comparison),
        )
    out.print(table)
    phis = {b.comparison.phi_text for b in result.blocks if b.comparison.phi_text}
    if phis:
        out.print(f"Getoetst met {', '.join(sorted(phis))}.")


def render_feeling(out: Console, rows: list[Divergence]) -> None:
    """Registered crime next to feelings of safety."""
    out.print()
    out.print("[bold]Geregistreerde criminaliteit en veiligheidsgevoel[/bold] (naast elkaar, niet gemiddeld)")
    if not rows:
        out.print("Voor dit gebied zijn er geen jaren met zowel criminaliteitscijfers als enquêtecijfers.")
        return
    table = Table()
    for header in (
        "Jaren",
        "Criminaliteit",
        "Signaal",
        "Veiligheidsgevoel",
        "Verandering",
        "Toets gevoel",
        "Oordeel",
    ):
        table.add_column(header)
    for row in rows:
        f = row.feeling
        table.add_row(
            f"{row.before.label}-{row.after.label}",
            f"{row.crime.name}: {percent(_relative(row.before.value, row.after.value))}",
            row.crime_comparison.signal.value,
            f"{f.name}: {formatting.number(row.feeling_before.value, f.decimals)} → "
            f"{formatting.number(row.feeling_after.value, f.decimals)}",
            formatting.signed(_difference(row.feeling_before.value, row.feeling_after.value), f.decimals),
            row.feeling_comparison.signal.value if row.feeling_tested else "nee (marges onbekend)",
            ("[bold]" + row.label + "[/bold]") if row.diverges else row.label,
        )
    out.print(table)


def _difference(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def _relative(before: float | None, after: float | None) -> float | None:
    if before is None or after is None or before == 0:
        return None
    return (after - before) / before


def _comparison_json(comparison: Comparison) -> dict[str, Any]:
    return {
        "signal": comparison.signal.value,
        "p_value": comparison.p_value,
        "method": comparison.method or None,
        "reason": comparison.reason or None,
        "phi": comparison.phi,
        "phi_source": comparison.phi_source or None,
        "tau2": comparison.tau2,
    }


def _block_json(block: Block) -> dict[str, Any]:
    return {
        "kind": block.kind,
        "title": block.title,
        "current": {"period": block.current.label, "count": block.current.count, "days": block.current.days},
        "previous": {
            "period": block.previous.label,
            "count": block.previous.count,
            "days": block.previous.days,
        },
        "relative_change": block.relative,
        **_comparison_json(block.comparison),
    }


def report_json(report: TrendReport, area: Area, feeling: list[Divergence] | None) -> dict[str, Any]:
    """The report as JSON."""
    t = report.trend
    data: dict[str, Any] = {
        "indicator": report.indicator.id,
        "area": area.code,
        "unit": report.indicator.unit,
        "direction": report.indicator.direction.value,
        "values": [
            {
                "period": p.label,
                "value": p.value,
                "ci_low": p.low,
                "ci_high": p.high,
                "numerator": p.numerator,
                "denominator": p.denominator,
                "provisional": p.provisional,
                "territory_break": p.break_before or None,
            }
            for p in report.points
        ],
        "trend": {
            "signal": t.signal.value,
            "n": t.n,
            "tau": t.tau,
            "s": t.s,
            "z": t.z,
            "p_value": t.p_value,
            "sen_slope_per_year": t.slope,
            "slope_unit": f"{report.indicator.unit} per jaar",
            "method": t.method,
            "reason": t.reason or None,
        },
        "dispersion": None
        if report.dispersion is None
        else {
            "phi": report.dispersion.phi,
            "source": report.dispersion.source,
            "kind": report.dispersion.kind,
        },
        "changes": [
            {
                "from": c.before.label,
                "to": c.after.label,
                "difference": c.difference,
                "relative_change": c.relative,
                **_comparison_json(c.comparison),
            }
            for c in report.changes
        ],
        "compstat": None,
        "versus_parent": None,
        "baseline": None,
        "notes": report.notes,
    }
    if report.baseline is not None:
        b = report.baseline
        data["baseline"] = {
            "from": b.before.label,
            "to": b.after.label,
            "difference": b.difference,
            "relative_change": b.relative,
            "note": report.baseline_note or None,
            **_comparison_json(b.comparison),
        }
    if report.versus is not None:
        v = report.versus
        data["versus_parent"] = {
            "parent": report.parent_code,
            "period": v.area.label,
            "value": v.area.value,
            "parent_value": v.parent.value,
            "rest_of_parent_value": v.rest_value,
            **_comparison_json(v.comparison),
        }
    if report.compstat is not None:
        cs = report.compstat
        data["compstat"] = {
            "unit": "maand",
            "last_complete_month": None
            if cs.last_complete is None
            else f"{cs.last_complete[0]}-{cs.last_complete[1]:02d}",
            "provisional_months": [f"{y}-{m:02d}" for y, m in cs.provisional],
            "blocks": [_block_json(b) for b in cs.blocks],
            "reason": cs.reason or None,
        }
    if feeling is not None:
        data["feeling"] = [
            {
                "from": d.before.label,
                "to": d.after.label,
                "crime_indicator": d.crime.id,
                "crime_before": d.before.value,
                "crime_after": d.after.value,
                "crime_signal": d.crime_comparison.signal.value,
                "feeling_indicator": d.feeling.id,
                "feeling_before": d.feeling_before.value,
                "feeling_after": d.feeling_after.value,
                "feeling_signal": d.feeling_comparison.signal.value,
                "feeling_tested": d.feeling_tested,
                "label": d.label,
                "diverges": d.diverges,
            }
            for d in feeling
        ]
    return data


def trends_command(
    indicator_id: Annotated[
        str, typer.Argument(metavar="INDICATOR", help="Indicator-id, bijv. misdrijven-totaal.")
    ],
    area: Annotated[str | None, typer.Option("--area", help="Gebiedscode; standaard de gemeente.")] = None,
    feeling: Annotated[
        bool, typer.Option("--feeling", help="Zet geregistreerde criminaliteit naast het veiligheidsgevoel.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Trend (Mann-Kendall, Sen-helling), verandering per jaar en CompStat, met significantie."""
    from veiligstad.services import areas as area_service
    from veiligstad.services import divergence as divergence_service
    from veiligstad.services import monitor
    from veiligstad.services import trends as trend_service
    from veiligstad.settings import Settings

    settings = Settings()
    definitions = definitions_in_force(settings)
    trend_service.indicator_or_raise(definitions, indicator_id)
    area_code = (area or definitions.programme.municipality).strip().upper()
    with open_warehouse(settings, quiet=json_output) as warehouse:
        found = area_service.find(warehouse, area_code)
        report = trend_service.trend_report(warehouse, definitions, indicator_id, area_code)
        parent_name = (
            area_service.find(warehouse, report.parent_code).display_name if report.parent_code else ""
        )
        divergences = None
        if feeling:
            values = monitor.indicator_values(warehouse, definitions)
            divergences = divergence_service.divergences(values, definitions, area_codes=[area_code])
    if json_output:
        print_json(report_json(report, found, divergences))
        return
    render_report(console(), report, found, divergences, parent_name)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("trends")(handled(trends_command))
