# SPDX-License-Identifier: EUPL-1.2
"""Sections that several reports share: the status table of a theme, published against
computed values, the actions, the method and the sources."""

from __future__ import annotations

from collections.abc import Sequence

from veiligstad import formatting
from veiligstad.domain.actions import METHOD_LABELS, Action
from veiligstad.domain.indicators import Indicator
from veiligstad.engine.significance import Signal
from veiligstad.reports.figures import (
    NO_TARGET,
    SIGNAL_CSS,
    cell,
    computed_years,
    figure,
    label,
    number,
    signed,
    table,
    trend_chart,
    yearly,
)
from veiligstad.reports.model import Block, Bullets, Cell, Paragraph, Section, Table
from veiligstad.reports.view import View
from veiligstad.services import monitor, trends

ATTRIBUTION = "Bron: CBS/Politie"

NO_ACTIONS = (
    "Nog geen acties vastgelegd. Acties van het uitvoeringsprogramma verschijnen hier zodra ze in "
    "veiligstad zijn ingevoerd."
)


def indicator_cell(indicator: Indicator) -> Cell:
    """The indicator's name with its unit (and a haaldelict mark) below it."""
    unit = indicator.unit + (" · haaldelict" if indicator.haaldelict else "")
    return Cell(indicator.name, note=unit)


def point_cell(value: float | None, year: int | None, source: str, decimals: int) -> Cell:
    """A figure with its year (and 'gepubliceerd' when it is the programme's own figure)."""
    if year is None:
        return Cell(formatting.MISSING)
    return Cell(
        number(value, decimals), note=f"{year}, gepubliceerd" if source == "gepubliceerd" else str(year)
    )


def change_cell(row: monitor.StatusRow) -> Cell:
    """The significance of the change since the baseline, with why when there is no test."""
    if row.comparison is None:
        if row.reason:
            why = row.reason
        elif row.latest_year is not None and row.latest_year == row.baseline_year:
            why = "nog geen cijfer na het basisjaar"
        else:
            why = "geen vergelijking mogelijk"
        return Cell(Signal.TOO_LITTLE.value, SIGNAL_CSS[Signal.TOO_LITTLE.value], why)
    signal = row.comparison.signal.value
    since = f"{row.baseline_year} → {row.latest_year}"
    note = f"{since}; {row.comparison.reason}" if row.comparison.reason else since
    return Cell(signal, SIGNAL_CSS.get(signal, ""), note)


def status_table(table_id: str, caption: str, rows: Sequence[monitor.StatusRow]) -> Table:
    """Indicators against the baseline: basis, latest, target, significance and verdict."""
    body = []
    for row in rows:
        decimals = row.indicator.decimals
        body.append(
            (
                indicator_cell(row.indicator),
                point_cell(row.baseline_value, row.baseline_year, row.baseline_source, decimals),
                point_cell(row.latest_value, row.latest_year, row.latest_source, decimals),
                cell(NO_TARGET, "muted"),
                change_cell(row),
                label(monitor.verdict(row.indicator, row.comparison)),
            )
        )
    notes = [f"{r.indicator.name}: {r.note}." for r in rows if r.note]
    return table(
        table_id,
        caption,
        ("Indicator", "Basis", "Laatste", "Streefwaarde", "Verandering sinds basis", "Oordeel"),
        body,
        (False, True, True, False, False, False),
        " ".join(notes),
    )


def indicator_charts(view: View, rows: list[monitor.StatusRow], prefix: str) -> list[Block]:
    """A trend chart (with its table) for every indicator with at least two computed years."""
    blocks: list[Block] = []
    for row in rows:
        series = yearly(view.values, row.indicator.id, view.municipality, view.year)
        if computed_years(series) < 2:
            continue
        report = trends.report_from_values(view.values, row.indicator, view.municipality)
        blocks.append(
            trend_chart(f"{prefix}-{row.indicator.id}", row.indicator, series, view.city, report.trend)
        )
    return blocks


def reconciliation_table(
    view: View, table_id: str, caption: str, indicators: Sequence[Indicator]
) -> Table | None:
    """Years where the programme published a value and veiligstad computed one, side by side."""
    body = []
    for indicator in indicators:
        rows = yearly(view.values, indicator.id, view.municipality, view.year)
        both = rows[rows["value"].notna() & rows["published_value"].notna()]
        for row in both.itertuples():
            body.append(
                (
                    cell(indicator.name),
                    cell(str(row.year)),
                    cell(number(row.published_value, indicator.decimals)),
                    cell(figure(row.value, indicator.decimals, row.disclosure)),
                    cell(signed(row.difference, indicator.decimals + 1)),
                    cell(str(row.reconciliation)),
                )
            )
    if not body:
        return None
    return table(
        table_id,
        caption,
        ("Indicator", "Jaar", "Gepubliceerd", "Berekend", "Verschil", "Aansluiting"),
        body,
        (False, False, True, True, True, False),
        "'Overeenkomend': het verschil valt binnen de afronding van het gepubliceerde getal.",
    )


def _period(action: Action) -> str:
    parts = [formatting.date(d) for d in (action.planned_start, action.planned_end) if d is not None]
    return " – ".join(parts) if parts else formatting.MISSING


def _latest(action: Action, limit: int = 160) -> str:
    """The latest progress note: ``12 maart 2024: …`` (shortened)."""
    note = action.latest_progress
    if note is None:
        return ""
    text = note.text if len(note.text) <= limit else note.text[: limit - 1].rstrip() + "…"
    return f"{formatting.date(note.date)}: {text}"


def actions_blocks(view: View, actions: Sequence[Action], table_id: str) -> tuple[Paragraph | Table, ...]:
    """The actions with their status and latest progress, and their evaluations where there are any."""
    if not actions:
        return (Paragraph(NO_ACTIONS, "note"),)
    themes = {t.id: t.name for t in view.programme.themes}
    rows = [
        (
            cell(a.title, note=str(a.year)),
            cell(", ".join(themes.get(t, t) for t in a.themes) or formatting.MISSING),
            cell(a.status.value, note=_latest(a)),
            cell(_period(a)),
            cell(a.lead or formatting.MISSING),
        )
        for a in actions
    ]
    blocks: list[Paragraph | Table] = [
        table(table_id, "Acties en hun status", ("Actie", "Thema's", "Status", "Periode", "Trekker"), rows)
    ]
    evaluated = [(a, a.evaluation) for a in actions if a.evaluation is not None]
    if evaluated:
        blocks.append(
            table(
                f"{table_id}-evaluaties",
                "Evaluaties van acties",
                ("Actie", "Methode", "Resultaat", "Conclusie", "Vervolg"),
                [
                    (
                        cell(a.title),
                        cell(METHOD_LABELS.get(e.method, str(e.method))),
                        cell(e.result or formatting.MISSING),
                        cell(e.conclusion or formatting.MISSING),
                        cell(e.follow_up or formatting.MISSING),
                    )
                    for a, e in evaluated
                ],
            )
        )
    return tuple(blocks)


def newest(view: View) -> tuple[tuple[str, str], ...]:
    """The newest period of every source with figures, newest first."""
    found = [(s.title, str(s.newest_period)) for s in view.snapshot.sources if s.newest_period]
    return tuple(sorted(found, key=lambda pair: (pair[1], pair[0]), reverse=True))


def sources_section(view: View, section_id: str = "bronnen", plain: bool = False) -> Section:
    """Where the figures come from, with the attribution of every source."""
    details = view.inputs.details
    attributions = [ATTRIBUTION]
    for status in view.snapshot.sources:
        text = details.get(status.source_id, {}).get("attribution", "")
        if text and text not in attributions:
            attributions.append(text)
    rows = []
    for status in sorted(view.snapshot.sources, key=lambda s: s.title):
        detail = details.get(status.source_id, {})
        rows.append(
            (
                cell(status.title),
                cell(status.table_id or formatting.MISSING),
                cell(status.newest_period or formatting.MISSING),
                cell(detail.get("attribution", "") or formatting.MISSING),
                cell(detail.get("licence", "") or formatting.MISSING),
            )
        )
    intro = (
        "De cijfers komen van het CBS, de politie en de gemeente. Wij rekenen ze om naar cijfers "
        "per 1.000 inwoners, zodat je gebieden en jaren kunt vergelijken."
        if plain
        else "Alle cijfers zijn berekend uit open data en de gegevens van de gemeente, met hun herkomst "
        "per bron. Bij hergebruik: vermeld de bron zoals hieronder."
    )
    built = formatting.date(view.snapshot.built_at)
    blocks = (
        Paragraph(intro),
        Bullets(tuple(attributions)),
        Paragraph(f"Stand van de gegevens: berekend op {built}; gegevens tot en met {view.year}.", "note"),
        table(
            f"{section_id}-tabel",
            "Bronnen met hun nieuwste periode",
            ("Bron", "Tabel", "Nieuwste periode", "Bronvermelding", "Licentie"),
            rows,
        ),
    )
    title = "Waar komen de cijfers vandaan?" if plain else "Bronnen"
    return Section(section_id, title, blocks)


def method_section(view: View, section_id: str = "verantwoording") -> Section:
    """How the figures were computed and judged."""
    threshold = view.snapshot.threshold
    items = [
        "Cijfers per 1.000 inwoners zijn berekend met het aantal inwoners op 1 januari van het jaar "
        "(zoals het CBS doet). Bij elk berekend cijfer hoort een 95%-betrouwbaarheidsinterval "
        "(exact Poisson-interval voor tellingen, gepubliceerde marges voor enquêtecijfers).",
        "Een verandering heet alleen 'significant gestegen' of 'significant gedaald' als ze groter is "
        "dan toeval (5%-niveau; quasi-Poisson-toets met φ op tellingen, z-toets op enquêtemarges). "
        "Zonder telling of "
        "marge – zoals bij alleen gepubliceerde waarden – staat er 'te weinig gegevens'.",
        "Het oordeel 'verbeterd' of 'verslechterd' volgt uit een significante verandering en de richting "
        "die beter is; anders staat er het significantielabel zelf.",
        "Trends over meerdere jaren: Mann–Kendall-toets met Sen-helling, vanaf vier jaren met een cijfer.",
        "Gepubliceerde waarden (uit het programma) en berekende waarden staan naast elkaar; 'overeenkomend' "
        "betekent dat het verschil binnen de afronding van het gepubliceerde getal valt.",
        "Het programma legt geen streefwaarden vast; daarom staat er 'geen streefwaarde vastgesteld'.",
        "Haaldelicten (zoals drugshandel) stijgen als er meer wordt gehandhaafd; een stijging betekent "
        "dan niet per se meer criminaliteit.",
    ]
    if view.public:
        items.append(
            f"Aantallen van 1 tot en met {threshold - 1} zijn afgeschermd (< {threshold}): er wordt dan geen "
            "cijfer per inwoner, interval of toets getoond. Soms is ook een ander, groter aantal weggelaten "
            "('afgeschermd'), zodat het kleine aantal niet alsnog uit de totalen van wijk, stadsdeel of "
            "gemeente uit te rekenen is."
        )
    else:
        items.append(
            "Interne versie: kleine aantallen zijn niet afgeschermd. Verspreid dit document niet buiten de "
            "organisatie."
        )
    return Section(section_id, "Verantwoording", (Bullets(tuple(items)),))
